"""The simulator's ESC/POS decoder, fed bytes directly (python-escpos makes them)."""

from __future__ import annotations

from devices.receipt import Receipt, ReceiptLine, render
from devices.sim.escpos_decoder import EscPosDecoder, Paper, PrintedLine, PrintedReceipt


class Roll:
    """A decoder with a settable paper sensor that keeps what it prints."""

    def __init__(self) -> None:
        self.paper = Paper.OK
        self.receipts: list[PrintedReceipt] = []
        self.decoder = EscPosDecoder(self.receipts.append, lambda: self.paper)


RECEIPT = Receipt.of("Judul", "satu", ReceiptLine("dua", bold=True), "")


def test_one_byte_at_a_time_decodes_like_one_chunk() -> None:
    whole, bytewise = Roll(), Roll()
    data = render(RECEIPT)

    whole.decoder.feed(data)
    for byte in data:
        bytewise.decoder.feed(bytes([byte]))

    assert whole.receipts == bytewise.receipts
    assert whole.receipts == [
        PrintedReceipt(
            (
                PrintedLine("Judul", bold=True, double_height=True),
                PrintedLine("satu"),
                PrintedLine("dua", bold=True),
            )
        )
    ]


def test_status_requests_are_answered_at_once_even_split() -> None:
    roll = Roll()
    assert roll.decoder.feed(b"\x10") == b""
    assert roll.decoder.feed(b"\x04") == b""
    assert roll.decoder.feed(b"\x04") == b"\x12"
    roll.paper = Paper.NEAR_END
    assert roll.decoder.feed(b"abc\x10\x04\x04") == b"\x1e"
    roll.paper = Paper.OUT
    assert roll.decoder.feed(b"\x10\x04\x04\x10\x04\x01\x10\x04\x02") == b"\x7e\x1a\x32"


def test_nothing_is_printed_while_out_of_paper() -> None:
    roll = Roll()
    roll.paper = Paper.OUT
    roll.decoder.feed(render(RECEIPT))
    assert roll.receipts == []


def test_code_pages_decode_accented_letters() -> None:
    roll = Roll()
    roll.decoder.feed(b"\x1bt\x02caf\x82\n\x1bt\x10caf\xe9\n\x1bt\x00caf\x82\n\x1dV\x00")
    assert roll.receipts[0].texts == ["café", "café", "café"]


def test_reset_drops_the_unprinted_line_and_modes() -> None:
    roll = Roll()
    roll.decoder.feed(b"\x1bE\x01half a li\x1b@ne\n\x1dVA\x03")
    assert roll.receipts == [PrintedReceipt((PrintedLine("ne"),))]


def test_an_unknown_command_is_noted_not_printed() -> None:
    roll = Roll()
    roll.decoder.feed(b"\x1bzok\n\x1dV\x01")
    assert roll.receipts[0].texts == ["ok"]
    assert roll.decoder.unknown == ["ESC 0x7a"]


def test_a_lost_connection_ends_an_incomplete_receipt() -> None:
    roll = Roll()
    roll.decoder.feed(b"baris satu\nbaris du")
    roll.decoder.connection_lost()
    assert roll.receipts == [
        PrintedReceipt((PrintedLine("baris satu"), PrintedLine("baris du")), complete=False)
    ]
