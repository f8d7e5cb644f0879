"""The gate's optional devices, as the daemon's "extra sources": the security gate's alarm
input (``[gate.alarm]``) and the member card scanner (``[gate] scanner``).

Each has ``start(emit)`` and ``stop()`` (:class:`kiosk.gate.daemon.ExtraSource`): its
driver puts every event (AlarmRaised, a scan, DeviceReady/DeviceLost) on the daemon's
queue, and the writer thread counts or handles it. Both keep trying a device that is
missing or unplugged, like the counters: a gate without its alarm cable still counts.
"""

from __future__ import annotations

from collections.abc import Callable

from accessibility.speech.output import SpeechOutput
from accessibility.speech.service import SpeechService
from devices.alarm import AlarmInput, AlarmSettings, open_alarm
from devices.scanner import ScanEvent
from devices.serial_reader import SerialReader
from kiosk.config import BarcodeSettings, ScannerSettings
from kiosk.gate.greeter import Greeter

SCANNER_DUPLICATE_WINDOW = 2.0
"""Seconds within which the same card read again is dropped by the scanner itself: a card
held under a presentation-mode scanner at the gate reads again and again."""


class AlarmSource:
    """The alarm input (:mod:`devices.alarm`) as an extra source."""

    def __init__(self, settings: AlarmSettings) -> None:
        """Configure; nothing opens before :meth:`start`."""
        self.settings = settings
        self.driver: AlarmInput | None = None

    def start(self, emit: Callable[[object], None]) -> None:
        """Open the input and sample it; a missing port is reported lost and retried."""
        self.driver = open_alarm(self.settings, emit)
        self.driver.start(wait_for_device=True)

    def stop(self) -> None:
        """Stop sampling; no event after this returns."""
        if self.driver is not None:
            self.driver.stop()


class ScannerSource:
    """The member card scanner (:mod:`devices.scanner`) as an extra source."""

    def __init__(self, url: str, scanner: ScannerSettings, barcodes: BarcodeSettings) -> None:
        """Configure from ``[gate] scanner`` (the URL), ``[scanner]`` (its serial settings,
        terminator, prefix and suffix) and ``[barcodes]`` (which symbologies to accept)."""
        self.url = url
        self.scanner = scanner
        self.rules = barcodes.rules()  # as the kiosk reads them
        self.reader: SerialReader | None = None

    def start(self, emit: Callable[[object], None]) -> None:
        """Open the scanner and read it; a missing scanner is reported lost and retried."""
        self.reader = self.scanner.reader(
            self.url, emit, self.rules, duplicate_window=SCANNER_DUPLICATE_WINDOW
        )
        self.reader.start(wait_for_device=True)

    def stop(self) -> None:
        """Stop reading; no event after this returns."""
        if self.reader is not None:
            self.reader.stop()


class CardScanSource:
    """The member card scanner, the greeter and its voice, started and stopped together.

    The scanner's events go on the daemon's queue; the daemon's writer thread hands the
    scans to :meth:`kiosk.gate.greeter.Greeter.handle` (it writes the member visit: the
    writer is the store's only writer). Starting also starts the voice and pre-renders
    the fixed greetings, so the first member's greeting starts from the cache.
    """

    def __init__(self, scanner: ScannerSource, greeter: Greeter, speech: SpeechOutput) -> None:
        """Put the parts together; nothing starts before :meth:`start`."""
        self.scanner, self.greeter, self.speech = scanner, greeter, speech

    def start(self, emit: Callable[[object], None]) -> None:
        """Start the voice (pre-rendering the greetings), then read the scanner."""
        if isinstance(self.speech, SpeechService):
            self.speech.start()
            self.speech.prerender(self.greeter.utterances())
        self.scanner.start(emit)

    def handle(self, event: ScanEvent) -> None:
        """On the writer thread: a scan to the greeter."""
        self.greeter.handle(event)

    def stop(self) -> None:
        """Stop reading, drop name lookups, silence and close the voice."""
        self.scanner.stop()
        self.greeter.close()
        close = getattr(self.speech, "close", None)
        if callable(close):
            close()
