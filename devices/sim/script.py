"""Timed scripts for the simulators: a list of actions, each at its moment.

One format and one parser for every simulator's ``--script FILE`` (the scanner's, the
line/beams counters' and the Modbus counter's); each console keeps its own command set
and hands the parser a ``read`` function that checks one action. Example (scanner)::

    # a patron borrows two books; the scanner is pulled out between them
    2      23171000000010        at 2 s after the start: scan this card
    +0.5   33171000000018        half a second after the line before
    +1     !unplug               any console command (see devices.sim.console)
    +3     !replug
    6.5    !ean13 978979306279

* ``<time> <action>``, separated by spaces or tabs. ``<time>`` is seconds since the script
  started (``2``, ``6.5``) or, with a leading ``+``, seconds after the step before
  (``+0.5``). Steps run in file order; an absolute time earlier than the step before is
  an error, not a reordering. With ``pauses=True`` (the Modbus console) a bare time is a
  pause too, like ``+``.
* ``<action>`` is what a technician would type in that simulator's console, e.g. a
  barcode or a ``!command`` for the scanner, ``in 3`` or ``!unplug`` for a counter.
* Blank lines and lines starting with ``#`` are ignored. With ``inline_comments=True``
  (counters, whose commands never hold a ``#``; a barcode may) a ``#`` anywhere starts a
  comment.

A script with a bad line is refused as a whole, before anything is sent, with one line
naming the file and the line (``scan.txt:3: ...``). Times are at most one day.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

MAX_SECONDS = 86_400.0
A = TypeVar("A")


class ScriptError(ValueError):
    """A script that cannot be run; ``str(err)`` is one line naming file and line."""


@dataclass(frozen=True)
class Step(Generic[A]):
    """One step of a script.

    Attributes:
        at: seconds since the script started.
        action: what ``read`` made of the action's text (the scanner's: the text).
        line: its line number in the file.
    """

    at: float
    action: A
    line: int


def parse_script(
    text: str,
    source: str = "<script>",
    *,
    read: Callable[[str], A],
    what: str = "command",
    pauses: bool = False,
    inline_comments: bool = False,
) -> list[Step[A]]:
    """Read a script.

    Args:
        text: the whole file.
        source: its name, for error messages.
        read: checks one action's text (stripped) and returns what the step holds;
            raises ValueError with one line saying what is wrong.
        what: what an action is, for the message about a line without one.
        pauses: a bare time is seconds after the step before, like ``+seconds``.
        inline_comments: a ``#`` anywhere on a line starts a comment.

    Returns:
        The steps, in order, with absolute times.

    Raises:
        ScriptError: the first bad line (one line: ``source:line: what is wrong``).
    """
    steps: list[Step[A]] = []
    now = 0.0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = (raw.split("#", 1)[0] if inline_comments else raw).strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        where = f"{source}:{number}"
        if len(parts) < 2:
            raise ScriptError(f'{where}: expected "<seconds> <{what}>", got {_shown(line)}')
        when, action = parts
        plus = when.startswith("+")
        relative = plus or pauses
        try:
            seconds = float(when[1:] if plus else when)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and 0 <= seconds <= MAX_SECONDS):
            raise ScriptError(
                f"{where}: the time must be seconds (0 .. {MAX_SECONDS:g}) or +seconds, "
                f"got {_shown(when)}"
            )
        at = now + seconds if relative else seconds
        if at < now:
            raise ScriptError(
                f"{where}: {seconds:g} s is before the step before ({now:g} s); "
                f"steps run in file order (use +{seconds:g} for a delay)"
            )
        try:
            read_action = read(action.strip())
        except ValueError as problem:
            raise ScriptError(f"{where}: {problem}") from None
        now = at
        steps.append(Step(at, read_action, number))
    return steps


def run_script(
    steps: list[Step[str]],
    act: Callable[[str], str],
    say: Callable[[str], None],
    *,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run steps at their times.

    Args:
        steps: from :func:`parse_script`.
        act: carries out one action and returns the line to print
            (:func:`devices.sim.console.execute`).
        say: prints a line, prefixed with the step's time.
        monotonic: the clock.
        sleep: how to wait.
    """
    start = monotonic()
    for step in steps:
        wait = start + step.at - monotonic()
        if wait > 0:
            sleep(wait)
        said = act(step.action)
        if said:
            say(f"{step.at:8.3f} s  {said}")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")
