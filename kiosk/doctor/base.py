"""The doctor's parts every area shares: a check, its finding, the run with a time bound.

A check is a named function of no arguments returning a :class:`Finding`; each area module
(``config_check``, ``ports``, ``devices``, ``ils``, ``speech``, ``store``) offers
``checks(context) -> list[Check]``, so a device with several instances (visitor counters)
gives one check per instance. Every check runs on its own daemon thread and is waited for
at most its ``timeout``: a device or a library system that hangs is reported as such, and
the doctor goes on (the thread is left behind; the process ends without it).
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kiosk.config import Config, safe

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
"""Seconds a check may take unless it says otherwise (``kiosk doctor --timeout``)."""
LINE_CHARS = 600
"""A finding longer than this is cut: one line a terminal can show."""


@dataclass(frozen=True)
class Finding:
    """What one check found.

    Attributes:
        passed: the part works.
        found: what was found, one line (a path, a figure, the device's own words).
        todo: what to do about it; empty when it passed.
    """

    passed: bool
    found: str
    todo: str = ""


def passed(found: str) -> Finding:
    """A passing finding."""
    return Finding(True, found)


def failed(found: str, todo: str) -> Finding:
    """A failing finding with what to do."""
    return Finding(False, found, todo)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report.

    Attributes:
        what: the part checked, as the line names it ("scanner", "local store").
        run: does the check; may raise (reported as a failure, never a traceback).
        timeout: seconds it may take; past that it is reported as hung.
        hung: what to do when it hangs (the check's own advice).
    """

    what: str
    run: Callable[[], Finding]
    timeout: float = DEFAULT_TIMEOUT
    hung: str = "check the device or service it talks to; run with -v for details"


@dataclass(frozen=True)
class Context:
    """What every check may look at.

    Attributes:
        config: the validated config.
        data_dir: the kiosk's data folder (as ``kiosk run`` would use it).
        scratch: a private temporary folder for this run (probe sounds, a fresh demo library).
        timeout: the default time bound of a check (``--timeout``).
    """

    config: Config
    data_dir: Path
    scratch: Path
    timeout: float = DEFAULT_TIMEOUT


def user_name() -> str:
    """This process's user's login name (its uid if it has none)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def group_name(gid: int) -> str:
    """A group's name (its number if it has none)."""
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def one_line(text: str, limit: int = LINE_CHARS) -> str:
    """``text`` on one line: whitespace collapsed, control characters escaped, cut."""
    return safe(" ".join(str(text).split()), limit)


def line(check: Check, finding: Finding) -> str:
    """The report's line for a finding: ``PASS what: found`` or ``FAIL what: found; todo``."""
    text = f"{check.what}: {finding.found}"
    if finding.todo:
        text = f"{text}; {finding.todo}"
    return f"{'PASS' if finding.passed else 'FAIL'}  {one_line(text)}"


class _Running:
    """One check on its own daemon thread."""

    def __init__(self, check: Check) -> None:
        self.check = check
        self.finding: Finding | None = None
        self.deadline = time.monotonic() + check.timeout
        self.thread = threading.Thread(target=self._run, name=f"doctor:{check.what}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.finding = self.check.run()
        except Exception as err:  # a check's bug is a line in the report, not a traceback
            log.debug("check %s raised", self.check.what, exc_info=True)
            self.finding = failed(
                f"the check itself failed ({type(err).__name__}: {one_line(str(err), 200)})",
                "run `kiosk -v doctor` for the details and report it",
            )

    def result(self) -> Finding:
        self.thread.join(max(0.0, self.deadline - time.monotonic()))
        if self.finding is not None:
            return self.finding
        return failed(f"no answer within {self.check.timeout:g} s (hung)", self.check.hung)


def run_checks(checks: Sequence[Check], out: TextIO) -> int:
    """Run every check (all at once, each bounded by its timeout) and print one line each,
    in order, as soon as that line is known.

    Returns:
        The number of checks that failed.
    """
    running = [_Running(check) for check in checks]
    failures = 0
    for item in running:
        finding = item.result()
        failures += not finding.passed
        print(line(item.check, finding), file=out, flush=True)
    return failures
