"""Returning books and the services menu, end to end: what a patron reads and what is stored.

GIVEN the kiosk as ``bootstrap.build`` wires it (the demo library with Dewi's overdue
books, an item another patron waits for and one of another branch; an empty store; the
real worker thread), WHEN someone chooses Return on the attract screen and scans books,
THEN each line says what happened and where the book goes, every return the ILS took is
stored with its outbox report (refusals as refusals, an ILS outage not at all), and when
the session ends nothing of it is left in the view-model.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flows.harness import FlowKiosk
from sqlalchemy import text

from kiosk import config as config_module
from kiosk.core.model import CheckinAnswer, ItemStatus
from kiosk.core.ports import IlsBackend, IlsUnreachable, StorageFailed
from kiosk.ils.local import demo_data as demo

SUTRISNO, SUTRISNO_PIN = demo.SUTRISNO.barcode, demo.SUTRISNO.pin
LATE_5 = demo.OVERDUE_5_DAYS  # Dewi's, 5 days late: Rp 5.000
HELD = demo.HELD_FOR_YOHANA  # Dewi's, Yohana waits for it: hold shelf
OTHER_BRANCH = demo.OTHER_BRANCH_ITEM  # Yohana's, of another branch: transit
ON_SHELF = demo.AVAILABLE  # nobody has it: not on loan
DEADLINE = 8.0  # the configured default [ils] deadline
HOLDS_CART = "Ada yang sedang menunggu buku ini: letakkan di troli bertanda PESANAN."


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    yield kiosk
    kiosk.close()


def start_return(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("return")
    assert kiosk.vm.screen == "return.scanning"


def line_of(kiosk: FlowKiosk, title: str) -> dict[str, Any]:
    [line] = [line for line in kiosk.vm.lines if line["title"] == title]
    return line


def rows(kiosk: FlowKiosk, sql: str) -> list[tuple[Any, ...]]:
    engine = kiosk.parts.store
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def outbox(kiosk: FlowKiosk) -> list[tuple[str, dict[str, Any]]]:
    return [(event.kind, event.payload) for event in kiosk.store.pending_outbox()]


def leftovers(kiosk: FlowKiosk, *titles: str) -> list[str]:
    """Titles still to be found anywhere in the view-model's display properties."""
    vm = kiosk.vm
    shown = " ".join(
        [
            *vm.state_texts.values(),
            *(f"{line['title']} {line['detail']}" for line in vm.lines),
            vm.progress_text,
            vm.notice_text,
            vm.error_text,
            vm.entry_text,
        ]
    )
    return [title for title in titles if title in shown]


# ----- the services menu ---------------------------------------------------------------------


def test_the_menu_offers_only_the_services_this_kiosk_has(kiosk: FlowKiosk) -> None:
    vm = kiosk.vm
    assert [(entry["label"], entry["key_text"]) for entry in vm.menu] == [
        ("Pinjam", "Tombol 1"),
        ("Kembalikan", "Tombol 2"),
        ("Akun saya & perpanjang", "Tombol 3"),
        ("Buku tamu", "Tombol 4"),
    ]
    vm.toggle_language()
    assert [entry["label"] for entry in vm.menu] == [
        "Borrow", "Return", "My account & renew", "Guest book"]  # fmt: skip
    vm.choose("survey")  # not in this kiosk's navigation: nothing happens, nothing breaks
    assert vm.screen == "idle"


def test_return_is_started_by_its_button_or_by_its_number(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("return")
    assert kiosk.vm.screen == "return.scanning"
    kiosk.vm.cancel()
    assert kiosk.vm.screen == "idle"
    kiosk.type("2")  # its number, then OK/Enter
    assert kiosk.vm.screen == "return.scanning"


def test_borrow_from_the_menu_asks_for_the_card_and_a_card_scan_still_starts_it(
    kiosk: FlowKiosk,
) -> None:
    vm = kiosk.vm
    kiosk.type("1")  # Borrow, by its number: its card step
    assert vm.screen == "borrow.card"
    kiosk.scan(SUTRISNO)
    assert vm.screen == "borrow.pin"
    vm.cancel()
    assert vm.screen == "idle"
    kiosk.scan(SUTRISNO)  # scanning the card on the attract screen borrows, as before
    assert vm.screen == "borrow.pin"
    vm.cancel()
    kiosk.type(SUTRISNO)  # and so does its number typed with Enter
    assert vm.screen == "borrow.pin"


def test_a_number_without_a_menu_entry_is_not_a_choice(kiosk: FlowKiosk) -> None:
    kiosk.type("7")
    assert kiosk.vm.screen == "idle"
    assert kiosk.vm.notice_text.startswith("Nomor kartu tidak dikenali")


# ----- each outcome: what the line says and what is stored -----------------------------------


def test_a_late_return_shows_the_fine_and_is_stored_with_it(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.scan(LATE_5.barcode)
    line = line_of(kiosk, LATE_5.title)
    assert (line["label"], line["tone"]) == ("Dikembalikan", "done")
    assert line["detail"] == (
        "Letakkan buku ini di troli pengembalian. "
        "Denda keterlambatan Rp 5.000 telah dicatat di akun Anda."
    )
    assert kiosk.vm.progress_text == "1 dari 1 buku dikembalikan"
    assert rows(kiosk, "SELECT item_barcode, title, fine, sort, destination FROM returns") == [
        (LATE_5.barcode, LATE_5.title, 5000, "shelf", "")
    ]
    [(kind, payload)] = outbox(kiosk)
    assert kind == "return"
    assert (payload["item_barcode"], payload["fine"], payload["sort"]) == (
        LATE_5.barcode,
        5000,
        "shelf",
    )
    assert demo.DEWI.barcode not in str(payload) and demo.DEWI.name not in str(payload)


def test_a_fine_reads_the_indonesian_way_in_english_too(kiosk: FlowKiosk) -> None:
    kiosk.vm.toggle_language()
    start_return(kiosk)
    kiosk.scan(LATE_5.barcode)
    assert line_of(kiosk, LATE_5.title)["detail"] == (
        "Put this book on the returns trolley. "
        "A late-return fine of Rp 5.000 has been added to your account."
    )
    assert kiosk.vm.progress_text == "1 of 1 book returned"


def test_a_book_someone_waits_for_goes_to_the_holds_cart(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.scan(HELD.barcode)
    line = line_of(kiosk, HELD.title)
    assert line["label"] == "Dikembalikan"
    assert line["detail"] == HOLDS_CART
    assert rows(kiosk, "SELECT item_barcode, sort, destination FROM returns") == [
        (HELD.barcode, "hold_shelf", "")
    ]
    assert [kind for kind, _ in outbox(kiosk)] == ["return"]


def test_a_book_of_another_branch_goes_in_the_transit_box_naming_the_branch(
    kiosk: FlowKiosk,
) -> None:
    kiosk.vm.toggle_language()
    start_return(kiosk)
    kiosk.scan(OTHER_BRANCH.barcode)
    assert line_of(kiosk, OTHER_BRANCH.title)["detail"] == (
        f"This book belongs to {demo.OTHER_BRANCH}: put it in the box marked TRANSIT."
    )
    assert rows(kiosk, "SELECT sort, destination FROM returns") == [("transit", demo.OTHER_BRANCH)]
    [(kind, payload)] = outbox(kiosk)
    assert (kind, payload["destination"]) == ("return", demo.OTHER_BRANCH)


def test_the_ils_own_message_is_shown_with_the_return(kiosk: FlowKiosk) -> None:
    # The DVD was lent at the desk; the library's note about it comes back with the return.
    lent = kiosk.ils.checkout(
        SUTRISNO, demo.FEE_DVD.barcode, kiosk.clock.now(), fee_acknowledged=True
    )
    assert lent.ok
    start_return(kiosk)
    kiosk.scan(demo.FEE_DVD.barcode)
    line = line_of(kiosk, demo.FEE_DVD.title)
    assert line["label"] == "Dikembalikan"
    assert line["detail"] == (
        "Letakkan buku ini di troli pengembalian. "
        "Pesan dari perpustakaan: Periksa: cakram DVD ada di dalam kotaknya."
    )


def test_a_book_not_on_loan_is_explained_and_its_refusal_stored(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.scan(ON_SHELF.barcode)
    line = line_of(kiosk, ON_SHELF.title)
    assert (line["label"], line["tone"]) == ("Tidak dikembalikan", "refused")
    assert line["detail"] == (
        "Buku ini tidak tercatat sedang dipinjam. Letakkan di troli pengembalian; pustakawan "
        "akan memeriksanya. — Pindai buku berikutnya, atau tekan Selesai mengembalikan."
    )
    assert rows(kiosk, "SELECT count(*) FROM returns") == [(0,)]
    assert rows(kiosk, "SELECT service, reason, item_barcode FROM refusals") == [
        ("return", "not_on_loan", ON_SHELF.barcode)
    ]
    [(kind, payload)] = outbox(kiosk)
    assert (kind, payload["service"], payload["reason"]) == ("refusal", "return", "not_on_loan")


def test_an_unknown_barcode_is_explained_and_its_refusal_stored(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.scan(demo.UNKNOWN_ITEM_BARCODE)
    [line] = kiosk.vm.lines
    assert line["title"] == f"Barcode {demo.UNKNOWN_ITEM_BARCODE}"
    assert line["label"] == "Tidak dikembalikan"
    assert line["detail"].startswith(
        "Buku ini tidak ditemukan di katalog. Jangan letakkan di troli; serahkan buku ini "
        "kepada pustakawan di meja layanan."
    )
    assert rows(kiosk, "SELECT service, reason, item_barcode FROM refusals") == [
        ("return", "unknown_item", demo.UNKNOWN_ITEM_BARCODE)
    ]
    assert [kind for kind, _ in outbox(kiosk)] == ["refusal"]


class DownIls:
    """A library system that cannot be reached."""

    def item_status(self, item_barcode: str) -> ItemStatus | None:
        raise IlsUnreachable("connection refused")

    def checkin(self, item_barcode: str, now: dt.datetime, no_block: bool = False) -> CheckinAnswer:
        raise IlsUnreachable("connection refused")


def test_ils_down_says_not_returned_and_what_to_do_and_stores_nothing(tmp_path: Path) -> None:
    """With returns not taken offline ([offline] returns = "refuse")."""
    config = config_module.from_mapping(
        {"ils": {"backend": "local"}, "offline": {"returns": "refuse"}}, None
    )
    kiosk = FlowKiosk(tmp_path, config=config, wrap_ils=lambda _real: DownIls())  # type: ignore[arg-type,return-value]
    try:
        start_return(kiosk)
        kiosk.scan(LATE_5.barcode)
        [line] = kiosk.vm.lines
        assert line["label"] == "Tidak dikembalikan"
        assert line["detail"] == (
            "Sistem perpustakaan sedang tidak dapat dihubungi. Buku ini belum dikembalikan. "
            "Simpan bukunya dan coba lagi beberapa menit lagi, atau kembalikan di meja "
            "layanan. — Pindai buku berikutnya, atau tekan Selesai mengembalikan."
        )
        assert outbox(kiosk) == []  # an outage is no refusal: nothing to report
    finally:
        kiosk.close()


class SlowIls:
    """The demo library, each check-in held until the test lets it go."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.entered: queue.Queue[str] = queue.Queue()
        self.gate = threading.Event()

    def item_status(self, item_barcode: str) -> ItemStatus | None:
        return self.real.item_status(item_barcode)

    def checkin(self, item_barcode: str, now: dt.datetime) -> CheckinAnswer:
        self.entered.put(item_barcode)
        assert self.gate.wait(30), "the test never let the check-in go"
        return self.real.checkin(item_barcode, now)

    def close(self) -> None:
        self.real.close()  # type: ignore[attr-defined]


def test_an_ils_too_slow_to_answer_says_not_returned_yet(tmp_path: Path) -> None:
    slow: list[SlowIls] = []
    kiosk = FlowKiosk(tmp_path, wrap_ils=lambda real: slow.append(SlowIls(real)) or slow[0])  # type: ignore[arg-type,return-value,func-returns-value]
    try:
        start_return(kiosk)
        kiosk.vm.scan(LATE_5.barcode)
        assert slow[0].entered.get(timeout=5) == LATE_5.barcode
        assert not kiosk.vm.can_finish  # Finish waits for the answer
        kiosk.wait(DEADLINE)
        [line] = kiosk.vm.lines
        assert line["label"] == "Tidak dikembalikan"
        assert line["detail"].startswith(
            "Sistem perpustakaan lambat menjawab. Buku ini belum tercatat dikembalikan. "
            "Pindai lagi sebentar lagi"
        )
        assert kiosk.vm.can_finish and kiosk.vm.screen == "return.scanning"
    finally:
        slow[0].gate.set()
        kiosk.close()


def test_a_return_the_store_cannot_record_says_tell_a_librarian(
    kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_return(kiosk)

    def full_disk(_outcome: object) -> None:
        raise StorageFailed("disk full")

    monkeypatch.setattr(kiosk.store, "record", full_disk)
    kiosk.scan(HELD.barcode)
    monkeypatch.undo()
    line = line_of(kiosk, HELD.title)
    assert line["label"] == "Dikembalikan"  # the library's system has it back
    assert line["detail"] == (
        f"{HOLDS_CART} Buku ini sudah dikembalikan, tetapi kiosk ini tidak dapat menyimpan "
        "catatannya. Mohon beri tahu pustakawan."
    )
    assert rows(kiosk, "SELECT count(*) FROM returns") == [(0,)] and outbox(kiosk) == []


def test_a_card_scanned_while_returning_is_told_no_card_is_needed(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.scan(LATE_5.barcode)
    kiosk.scan(SUTRISNO)
    assert kiosk.vm.screen == "return.scanning"
    assert kiosk.vm.notice_text.startswith("Untuk mengembalikan buku tidak perlu kartu")
    assert [line["title"] for line in kiosk.vm.lines] == [LATE_5.title]


def test_a_book_scanned_twice_is_returned_once(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.scan(LATE_5.barcode)
    kiosk.scan(LATE_5.barcode)
    assert kiosk.vm.notice_text == "Buku ini sudah ada di daftar Anda."
    assert len(kiosk.vm.lines) == 1 and rows(kiosk, "SELECT count(*) FROM returns") == [(1,)]


# ----- the end of a return session -----------------------------------------------------------


def return_three(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    for item in (LATE_5, HELD, ON_SHELF):
        kiosk.scan(item.barcode)
    assert kiosk.vm.progress_text == "2 dari 3 buku dikembalikan"


TITLES = (LATE_5.title, HELD.title, ON_SHELF.title)


def test_finish_shows_the_summary_then_the_rating_without_any_title(kiosk: FlowKiosk) -> None:
    vm = kiosk.vm
    return_three(kiosk)
    vm.finish()
    assert vm.screen == "return.summary"
    assert (vm.state_texts["count"], vm.state_texts["not_returned"]) == (
        "2 buku dikembalikan.",
        "1 buku tidak dikembalikan: lihat alasannya di bawah.",
    )
    # The fine charged, as on the receipt (a printer out of paper leaves this).
    assert vm.state_texts["fines"] == (
        "Denda keterlambatan yang dicatat: Rp 5.000. Bayar di meja layanan."
    )
    # the same lines, without "scan the next book" now that scanning is over
    assert [(line["label"], line["detail"]) for line in vm.lines][1:] == [
        ("Dikembalikan", HOLDS_CART),
        (
            "Tidak dikembalikan",
            "Buku ini tidak tercatat sedang dipinjam. Letakkan di troli pengembalian; "
            "pustakawan akan memeriksanya.",
        ),
    ]
    vm.finish()  # Done
    assert vm.screen == "rate"
    assert leftovers(kiosk, *TITLES) == [] and vm.lines == []
    vm.rate(5)
    kiosk.settle()
    assert rows(kiosk, "SELECT score, service FROM ratings") == [(5, "return")]


def test_cancel_ends_the_session_and_forgets_every_title(kiosk: FlowKiosk) -> None:
    return_three(kiosk)
    kiosk.vm.cancel()
    assert kiosk.vm.screen == "idle"
    assert leftovers(kiosk, *TITLES) == [] and kiosk.vm.lines == []
    assert rows(kiosk, "SELECT count(*) FROM returns") == [(2,)]  # what was returned stays


def test_walking_away_warns_then_ends_the_session_with_nothing_left(kiosk: FlowKiosk) -> None:
    vm = kiosk.vm
    return_three(kiosk)
    kiosk.wait(60 - 20)
    assert vm.warning_text.startswith("Masih di sana? Sesi berakhir dalam")
    assert vm.screen == "return.scanning"
    kiosk.wait(21)
    assert vm.screen == "idle"
    assert leftovers(kiosk, *TITLES) == [] and vm.lines == [] and vm.warning_text == ""


def test_the_summary_times_out_to_the_start_with_nothing_left(kiosk: FlowKiosk) -> None:
    return_three(kiosk)
    kiosk.vm.finish()
    kiosk.wait(11)
    assert kiosk.vm.screen == "idle"
    assert leftovers(kiosk, *TITLES) == [] and kiosk.vm.lines == []


def test_a_card_on_the_summary_starts_that_patrons_borrowing(kiosk: FlowKiosk) -> None:
    return_three(kiosk)
    kiosk.vm.finish()
    kiosk.scan(SUTRISNO)
    assert kiosk.vm.screen == "borrow.pin"
    assert leftovers(kiosk, *TITLES) == []
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(ON_SHELF.barcode)  # the book nobody had: now lent
    assert kiosk.vm.lines[0]["label"] == "Dipinjam"


def test_finish_with_nothing_scanned_goes_back_to_the_start(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.vm.finish()
    assert kiosk.vm.screen == "idle"


def test_every_return_screen_has_help_in_both_languages(kiosk: FlowKiosk) -> None:
    start_return(kiosk)
    kiosk.vm.show_help()
    assert kiosk.vm.help_text.startswith("Arahkan barcode setiap buku yang ingin dikembalikan")
    kiosk.vm.close_help()
    kiosk.vm.toggle_language()
    kiosk.scan(LATE_5.barcode)
    kiosk.vm.finish()
    kiosk.vm.show_help()
    assert kiosk.vm.help_text.startswith("This is the list of the books you returned")
