"""The technician's printer console: see each decoded receipt, set paper, pull the cable.

Used by ``kiosk sim printer``. Each receipt the simulator decodes is printed between two
rules (bold as ``*text*``, double height prefixed ``[2H]``). Commands, one a line::

    !paper ok | !paper low | !paper out   set the paper roll sensor
    !disconnect                           drop the connection now
    !disconnect mid                       drop it 40 bytes into the next print
    !status                               paper state, bytes and receipts so far
    !help                                 list the commands; Ctrl-D quits

Every command answers with one short English line.
"""

from __future__ import annotations

import threading
from typing import TextIO

from devices.sim.escpos_decoder import Paper, PrintedReceipt
from devices.sim.printer import PrinterSimulator
from devices.sim.terminal import console_commands

HELP = """\
commands:
  !paper ok | !paper low | !paper out   set the paper roll sensor
  !disconnect                           drop the connection now
  !disconnect mid                       drop it 40 bytes into the next print
  !status                               paper, bytes received, receipts
  !help                                 this list; Ctrl-D quits"""

_PAPER = {"ok": Paper.OK, "low": Paper.NEAR_END, "out": Paper.OUT}
_MID_PRINT_BYTES = 40
_RULE = "-" * 32


def format_receipt(receipt: PrintedReceipt, number: int) -> str:
    """The receipt as console text between two rules.

    Args:
        receipt: a decoded receipt.
        number: its ordinal, shown in the header.

    Returns:
        Several lines, no trailing newline.
    """
    state = "" if receipt.complete else " (incomplete: connection lost before the cut)"
    body = [line.render() for line in receipt.lines]
    return "\n".join([f"{_RULE} receipt {number}{state}", *body, _RULE])


class PrinterConsole:
    """Prints receipts as they arrive and runs commands typed on ``stdin``."""

    def __init__(self, stdout: TextIO) -> None:
        """Create a console writing to ``stdout``; attach with :meth:`on_receipt`.

        Args:
            stdout: where receipts and answers go (written under a lock).
        """
        self._stdout = stdout
        self._lock = threading.Lock()
        self._count = 0

    def say(self, text: str) -> None:
        """Write lines, whole, even from a simulator thread.

        Args:
            text: one or more lines.
        """
        with self._lock:
            self._stdout.write(text + "\n")
            self._stdout.flush()

    def on_receipt(self, receipt: PrintedReceipt) -> None:
        """Print a decoded receipt (the simulator's ``on_receipt``).

        Args:
            receipt: the receipt.
        """
        with self._lock:
            self._count += 1
            number = self._count
        self.say(format_receipt(receipt, number))

    def run(self, simulator: PrinterSimulator, stdin: TextIO) -> None:
        """Read commands until end of input.

        Args:
            simulator: the printer to act on.
            stdin: where the technician types.
        """
        for line in console_commands(stdin):
            self.say(run_command(simulator, line))


def run_command(simulator: PrinterSimulator, line: str) -> str:
    """Run one console command.

    Args:
        simulator: the printer to act on.
        line: what was typed, e.g. ``"!paper out"``.

    Returns:
        One line saying what was done (or what is wrong with the command).
    """
    command, _, argument = line.lstrip("!").partition(" ")
    command, argument = command.lower(), argument.strip().lower()
    if not line.startswith("!"):
        return "a printer takes no typed text; commands start with ! (type !help)"
    if command == "help":
        return HELP
    if command == "paper":
        paper = _PAPER.get(argument)
        if paper is None:
            return "!paper needs ok, low or out"
        simulator.set_paper(paper)
        return f"paper {paper.value}"
    if command == "disconnect":
        if argument == "mid":
            simulator.disconnect_after(_MID_PRINT_BYTES)
            return f"will drop the connection {_MID_PRINT_BYTES} bytes into the next print"
        if argument:
            return "!disconnect takes nothing or mid"
        simulator.disconnect()
        return "connection dropped"
    if command == "status":
        return (
            f"paper {simulator.paper.value}, {simulator.received} bytes received, "
            f"{len(simulator.receipts)} receipts"
        )
    return f"unknown command !{command} (type !help)"
