"""A kiosk without a window, built exactly as ``kiosk run`` builds it (``bootstrap.build``).

Everything is real: the demo library, the local store, the session over every service,
the driver and its ILS worker thread, the view-model. Only the clock is hand-wound and the
serial scanner is left out unless a test asks for one. Commands run on the real worker
thread; :meth:`FlowKiosk.settle` waits for their answers and applies them, as the app's
UI thread would at its next frame, so a test reads like a patron at the kiosk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from accessibility.speech.output import RecordingSpeech
from kiosk import config as config_module
from kiosk.bootstrap import Kiosk, build
from kiosk.core.clock import ManualClock
from kiosk.core.ports import IlsBackend

PERSON_KEY_GAP = 0.2  # seconds between a person's key presses on the keypad
WEDGE_KEY_GAP = 0.004  # a wedge scanner types a character every few milliseconds


class FlowKiosk:
    """The kiosk's object graph from :func:`kiosk.bootstrap.build`, driven by hand."""

    def __init__(
        self,
        data_dir: Path,
        *,
        config: config_module.Config | None = None,
        wrap_ils: Callable[[IlsBackend], IlsBackend] | None = None,
        scanner_url: str = "",
        **build_options: Any,
    ) -> None:
        self.clock = ManualClock()
        # The voice a patron would hear, recorded: no synthesiser or sound device in flows.
        build_options.setdefault("speech", RecordingSpeech())
        self.parts: Kiosk = build(
            config or config_module.from_mapping({"ils": {"backend": "local"}}, None),
            data_dir,
            clock=self.clock,
            scanner_url=scanner_url,  # none unless a test asks (sim://scanner/<name>)
            wrap_ils=wrap_ils,
            debug=True,
            **build_options,
        )
        self.vm = self.parts.vm
        self.driver = self.parts.driver
        self.session = self.parts.session
        self.store = self.parts.circulation_log
        self.ils = self.parts.ils

    def settle(self) -> None:
        """Wait for every command in flight and apply its answer."""
        self.driver.settle()

    def scan(self, code: str) -> None:
        """A scan from the serial scanner, answered before returning."""
        self.vm.scan(code)
        self.settle()

    def type(self, text: str, *, key_gap: float = PERSON_KEY_GAP) -> None:
        """Type at a person's pace and press Enter; wait for the answer."""
        for char in text:
            self.clock.advance(key_gap)
            self.vm.type_char(char)
        self.clock.advance(key_gap)
        self.vm.submit()
        self.settle()

    def wedge(self, code: str) -> None:
        """A keyboard-wedge scanner: the characters and Enter in one fast burst."""
        self.clock.advance(1.0)  # the patron picks up the book (or card) and aims
        for char in code:
            self.clock.advance(WEDGE_KEY_GAP)
            self.vm.type_char(char)
        self.vm.submit()
        self.settle()

    def wait(self, seconds: float) -> None:
        """Let time pass with the kiosk ticking, as the app clock does twice a second."""
        for _ in range(int(seconds * 2)):
            self.clock.advance(0.5)
            self.vm.tick()

    def close(self) -> None:
        self.parts.close(grace=1.0)
