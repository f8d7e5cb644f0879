"""The technician's scanner console: type barcodes, inject faults.

Used by ``kiosk sim scanner`` and by the demo kiosk. Input grammar, one command a line::

    30234000517861        send this as a scan
    !noise                send random non-printable bytes then the terminator
    !split <code>         send <code> in three writes with short pauses
    !bad <code>           send <code> (13 or 14 digits) with a wrong check digit
    !unplug / !replug     pull / restore the cable
    !slow <s> | !slow off dribble each byte <s> seconds apart (a slow device)
    !silent on|off        send nothing at all (the port stays open)
    !aim on|off           put AIM identifiers (]F0, ]E0, ]A0, ]C0) before barcodes
    !ean13 <digits>       an EAN-13 (12 digits get their check digit; an ISBN-10 its
                          ISBN-13); likewise !code39 <text>, !code128 <text>, !codabar <code>
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

from devices import symbology
from devices.scanner import mask
from devices.sim import script
from devices.sim.scanner import with_wrong_check_digit
from devices.sim.terminal import console_commands
from devices.symbology import SYMBOLOGIES

_LONG_NUMBER = re.compile(r"\d{8,}")  # a card or item number, not a count or a pause

HELP = """\
type a barcode and press Enter to scan it; commands:
  !noise            send line noise
  !split <code>     send a scan in three pieces
  !bad <code>       send a scan with a wrong check digit
  !unplug           pull the cable
  !replug           plug it back in
  !slow <s> | off   send each byte <s> seconds apart (a slow device), or at once
  !silent on|off    send nothing (the port stays open)
  !aim on|off       put AIM symbology identifiers before barcodes
  !ean13 <digits>   send an EAN-13 (12 digits or an ISBN-10 are completed);
                    !code39 <text>, !code128 <text>, !codabar <code> likewise
  !help             this list; Ctrl-D quits"""

MAX_SLOW = 5.0  # seconds between bytes; slower than this is a silent device
REFUSED = "refused: a scanner sends printable ASCII only (digits, letters, punctuation)"


@runtime_checkable
class ScannerFaults(Protocol):
    """Fault injection every scanner simulator offers."""

    def send_noise(self, n: int = 8) -> None:
        """Send ``n`` non-printable bytes then the terminator."""

    def send_split(self, code: str, pieces: int = 3, gap: float = 0.05) -> None:
        """Send one scan in several writes."""


@runtime_checkable
class TunableFaults(ScannerFaults, Protocol):
    """Fault injection of the simulators in :mod:`devices.sim.scanner`."""

    aim: bool
    slow: float
    silent: bool

    def send_as(self, name: str, text: str) -> str:
        """Send a barcode of symbology ``name``; returns the text sent."""


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

    for line in console_commands(stdin):
        said = execute(line, send, faults)
        if said:
            say(said)


def execute(line: str, send: Callable[[str], None], faults: ScannerFaults | None) -> str:
    """Carry out one console line (a barcode or a ``!command``); used by scripts too.

    Args:
        line: what the technician typed (or a script's action).
        send: sends one scan.
        faults: the simulator's fault injection, if any.

    Returns:
        The one line to print; '' for a blank line.
    """
    line = line.strip()
    if not line:
        return ""
    if not _is_printable_ascii(line):
        # Neither the simulator's latin-1 wire nor an ASCII terminal can carry it.
        return REFUSED
    if not line.startswith("!"):
        send(line)
        note = _describe(line)
        if getattr(faults, "plugged", True) is False:
            note += " (unplugged: nothing arrives)"
        return f"sent {line}{note}"
    command, _, argument = line[1:].partition(" ")
    return _run_command(command.lower(), argument.strip(), send, faults)


def parse_script(text: str, source: str = "<script>") -> list[script.Step[str]]:
    """Read a scanner script (:mod:`devices.sim.script`): barcodes and ``!commands``.

    Args:
        text: the whole file.
        source: its name, for error messages.

    Returns:
        The steps, in order, with absolute times; each action is run by :func:`execute`.

    Raises:
        ScriptError: the first bad line, e.g. one a scanner could not send.
    """
    return script.parse_script(text, source, read=_sendable, what="barcode or !command")


def _sendable(action: str) -> str:
    if not _is_printable_ascii(action):
        raise ValueError("a scanner sends printable ASCII only")
    return action


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
    if command in ("slow", "silent", "aim", *SYMBOLOGIES):
        if not isinstance(faults, TunableFaults):
            return f"!{command} is not available for this scanner"
        return _tune(command, argument, faults)
    if command in ("unplug", "replug"):
        if not isinstance(faults, PluggableFaults):
            return f"!{command} is not available for this scanner"
        if command == "unplug":
            faults.unplug()
            return "scanner unplugged"
        faults.replug()
        return "scanner plugged back in"
    return f"unknown command !{command} (type !help)"


def _tune(command: str, argument: str, faults: TunableFaults) -> str:
    if command in SYMBOLOGIES:
        if not argument:
            return f"!{command} needs the barcode's text, e.g. !ean13 978979306279"
        sent = faults.send_as(command, argument)
        return f"sent {sent} as {command}"
    if command == "slow":
        if argument == "off":
            faults.slow = 0.0
            return "sending at full speed"
        try:
            seconds = float(argument)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= MAX_SLOW:
            return f"!slow needs seconds between bytes (0 < s <= {MAX_SLOW:g}) or off"
        faults.slow = seconds
        return f"sending one byte every {seconds:g} s"
    if argument not in ("on", "off"):
        return f"!{command} needs on or off"
    setattr(faults, command, argument == "on")
    return f"{command} {argument}"


def _describe(line: str) -> str:
    """What the kiosk will take a typed scan for, as the note after "sent ...": nothing
    for a valid library barcode; the symbology (EAN-13, an ISBN) or why it is not valid."""
    read = symbology.identify(line)
    if read.problem:
        return f" ({read.symbology}: {read.problem})"
    if read.symbology == symbology.CODABAR:
        return ""
    if read.symbology == symbology.EAN13:
        return " (EAN-13)" if read.code == line else f" (ISBN-10, read as EAN-13 {read.code})"
    return " (not a valid barcode)"


def _is_printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()
