"""Every reason a book is not lent while borrowing, and a loan fee to accept.

GIVEN the kiosk as ``bootstrap.build`` wires it (embedded demo library, empty local store,
the real worker thread), WHEN a signed-in patron scans an item the library refuses (or
the library, or the kiosk's store, fails), THEN the item's line says why and what to do
next in the patron's language, and the store holds exactly what happened: a ``refusal``
row and outbox report naming the item but never the patron, and no loan. An item with a
loan fee asks first; the patron's answer is what gets recorded.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flows.harness import FlowKiosk

from kiosk.core.model import CheckoutAnswer, FeeAccepted, FineReason, PatronCheck
from kiosk.core.ports import IlsBackend, IlsUnavailable, StorageFailed
from kiosk.ils.local import demo_data as demo
from kiosk.ils.local.backend import HELD_MESSAGE

NEXT = "Pindai buku berikutnya, atau tekan Selesai meminjam."
NEXT_EN = "Scan your next book, or press Finish borrowing."
DVD = demo.FEE_DVD
FEE_QUESTION = (
    "“Laskar Pelangi (film, DVD)” dikenai biaya pinjam Rp\u00a05.000. "
    "Pinjam dan bayar biayanya di meja layanan?"
)


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    yield kiosk
    kiosk.close()


def sign_in(kiosk: FlowKiosk, patron: demo.DemoPatron = demo.SUTRISNO) -> None:
    kiosk.scan(patron.barcode)
    kiosk.type(patron.pin)
    assert kiosk.vm.screen == "borrow.scanning"


def rows(kiosk: FlowKiosk, sql: str) -> list[tuple[Any, ...]]:
    with kiosk.parts.store.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql).all()]


def outbox(kiosk: FlowKiosk, kind: str) -> list[dict[str, Any]]:
    return [event.payload for event in kiosk.store.pending_outbox() if event.kind == kind]


def line_of(kiosk: FlowKiosk, barcode: str) -> dict[str, Any]:
    [line] = [line for line in kiosk.vm.lines if line["barcode"] == barcode]
    return line


def assert_no_patron(kiosk: FlowKiosk, patron: demo.DemoPatron) -> None:
    """Nothing stored for central names the patron (card number or name)."""
    for event in kiosk.store.pending_outbox():
        text = str(event.payload)
        assert patron.barcode not in text and patron.name not in text, event


# ----- what the library refuses ----------------------------------------------------------------

ILS_REFUSALS = [
    pytest.param(
        demo.SUTRISNO,
        demo.REFERENCE.barcode,
        "not_loanable",
        "Buku ini hanya untuk dibaca di perpustakaan. Anda dapat membacanya di sini, lalu "
        f"letakkan di troli pengembalian. {NEXT}",
        "This book is for reading in the library only. You can read it here; leave it on "
        f"the return trolley afterwards. {NEXT_EN}",
        id="not-loanable",
    ),
    pytest.param(
        demo.SUTRISNO,
        demo.HELD_FOR_SITI.barcode,
        "on_hold_for_another",
        # the library system's own message follows the kiosk's words, as it came
        "Buku ini sedang dipesan oleh anggota lain. Silakan serahkan ke pustakawan agar "
        f"sampai ke anggota tersebut. {NEXT} — Pesan sistem perpustakaan: {HELD_MESSAGE}",
        "This book is reserved for another member. Please hand it to a librarian so it "
        f"reaches that member. {NEXT_EN} — Message from the library system: {HELD_MESSAGE}",
        id="on-hold-for-another",
    ),
    pytest.param(
        demo.SUTRISNO,
        demo.LENT_TO_SITI.barcode,
        "on_loan_to_another",
        f"Buku ini tercatat sedang dipinjam anggota lain. Silakan serahkan ke pustakawan. {NEXT}",
        "This book is recorded as on loan to someone else. Please hand it to a librarian. "
        f"{NEXT_EN}",
        id="on-loan-to-another",
    ),
    pytest.param(
        demo.SITI,
        demo.LENT_TO_SITI.barcode,
        "already_yours",
        "Buku ini sudah tercatat atas kartu Anda. Kembalikan paling lambat 3 Juni 2026. "
        f"Anda boleh membawanya. {NEXT}",
        "This book is already on your card. Return it by 3 June 2026. You can take it with "
        f"you. {NEXT_EN}",
        id="already-yours",
    ),
    pytest.param(
        demo.SUTRISNO,
        demo.UNKNOWN_ITEM_BARCODE,
        "unknown_item",
        f"Buku ini tidak ditemukan di katalog. Silakan serahkan buku ini ke pustakawan. {NEXT}",
        "This book was not found in the catalogue. Please hand this book to a librarian. "
        f"{NEXT_EN}",
        id="unknown-item",
    ),
]


@pytest.mark.parametrize(("patron", "item", "reason", "said_id", "said_en"), ILS_REFUSALS)
def test_a_refused_item_says_why_and_what_next_and_is_recorded_without_the_patron(
    kiosk: FlowKiosk,
    patron: demo.DemoPatron,
    item: str,
    reason: str,
    said_id: str,
    said_en: str,
) -> None:
    sign_in(kiosk, patron)
    kiosk.scan(item)
    line = line_of(kiosk, item)
    shown = (line["status"], line["detail"])
    kiosk.vm.toggle_language()
    shown_en = line_of(kiosk, item)["detail"]

    if reason == "already_yours":
        # Not an error: the loan exists; the date moves with the day the library was seeded.
        assert line["status"] == "refused" and line["tone"] == "info"
        due = kiosk.ils.item_status(item).due
        assert due is not None
        said_id = said_id.replace("3 Juni 2026", f"{due.day} {_MONTHS_ID[due.month]} {due.year}")
        said_en = said_en.replace("3 June 2026", f"{due.day} {due:%B} {due.year}")
    assert shown == ("refused", said_id)
    assert shown_en == said_en
    assert kiosk.store.loans() == []
    assert rows(kiosk, "SELECT service, reason, item_barcode FROM refusals") == [
        ("borrow", reason, item)
    ]
    [report] = outbox(kiosk, "refusal")
    assert (report["service"], report["reason"], report["item_barcode"]) == ("borrow", reason, item)
    assert_no_patron(kiosk, patron)


_MONTHS_ID = {
    1: "Januari", 2: "Februari", 3: "Maret", 4: "April", 5: "Mei", 6: "Juni", 7: "Juli",
    8: "Agustus", 9: "September", 10: "Oktober", 11: "November", 12: "Desember",
}  # fmt: skip


def available_items(count: int) -> list[str]:
    """Items of the demo library nobody has and nobody waits for, without a fee."""
    library = demo.generate()
    taken = {loan.item_barcode for loan in library.loans} | {h.item_barcode for h in library.holds}
    free = [
        item.barcode
        for item in library.items
        if not (item.reference or item.loan_fee or item.barcode in taken)
    ]
    return free[:count]


def test_the_loan_limit_refuses_the_next_book_and_says_to_return_one(kiosk: FlowKiosk) -> None:
    sign_in(kiosk)
    books = available_items(demo.LOAN_LIMIT + 1)
    for book in books:
        kiosk.scan(book)
    assert len(kiosk.store.loans()) == demo.LOAN_LIMIT
    last = line_of(kiosk, books[-1])
    assert (last["status"], last["detail"]) == (
        "refused",
        "Anda sudah meminjam jumlah buku maksimum. Letakkan buku ini di troli pengembalian, "
        "atau kembalikan buku lain dahulu. Tekan Selesai meminjam jika sudah.",
    )
    assert rows(kiosk, "SELECT reason, item_barcode FROM refusals") == [
        ("too_many_items", books[-1])
    ]
    assert_no_patron(kiosk, demo.SUTRISNO)


# ----- when the library system or the kiosk fails ----------------------------------------------


class FailingIls:
    """The real demo library, whose check-outs fail the way ``mode`` says."""

    def __init__(self, real: IlsBackend, mode: str) -> None:
        self.real = real
        self.mode = mode
        self.release = threading.Event()
        self.entered = threading.Event()

    def identify_patron(self, barcode: str) -> PatronCheck:
        return self.real.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        return self.real.check_patron(barcode, pin)

    def checkout(self, patron: str, item: str, now: dt.datetime) -> CheckoutAnswer:
        if self.mode == "lost":
            raise IlsUnavailable("connection reset after the request was sent")
        self.entered.set()
        self.release.wait(30)  # "hang": answers only after the deadline
        return self.real.checkout(patron, item, now)

    def item_status(self, item: str) -> object:
        return self.real.item_status(item)

    def close(self) -> None:
        self.release.set()
        self.real.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        (
            # The answer was lost after asking: it may have been lent, so the patron is not
            # told "not borrowed" (attack trial) but what a deadline says.
            "lost",
            "Sistem perpustakaan lambat menjawab. Simpan bukunya dan pindai lagi sebentar lagi, "
            "atau pinjam di meja layanan.",
        ),
        (
            "hang",
            "Sistem perpustakaan lambat menjawab. Simpan bukunya dan pindai lagi sebentar lagi, "
            "atau pinjam di meja layanan.",
        ),
    ],
)
def test_library_system_down_or_slow_says_what_to_do_and_lends_nothing(
    tmp_path: Path, mode: str, said: str
) -> None:
    wrapped: list[FailingIls] = []

    def wrap(real: IlsBackend) -> IlsBackend:
        wrapped.append(FailingIls(real, mode))
        return wrapped[0]  # type: ignore[return-value]

    kiosk = FlowKiosk(tmp_path, wrap_ils=wrap)
    try:
        sign_in(kiosk)
        if mode == "lost":
            kiosk.scan(demo.AVAILABLE.barcode)
        else:
            kiosk.vm.scan(demo.AVAILABLE.barcode)
            assert wrapped[0].entered.wait(10)  # the library is being asked
            kiosk.wait(9)  # past the 8 s deadline
        line = line_of(kiosk, demo.AVAILABLE.barcode)
        assert (line["status"], line["detail"]) == ("refused", said)
        # Nothing is known to be lent: no loan, no refusal (the library refused nothing);
        # the intent stays for reconciliation to settle with the library.
        assert kiosk.store.loans() == [] and rows(kiosk, "SELECT * FROM refusals") == []
        assert [i.item_barcode for i in kiosk.store.open_checkouts()] == [demo.AVAILABLE.barcode]
    finally:
        wrapped[0].release.set()
        kiosk.close()


def test_a_loan_the_store_could_not_record_is_borrowed_with_tell_a_librarian(
    kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(kiosk)
    monkeypatch.setattr("kiosk.core.services.recording.STORE_RETRY_DELAYS", ())

    def full_disk(outcome: object) -> None:
        raise StorageFailed("disk full")

    monkeypatch.setattr(kiosk.store, "record", full_disk)
    kiosk.scan(demo.AVAILABLE.barcode)
    line = line_of(kiosk, demo.AVAILABLE.barcode)
    assert line["status"] == "done"
    assert line["detail"].endswith(
        "Buku sudah dipinjamkan kepada Anda, tetapi kios gagal menyimpan buktinya. "
        f"Anda boleh membawanya; tunjukkan layar ini kepada pustakawan. {NEXT}"
    )
    monkeypatch.undo()
    assert kiosk.ils.item_status(demo.AVAILABLE.barcode).on_loan  # lent by the library
    assert kiosk.store.loans() == []  # not recorded: reconciliation will, from the intent
    assert [i.item_barcode for i in kiosk.store.open_checkouts()] == [demo.AVAILABLE.barcode]


# ----- a loan fee to accept --------------------------------------------------------------------


def fee_rows(kiosk: FlowKiosk) -> list[tuple[Any, ...]]:
    return rows(kiosk, "SELECT item_barcode, title, amount FROM fee_acceptances")


def ask_fee(kiosk: FlowKiosk) -> None:
    sign_in(kiosk)
    kiosk.scan(DVD.barcode)
    assert kiosk.vm.screen == "borrow.fee"
    assert kiosk.vm.state_texts["question"] == FEE_QUESTION
    asked = line_of(kiosk, DVD.barcode)
    assert (asked["label"], asked["tone"]) == ("Menunggu jawaban Anda", "info")  # not refused
    # The question is not a refusal yet: nothing stored but the settled intent.
    assert rows(kiosk, "SELECT * FROM refusals") == [] and fee_rows(kiosk) == []
    assert kiosk.store.open_checkouts() == []


def test_accepting_a_fee_records_it_then_lends_and_the_summary_says_so(kiosk: FlowKiosk) -> None:
    ask_fee(kiosk)
    kiosk.vm.dismiss()  # "Yes, borrow it" (and Enter) send OK
    kiosk.settle()
    assert kiosk.vm.screen == "borrow.scanning"
    line = line_of(kiosk, DVD.barcode)
    due = kiosk.store.loans()[0].loan.due
    assert (line["status"], line["detail"]) == (
        "done",
        f"Kembalikan paling lambat {due.day} {_MONTHS_ID[due.month]} {due.year} — "
        "Biaya pinjam Rp\u00a05.000: bayar di meja layanan",
    )
    assert fee_rows(kiosk) == [(DVD.barcode, DVD.title, 5_000)]
    assert [(s.loan.item_barcode, s.loan.title) for s in kiosk.store.loans()] == [
        (DVD.barcode, DVD.title)
    ]
    kinds = [event.kind for event in kiosk.store.pending_outbox()]
    assert kinds == ["fee_accepted", "checkout"]  # accepted first, then lent
    assert outbox(kiosk, "fee_accepted")[0]["amount"] == 5_000
    assert rows(kiosk, "SELECT * FROM refusals") == []
    # The library charged it, once.
    fines = kiosk.ils.account(demo.SUTRISNO.barcode, kiosk.clock.now()).fines
    assert [(f.reason, f.amount) for f in fines] == [(FineReason.LOAN_FEE, 5_000)]
    assert_no_patron(kiosk, demo.SUTRISNO)

    kiosk.vm.finish()
    assert kiosk.vm.state_texts["fees"] == (
        "Anda menyetujui biaya pinjam Rp\u00a05.000. Silakan bayar di meja layanan."
    )
    kiosk.vm.toggle_language()
    assert kiosk.vm.state_texts["fees"] == (
        "You agreed to loan fees of Rp\u00a05.000. Please pay them at the service desk."
    )


def test_declining_a_fee_lends_nothing_and_says_what_to_do_with_the_item(
    kiosk: FlowKiosk,
) -> None:
    ask_fee(kiosk)
    kiosk.vm.cancel()  # "No, don't borrow it" (and Escape)
    kiosk.settle()
    assert kiosk.vm.screen == "borrow.scanning"
    line = line_of(kiosk, DVD.barcode)
    assert (line["status"], line["detail"]) == (
        "refused",
        "Anda memilih tidak meminjam barang ini, jadi tidak ada biaya. Letakkan di troli "
        f"pengembalian; jika berubah pikiran, pindai lagi. {NEXT}",
    )
    assert kiosk.store.loans() == [] and fee_rows(kiosk) == []
    assert not kiosk.ils.item_status(DVD.barcode).on_loan
    assert rows(kiosk, "SELECT service, reason, item_barcode FROM refusals") == [
        ("borrow", "fee_declined", DVD.barcode)
    ]
    assert [event.kind for event in kiosk.store.pending_outbox()] == ["refusal"]
    assert_no_patron(kiosk, demo.SUTRISNO)

    kiosk.vm.finish()
    assert kiosk.vm.state_texts["fees"] == ""
    assert kiosk.vm.state_texts["not_borrowed"].startswith("1 buku tidak dipinjam")

    # Changed their mind: scanning it again asks again.
    kiosk.scan(demo.SUTRISNO.barcode)
    kiosk.type(demo.SUTRISNO.pin)
    kiosk.scan(DVD.barcode)
    assert kiosk.vm.screen == "borrow.fee"


def test_walking_away_from_the_fee_question_ends_cleanly(kiosk: FlowKiosk) -> None:
    ask_fee(kiosk)
    kiosk.wait(45)
    assert kiosk.vm.warning_text.startswith("Masih di sana?")  # warned first, like scanning
    kiosk.wait(20)
    assert kiosk.vm.screen == "idle"
    assert kiosk.vm.lines == [] and kiosk.vm.state_texts == {}
    assert kiosk.session.patron is None and kiosk.session.lines == []
    assert kiosk.store.loans() == [] and fee_rows(kiosk) == []
    assert not kiosk.ils.item_status(DVD.barcode).on_loan
    assert kiosk.store.pending_outbox() == []


def test_other_scans_while_the_fee_is_asked_are_turned_away_politely(kiosk: FlowKiosk) -> None:
    ask_fee(kiosk)
    kiosk.scan(demo.AVAILABLE.barcode)  # the serial scanner
    kiosk.wedge(demo.NEW_ITEM.barcode)  # a keyboard-wedge scanner ends with Enter...
    assert kiosk.vm.screen == "borrow.fee"  # ...which does not accept the fee
    assert kiosk.vm.notice_text == (
        "Jawab dulu pertanyaan tentang biaya, lalu pindai buku itu lagi."
    )
    assert [line["barcode"] for line in kiosk.vm.lines] == [DVD.barcode]
    assert fee_rows(kiosk) == [] and kiosk.store.loans() == []
    kiosk.vm.cancel()
    kiosk.settle()
    assert kiosk.vm.notice_text == ""
    kiosk.scan(demo.AVAILABLE.barcode)  # scanned again after answering: lent
    assert line_of(kiosk, demo.AVAILABLE.barcode)["status"] == "done"


def test_a_fee_acceptance_the_store_cannot_record_asks_the_library_nothing(
    kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_fee(kiosk)
    real_record = kiosk.store.record

    def no_fee_rows(outcome: Any) -> None:
        if isinstance(outcome, FeeAccepted):
            raise StorageFailed("disk full")
        real_record(outcome)

    monkeypatch.setattr(kiosk.store, "record", no_fee_rows)
    kiosk.vm.dismiss()
    kiosk.settle()
    line = line_of(kiosk, DVD.barcode)
    assert (line["status"], line["detail"]) == (
        "refused",
        "Terjadi gangguan pada kios ini. Silakan bawa buku ini ke meja layanan.",
    )
    assert not kiosk.ils.item_status(DVD.barcode).on_loan  # the library was not asked
    assert kiosk.ils.account(demo.SUTRISNO.barcode, kiosk.clock.now()).fines == ()


class FeeForgettingIls:
    """The demo library, but it ignores the patron's acceptance of a fee (misconfigured)."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real

    def identify_patron(self, barcode: str) -> PatronCheck:
        return self.real.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        return self.real.check_patron(barcode, pin)

    def checkout(
        self, patron: str, item: str, now: dt.datetime, fee_acknowledged: bool = False
    ) -> CheckoutAnswer:
        return self.real.checkout(patron, item, now)  # the acknowledgement is lost

    def item_status(self, item: str) -> object:
        return self.real.item_status(item)

    def close(self) -> None:
        self.real.close()  # type: ignore[attr-defined]


def test_a_library_that_asks_for_the_fee_again_sends_the_patron_to_the_desk(
    tmp_path: Path,
) -> None:
    kiosk = FlowKiosk(tmp_path, wrap_ils=FeeForgettingIls)  # type: ignore[arg-type]
    try:
        ask_fee(kiosk)
        kiosk.vm.dismiss()
        kiosk.settle()
        assert kiosk.vm.screen == "borrow.scanning"  # not asked the same question forever
        line = line_of(kiosk, DVD.barcode)
        assert (line["status"], line["detail"]) == (
            "refused",
            "Terjadi gangguan pada kios ini. Silakan bawa buku ini ke meja layanan.",
        )
        assert fee_rows(kiosk) == [(DVD.barcode, DVD.title, 5_000)]  # what they agreed to
        assert kiosk.store.loans() == [] and not kiosk.ils.item_status(DVD.barcode).on_loan
    finally:
        kiosk.close()
