"""`kiosk sim printer` and its console: receipts shown as text, faults on command."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from devices.printer import PrintOutcome, Receipt, ReceiptLine, ReceiptPrinter
from devices.sim.printer import Paper, PrinterSimulator
from devices.sim.printer_console import PrinterConsole, run_command


def test_commands_set_the_paper_and_explain_mistakes() -> None:
    with PrinterSimulator(tcp=False) as simulator:
        assert run_command(simulator, "!paper out") == "paper out"
        assert simulator.paper is Paper.OUT
        assert run_command(simulator, "!PAPER low") == "paper near end"
        assert run_command(simulator, "!paper ok") == "paper ok"
        assert run_command(simulator, "!paper") == "!paper needs ok, low or out"
        assert run_command(simulator, "!disconnect now") == "!disconnect takes nothing or mid"
        assert run_command(simulator, "!frobnicate") == "unknown command !frobnicate (type !help)"
        assert run_command(simulator, "hello").startswith("a printer takes no typed text")
        assert "!disconnect mid" in run_command(simulator, "!help")
        assert run_command(simulator, "!status") == "paper ok, 0 bytes received, 0 receipts"


def test_each_receipt_is_shown_between_rules_with_its_emphasis() -> None:
    out = io.StringIO()
    console = PrinterConsole(out)
    with PrinterSimulator(pty=False, on_receipt=console.on_receipt) as simulator:
        receipt = Receipt.of("Perpustakaan", ReceiptLine("Total: 2", bold=True))
        assert ReceiptPrinter(simulator.url).print(receipt).printed
        simulator.wait_for_receipts(1)
    assert out.getvalue().splitlines() == [
        "-" * 32 + " receipt 1",
        "[2H] *Perpustakaan*",
        "*Total: 2*",
        "-" * 32,
    ]


def test_kiosk_sim_printer_shows_a_receipt_and_takes_paper_out() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "printer"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"},
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    try:
        banner = process.stdout.readline().decode()
        assert banner.startswith("Printer simulator on /dev/pts/"), banner
        url = banner.split(" and ")[1].split()[0]
        process.stdout.readline()  # the usage line
        printer = ReceiptPrinter(url)
        assert printer.print(Receipt.of("Struk", "Café")).printed
        process.stdin.write(b"\xff bad bytes\n!paper out\n")
        process.stdin.flush()
        shown = [process.stdout.readline().decode().rstrip("\n") for _ in range(6)]
        assert printer.print(Receipt.of("Struk")).outcome is PrintOutcome.OUT_OF_PAPER
        out, err = process.communicate(b"", timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert shown == [
        "-" * 32 + " receipt 1",
        "[2H] *Struk*",
        "Café",
        "-" * 32,
        "a printer takes no typed text; commands start with ! (type !help)",
        "paper out",
    ]
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err and out == b""
