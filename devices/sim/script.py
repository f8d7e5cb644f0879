"""Timed scripts for the simulators: a list of scans and faults, each at its moment.

Format (UTF-8 text, one step a line)::

    # a patron borrows two books; the scanner is pulled out between them
    2      23171000000010        at 2 s after the start: scan this card
    +0.5   33171000000018        half a second after the line before
    +1     !unplug               any console command (see devices.sim.console)
    +3     !replug
    6.5    !ean13 978979306279

* ``<time> <action>``, separated by spaces or tabs. ``<time>`` is seconds since the script
  started (``2``, ``6.5``) or, with a leading ``+``, seconds after the step before
  (``+0.5``). Steps run in file order; an absolute time earlier than the step before is
  an error, not a reordering.
* ``<action>`` is what a technician would type in the console: a barcode, or a
  ``!command`` (``!noise``, ``!split <code>``, ``!bad <code>``, ``!unplug``, ``!replug``,
  ``!slow <s>``/``!slow off``, ``!silent on|off``, ``!aim on|off``, ``!ean13 ...``,
  ``!code39 ...``, ``!code128 ...``, ``!codabar ...``).
* Blank lines and lines starting with ``#`` are ignored.

A script with a bad line is refused as a whole, before anything is sent, with one line
naming the file and the line (``scan.txt:3: ...``). Times are at most one day.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_SECONDS = 86_400.0


class ScriptError(ValueError):
    """A script that cannot be run; ``str(err)`` is one line naming file and line."""


@dataclass(frozen=True)
class Step:
    """One step of a script.

    Attributes:
        at: seconds since the script started.
        action: a barcode or a console ``!command``.
        line: its line number in the file.
    """

    at: float
    action: str
    line: int


def parse_script(text: str, source: str = "<script>") -> list[Step]:
    """Read a script.

    Args:
        text: the whole file.
        source: its name, for error messages.

    Returns:
        The steps, in order, with absolute times.

    Raises:
        ScriptError: the first bad line (one line: ``source:line: what is wrong``).
    """
    steps: list[Step] = []
    now = 0.0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        where = f"{source}:{number}"
        if len(parts) < 2:
            raise ScriptError(
                f'{where}: expected "<seconds> <barcode or !command>", got {_shown(line)}'
            )
        when, action = parts
        relative = when.startswith("+")
        try:
            seconds = float(when[1:] if relative else when)
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
        if not (action.isascii() and action.isprintable()):
            raise ScriptError(f"{where}: a scanner sends printable ASCII only")
        now = at
        steps.append(Step(at, action.strip(), number))
    return steps


def run_script(
    steps: list[Step],
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
