"""The technician's visitor counter console: people crossing and faults, typed or scripted.

Used by ``kiosk sim counter``. One command a line; each action prints one English line::

    in 3          three people come in       out 1         one person goes out
    !wrap         jump the totals to 3 below the wrap point (line protocol)
    !reset        power cut: the counter's totals go back to 0 (line protocol)
    !noise        line noise (line) / a beam flickering faster than the debounce (beams)
    !split        send the next frame in three pieces (line)
    !badsum       send the next frame with a wrong checksum (line)
    !slow         toggle: bytes dribbled one every 20 ms (line)
    !silent       toggle: the counter sends and answers nothing (line)
    !turnback     someone breaks both beams and steps back out: counts nothing (beams)
    !unplug       pull the cable            !replug       plug it back in
    !status       the simulator's totals and state
    !help         this list; Ctrl-D quits

Scripts (``--script FILE``) are timed lists of the same commands, one a line::

    # people at opening time
    0.5  in 3          at 0.5 s after the start
    +1   out 1         1 s after the previous line
    +0.2 !unplug
    +2   !replug

A time is seconds from the start, or ``+seconds`` after the previous line; ``#`` starts a
comment; blank lines are skipped. A bad line stops the script before it starts, with one
line naming the file and line number (:class:`ScriptError`). The format and its parser
are the simulators' shared one, :mod:`devices.sim.script`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from devices.sim import script
from devices.sim.beams import BeamsSimulator, Rfc2217BeamsServer
from devices.sim.counter import LineCounterSimulator
from devices.sim.terminal import console_commands

HELP = __doc__.split("::", 1)[1].split("Scripts", 1)[0].strip("\n") if __doc__ else ""
_CROSS = re.compile(r"(in|out)(?:\s+(\d{1,6}))?", re.IGNORECASE)
_LINE_ONLY = ("wrap", "reset", "split", "badsum", "slow", "silent")
COMMANDS = ("noise", "unplug", "replug", "status", "help", "turnback", *_LINE_ONLY)
MAX_PEOPLE = 100_000


@dataclass(frozen=True)
class BeamsTarget:
    """Beams and, when served over RFC 2217, their server (unplug acts on it)."""

    beams: BeamsSimulator
    server: Rfc2217BeamsServer | None = None


Target = LineCounterSimulator | BeamsTarget


def check_command(line: str) -> str | None:
    """Why ``line`` is not a console command, or None if it is one."""
    text = line.strip()
    if _CROSS.fullmatch(text):
        count = _CROSS.fullmatch(text)
        assert count is not None
        if count.group(2) is not None and not 1 <= int(count.group(2)) <= MAX_PEOPLE:
            return f"a count is 1 to {MAX_PEOPLE}, got {count.group(2)}"
        return None
    if text.startswith("!") and text[1:].lower() in COMMANDS:
        return None
    return f"unknown command {text[:30]!r} (in N, out N, or !help)"


def act(target: Target, line: str) -> str:
    """Run one command on the simulator; return the line to print.

    Args:
        target: the line counter simulator, or beams.
        line: a command, e.g. ``"in 3"`` or ``"!unplug"``.

    Returns:
        One English line saying what happened (or why nothing did).
    """
    problem = check_command(line)
    if problem is not None:
        return problem
    text = line.strip()
    crossing = _CROSS.fullmatch(text)
    if crossing is not None:
        direction, count = crossing.group(1).lower(), int(crossing.group(2) or 1)
        if isinstance(target, LineCounterSimulator):
            target.cross(direction, count)
            return f"{count} {direction}; totals IN={target.total_in} OUT={target.total_out}"
        target.beams.cross(direction, count)
        return f"{count} {direction} through the beams"
    command = text[1:].lower()
    if command == "help":
        return HELP
    if isinstance(target, LineCounterSimulator):
        return _line_command(target, command)
    return _beams_command(target, command)


def _line_command(sim: LineCounterSimulator, command: str) -> str:
    if command == "wrap":
        sim.near_wrap()
        return f"totals jumped to {sim.total_in} ({sim.bits}-bit wrap at {sim.modulus})"
    if command == "reset":
        sim.reset()
        return "power cut: totals back to 0"
    if command == "noise":
        sim.send_noise()
        return "sent line noise"
    if command == "split":
        sim.split_next()
        return "the next frame goes in three pieces"
    if command == "badsum":
        sim.badsum_next()
        return "the next frame has a wrong checksum"
    if command in ("slow", "silent"):
        setattr(sim, command, not getattr(sim, command))
        return f"{command} {'on' if getattr(sim, command) else 'off'}"
    if command == "unplug":
        sim.unplug()
        return "counter unplugged"
    if command == "replug":
        sim.replug()
        return f"counter plugged back in at {sim.url}"
    if command == "status":
        return (
            f"{sim.mode} mode, IN={sim.total_in} OUT={sim.total_out}, {sim.polls} polls "
            f"answered, {'plugged' if sim.link.plugged else 'unplugged'}"
            + (", silent" if sim.silent else "")
            + (", slow" if sim.slow else "")
        )
    return f"!{command} is for beams only, not for the line protocol"  # turnback


def _beams_command(target: BeamsTarget, command: str) -> str:
    beams, server = target.beams, target.server
    if command == "noise":
        beams.flicker()
        return f"beam A ({beams.beam_a}) flickered faster than the debounce"
    if command == "turnback":
        if not beams.beam_b:
            return "!turnback needs two beams"
        beams.turnback()
        return "someone stepped in and turned back"
    if command in ("unplug", "replug"):
        if server is not None:
            getattr(server, command)()
        else:
            getattr(beams, command)()
        return "beams unplugged" if command == "unplug" else "beams plugged back in"
    if command == "status":
        lines = ", ".join(
            f"{n}={'on' if beams.level(n) else 'off'}" for n in ("cts", "dsr", "dcd", "ri")
        )
        return f"beam A on {beams.beam_a}, beam B on {beams.beam_b or 'none'}; {lines}"
    return f"!{command} is for the line protocol only, not for beams"


def run_console(target: Target, stdin: TextIO, stdout: TextIO) -> None:
    """Read commands until end of input and act on the simulator, one line out per action."""
    for line in console_commands(stdin):
        stdout.write(act(target, line) + "\n")
        stdout.flush()


def parse_script(text: str, source: str) -> list[tuple[float, str]]:
    """Read a timed script (:mod:`devices.sim.script`; ``#`` comments may end a line).

    Args:
        text: the file's text.
        source: its name, for messages.

    Returns:
        ``(seconds from the start, command)`` pairs in order.

    Raises:
        ScriptError: a line without a time, a time going backwards, an unknown command.
    """
    steps = script.parse_script(text, source, read=_command, inline_comments=True)
    return [(step.at, step.action) for step in steps]


def _command(text: str) -> str:
    problem = check_command(text)
    if problem is not None:
        raise ValueError(problem)
    return text


def run_script(
    target: Target,
    steps: Iterable[tuple[float, str]],
    stdout: TextIO,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run the steps at their times; print each action with its time."""
    start = monotonic()
    for at, command in steps:
        wait = at - (monotonic() - start)
        if wait > 0:
            sleep(wait)
        stdout.write(f"{at:8.2f} s  {act(target, command)}\n")
        stdout.flush()
