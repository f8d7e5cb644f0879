"""ReceiptPrinter (python-escpos bytes) against the real printer simulator: pty and TCP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices import sim
from devices.printer import PrintOutcome, PrintResult, Receipt, ReceiptLine, ReceiptPrinter
from devices.sim.printer import Paper, PrinterSimulator

RECEIPT = Receipt.of(
    "Perpustakaan Kota — Café Baca",
    "21-11-2026 12:30",
    ReceiptLine("Dipinjam: 2 buku", bold=True),
    "Laskar Pelangi  kembali 05-12-2026",
    ReceiptLine("Kartu ****7861", double_height=True),
    "Terima kasih!",
)
EXPECTED = [
    "Perpustakaan Kota - Café Baca",
    "21-11-2026 12:30",
    "Dipinjam: 2 buku",
    "Laskar Pelangi  kembali 05-12-2026",
    "Kartu ****7861",
    "Terima kasih!",
]


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(link=tmp_path / "printer") as printer_sim:
        yield printer_sim


@pytest.fixture(params=["pty", "tcp"])
def url(request: pytest.FixtureRequest, simulator: PrinterSimulator) -> str:
    return simulator.port_path if request.param == "pty" else simulator.url


def test_a_printed_receipt_decodes_to_its_lines_with_their_emphasis(
    simulator: PrinterSimulator, url: str
) -> None:
    result = ReceiptPrinter(url).print(RECEIPT)

    assert result.outcome is PrintOutcome.PRINTED, result.technician
    (receipt,) = simulator.wait_for_receipts(1)
    assert receipt.complete
    assert receipt.texts == EXPECTED
    title, _, loans, _, card, _ = receipt.lines
    assert title.bold and title.double_height
    assert loans.bold and not loans.double_height
    assert card.double_height and not card.bold


def test_the_connection_is_kept_between_receipts(simulator: PrinterSimulator, url: str) -> None:
    printer = ReceiptPrinter(url)
    first, second = printer.print(RECEIPT), printer.print(Receipt.of("Kedua"))

    assert (first.outcome, second.outcome) == (PrintOutcome.PRINTED, PrintOutcome.PRINTED)
    assert [r.texts for r in simulator.wait_for_receipts(2)] == [EXPECTED, ["Kedua"]]


def test_out_of_paper_prints_nothing_and_says_so(simulator: PrinterSimulator, url: str) -> None:
    simulator.set_paper(Paper.OUT)
    printer = ReceiptPrinter(url)

    result = printer.print(RECEIPT)

    assert result.outcome is PrintOutcome.OUT_OF_PAPER
    assert "out of paper" in result.technician and "load a new roll" in result.technician
    # Only the status request went out: 3 bytes, no receipt.
    assert simulator.received == 3
    simulator.set_paper(Paper.OK)
    assert printer.print(RECEIPT).printed
    assert [r.texts for r in simulator.wait_for_receipts(1)] == [EXPECTED]


def test_paper_near_end_prints_and_tells_the_technician(
    simulator: PrinterSimulator, url: str
) -> None:
    simulator.set_paper(Paper.NEAR_END)

    result = ReceiptPrinter(url).print(RECEIPT)

    assert result.printed
    assert "near end" in result.technician
    assert simulator.wait_for_receipts(1)[0].texts == EXPECTED


def test_disconnect_mid_print_fails_and_the_next_print_reopens(
    simulator: PrinterSimulator, url: str
) -> None:
    printer = ReceiptPrinter(url)
    assert printer.print(Receipt.of("Pertama")).printed  # the connection is open and kept
    simulator.disconnect_after(40)

    failed = printer.print(RECEIPT)

    assert failed.outcome is PrintOutcome.FAILED, failed.technician
    assert "while printing" in failed.technician
    again = printer.print(RECEIPT)
    assert again.printed, again.technician
    # 40 bytes = the status request (3), ESC/POS set-up (20) and 17 characters of the title.
    receipts = simulator.wait_for_receipts(3)
    assert [(r.complete, r.texts) for r in receipts[1:]] == [
        (False, ["Perpustakaan Kota"]),
        (True, EXPECTED),
    ]


def test_a_kept_connection_dropped_between_prints_is_reopened(
    simulator: PrinterSimulator, url: str
) -> None:
    printer = ReceiptPrinter(url)
    assert printer.print(Receipt.of("Pertama")).printed
    simulator.disconnect()  # the printer was switched off and on while idle

    result = printer.print(RECEIPT)

    assert result.printed, result.technician
    assert simulator.wait_for_receipts(2)[-1].texts == EXPECTED


def test_the_sim_url_reaches_the_in_process_simulator() -> None:
    printer_sim = sim.get_printer("test-sim-url")

    result = ReceiptPrinter("sim://printer/test-sim-url").print(RECEIPT)

    assert result.printed, result.technician
    assert printer_sim.wait_for_receipts(1)[-1].texts == EXPECTED


# -- no printer ------------------------------------------------------------------------


def _print_guarded(printer: ReceiptPrinter, guard: float = 10.0) -> PrintResult:
    """Print on a thread; a hang (far beyond the budget) fails instead of blocking the run."""
    results: list[PrintResult] = []
    thread = threading.Thread(target=lambda: results.append(printer.print(RECEIPT)), daemon=True)
    thread.start()
    thread.join(guard)
    assert results, "print() did not return"
    return results[0]


def test_nothing_listening_is_no_printer() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    result = _print_guarded(ReceiptPrinter(f"socket://127.0.0.1:{port}"))

    assert result.outcome is PrintOutcome.NO_PRINTER
    assert "cannot open" in result.technician and "printer URL" in result.technician


def test_a_missing_serial_device_is_no_printer(tmp_path: Path) -> None:
    result = _print_guarded(ReceiptPrinter(str(tmp_path / "ttyUSB9")))

    assert result.outcome is PrintOutcome.NO_PRINTER
    assert "\n" not in result.technician


def test_a_host_that_never_accepts_is_no_printer_within_the_budget() -> None:
    """A full accept queue drops SYNs: connect() hangs as with an unreachable host.

    pyserial's socket:// handler would wait 5 s here; the printer's budget is 0.5 s. The
    guard is only a hang detector, 8 times the budget and still below pyserial's 5 s.
    """
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        filler = socket.create_connection(("127.0.0.1", port))  # fills the queue
        try:
            result = _print_guarded(
                ReceiptPrinter(f"socket://127.0.0.1:{port}", budget=0.5), guard=4.0
            )
        finally:
            filler.close()

    assert result.outcome is PrintOutcome.NO_PRINTER
    assert "timed out" in result.technician


def test_a_device_that_never_answers_status_is_no_printer() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        result = _print_guarded(ReceiptPrinter(f"socket://127.0.0.1:{port}", budget=1.0))

    assert result.outcome is PrintOutcome.NO_PRINTER
    assert "no answer to the paper status request" in result.technician


def test_a_web_server_at_the_printer_url_is_no_printer_not_out_of_paper() -> None:
    """GIVEN something that answers like a web server at the printer's URL ('H' = 0x48,
    whose bit 6 reads as "roll end") THEN it is no printer, and the line says what it
    answered and what to check; it is never 'out of paper'."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(64)
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        result = _print_guarded(ReceiptPrinter(f"socket://127.0.0.1:{port}", budget=2.0))
        thread.join(2.0)

    assert result.outcome is PrintOutcome.NO_PRINTER
    assert (
        "answered 0x48" in result.technician and "not an ESC/POS status byte" in result.technician
    )
    assert "out of paper" not in result.technician
