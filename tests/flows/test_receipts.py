"""The receipt at the end of a borrow, with the printer simulator on a real pseudo-terminal.

GIVEN the kiosk as ``bootstrap.build`` wires it, its ``[printer] url`` the simulator's pty
(ESC/POS over pyserial, decoded by the simulator), WHEN a patron borrows and chooses a
receipt (or not), THEN the decoded receipt holds what the patron was promised and
nothing else; and without paper, or without a printer at all, the borrow completes and
the summary stays on screen with "could not be printed".
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from devices.sim.escpos_decoder import Paper
from devices.sim.printer import PrinterSimulator
from kiosk import config as config_module
from kiosk.core.services.receipt import RULE

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
SITI, SITI_PIN = "23171000000028", "2468"
LASKAR_PELANGI = "33171000000018"
LITTLE_PRINCE = "33171000000067"
KAMUS = "33171000000034"  # reference only: refused
RECEIPT_LOG = "kiosk.core.services.receipt"


@pytest.fixture
def printer() -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tcp=False, pty=True) as simulator:
        yield simulator


def make_kiosk(data: Path, url: str, receipt: str = "printed") -> FlowKiosk:
    cfg = config_module.from_mapping(
        {"ils": {"backend": "local"}, "printer": {"url": url, "receipt": receipt}}, None
    )
    return FlowKiosk(data, config=cfg)


@pytest.fixture
def kiosk(tmp_path: Path, printer: PrinterSimulator) -> Iterator[FlowKiosk]:
    kiosk = make_kiosk(tmp_path, printer.port_path)
    yield kiosk
    kiosk.close()


def borrow_and_finish(kiosk: FlowKiosk, *items: str, card: str = SUTRISNO,
                      pin: str = SUTRISNO_PIN) -> None:  # fmt: skip
    kiosk.scan(card)
    kiosk.type(pin)
    for item in items:
        kiosk.scan(item)
    kiosk.vm.finish()
    assert kiosk.vm.screen == "borrow.summary"


def everything_on_screen(kiosk: FlowKiosk) -> str:
    vm = kiosk.vm
    lines = " ".join(f"{line['title']} {line['detail']}" for line in vm.lines)
    return " ".join([*vm.state_texts.values(), lines, vm.notice_text, vm.receipt_text])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing there


# ----- printed -------------------------------------------------------------------------------

EXPECTED = {
    "id": [
        "Perpustakaan Kota (demo)",
        "Struk peminjaman",
        "21 November 2026, pukul 09:00",
        "Kartu: ****0010",
        RULE,
        "Laskar Pelangi",
        "Kembalikan paling lambat 5 Desember 2026.",
        "The Little Prince",
        "Kembalikan paling lambat 5 Desember 2026.",
        "Kamus Besar Bahasa Indonesia",
        "Buku ini hanya untuk dibaca di perpustakaan.",
        RULE,
        "Dipinjam kali ini: 2 buku",
        "Jumlah pinjaman Anda sekarang: 2 buku",
        "Jatuh tempo terdekat: 5 Desember 2026",
        RULE,
        "Kami menantikan saran Anda: sampaikan di meja layanan atau beri nilai di layar kios.",
    ],
    "en": [
        "Perpustakaan Kota (demo)",
        "Loan receipt",
        "21 November 2026, 09:00",
        "Card: ****0010",
        RULE,
        "Laskar Pelangi",
        "Return it by 5 December 2026.",
        "The Little Prince",
        "Return it by 5 December 2026.",
        "Kamus Besar Bahasa Indonesia",
        "This book is for reading in the library only.",
        RULE,
        "Borrowed now: 2 books",
        "Your loans now: 2 books",
        "Next due date: 5 December 2026",
        RULE,
        "We would love your feedback: tell us at the service desk or rate your visit on the "
        "kiosk screen.",
    ],
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_printed_receipt_lists_the_loans_in_the_patrons_language(
    kiosk: FlowKiosk, printer: PrinterSimulator, language: str
) -> None:
    if language == "en":
        kiosk.vm.toggle_language()
    borrow_and_finish(kiosk, LASKAR_PELANGI, LITTLE_PRINCE, KAMUS)
    assert kiosk.vm.receipt_offer == "printed"

    kiosk.vm.print_receipt()
    assert kiosk.vm.screen == "printing"
    assert (
        kiosk.vm.state_texts["message"]
        == {
            "id": "Struk Anda sedang dicetak. Silakan ambil dari printer.",
            "en": "Printing your receipt. Please take it from the printer.",
        }[language]
    )
    kiosk.settle()
    assert kiosk.vm.screen == "rate"

    [receipt] = printer.wait_for_receipts(1)
    assert receipt.complete
    assert [text for text in receipt.texts if text] == EXPECTED[language]
    title = receipt.lines[0]
    assert title.bold and title.double_height
    printed = "\n".join(receipt.texts)
    # no name, no PIN, no full card number
    assert "Sutrisno" not in printed and SUTRISNO_PIN not in printed and SUTRISNO not in printed


def test_ok_makes_the_configured_default_choice(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    borrow_and_finish(kiosk, LASKAR_PELANGI)
    kiosk.vm.submit()  # Enter / OK with nothing typed: the highlighted "Print receipt"
    kiosk.settle()
    assert kiosk.vm.screen == "rate"
    [receipt] = printer.wait_for_receipts(1)
    assert "Laskar Pelangi" in receipt.texts


def test_no_receipt_as_the_default_prints_nothing(
    tmp_path: Path, printer: PrinterSimulator
) -> None:
    kiosk = make_kiosk(tmp_path, printer.port_path, receipt="none")
    try:
        borrow_and_finish(kiosk, LASKAR_PELANGI)
        assert kiosk.vm.receipt_offer == "none"  # highlighted: what OK does
        kiosk.vm.submit()
        assert kiosk.vm.screen == "rate" and not kiosk.session.busy
        assert printer.received == 0  # not a byte was sent
    finally:
        kiosk.close()


def test_no_receipt_tapped_goes_to_the_rating_without_printing(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    borrow_and_finish(kiosk, LASKAR_PELANGI)
    kiosk.vm.no_receipt()
    assert kiosk.vm.screen == "rate" and not kiosk.session.busy
    assert printer.received == 0


def test_a_patron_who_walks_away_from_the_summary_gets_nothing_printed(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    """The default is "printed", but a timeout is not a choice: the next person in line
    would find the previous patron's loans in the printer."""
    borrow_and_finish(kiosk, LASKAR_PELANGI)
    kiosk.wait(11)  # [session] summary_timeout, 10 s by default
    assert kiosk.vm.screen == "idle" and not kiosk.session.busy
    assert printer.received == 0


# ----- not printed ---------------------------------------------------------------------------

NOT_PRINTED = {
    "id": "Maaf, struk tidak dapat dicetak. Daftar di layar ini adalah catatan Anda; "
    "Anda boleh memotretnya.",
    "en": "Sorry, the receipt could not be printed. The list on this screen is your record; "
    "you may take a photo of it.",
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_out_of_paper_keeps_the_summary_and_says_so(
    kiosk: FlowKiosk,
    printer: PrinterSimulator,
    language: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    printer.set_paper(Paper.OUT)
    if language == "en":
        kiosk.vm.toggle_language()
    borrow_and_finish(kiosk, LASKAR_PELANGI, KAMUS)
    shown_before = [(line["title"], line["detail"]) for line in kiosk.vm.lines]
    texts_before = dict(kiosk.vm.state_texts)
    del texts_before["closing"]  # the countdown starts again

    with caplog.at_level(logging.INFO, logger=RECEIPT_LOG):
        kiosk.vm.print_receipt()
        kiosk.settle()

    assert kiosk.vm.screen == "borrow.summary"
    assert [(line["title"], line["detail"]) for line in kiosk.vm.lines] == shown_before
    assert {k: v for k, v in kiosk.vm.state_texts.items() if k != "closing"} == texts_before
    assert kiosk.vm.receipt_text == NOT_PRINTED[language]
    assert kiosk.vm.receipt_offer == ""  # Done alone now
    # Time to read it, or photograph it: three times the summary's usual 10 seconds.
    closing = kiosk.vm.state_texts["closing"]
    assert closing.endswith(("dalam 30 detik", "in 30 seconds")), closing
    [line] = [r for r in caplog.records if r.name == RECEIPT_LOG]
    assert line.levelno == logging.WARNING
    assert "out of paper" in line.getMessage() and printer.port_path in line.getMessage()
    assert printer.receipts == []
    # the loans are stored whatever the printer did
    assert {stored.loan.item_barcode for stored in kiosk.store.loans()} == {LASKAR_PELANGI}

    kiosk.vm.submit()  # OK is Done now
    assert kiosk.vm.screen == "rate"
    assert kiosk.vm.receipt_text == ""
    shown = everything_on_screen(kiosk)
    assert "Sutrisno" not in shown and "Laskar" not in shown


@pytest.mark.parametrize("where", ["closed-tcp-port", "missing-serial-device"])
def test_no_printer_at_the_url_completes_the_borrow_with_the_summary(
    tmp_path: Path, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = (
        f"socket://127.0.0.1:{closed_port()}"
        if where == "closed-tcp-port"
        else str(tmp_path / "ttyUSB-unplugged")
    )
    kiosk = make_kiosk(tmp_path / "data", url)
    try:
        borrow_and_finish(kiosk, LASKAR_PELANGI)
        with caplog.at_level(logging.INFO, logger=RECEIPT_LOG):
            kiosk.vm.print_receipt()
            kiosk.settle()
        assert kiosk.vm.screen == "borrow.summary"
        assert [line["title"] for line in kiosk.vm.lines] == ["Laskar Pelangi"]
        assert kiosk.vm.state_texts["count"] == "Anda meminjam 1 buku."
        assert kiosk.vm.receipt_text == NOT_PRINTED["id"]
        [line] = [r for r in caplog.records if r.name == RECEIPT_LOG]
        assert "cannot open" in line.getMessage() and url in line.getMessage()
        assert "\n" not in line.getMessage()
        kiosk.vm.finish()  # Done
        assert kiosk.vm.screen == "rate"
    finally:
        kiosk.close()


def test_without_a_printer_configured_the_summary_offers_only_done(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path, "")
    try:
        borrow_and_finish(kiosk, LASKAR_PELANGI)
        assert kiosk.vm.receipt_offer == "" and kiosk.vm.receipt_text == ""
        kiosk.vm.submit()  # OK is Done
        assert kiosk.vm.screen == "rate" and not kiosk.session.busy
    finally:
        kiosk.close()


def test_the_next_patron_is_offered_a_receipt_again_once_paper_is_back(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    printer.set_paper(Paper.OUT)
    borrow_and_finish(kiosk, LASKAR_PELANGI)
    kiosk.vm.print_receipt()
    kiosk.settle()
    assert kiosk.vm.receipt_text
    kiosk.vm.finish()
    kiosk.vm.finish()  # skip the rating
    printer.set_paper(Paper.OK)
    borrow_and_finish(kiosk, LITTLE_PRINCE, card=SITI, pin=SITI_PIN)
    assert kiosk.vm.receipt_offer == "printed" and kiosk.vm.receipt_text == ""
    kiosk.vm.print_receipt()
    kiosk.settle()
    [receipt] = printer.wait_for_receipts(1)
    assert "The Little Prince" in receipt.texts and "Laskar Pelangi" not in receipt.texts


# ----- nothing of the patron is left ---------------------------------------------------------


def test_after_printing_nothing_of_the_patron_is_left(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    borrow_and_finish(kiosk, LASKAR_PELANGI)
    kiosk.vm.print_receipt()
    kiosk.settle()
    assert kiosk.vm.screen == "rate"
    shown = everything_on_screen(kiosk)
    assert "Sutrisno" not in shown and "Laskar" not in shown and "0010" not in shown
    session = kiosk.session
    assert (session.patron, session.card, session.lines) == (None, None, [])
    assert (session.receipt_from, session.receipt_failed) == (None, False)
    assert len(printer.wait_for_receipts(1)) == 1  # the receipt left with the patron


def test_cancel_while_printing_ends_the_session_and_the_receipt_still_comes_out(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    borrow_and_finish(kiosk, LASKAR_PELANGI)
    kiosk.vm.print_receipt()
    kiosk.vm.cancel()
    assert kiosk.vm.screen == "idle"
    kiosk.settle()
    assert kiosk.vm.screen == "idle"  # the late answer belongs to a session that is over
    assert everything_on_screen(kiosk).strip() == ""
    assert len(printer.wait_for_receipts(1)) == 1


def test_a_network_printer_lost_mid_print_keeps_the_summary(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A receipt printer on the network (socket://) whose connection drops 40 bytes into
    the receipt: the patron is told, the technician reads one line, nothing is stuck."""
    with PrinterSimulator(tcp=True, pty=False) as network_printer:
        kiosk = make_kiosk(tmp_path, network_printer.url)
        try:
            borrow_and_finish(kiosk, LASKAR_PELANGI)
            network_printer.disconnect_after(40)
            with caplog.at_level(logging.INFO, logger=RECEIPT_LOG):
                kiosk.vm.print_receipt()
                kiosk.settle()
            assert kiosk.vm.screen == "borrow.summary"
            assert kiosk.vm.receipt_text == NOT_PRINTED["id"]
            [line] = [r for r in caplog.records if r.name == RECEIPT_LOG]
            assert "connection lost while printing" in line.getMessage()
            assert network_printer.url in line.getMessage()
            kiosk.vm.finish()
            assert kiosk.vm.screen == "rate"
        finally:
            kiosk.close()


# ----- a return's receipt --------------------------------------------------------------------


def test_a_return_receipt_lists_each_book_and_the_fine_charged(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    """GIVEN Dewi's book returned 5 days late and a book nobody borrowed, WHEN the patron
    prints the return receipt, THEN it says which was returned, the fine, and which was not
    (no card: a return needs none)."""
    from kiosk.ils.local import demo_data as demo

    kiosk.vm.choose("return")
    kiosk.scan(demo.OVERDUE_5_DAYS.barcode)
    kiosk.scan(demo.AVAILABLE.barcode)
    kiosk.vm.finish()
    assert kiosk.vm.screen == "return.summary"
    assert kiosk.vm.receipt_offer == "printed"
    kiosk.vm.print_receipt()
    kiosk.settle()
    assert kiosk.vm.screen == "rate"
    [receipt] = printer.wait_for_receipts(1)
    texts = [text for text in receipt.texts if text]
    assert texts[:2] == ["Perpustakaan Kota (demo)", "Struk pengembalian"]
    assert not any(text.startswith("Kartu") for text in texts)
    body = texts[texts.index(RULE) + 1 :]
    assert body[1] == "Dikembalikan. Denda keterlambatan Rp 5.000 telah dicatat di akun Anda."
    assert body[3] == "Tidak dikembalikan. Buku ini tidak tercatat sedang dipinjam."
    assert "1 buku dikembalikan." in texts
    assert "Tidak dikembalikan: 1 buku" in texts
    assert "Denda keterlambatan yang dicatat: Rp 5.000" in texts


# ----- the account's receipt -----------------------------------------------------------------


def test_an_account_receipt_lists_each_renewal_answer_the_loans_and_the_fines(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    """GIVEN Dewi (overdue loans, fines) signed in to My account WHEN she presses Renew all
    (each book refused) and prints the receipt THEN it says why each was not renewed, her
    loans, the nearest due date and what she owes; her card's last 4 only, no name."""
    from kiosk.ils.local import demo_data as demo

    kiosk.vm.choose("account")
    kiosk.scan(demo.DEWI.barcode)
    kiosk.type(demo.DEWI.pin)
    kiosk.settle()
    assert kiosk.vm.screen == "account.overview"
    kiosk.vm.act("renew_all")
    kiosk.settle()
    kiosk.vm.finish()
    assert kiosk.vm.screen == "account.summary"
    assert kiosk.vm.receipt_offer == "printed"
    kiosk.vm.print_receipt()
    kiosk.settle()
    assert kiosk.vm.screen == "rate"
    [receipt] = printer.wait_for_receipts(1)
    texts = [text for text in receipt.texts if text]
    assert texts[:2] == ["Perpustakaan Kota (demo)", "Struk perpanjangan"]
    assert f"Kartu: ****{demo.DEWI.barcode[-4:]}" in texts
    refused = [text for text in texts if text.startswith("Tidak diperpanjang. ")]
    assert len(refused) == 4  # each of her four loans, each with its reason ...
    late = [text for text in refused if "Seharusnya kembali 16 November 2026." in text]
    assert late and late[0].endswith("Sudah terlambat 5 hari.")  # ... and its date
    assert "Tidak ada buku yang diperpanjang." in texts
    assert "Jumlah pinjaman Anda sekarang: 4 buku" in texts
    [next_due] = [text for text in texts if text.startswith("Jatuh tempo terdekat: ")]
    # Her overdue loans were due on 9 and 16 November: the next due date is one to come.
    assert next_due == "Jatuh tempo terdekat: 27 November 2026"
    assert "Denda Anda saat ini: Rp 20.000" in texts
    printed = "\n".join(texts)
    assert "Dewi" not in printed and demo.DEWI.pin not in printed
    assert demo.DEWI.barcode not in printed


def test_an_account_receipt_without_renewals_lists_every_loan_with_its_date(
    kiosk: FlowKiosk, printer: PrinterSimulator
) -> None:
    """GIVEN Dewi only looked at her account WHEN she prints the receipt THEN each loan is
    on it with its due date, the late ones with how late they are."""
    from kiosk.ils.local import demo_data as demo

    kiosk.vm.choose("account")
    kiosk.scan(demo.DEWI.barcode)
    kiosk.type(demo.DEWI.pin)
    kiosk.settle()
    kiosk.vm.finish()
    kiosk.vm.print_receipt()
    kiosk.settle()
    [receipt] = printer.wait_for_receipts(1)
    texts = [text for text in receipt.texts if text]
    after = {texts[i]: texts[i + 1] for i in range(len(texts) - 1)}
    assert after["Sang Pemimpi"] == ("Seharusnya kembali 16 November 2026. Sudah terlambat 5 hari.")
    assert after["Bumi"] == "Kembalikan paling lambat 27 November 2026."
    assert "Tidak ada buku yang diperpanjang." in texts


def test_a_loan_fee_accepted_is_on_the_receipt(kiosk: FlowKiosk, printer: PrinterSimulator) -> None:
    """GIVEN Sutrisno accepted the DVD's loan fee WHEN he prints the receipt THEN the DVD's
    line and the totals say the fee to pay at the desk."""
    from kiosk.ils.local import demo_data as demo

    dvd = "33171000010074"  # the demo DVD with a loan fee of Rp 5.000
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(dvd)
    kiosk.settle()
    assert kiosk.vm.screen == "borrow.fee"
    kiosk.vm.dismiss()  # "Ya, pinjam"
    kiosk.settle()
    kiosk.vm.finish()
    kiosk.vm.print_receipt()
    kiosk.settle()
    [receipt] = printer.wait_for_receipts(1)
    # (the amount is kept on one line with a no-break space: "Rp\u00a05.000")
    texts = [text.replace("\u00a0", " ") for text in receipt.texts if text]
    detail = texts[texts.index("Laskar Pelangi (film, DVD)") + 1]
    assert detail.endswith("Biaya pinjam Rp 5.000: bayar di meja layanan"), detail
    assert any(text.startswith("Anda menyetujui biaya pinjam Rp 5.000") for text in texts), texts
    assert demo.SUTRISNO.name not in "\n".join(texts)
