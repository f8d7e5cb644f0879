"""My account and renew, and signing in from the services menu, as a patron does it.

GIVEN the kiosk as ``bootstrap.build`` wires it (the real demo library and local store,
the worker thread, the view-model), WHEN a patron chooses a service, signs in with card
and PIN, reads their account and renews, THEN the screen says what the README's demo
tables promise, in words, and every renewal and refusal is in the store with its outbox
report (never the card), before the patron sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flows.harness import FlowKiosk

from kiosk.core.model import Account, Renewal, RenewAnswer
from kiosk.core.ports import IlsBackend, IlsUnreachable
from kiosk.core.services import account_view, recording
from kiosk.storage import recorders

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
DEWI, DEWI_PIN = "23171000010019", "3141"
YOHANA, YOHANA_PIN = "23171000010027", "2718"
RIZKI, RIZKI_PIN = "23171000000051", "5555"
HUJAN, SANG_PEMIMPI, BUMI, MATAHARI = (
    "33171000010025",
    "33171000010017",
    "33171000010033",
    "33171000010041",
)
NEGERI = "33171000010058"  # Yohana's, renewable
LASKAR_PELANGI = "33171000000018"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    kiosk.data_dir = tmp_path  # type: ignore[attr-defined]
    yield kiosk
    kiosk.close()


def sign_in(kiosk: FlowKiosk, card: str, pin: str, service: str = "account") -> None:
    kiosk.vm.choose(service)
    assert kiosk.vm.screen == f"{service}.card"
    kiosk.type(card)
    assert kiosk.vm.screen == f"{service}.pin"
    kiosk.type(pin)


def act(kiosk: FlowKiosk, action: str, key: str = "") -> None:
    """A button of the account screen, answered before returning."""
    kiosk.vm.act(action, key)
    kiosk.settle()


def loans(kiosk: FlowKiosk) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in kiosk.vm.state_rows["loans"]}


def stored(kiosk: FlowKiosk, table: str, columns: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(kiosk.data_dir / "kiosk.sqlite3")  # type: ignore[attr-defined]
    try:
        return db.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()
    finally:
        db.close()


def outbox(kiosk: FlowKiosk, kind: str) -> list[dict[str, Any]]:
    return [event.payload for event in kiosk.store.pending_outbox() if event.kind == kind]


# ----- signing in from the menu --------------------------------------------------------------


def test_borrow_from_the_menu_starts_with_the_card_step(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("borrow")
    assert kiosk.vm.screen == "borrow.card"
    assert kiosk.vm.state_texts["service"] == "Pinjam buku"
    kiosk.scan(LASKAR_PELANGI)  # a book first: told to scan the card
    assert kiosk.vm.notice_text.startswith("Itu barcode buku. Pindai kartu perpustakaan")
    kiosk.type(SUTRISNO)  # typed on the keypad, with OK
    assert kiosk.vm.screen == "borrow.pin"
    assert kiosk.vm.state_texts["card"] == "Kartu berakhiran 0010"
    kiosk.type(SUTRISNO_PIN)
    assert kiosk.vm.screen == "borrow.scanning"
    kiosk.scan(LASKAR_PELANGI)
    assert [line["status"] for line in kiosk.vm.lines] == ["done"]


def test_a_card_at_the_attract_screen_still_goes_straight_to_borrowing(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    assert kiosk.vm.screen == "borrow.pin"


def test_cancel_on_the_card_step_goes_back_to_the_start(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("account")
    kiosk.vm.cancel()
    assert kiosk.vm.screen == "idle"


# ----- the account -----------------------------------------------------------------------------


def test_dewis_account_shows_overdue_loans_in_words_and_fines_itemised(kiosk: FlowKiosk) -> None:
    sign_in(kiosk, DEWI, DEWI_PIN)
    assert kiosk.vm.screen == "account.overview"
    texts = kiosk.vm.state_texts
    assert texts["title"] == "Akun saya: Dewi Anggraini"
    assert texts["counts"] == "4 buku dipinjam. 2 terlambat."
    rows = loans(kiosk)
    assert rows[HUJAN]["label"] == "Terlambat 12 hari"  # in words, not by colour alone
    assert rows[SANG_PEMIMPI]["label"] == "Terlambat 5 hari"
    assert rows[SANG_PEMIMPI]["detail"].startswith("Seharusnya kembali ")
    assert rows[BUMI]["label"] == "Dipinjam"
    assert rows[BUMI]["detail"].startswith("Kembalikan paling lambat ")
    assert all(row["action"] == "Perpanjang" for row in rows.values())
    fines = [(row["title"], row["label"], row["detail"]) for row in kiosk.vm.state_rows["fines"]]
    assert fines == [
        ("Bulan", "Denda keterlambatan", "Sebesar Rp 3.000"),
        ("Hujan Bulan Juni", "Denda keterlambatan", "Sebesar Rp 12.000 (masih bertambah)"),
        ("Sang Pemimpi", "Denda keterlambatan", "Sebesar Rp 5.000 (masih bertambah)"),
    ]
    assert texts["fines_total"] == "Jumlah: Rp 20.000"
    assert "Rp 17.000" in texts["fines_accruing"]
    kiosk.vm.toggle_language()
    assert loans(kiosk)[HUJAN]["label"] == "12 days overdue"
    assert kiosk.vm.state_texts["fines_total"] == "Total: Rp 20.000"


def test_yohanas_hold_ready_and_her_place_in_a_queue(kiosk: FlowKiosk) -> None:
    sign_in(kiosk, YOHANA, YOHANA_PIN)
    holds = [(row["label"], row["title"], row["detail"]) for row in kiosk.vm.state_rows["holds"]]
    assert holds[0][:2] == ("Siap diambil", "Aroma Karsa")
    assert holds[0][2].startswith("Ambil di rak pesanan paling lambat ")
    assert holds[1] == ("Dalam antrean", "Bumi", "Urutan ke-1 dalam antrean.")
    assert kiosk.vm.state_texts["holds_count"] == "1 siap diambil, 1 masih dalam antrean."
    assert kiosk.vm.state_texts["fines_total"] == "Anda tidak memiliki denda."


def test_a_patron_at_the_loan_limit_signs_in_and_pages_with_buttons(
    kiosk: FlowKiosk,
) -> None:
    sign_in(kiosk, RIZKI, RIZKI_PIN, "borrow")  # refused for borrowing (5 of 5)...
    assert kiosk.vm.error_text.startswith("Anda sudah meminjam jumlah buku maksimum.")
    kiosk.vm.dismiss()
    sign_in(kiosk, RIZKI, RIZKI_PIN)  # ...welcome here, and no refusal is stored for it
    assert kiosk.vm.screen == "account.overview"
    assert stored(kiosk, "refusals", "service, reason") == [("borrow", "too_many_items")]
    assert kiosk.vm.state_texts["counts"].startswith("5 buku dipinjam.")
    assert len(kiosk.vm.state_rows["loans"]) == account_view.PAGE_SIZE
    assert kiosk.vm.state_texts["page"] == "Halaman 1 dari 2"
    assert not kiosk.vm.state_texts["page_previous"] and kiosk.vm.state_texts["page_next"]
    first_page = set(loans(kiosk))
    kiosk.vm.act("page", "next")
    assert kiosk.vm.state_texts["page"] == "Halaman 2 dari 2"
    assert len(loans(kiosk)) == 1 and not set(loans(kiosk)) & first_page
    kiosk.vm.act("page", "next")  # no further
    assert kiosk.vm.state_texts["page"] == "Halaman 2 dari 2"
    kiosk.vm.act("page", "previous")
    assert set(loans(kiosk)) == first_page


# ----- renewing --------------------------------------------------------------------------------


def test_renew_one_is_stored_with_its_report_before_the_row_says_renewed(
    kiosk: FlowKiosk,
) -> None:
    sign_in(kiosk, YOHANA, YOHANA_PIN)
    old_due = kiosk.ils.account(YOHANA, kiosk.clock.now()).loans[0].due
    act(kiosk, "renew", NEGERI)
    row = loans(kiosk)[NEGERI]
    [renewal] = stored(kiosk, "renewals", "item_barcode, title, due")
    assert renewal[:2] == (NEGERI, "Negeri Para Bedebah") and renewal[2] > old_due.isoformat()
    said = kiosk.vm.t("account.renewed_until", date=dt.date.fromisoformat(renewal[2]))
    assert (row["label"], row["detail"]) == ("Diperpanjang", said)
    assert said.startswith("Diperpanjang sampai ")
    assert row["action"] == ""  # renewed: no second press
    [report] = outbox(kiosk, "renewal")
    assert report["item_barcode"] == NEGERI and YOHANA not in json.dumps(report)
    assert kiosk.vm.state_texts["counts"] == "1 buku dipinjam. 1 baru saja diperpanjang."

    kiosk.vm.finish()
    assert kiosk.vm.screen == "account.summary"
    assert kiosk.vm.state_texts["count"] == "1 buku diperpanjang."
    assert kiosk.vm.state_texts["totals"].startswith(
        "Anda sekarang meminjam 1 buku. Jatuh tempo terdekat: "
    )
    [line] = [row for row in kiosk.vm.state_rows["loans"] if row["key"] == NEGERI]
    assert (line["title"], line["detail"]) == ("Negeri Para Bedebah", row["detail"])
    kiosk.vm.finish()  # Done: then the rating, with nothing of Yohana's
    assert kiosk.vm.screen == "rate"


def test_the_summary_lists_every_loan_and_what_is_owed_even_with_nothing_renewed(
    kiosk: FlowKiosk,
) -> None:
    """A patron who only looked at their account leaves with the same list on screen as on
    the receipt: every loan with its word and date, the nearest due date, the fines."""
    sign_in(kiosk, DEWI, DEWI_PIN)
    act(kiosk, "renew_all")  # each of Dewi's loans is refused, each with its reason
    kiosk.vm.finish()
    assert kiosk.vm.screen == "account.summary"
    assert kiosk.vm.state_texts["count"] == "Tidak ada buku yang diperpanjang."
    totals = kiosk.vm.state_texts["totals"]
    # Two of them are late: the nearest date still to come does not hide that.
    assert totals.startswith(
        "Anda sekarang meminjam 4 buku. 2 di antaranya sudah terlambat. Jatuh tempo terdekat: "
    )
    assert totals.endswith("Denda Anda saat ini: Rp 20.000.")
    rows = kiosk.vm.state_rows["loans"]
    assert [row["key"] for row in rows] == [HUJAN, SANG_PEMIMPI, BUMI, MATAHARI]
    assert {row["label"] for row in rows} == {"Tidak diperpanjang"}
    assert all(row["action"] == "" for row in rows)  # nothing to press on a summary


def test_renew_all_gives_each_loan_its_own_answer_and_stores_each_refusal(
    kiosk: FlowKiosk,
) -> None:
    sign_in(kiosk, DEWI, DEWI_PIN)
    act(kiosk, "renew_all")
    rows = loans(kiosk)
    assert {key: row["label"] for key, row in rows.items()} == dict.fromkeys(
        (HUJAN, SANG_PEMIMPI, BUMI, MATAHARI), "Tidak diperpanjang"
    )
    assert "Sudah terlambat 12 hari." in rows[HUJAN]["detail"]  # still said in words
    assert "sudah lewat jatuh tempo" in rows[HUJAN]["detail"]
    assert "Silakan kembalikan secepatnya" in rows[HUJAN]["detail"]
    assert "dipesan oleh anggota lain" in rows[BUMI]["detail"]
    assert "agar anggota yang menunggu dapat meminjamnya" in rows[BUMI]["detail"]
    assert "batas perpanjangan" in rows[MATAHARI]["detail"]
    assert all(row["action"] == "" for row in rows.values())  # nothing to retry
    assert kiosk.vm.notice_text == "0 dari 4 buku diperpanjang."
    refusals = stored(kiosk, "refusals", "service, reason, item_barcode")
    assert sorted(refusals) == sorted(
        [
            ("account", "item_overdue", HUJAN),
            ("account", "item_overdue", SANG_PEMIMPI),
            ("account", "on_hold_for_another", BUMI),
            ("account", "renewal_limit", MATAHARI),
        ]
    )
    reports = outbox(kiosk, "refusal")
    assert len(reports) == 4 and DEWI not in json.dumps(reports)
    assert stored(kiosk, "renewals", "item_barcode") == []
    kiosk.vm.finish()
    assert kiosk.vm.state_texts["count"] == "Tidak ada buku yang diperpanjang."


def test_renew_all_with_mixed_results(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path)
    kiosk.data_dir = tmp_path  # type: ignore[attr-defined]
    try:
        # Dewi borrows a book she can renew, then renews all: one yes, four noes.
        kiosk.scan(DEWI)
        kiosk.type(DEWI_PIN)
        kiosk.scan(LASKAR_PELANGI)
        kiosk.vm.cancel()
        kiosk.vm.cancel()
        sign_in(kiosk, DEWI, DEWI_PIN)
        act(kiosk, "renew_all")
        rows = loans(kiosk) | {}
        kiosk.vm.act("page", "next")
        rows |= loans(kiosk)
        labels = {key: row["label"] for key, row in rows.items()}
        assert labels[LASKAR_PELANGI] == "Diperpanjang"
        assert labels[MATAHARI] == labels[BUMI] == labels[HUJAN] == "Tidak diperpanjang"
        assert kiosk.vm.notice_text == "1 dari 5 buku diperpanjang."
        assert [r[0] for r in stored(kiosk, "renewals", "item_barcode")] == [LASKAR_PELANGI]
        assert len(outbox(kiosk, "renewal")) == 1 and len(outbox(kiosk, "refusal")) == 4
    finally:
        kiosk.close()


def test_a_renewal_the_store_cannot_take_still_says_renewed_and_tell_a_librarian(
    kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(kiosk, YOHANA, YOHANA_PIN)

    def broken(*_args: object) -> object:
        raise RuntimeError("sqlite3.Connection is closed")

    broken_recorders = dict(recorders.RECORDERS)
    broken_recorders[Renewal] = (broken, "renewal")
    monkeypatch.setattr(recorders, "RECORDERS", broken_recorders)
    monkeypatch.setattr(recording, "STORE_RETRY_DELAYS", (0.0,))
    act(kiosk, "renew", NEGERI)
    row = loans(kiosk)[NEGERI]
    assert row["label"] == "Diperpanjang"  # the library renewed it
    assert "kios gagal menyimpan buktinya. Tolong beri tahu pustakawan." in row["detail"]
    [line] = [r.getMessage() for r in caplog.records if "not stored after" in r.getMessage()]
    assert "RuntimeError" in line and "\n" not in line and NEGERI not in line


class DownIls:
    """The demo library, unreachable for the account or for renewals when told so."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.account_down = False
        self.renew_down = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def account(self, card: str, now: Any) -> Account:
        if self.account_down:
            raise IlsUnreachable("connection refused")
        return self.real.account(card, now)

    def renew(self, card: str, item: str, now: Any) -> RenewAnswer:
        if self.renew_down:
            raise IlsUnreachable("connection refused")
        return self.real.renew(card, item, now)


def down_kiosk(tmp_path: Path) -> tuple[FlowKiosk, DownIls]:
    made: list[DownIls] = []

    def wrap(real: IlsBackend) -> IlsBackend:
        made.append(DownIls(real))
        return made[0]  # type: ignore[return-value]

    return FlowKiosk(tmp_path, wrap_ils=wrap), made[0]


def test_library_system_down_is_a_clear_notice_and_nothing_is_lost(tmp_path: Path) -> None:
    kiosk, ils = down_kiosk(tmp_path)
    kiosk.data_dir = tmp_path  # type: ignore[attr-defined]
    try:
        ils.account_down = True
        sign_in(kiosk, YOHANA, YOHANA_PIN)
        assert kiosk.vm.screen == "error"
        assert kiosk.vm.error_text.startswith("Sistem perpustakaan sedang tidak dapat dihubungi.")
        kiosk.vm.dismiss()

        ils.account_down, ils.renew_down = False, True
        sign_in(kiosk, YOHANA, YOHANA_PIN)
        act(kiosk, "renew", NEGERI)
        row = loans(kiosk)[NEGERI]
        assert row["label"] == "Tidak diperpanjang"
        assert "Pinjaman Anda tetap seperti semula" in row["detail"]
        assert row["action"] == "Perpanjang"  # try again later
        ils.renew_down = False
        act(kiosk, "renew", NEGERI)
        assert loans(kiosk)[NEGERI]["label"] == "Diperpanjang"
        assert stored(kiosk, "refusals", "reason") == []  # an outage is not a refusal
    finally:
        kiosk.close()


# ----- sign-in refusals ------------------------------------------------------------------------

REFUSED_SIGN_INS = [
    (
        "23171990000012",
        "1234",
        "unknown_patron",
        "Kartu ini tidak terdaftar di perpustakaan. Silakan bawa kartu Anda ke meja layanan.",
    ),
    (
        "23171000000044",
        "4321",
        "card_expired",
        "Masa berlaku kartu Anda sudah habis. Anda dapat memperpanjang kartu di meja layanan.",
    ),
    (
        "23171000000036",
        "1111",
        "fines_over_limit",
        "Denda Anda melebihi batas. Silakan lunasi di meja layanan, lalu Anda dapat meminjam lagi.",
    ),
    (
        "23171000000069",
        "6789",
        "patron_blocked",
        "Peminjaman dengan kartu ini sedang diblokir. Silakan tanyakan ke meja layanan. "
        "Pesan dari perpustakaan: Kartu diblokir karena ada buku yang hilang. "
        "Silakan ke bagian sirkulasi.",
    ),
]


@pytest.mark.parametrize("service", ["account", "borrow"])
@pytest.mark.parametrize(("card", "pin", "reason", "text"), REFUSED_SIGN_INS)
def test_each_sign_in_refusal_is_explained_and_stored_without_the_card(
    kiosk: FlowKiosk, service: str, card: str, pin: str, reason: str, text: str
) -> None:
    sign_in(kiosk, card, pin, service)
    assert (kiosk.vm.screen, kiosk.vm.error_text) == ("error", text)
    assert stored(kiosk, "refusals", "service, reason, item_barcode") == [(service, reason, "")]
    [report] = outbox(kiosk, "refusal")
    assert report["reason"] == reason and card not in json.dumps(report)


def test_wrong_pins_are_explained_counted_and_stored_until_the_card_locks(
    kiosk: FlowKiosk,
) -> None:
    sign_in(kiosk, DEWI, "0000")
    assert kiosk.vm.screen == "account.pin"
    assert kiosk.vm.notice_text == (
        "PIN salah. Sisa percobaan: 2. Silakan ketik PIN Anda lagi. "
        "Jika lupa, tanyakan ke meja layanan."
    )
    kiosk.type("0000")
    kiosk.type("0000")
    assert kiosk.vm.error_text == "PIN salah terlalu sering. Silakan hubungi pustakawan."
    kiosk.vm.dismiss()
    sign_in(kiosk, DEWI, "0000")
    kiosk.type("0000")  # the fifth wrong PIN for this card at this kiosk
    assert kiosk.vm.error_text.startswith("Terlalu banyak PIN salah untuk kartu ini.")
    reasons = [row[0] for row in stored(kiosk, "refusals", "reason")]
    assert reasons == ["wrong_pin"] * 4 + ["pin_locked"]
    assert DEWI not in json.dumps(outbox(kiosk, "refusal"))


# ----- the end of a session leaves nothing behind ------------------------------------------

DEWIS_TRACES = ("Dewi", "Anggraini", DEWI, DEWI[-4:], "Hujan Bulan Juni", "Matahari", "Rp ")


def everything_shown(kiosk: FlowKiosk) -> str:
    """Every text the view-model holds for the screens, in one string."""
    vm = kiosk.vm
    parts = [
        json.dumps(dict(vm.state_texts), ensure_ascii=False),
        json.dumps(dict(vm.state_rows), ensure_ascii=False),
        json.dumps(list(vm.lines), ensure_ascii=False, default=str),
        vm.notice_text,
        vm.error_text,
        vm.warning_text,
        vm.progress_text,
        vm.entry_text,
        vm.pin_mask,
        vm.help_text,
    ]
    return "\n".join(parts)


def end_by_finish(kiosk: FlowKiosk) -> None:
    kiosk.vm.finish()
    assert kiosk.vm.screen == "account.summary"
    assert "Dewi Anggraini" in kiosk.vm.state_texts["title"]
    kiosk.vm.finish()
    assert kiosk.vm.screen == "rate"


def end_by_cancel(kiosk: FlowKiosk) -> None:
    kiosk.vm.cancel()
    assert kiosk.vm.screen == "idle"


def end_by_timeout(kiosk: FlowKiosk) -> None:
    timeouts = kiosk.session.timeouts
    kiosk.wait(timeouts.idle - timeouts.warning + 1)
    assert kiosk.vm.warning_text.startswith("Masih di sana? Sesi berakhir dalam ")
    kiosk.wait(timeouts.warning)
    assert kiosk.vm.screen == "idle"


def end_by_new_card(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    assert kiosk.vm.screen == "borrow.pin"
    assert kiosk.vm.state_texts["card"] == "Kartu berakhiran 0010"


@pytest.mark.parametrize(
    "end", [end_by_finish, end_by_cancel, end_by_timeout, end_by_new_card],
    ids=["finish", "cancel", "timeout", "new-card"],
)  # fmt: skip
def test_the_end_of_an_account_session_leaves_no_trace(kiosk: FlowKiosk, end: Any) -> None:
    sign_in(kiosk, DEWI, DEWI_PIN)
    act(kiosk, "renew", BUMI)  # a refusal on a row, and a notice-worthy session
    before = everything_shown(kiosk)
    assert all(trace in before for trace in ("Dewi Anggraini", "Hujan Bulan Juni", "Rp "))
    end(kiosk)
    after = everything_shown(kiosk)
    for trace in DEWIS_TRACES:
        assert trace not in after
    assert kiosk.session.service_data == {} and kiosk.session.patron is None
    assert kiosk.session.card in (None, SUTRISNO)
