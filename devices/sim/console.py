"""The technician's scanner console: type barcodes, inject faults.

Used by ``kiosk sim scanner`` and by the demo kiosk. Input grammar, one command a line::

    30234000517861        send this as a scan
    !noise                send random non-printable bytes then the terminator
    !split <code>         send <code> in three writes with short pauses
    !bad <code>           send <code> (13 or 14 digits) with a wrong check digit
    !unplug / !replug     pull / restore the cable (in-process simulator only)
    !help                 list the commands
    (blank line)          ignored; end of input (Ctrl-D) quits

Each action prints one short English line, e.g. ``sent 30234000517861``. A scanner sends
printable ASCII only: a line with anything else (``caf€``, a control character, bytes that
are not UTF-8) is refused with one line and the console goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol, TextIO, runtime_checkable

from devices import codabar
from devices.scanner import mask
from devices.sim.scanner import with_wrong_check_digit
from devices.sim.terminal import console_lines

_LONG_NUMBER = re.compile(r"\d{8,}")  # a card or item number, not a count or a pause

HELP = """\
type a barcode and press Enter to scan it; commands:
  !noise          send line noise
  !split <code>   send a scan in three pieces
  !bad <code>     send a scan with a wrong check digit
  !unplug         pull the cable (in-process simulator only)
  !replug         plug it back in
  !help           this list; Ctrl-D quits"""

REFUSED = "refused: a scanner sends printable ASCII only (digits, letters, punctuation)"


@runtime_checkable
class ScannerFaults(Protocol):
    """Fault injection every scanner simulator offers."""

    def send_noise(self, n: int = 8) -> None:
        """Send ``n`` non-printable bytes then the terminator."""

    def send_split(self, code: str, pieces: int = 3, gap: float = 0.05) -> None:
        """Send one scan in several writes."""


@runtime_checkable
class PluggableFaults(ScannerFaults, Protocol):
    """Fault injection of a simulator that can be unplugged."""

    def unplug(self) -> None:
        """Pull the cable."""

    def replug(self) -> None:
        """Plug the cable back in."""


def run_scanner_console(
    send: Callable[[str], None],
    stdin: TextIO,
    stdout: TextIO,
    *,
    faults: ScannerFaults | None = None,
    masked: bool = False,
) -> None:
    """Read commands from ``stdin`` until end of input, acting on a scanner simulator.

    Args:
        send: sends one scan (the code; the simulator adds the terminator).
        stdin: where the technician types.
        stdout: where one line per action is printed.
        faults: the simulator's fault injection; without it ``!noise``, ``!split``,
            ``!unplug`` and ``!replug`` say they are unavailable.
        masked: print only the last 4 digits of what was sent (the kiosk's own terminal
            may be the journal; the standalone simulator shows it all).
    """

    def say(text: str) -> None:
        if masked:
            text = _LONG_NUMBER.sub(lambda match: mask(match.group()), text)
        stdout.write(text + "\n")
        stdout.flush()

    for raw in console_lines(stdin):
        line = raw.strip()
        if not line:
            continue
        if not _is_printable_ascii(line):
            # Neither the simulator's latin-1 wire nor an ASCII terminal can carry it.
            say(REFUSED)
            continue
        if not line.startswith("!"):
            send(line)
            note = "" if codabar.is_valid(codabar.normalise(line)) else " (not a valid barcode)"
            say(f"sent {line}{note}")
            continue
        command, _, argument = line[1:].partition(" ")
        say(_run_command(command.lower(), argument.strip(), send, faults))


def _run_command(
    command: str, argument: str, send: Callable[[str], None], faults: ScannerFaults | None
) -> str:
    if command == "help":
        return HELP
    if command == "bad":
        try:
            code = with_wrong_check_digit(argument)
        except ValueError:
            return f"!bad needs 13 or 14 digits, got {argument!r}"
        send(code)
        return f"sent {code} (wrong check digit)"
    if command in ("noise", "split"):
        if faults is None:
            return f"!{command} is not available for this scanner"
        if command == "noise":
            faults.send_noise()
            return "sent line noise"
        if not argument:
            return "!split needs a code, e.g. !split 30234000517861"
        faults.send_split(argument)
        return f"sent {argument} in pieces"
    if command in ("unplug", "replug"):
        if not isinstance(faults, PluggableFaults):
            return f"!{command} is not available for this scanner"
        if command == "unplug":
            faults.unplug()
            return "scanner unplugged"
        faults.replug()
        return "scanner plugged back in"
    return f"unknown command !{command} (type !help)"


def _is_printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()
