"""The technician's Modbus counter console and scripts: crossings, wrap, reset, faults.

Used by ``kiosk sim counter --protocol modbus``. One command a line, typed or scripted::

    in [N]            N people walk in (default 1)
    out [N]           N people walk out
    !wrap             both totals jump to just below 2**width (do it before the kiosk's
                      first reading: a kiosk already reading counts the jump as people)
    !reset            both totals back to 0, as after a power cut
    !crc [N]          the next N answers carry a wrong CRC (no N: until !ok)
    !slow SECONDS     every answer comes SECONDS late (a driver waits 0.5 s by default)
    !silent [N]       the next N answers are dropped (no N: until !ok)
    !ok               the line is healthy again (ends !crc, !slow, !silent)
    !unplug, !replug  pull the cable out, put it back (same path)
    !status           the totals and the faults in force
    !help             this list

A script (``--script FILE``) is one ``<seconds> <command>`` a line: wait that many
seconds, then run the command (``+<seconds>`` means the same); blank lines are skipped
and ``#`` starts a comment::

    # two people in, one out, then a power cut
    0.5 in 2
    +1 out
    3.5 !reset

A bad line stops the whole script before it starts, with one line naming
``FILE:LINE`` and what is wrong. Each command prints one short English line. The
parser is the simulators' shared one, :mod:`devices.sim.script`: a bare time is
seconds from the start, ``+seconds`` after the line before, as for every simulator.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from devices.sim import script
from devices.sim.modbus_counter import ModbusCounterSimulator
from devices.sim.script import Step
from devices.sim.terminal import console_commands

HELP = """\
commands:
  in [N] / out [N]   N people walk in / out (default 1)
  !wrap              totals jump to just below the wrap (before the kiosk's first reading)
  !reset             totals back to 0 (a power cut)
  !crc [N]           wrong CRC on the next N answers (no N: until !ok)
  !slow SECONDS      answers come SECONDS late
  !silent [N]        drop the next N answers (no N: until !ok)
  !ok                healthy line again
  !unplug / !replug  pull the cable / put it back
  !status            totals and faults
  !help              this list; Ctrl-D quits"""

_COUNTED = ("in", "out")
_WITH_COUNT = ("!crc", "!silent")
_BARE = ("!wrap", "!reset", "!ok", "!unplug", "!replug", "!status", "!help")
MAX_PEOPLE = 1_000_000
MAX_DELAY = 3600.0


@dataclass(frozen=True)
class Command:
    """One parsed command: its name (``in``, ``!crc`` ...) and its number, if any."""

    name: str
    number: float | None = None


def parse_command(text: str) -> Command:
    """Parse one console or script command.

    Args:
        text: e.g. ``"in 3"``, ``"!slow 0.8"``, ``"!reset"``.

    Returns:
        The command.

    Raises:
        ValueError: one line saying what is wrong.
    """
    words = text.split()
    if not words:
        raise ValueError("empty command")
    name, arguments = words[0].lower(), words[1:]
    if name not in (*_COUNTED, *_WITH_COUNT, *_BARE, "!slow"):
        raise ValueError(f"unknown command {words[0]!r} (type !help)")
    if name in _BARE:
        if arguments:
            raise ValueError(f"{name} takes no argument")
        return Command(name)
    if len(arguments) > 1:
        raise ValueError(f"{name} takes one number at most")
    if name == "!slow":
        if not arguments:
            raise ValueError("!slow needs the delay in seconds, e.g. !slow 0.8")
        return Command(name, _number(arguments[0], name, float, 0.0, MAX_DELAY))
    if not arguments:
        return Command(name, 1 if name in _COUNTED else None)
    return Command(name, _number(arguments[0], name, int, 1, MAX_PEOPLE))


def _number(text: str, name: str, kind: type[int] | type[float], low: float, high: float) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} needs a number, got {text!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} takes {low:g}..{high:g}, got {text}")
    return value


def run_command(sim: ModbusCounterSimulator, command: Command) -> str:
    """Do one command on the simulator.

    Args:
        sim: the simulated counter.
        command: from :func:`parse_command`.

    Returns:
        One line saying what happened.
    """
    name, number = command.name, command.number
    count = None if number is None else int(number)
    if name == "in":
        sim.cross_in(count or 1)
    elif name == "out":
        sim.cross_out(count or 1)
    elif name == "!wrap":
        sim.wrap()
    elif name == "!reset":
        sim.reset()
    elif name == "!crc":
        sim.faults.corrupt(count)
        return f"wrong CRC on {_answers(count)}"
    elif name == "!silent":
        sim.faults.silent(count)
        return f"silent: dropping {_answers(count)}"
    elif name == "!slow":
        sim.faults.slow(float(number or 0.0))
        return f"answers {number:g} s late"
    elif name == "!ok":
        sim.faults.clear()
        return "line healthy"
    elif name == "!unplug":
        sim.unplug()
        return f"unplugged ({sim.kiosk_path} is gone)"
    elif name == "!replug":
        sim.replug()
        return f"plugged back in at {sim.kiosk_path}"
    elif name == "!help":
        return HELP
    return _status(sim)


def _answers(count: int | None) -> str:
    if count is None:
        return "every answer until !ok"
    return "the next answer" if count == 1 else f"the next {count} answers"


def _status(sim: ModbusCounterSimulator) -> str:
    total_in, total_out = sim.totals
    plugged = "" if sim.plugged else ", unplugged"
    return f"IN {total_in}, OUT {total_out}; faults: {sim.faults.describe()}{plugged}"


def parse_script(text: str, source: str) -> list[Step[Command]]:
    """Parse a whole script before anything runs.

    Args:
        text: the file's text.
        source: the file's name, for messages.

    Returns:
        The steps in order, each at its seconds from the start (the pauses added up).

    Raises:
        ScriptError: ``source:line: what is wrong``, for the first bad line.
    """
    return script.parse_script(text, source, read=parse_command, inline_comments=True)


def run_script(
    sim: ModbusCounterSimulator,
    steps: list[Step[Command]],
    say: Callable[[str], None],
    stopping: threading.Event,
) -> None:
    """Run a parsed script, each step at its time; ends early when ``stopping`` is set.

    Args:
        sim: the simulated counter.
        steps: from :func:`parse_script`.
        say: prints one line.
        stopping: set to end the script between steps.
    """
    start = time.monotonic()
    for step in steps:
        if stopping.wait(max(0.0, start + step.at - time.monotonic())):
            return
        say(_line(step.action, run_command(sim, step.action), sim))


def run_console(sim: ModbusCounterSimulator, stdin: TextIO, say: Callable[[str], None]) -> None:
    """Read commands until end of input, one printed line per command.

    Args:
        sim: the simulated counter.
        stdin: where the technician types.
        say: prints one line.
    """
    for line in console_commands(stdin):
        try:
            command = parse_command(line)
        except ValueError as exc:
            say(str(exc))
            continue
        say(_line(command, run_command(sim, command), sim))


def _line(command: Command, result: str, sim: ModbusCounterSimulator) -> str:
    if command.name in ("in", "out", "!wrap", "!reset"):
        total_in, total_out = sim.totals
        return f"{command.name.lstrip('!')}: IN {total_in}, OUT {total_out}"
    return result
