"""A kiosk without a window: real session, demo library and store, view-model driven by hand.

Commands run at once on the calling thread and their answers are posted straight back, so
a test reads like a patron at the kiosk and needs no sleeps.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from accessibility.themes import DEFAULT, TEXT_STEPS
from kiosk.bootstrap import classify_barcode
from kiosk.core.circulation import CommandRunner
from kiosk.core.clock import ManualClock
from kiosk.core.i18n import translators
from kiosk.core.session import Session, Timeouts
from kiosk.ils.local import LocalIls
from kiosk.storage.circulation_log import SqlCirculationLog
from kiosk.storage.db import open_store
from kiosk.ui.viewmodel import KioskViewModel


class InlineExecutor(Executor):
    """Runs each job at once, on the caller's thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
        return future


class Kiosk:
    """Everything ``kiosk run`` wires, minus Kivy's window and the scanner thread."""

    def __init__(self, data_dir: Path, *, ils: Any = None, circulation_log: Any = None) -> None:
        self.clock = ManualClock()
        self.engine = open_store(data_dir / "kiosk.sqlite3")
        self.store = SqlCirculationLog(self.engine, "test-kiosk")
        self.ils = ils or LocalIls.open(data_dir / "demo-library.sqlite3")
        self.session = Session(self.clock, classify_barcode, Timeouts())
        runner = CommandRunner(self.ils, circulation_log or self.store, self.clock)
        self.vm = KioskViewModel(
            self.session,
            runner.run,
            InlineExecutor(),
            translators(),
            post=lambda action: action(),
            theme=DEFAULT,
            text_scales=[step.scale for step in TEXT_STEPS],
            library_name="Perpustakaan Uji",
            monotonic=self.clock.monotonic,
        )

    def type(self, text: str) -> None:
        """Type on the keyboard (or a wedge scanner) and press Enter."""
        for char in text:
            self.vm.type_char(char)
        self.vm.submit()

    def wait(self, seconds: float) -> None:
        """Let time pass with the kiosk ticking, as the app clock does twice a second."""
        steps = int(seconds * 2)
        for _ in range(steps):
            self.clock.advance(0.5)
            self.vm.tick()
