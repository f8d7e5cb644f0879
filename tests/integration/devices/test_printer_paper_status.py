"""`ReceiptPrinter.paper_status()`: the paper sensor asked without printing (kiosk doctor).

Against the real printer simulator over TCP: each sensor state gives its answer and one
technician line, nothing is printed, and a printer that is not there is "not ready" with
what to check, within the printer's budget, never an exception.
"""

from __future__ import annotations

import socket

import pytest

from devices.printer import ReceiptPrinter
from devices.sim.escpos_decoder import Paper
from devices.sim.printer import PrinterSimulator


@pytest.mark.parametrize(
    ("paper", "ready", "near_end", "said"),
    [
        (Paper.OK, True, False, "ready, paper ok"),
        (Paper.NEAR_END, True, True, "ready; paper near end: replace the roll soon"),
        (Paper.OUT, False, False, "out of paper (DLE EOT 4 = 0x"),
    ],
)
def test_each_sensor_state(paper: Paper, ready: bool, near_end: bool, said: str) -> None:
    with PrinterSimulator(tcp=True, pty=False) as simulator:
        simulator.set_paper(paper)
        printer = ReceiptPrinter(simulator.url)
        try:
            status = printer.paper_status()
        finally:
            printer.close()
        assert simulator.receipts == []
        url = simulator.url
    assert (status.ready, status.near_end) == (ready, near_end)
    assert status.technician.startswith(f"receipt printer {url}: {said}")


def test_no_printer_is_not_ready_with_what_to_check() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    printer = ReceiptPrinter(f"socket://127.0.0.1:{port}", budget=1.0)
    status = printer.paper_status()
    assert not status.ready
    assert status.technician.startswith(f"receipt printer socket://127.0.0.1:{port}: cannot open")
    assert "check that it is on and plugged in" in status.technician
