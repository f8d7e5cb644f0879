"""``kiosk doctor``: one PASS or FAIL line per part of the kiosk, for a technician.

Each area is a module with ``checks(context) -> list[Check]`` (see :mod:`kiosk.doctor.base`):
the config, the serial ports, the scanner and the printer, the library system, the voice
and the sound device, the local store and its disk. A new device adds a module and one
entry in :data:`AREAS`. Every check is bounded in time, prints one line (what was found,
where, what to do), never a password or a patron's card number; the exit code is 0 when
every check passed, 1 otherwise.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kiosk import __version__
from kiosk.config import Config
from kiosk.doctor import config_check, counters, devices, ils, ports, speech, store
from kiosk.doctor.base import DEFAULT_TIMEOUT, Check, Context, Finding, run_checks, user_name

__all__ = ["AREAS", "DEFAULT_TIMEOUT", "Check", "Context", "Finding", "run"]

AREAS: tuple[Callable[[Context], list[Check]], ...] = (
    config_check.checks,
    ports.checks,
    devices.checks,
    counters.checks,
    ils.checks,
    speech.checks,
    store.checks,
)
"""Every area's checks, in the order the report prints them."""


def run(config: Config, data_dir: Path, out: TextIO, timeout: float = DEFAULT_TIMEOUT) -> int:
    """Check everything and print the report.

    Args:
        config: the validated config.
        data_dir: the kiosk's data folder (not created, not changed).
        out: where the report goes.
        timeout: seconds each check may take (some take longer by nature: the voice).

    Returns:
        The exit code: 0 when every check passed, 1 when any failed.
    """
    user = user_name()
    print(f"kiosk doctor {__version__}: user {user}, data folder {data_dir}", file=out)
    if os.geteuid() == 0:
        print(
            "note: running as root, which may open every device and file; run it as the "
            "kiosk's own user (sudo -u <user> kiosk doctor) to check that user's rights",
            file=out,
        )
    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-", ignore_cleanup_errors=True) as scratch:
        context = Context(config, data_dir, Path(scratch), timeout)
        checks = [check for area in AREAS for check in area(context)]
        failures = run_checks(checks, out)
    if failures:
        print(f"{failures} of {len(checks)} checks failed: see the FAIL lines above.", file=out)
        return 1
    print(f"All {len(checks)} checks passed.", file=out)
    return 0
