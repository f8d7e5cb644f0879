"""The doctor's runner and its measures, without a subprocess.

A check that hangs is reported as hung within its own bound and the next lines still
print; a check that raises is a FAIL line, never a traceback; the free-disk check reads
the real file system and fails below its threshold with the figure.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

from kiosk.doctor.base import Check, Finding, failed, passed, run_checks
from kiosk.doctor.ports import path_problem
from kiosk.doctor.store import free_disk


def test_a_hung_check_is_reported_and_the_others_still_print() -> None:
    release = threading.Event()

    def hangs() -> Finding:
        release.wait()  # a device that never answers
        return passed("never")

    out = io.StringIO()
    try:
        failures = run_checks(
            [
                Check("printer", hangs, timeout=0.2, hung="check the printer's cable"),
                Check("scanner", lambda: passed("opened")),
            ],
            out,
        )
    finally:
        release.set()
    assert failures == 1
    assert out.getvalue().splitlines() == [
        "FAIL  printer: no answer within 0.2 s (hung); check the printer's cable",
        "PASS  scanner: opened",
    ]


def test_a_check_that_raises_is_a_fail_line() -> None:
    def broken() -> Finding:
        raise KeyError("boom")

    out = io.StringIO()
    assert run_checks([Check("store", broken)], out) == 1
    assert out.getvalue() == (
        "FAIL  store: the check itself failed (KeyError: 'boom'); run `kiosk -v doctor` for "
        "the details and report it\n"
    )


def test_a_line_cannot_be_broken_by_what_a_device_says() -> None:
    out = io.StringIO()
    run_checks([Check("scanner", lambda: failed("said \x1b[2J\nFAKE", "do x"))], out)
    assert out.getvalue() == "FAIL  scanner: said \\x1b[2J FAKE; do x\n"


def test_free_disk_passes_with_the_figure_and_fails_below_the_threshold(tmp_path: Path) -> None:
    data = tmp_path / "not-made-yet" / "data"  # measured on its nearest existing parent
    ok = free_disk(data, min_free_mb=1)
    assert ok.passed
    assert f"free on the data folder's disk ({tmp_path}; at least 1 MB needed)" in ok.found
    short = free_disk(data, min_free_mb=10**9)
    assert not short.passed
    assert short.found.startswith("only ") and "at least 1000000000 MB is needed" in short.found
    assert "journalctl --vacuum-size" in short.todo


def test_a_fifo_in_place_of_a_device_is_named_and_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "ttyUSB0"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    problem = path_problem("counter", str(fifo), "[counters.gate] url")
    assert problem is not None and not problem.passed
    assert problem.found == f"{fifo} is a FIFO, not a serial device"
    assert problem.todo.startswith("set [counters.gate] url to the counter's device")


def test_a_pseudo_terminal_is_a_usable_serial_device() -> None:
    controller, terminal = os.openpty()
    try:
        assert path_problem("scanner", os.ttyname(terminal), "[scanner] url") is None
    finally:
        os.close(controller)
        os.close(terminal)


def test_a_fifo_store_is_named_and_the_fix_matches_what_the_kiosk_does(tmp_path: Path) -> None:
    from kiosk.config import defaults
    from kiosk.doctor.base import Context
    from kiosk.doctor.store import local_store

    store = tmp_path / "kiosk.sqlite3"
    os.mkfifo(store)
    finding = local_store(Context(defaults(), tmp_path, tmp_path / "scratch"))
    assert not finding.passed
    # `kiosk run` and `kiosk gate` refuse it (README); they make a new store once it is gone.
    assert finding.found == (
        f"{store} is a FIFO, not a regular file: the kiosk and the gate refuse to start with it"
    )
    assert finding.todo == "remove it (it holds no data); the next start makes a new store"
