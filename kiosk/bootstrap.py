"""Composition root: the only place that picks real or simulated parts and wires them.

:func:`build` makes the whole object graph from the config (local store, the ILS backend
named in ``[ils] backend``, the session over every service's table, the driver and its
worker, the view-model, the scanner named in ``[scanner] url``, the receipt printer named
in ``[printer] url``) without starting anything; the app, the flow tests and the benches
all use it, so a part added here is in the flow tests by construction. :func:`run_kiosk`
builds, starts the devices and runs the Kivy app. Kivy is imported only after
:func:`prepare_kivy` has set its environment: on a machine without a display the kiosk
renders offscreen and says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from kiosk import __version__
from kiosk.config import BarcodeSettings, Config, ScannerSettings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from accessibility.speech.output import SpeechOutput
    from devices.counters import CounterDriver
    from devices.counters.board import CounterBoard
    from devices.serial_reader import SerialReader
    from devices.sim.escpos_decoder import PrintedReceipt
    from kiosk.core.diagnostics import CounterRow, DiagnosticsSnapshot, FrameLog, VoiceCheck
    from kiosk.core.driver import SessionDriver
    from kiosk.core.model import BarcodeKind, PrintReport, ReceiptText
    from kiosk.core.navigation import Navigation, Service
    from kiosk.core.offline import OfflinePolicy, Reachability
    from kiosk.core.ports import Clock, IlsBackend, PreferenceStore, SpeechPriority, Voice
    from kiosk.core.reconcile import Reconciler
    from kiosk.core.replay import Replayer
    from kiosk.core.retention import NamePurger
    from kiosk.core.session import BarcodeClassifier, Session
    from kiosk.ils.local import LocalIls
    from kiosk.ils.sip2.backend import Sip2Policy
    from kiosk.ils.sip2.connection import Sip2Options
    from kiosk.storage.circulation_log import SqlCirculationLog
    from kiosk.storage.visits import SqlVisitLog
    from kiosk.ui.viewmodel import KioskViewModel
    from kiosk.ui.voice import VoiceGuide

log = logging.getLogger(__name__)

STORE_FILE = "kiosk.sqlite3"
DEMO_LIBRARY_FILE = "demo-library.sqlite3"
SPEECH_CACHE_DIR = "speech-cache"  # synthesised speech, in the data folder
SIMULATED_RECEIPTS_FILE = "receipts.txt"  # where the demo's simulated printer's receipts go
SHUTDOWN_GRACE = 2.0  # seconds a check-out in flight may take to finish when the kiosk stops
SCAN_BACKLOG = 1024
"""Events waiting for the UI thread beyond which the scanner's reader waits before posting
another scan (back-pressure: its bytes wait in the port's kernel buffer meanwhile), so a
stalled UI never gathers an unbounded queue of reads (1,024 events are ~100 KB). It is a
safety bound, not pacing: the UI drains the whole queue each frame, and handing a flood
over in small batches (32) made it redraw the growing list once per batch (the scan-flood
bench: +170 MB and touches waiting 3.6 s, against +0 MB and 0.3 s)."""
SCAN_STALL = 2.0
"""Seconds the reader waits for a stalled UI before it drops a scan (logged)."""


@dataclass(frozen=True)
class RunOptions:
    """What ``kiosk run`` was asked to do, on top of the config."""

    config: Config
    data_dir: Path
    scanner_url: str | None = None
    headless: bool | None = None  # None: decide from the environment
    screenshot_dir: Path | None = None
    exit_after_first_frame: bool = False
    debug: bool = False
    on_started: Callable[[], None] | None = None  # called once the first frame is drawn


class StartError(Exception):
    """The kiosk cannot start. ``str(err)`` is the one line a technician reads."""


@dataclass
class Kiosk:
    """The wired kiosk, not yet started. Made by :func:`build`."""

    config: Config
    clock: Clock
    store: Engine
    circulation_log: SqlCirculationLog
    ils: IlsBackend
    navigation: Navigation
    session: Session
    driver: SessionDriver
    vm: KioskViewModel
    scanner: SerialReader | None
    reconciler: Reconciler
    replayer: Replayer
    printer: ReceiptPrinterAdapter | None = None
    voice_guide: VoiceGuide | None = None
    speech: SpeechOutput = field(default_factory=lambda: _silent_speech())
    diagnostics: DiagnosticsAdapter | None = None
    """What the technician screen reads (None: no staff PIN, no technician screen)."""
    # Visitor counters ([counters.<id>]) and their latest state for the technician screen.
    counters: list[CounterDriver] = field(default_factory=list)
    counter_board: CounterBoard = field(default_factory=lambda: _counter_board())
    visits: SqlVisitLog | None = None
    """The guest book's visits ([guestbook] enabled), also in ``Ports.visits``."""
    purger: NamePurger | None = None
    """Erases guest names past the retention: at start, then hourly (with ``visits``)."""

    def start_devices(self) -> None:
        """Start reading the devices; one that is missing is waited for by its reader.

        The voice starts its synthesiser and pre-renders every fixed prompt of both
        languages in the background (a few seconds), so the screens' own texts are spoken
        from the cache.
        """
        if self.scanner is not None:
            self.scanner.start(wait_for_device=True)
        for counter in self.counters:
            counter.start(wait_for_device=True)  # a missing counter is retried, not fatal
        _start_speech(self.speech, self.config.kiosk.language)

    def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop devices and the worker (waiting at most ``grace`` s), release the databases."""
        if self.scanner is not None:
            self.scanner.stop()
        for counter in self.counters:
            counter.stop()
        # A pass cut short by the exit leaves its intents open (each record is atomic): the
        # next start settles them, so shutting down never waits on a slow ILS here.
        self.reconciler.stop(min(grace, 0.2))
        self.replayer.stop(min(grace, 0.2))  # a transaction cut short stays "sending": asked first
        if self.purger is not None:
            self.purger.stop(min(grace, 0.2))  # one transaction: cut short, it is undone
        self.driver.shutdown(grace)
        close_speech = getattr(self.speech, "close", None)
        if callable(close_speech):
            close_speech()  # silence, end its processes, delete personal audio
        if self.printer is not None:
            self.printer.close()
        close_ils = getattr(self.ils, "close", None)
        if callable(close_ils):
            close_ils()
        self.store.dispose()


class SpeechAdapter:
    """The core's :class:`~kiosk.core.ports.Voice` on ``accessibility.speech``.

    The core and the UI may not import ``accessibility`` (it is a library, and they stay
    free of its types), so this adapter turns their plain calls into ``Utterance`` values.
    Without an output (speech off) it says nothing and reports not working.
    """

    def __init__(self, output: SpeechOutput | None) -> None:
        self._output = output

    def say(self, text: str, language: str, priority: SpeechPriority, personal: bool) -> None:
        from accessibility.speech.output import Priority, Utterance

        if self._output is not None:
            self._output.say(Utterance(text, language, Priority[priority.name], personal))

    def interrupt(self) -> None:
        if self._output is not None:
            self._output.interrupt()

    def repeat(self) -> None:
        if self._output is not None:
            self._output.repeat()

    def change_rate(self, step: int) -> int:
        if self._output is None:
            return 1
        self._output.rate_step = self._output.rate_step + step
        return self._output.rate_step + 1

    def change_volume(self, step: int) -> int:
        if self._output is None:
            return 1
        self._output.volume_step = self._output.volume_step + step
        return self._output.volume_step + 1

    @property
    def steps(self) -> int:
        from accessibility.speech.output import RATE_STEPS

        return len(RATE_STEPS)

    def reset(self) -> None:
        if self._output is not None:
            self._output.reset()

    @property
    def working(self) -> bool:
        return self._output is not None and self._output.status().working


class EchoingVoice:
    """A :class:`~kiosk.core.ports.Voice` that also prints what it is asked to say.

    For the headless demo and a technician without speakers: each utterance is echoed as
    ``voice: ...`` with card numbers cut to their last 4 digits and the patron's names
    left out, as the screen's echo is; a personal one (private audio) is not shown at all.
    """

    def __init__(
        self, inner: Voice, echo: Callable[[str], None], names: Callable[[], Sequence[str]]
    ) -> None:
        self._inner = inner
        self._echo = echo
        self._names = names

    def say(self, text: str, language: str, priority: SpeechPriority, personal: bool) -> None:
        from kiosk.core.privacy import mask_personal

        shown = "(personal, not shown)" if personal else mask_personal(text, self._names())
        self._echo(f"voice: {shown}")
        self._inner.say(text, language, priority, personal)

    def interrupt(self) -> None:
        self._inner.interrupt()

    def repeat(self) -> None:
        self._echo("voice: (repeats the last)")
        self._inner.repeat()

    def change_rate(self, step: int) -> int:
        return self._inner.change_rate(step)

    def change_volume(self, step: int) -> int:
        return self._inner.change_volume(step)

    @property
    def steps(self) -> int:
        return self._inner.steps

    def reset(self) -> None:
        self._inner.reset()

    @property
    def working(self) -> bool:
        return self._inner.working


class ReceiptPrinterAdapter:
    """The core's :class:`~kiosk.core.ports.ReceiptPrinter` on ``devices.printer`` (ESC/POS).

    Opened lazily by the device layer on the first receipt; called on the worker thread.
    """

    def __init__(self, url: str) -> None:
        from devices.printer import ReceiptPrinter as EscPosPrinter

        self.url = url
        self._printer: EscPosPrinter = EscPosPrinter(url)
        self.last: PrintReport | None = None
        """How the last print went (the technician screen shows it); None before any."""

    def print_receipt(self, receipt: ReceiptText) -> PrintReport:
        """Print through python-escpos; the device's outcome as the core's."""
        from devices.receipt import Receipt, ReceiptLine
        from kiosk.core.model import PrintOutcome, PrintReport

        lines = tuple(ReceiptLine(x.text, x.bold, x.double_height) for x in receipt.lines)
        result = self._printer.print(Receipt(receipt.title, lines))
        self.last = PrintReport(PrintOutcome[result.outcome.name], result.technician)
        return self.last

    def close(self) -> None:
        self._printer.close()


class DiagnosticsAdapter:
    """The core's :class:`~kiosk.core.diagnostics.Diagnostics` on the kiosk's real parts.

    Called on the worker thread while the technician screen is open. ``counters`` gives
    the visitor counters' rows (none until a counter is wired to it).
    """

    def __init__(
        self,
        config: Config,
        store: Engine,
        reachability: Reachability,
        frames: FrameLog,
        speech: SpeechOutput,
        printer: ReceiptPrinterAdapter | None,
        scanner_url: str,
    ) -> None:
        from kiosk.core.diagnostics import no_counters

        self._backend = config.ils.backend
        self._store = store
        self._reachability = reachability
        self._frames = frames
        self._speech = speech
        self._printer = printer
        self._scanner_url = scanner_url
        self.counters: Callable[[], Sequence[CounterRow]] = no_counters
        self._store_failing = False  # logged once when it starts failing, once when it ends

    @property
    def frames(self) -> FrameLog:
        """The scanner's last frames (the reader thread adds to it)."""
        return self._frames

    def snapshot(self) -> DiagnosticsSnapshot:
        from kiosk.core.diagnostics import DiagnosticsSnapshot, IlsState
        from kiosk.core.ports import StorageFailed
        from kiosk.storage.diagnostics import waiting_counts

        outbox: int | None
        offline: int | None
        try:
            outbox, offline = waiting_counts(self._store)
        except StorageFailed as err:
            if not self._store_failing:
                log.warning("technician screen: %s; check the data folder's disk", err)
            self._store_failing = True
            outbox = offline = None
        else:
            if self._store_failing:
                log.warning("technician screen: the local store can be read again")
            self._store_failing = False
        failed_at, failure = self._reachability.last_failure
        ils = IlsState(self._backend, self._reachability.online, failure, failed_at)
        printer = self._printer
        return DiagnosticsSnapshot(
            scanner_url=self._scanner_url,
            frames=self._frames.frames(),
            counters=tuple(self.counters()),
            ils=ils,
            outbox=outbox,
            offline_waiting=offline,
            printer_url=printer.url if printer is not None else "",
            last_print=printer.last if printer is not None else None,
        )

    def test_voice(self, text: str, language: str) -> VoiceCheck:
        from accessibility.speech.output import Priority, Utterance
        from kiosk.core.diagnostics import VoiceCheck

        self._speech.interrupt()
        self._speech.say(Utterance(text, language, Priority.ALERT))
        status = self._speech.status()
        return VoiceCheck(status.working, status.reason)


def with_staff_cards(classify: BarcodeClassifier, cards: Sequence[str]) -> BarcodeClassifier:
    """``classify`` that knows the staff cards: they are ``STAFF``, whatever their number
    would otherwise say, so a staff card never reaches the library system as a patron's."""
    from kiosk.core.model import BarcodeKind

    staff = frozenset(card.strip().upper() for card in cards)

    def classify_with_staff(text: str) -> tuple[str, BarcodeKind | None]:
        code, kind = classify(text)
        if text.strip().upper() in staff or code.upper() in staff:
            return code, BarcodeKind.STAFF
        return code, kind

    return classify_with_staff


def _offline_policy(config: Config) -> OfflinePolicy:
    from kiosk.core.offline import OfflinePolicy

    settings = config.offline
    return OfflinePolicy(
        accept_returns=settings.returns == "accept",
        lend=settings.loans == "limited",
        patron_limit=settings.patron_limit,
        session_limit=settings.session_limit,
        seen_days=settings.seen_days,
        loan_days=settings.loan_days,
        timezone=config.kiosk.timezone,
    )


def _open_demo_library(config: Config, data_dir: Path, clock: Clock) -> LocalIls:
    from kiosk.ils.local import LocalIls
    from kiosk.storage.private import private_file

    path = data_dir / DEMO_LIBRARY_FILE
    ils = LocalIls.open(path, timezone=config.kiosk.timezone, clock=clock)
    # Its patrons' names and PINs: private like the store (SQLite gives -journal its mode).
    for name in (path.name, f"{path.name}-journal"):
        private_file(path.with_name(name))
    return ils


def _open_local_ils(config: Config, data_dir: Path, clock: Clock) -> IlsBackend:
    """The demo library called directly, without SIP2 (the tests' backend)."""
    return _open_demo_library(config, data_dir, clock)


def _open_demo_ils(config: Config, data_dir: Path, clock: Clock) -> IlsBackend:
    """The demo library served over SIP2 on loopback in this process, and the kiosk's
    SIP2 client talking to it: the production path, end to end, with no configuration."""
    from kiosk.core.ports import IlsUnavailable
    from kiosk.ils.sip2.embedded import open_embedded_demo
    from kiosk.ils.sip2.server import ServerError

    library = _open_demo_library(config, data_dir, clock)
    options, policy = sip2_settings(config)
    try:
        return open_embedded_demo(
            library,
            name=config.kiosk.library_name,
            options=options,
            policy=policy,
            timezone=ZoneInfo(config.kiosk.timezone),
            clock=clock,
        )
    except ServerError as err:
        library.close()
        raise IlsUnavailable(f"the demo library's SIP2 server: {err}") from None


def _open_sip2_ils(config: Config, data_dir: Path, clock: Clock) -> IlsBackend:
    """The library's own system over SIP2 ([sip2]); connects at the first call, not here."""
    from kiosk.ils.sip2.backend import Sip2Ils
    from kiosk.ils.sip2.connection import Sip2Connection

    options, policy = sip2_settings(config)
    return Sip2Ils(Sip2Connection(options), policy, ZoneInfo(config.kiosk.timezone), clock)


def sip2_settings(config: Config) -> tuple[Sip2Options, Sip2Policy]:
    """``[sip2]`` as the connection's options and the backend's policy."""
    from kiosk.config import TERMINATORS
    from kiosk.ils.sip2.backend import Sip2Policy
    from kiosk.ils.sip2.connection import Sip2Options

    sip2 = config.sip2
    user, password = sip2.credentials()
    options = Sip2Options(
        host=sip2.host,
        port=sip2.port,
        user=user,
        password=password,
        location=sip2.location,
        tls=sip2.tls,
        tls_verify=sip2.tls_verify,
        ca_file=sip2.ca_file,
        client_cert=sip2.client_cert,
        client_key=sip2.client_key,
        terminator=TERMINATORS[sip2.terminator],
        encoding=sip2.encoding,
        checksums=sip2.checksums,
        timeout=sip2.timeout,
        keepalive=sip2.keepalive,
        resend_limit=sip2.resend_limit,
    )
    policy = Sip2Policy(
        institution=sip2.institution,
        terminal_password=sip2.terminal_password,
        location=sip2.location,
        verify_pin=sip2.patron_verification == "pin",
        fees=sip2.fees,
        nb_due_date=sip2.nb_due_date,
        loan_days=sip2.loan_days,
    )
    return options, policy


DEMO_BACKENDS = ("demo", "local")
"""``[ils] backend`` names that serve the embedded demo library (over SIP2, or directly)."""

ILS_BACKENDS: dict[str, Callable[[Config, Path, Clock], IlsBackend]] = {
    "demo": _open_demo_ils,
    "local": _open_local_ils,
    "sip2": _open_sip2_ils,
}
"""``[ils] backend`` name -> how to open it with the kiosk's clock (the ILS judges card
expiry and lock-outs by it, so tests with a manual clock see a fixed calendar). The config
accepts exactly these names."""


def build(
    config: Config,
    data_dir: Path,
    *,
    clock: Clock | None = None,
    scanner_url: str | None = None,
    services: Sequence[Service] | None = None,
    wrap_ils: Callable[[IlsBackend], IlsBackend] | None = None,
    wrap_preferences: Callable[[PreferenceStore], PreferenceStore] | None = None,
    debug: bool = False,
    speech: SpeechOutput | None = None,
) -> Kiosk:
    """Make the kiosk's object graph from its config. Nothing is started.

    Args:
        config: the validated configuration.
        data_dir: where the local store (and the demo library) live.
        clock: the time source; the system clock by default (tests pass a manual one).
        scanner_url: overrides ``[scanner] url`` ('' for none).
        services: the patron services; :data:`kiosk.core.services.SERVICES` by default.
        wrap_ils: wraps the configured ILS backend (tests use it to delay or hang calls).
        wrap_preferences: wraps the store of patrons' settings (tests make it fail).
        debug: enforce the one-thread rule by raising, and surface command crashes.
        speech: the voice; None makes the real one from ``[speech]`` (its cache in
            ``speech-cache/`` in the data folder), or a silent one when it is disabled.
            Its synthesiser starts with :meth:`Kiosk.start_devices`.

    Raises:
        kiosk.storage.db.StoreError: the local store (or its card-hash key) cannot be opened.
        kiosk.core.ports.IlsUnavailable: the ILS backend cannot be opened.
    """
    from accessibility.speech.output import DEFAULT_RATE_STEP, DEFAULT_VOLUME_STEP, RATE_STEPS
    from accessibility.themes import TEXT_STEPS, THEMES, text_step
    from kiosk.core.circulation import CommandRunner
    from kiosk.core.clock import SystemClock
    from kiosk.core.diagnostics import FrameLog
    from kiosk.core.driver import SessionDriver
    from kiosk.core.events import IlsReachabilityChanged
    from kiosk.core.i18n import translators
    from kiosk.core.offline import OfflineDesk, Reachability, WatchedIls
    from kiosk.core.reconcile import Reconciler
    from kiosk.core.replay import Replayer
    from kiosk.core.retention import NamePurger
    from kiosk.core.services import GUESTBOOK, SERVICES, navigation
    from kiosk.core.services.guestbook import guestbook_service
    from kiosk.core.session import Ports, ReceiptSettings, Session, TechnicianPorts, Timeouts
    from kiosk.core.staff import StaffGate
    from kiosk.storage.circulation_log import SqlCirculationLog
    from kiosk.storage.db import open_store
    from kiosk.storage.offline import SqlOfflineStore
    from kiosk.storage.pin_failures import KEY_FILE, SqlPinFailures, load_or_create_key
    from kiosk.storage.preferences import SqlPreferences
    from kiosk.ui.viewmodel import KioskViewModel
    from kiosk.ui.voice import VoiceGuide

    counter_board = _counter_board()
    counters = _counters(config, counter_board)  # no I/O: before anything needs closing
    clock = clock or SystemClock()
    store = open_store(data_dir / STORE_FILE)
    try:
        circulation_log = SqlCirculationLog(store, config.kiosk.id)
        card_key = load_or_create_key(data_dir / KEY_FILE)
        pin_failures = SqlPinFailures(
            store,
            card_key,
            limit=config.security.pin_failures,
            window=config.security.pin_window,
        )
        preferences = SqlPreferences(store, card_key)
        offline_store = SqlOfflineStore(store, card_key)
        visits = _visit_log(config, store, data_dir)
        ils = ILS_BACKENDS[config.ils.backend](config, data_dir, clock)
    except BaseException:
        store.dispose()
        raise
    if wrap_ils is not None:
        ils = wrap_ils(ils)
    # Every call, from any thread, says whether the ILS answered (offline mode, its mark).
    reachability = Reachability(clock.now)
    backend, ils = ils, WatchedIls(ils, reachability)
    desk = OfflineDesk(_offline_policy(config), offline_store, circulation_log, clock, reachability)
    saved_settings: PreferenceStore = preferences
    if wrap_preferences is not None:
        saved_settings = wrap_preferences(saved_settings)
    technician = config.technician
    services = SERVICES if services is None else services
    if not technician.pin_hash:  # no staff PIN: no technician screen (Ctrl+Alt+T says so)
        services = [service for service in services if service.name != "technician"]
    # The guest book follows the library's [guestbook] policy, or is not offered at all.
    services = [
        guestbook_service(config.guestbook) if service.name == GUESTBOOK.name else service
        for service in services
        if service.name != GUESTBOOK.name or config.guestbook.enabled
    ]
    nav = navigation(services)
    timeouts = Timeouts(
        idle=config.session.idle_timeout,
        warning=config.session.warning,
        voice_warning=config.session.voice_warning,
        summary=config.session.summary_timeout,
        error=config.session.error_timeout,
    )
    printer = ReceiptPrinterAdapter(config.printer.url) if config.printer.url else None
    receipts = ReceiptSettings(
        printer=printer is not None,
        printed_by_default=config.printer.receipt == "printed",
        library_name=config.kiosk.library_name,
        timezone=ZoneInfo(config.kiosk.timezone),
    )
    classify = with_staff_cards(barcode_classifier(config.barcodes), technician.staff_cards)
    session = Session(clock, classify, nav, timeouts, receipts)
    # Check-outs left open by a killed process are noted before any command can run;
    # the reconciler's thread settles them once started (run_kiosk), never blocking here.
    reconciler = Reconciler(ils, circulation_log, clock)
    reconciler.note_interrupted()
    replayer = Replayer(ils, circulation_log, desk, clock)
    desk.set_replay_wake(replayer.request)
    if speech is None:
        speech = _speech(config, data_dir)
    url = config.scanner.url if scanner_url is None else scanner_url
    frames = FrameLog()
    diagnostics: DiagnosticsAdapter | None = None
    staff: TechnicianPorts | None = None
    if technician.pin_hash:
        diagnostics = DiagnosticsAdapter(config, store, reachability, frames, speech, printer, url)
        diagnostics.counters = _counter_rows(counter_board)
        gate = StaffGate(technician.pin_hash, clock, lock_minutes=technician.lock_minutes)
        staff = TechnicianPorts(gate, diagnostics)
    runner = CommandRunner(
        Ports(
            ils,
            circulation_log,
            clock,
            pin_failures,
            printer,
            saved_settings,
            desk,
            staff,
            visits=visits,
        ),
        nav.commands,
        after=reconciler.observe,
    )
    driver = SessionDriver(session, runner.run, clock, deadline=config.ils.deadline, debug=debug)

    def reachability_changed(online: bool) -> None:  # any thread: hand over, touch nothing
        driver.post(IlsReachabilityChanged(online))
        replayer.request()  # back: replay now; gone: probe with backoff

    reachability.listen(reachability_changed)
    vm = KioskViewModel(
        driver,
        translators(),
        themes=THEMES,
        text_scales=[step.scale for step in TEXT_STEPS],
        default_language=config.kiosk.language,
        default_text_step=TEXT_STEPS.index(text_step(config.kiosk.text_size)),
        default_theme=config.kiosk.theme,
        text_step_names=[step.name for step in TEXT_STEPS],
        library_name=config.kiosk.library_name,
        voice_steps=len(RATE_STEPS),
        default_voice_rate=DEFAULT_RATE_STEP + 1,
        default_voice_volume=DEFAULT_VOLUME_STEP + 1,
        monotonic=clock.monotonic,
    )
    voice_guide = VoiceGuide(
        vm,
        SpeechAdapter(speech),
        private_audio=config.accessibility.private_audio,
        hint_every=config.accessibility.voice_hint_every * 60,
        monotonic=clock.monotonic,
    )
    scanner = _scanner(url, config, driver, frames, classify, clock) if url else None
    return Kiosk(
        config,
        clock,
        store,
        circulation_log,
        backend,
        nav,
        session,
        driver,
        vm,
        scanner,
        reconciler,
        replayer,
        printer=printer,
        voice_guide=voice_guide,
        speech=speech,
        diagnostics=diagnostics,
        counters=counters,
        counter_board=counter_board,
        visits=visits,
        purger=NamePurger(visits, clock) if visits is not None else None,
    )


def _visit_log(config: Config, store: Engine, data_dir: Path) -> SqlVisitLog | None:
    """The guest book's store when ``[guestbook] enabled``, keyed by the visit key.

    Raises:
        kiosk.storage.db.StoreError: ``visit-hash.key`` cannot be read or created.
    """
    from kiosk.storage.visits import SqlVisitLog, visit_key

    if not config.guestbook.enabled:
        return None
    key = visit_key(config.guestbook, data_dir)
    return SqlVisitLog(store, config.kiosk.id, config.guestbook, key)


def _speech(config: Config, data_dir: Path) -> SpeechOutput:
    """The voice ``[speech]`` asks for: the real service, or silence when it is disabled."""
    from accessibility.speech.service import SpeechService

    if not config.speech.enabled:
        return _silent_speech()
    try:
        return SpeechService(
            data_dir / SPEECH_CACHE_DIR,
            device=config.speech.device,
            cache_bytes=config.speech.cache_mb * 1024 * 1024,
        )
    except OSError as err:  # the cache folder: the kiosk still runs, silent
        log.warning(
            "speech: cannot use the folder %s (%s); the kiosk goes on silent; "
            "check the data folder's owner and free space",
            data_dir / SPEECH_CACHE_DIR,
            err.strerror or err,
        )
        return _silent_speech()


def _silent_speech() -> SpeechOutput:
    from accessibility.speech.service import SilentSpeech

    return SilentSpeech()


def _start_speech(speech: SpeechOutput, first_language: str) -> None:
    """Start the real voice's synthesiser and pre-render the fixed prompts (background)."""
    from accessibility.speech.output import Priority, Utterance
    from accessibility.speech.service import SpeechService
    from kiosk.core.i18n import translators

    if not isinstance(speech, SpeechService):
        return
    speech.start()
    languages = sorted(translators().items(), key=lambda item: item[0] != first_language)
    speech.prerender(
        Utterance(text, language, Priority.SCREEN)
        for language, translator in languages
        for text in translator.fixed_texts()
    )


def has_display() -> bool:
    """True when a window can be shown (X11 or Wayland)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def prepare_kivy(*, headless: bool, kivy_home: Path, config: Config) -> None:
    """Set Kivy's environment and graphics config. Must run before any Kivy import.

    Raises:
        StartError: ``kivy_home`` is not a folder or cannot be created.
    """
    if kivy_home.exists() and not kivy_home.is_dir():
        raise StartError(
            f"Kivy's settings folder {kivy_home} is a file, not a folder; move the file aside"
        )
    try:
        kivy_home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as err:
        raise StartError(
            f"cannot create Kivy's settings folder {kivy_home} ({err.strerror or err}); "
            "choose a writable data folder on a local disk"
        ) from err
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ["KIVY_HOME"] = str(kivy_home)
    # Without KIVY_WINDOW=sdl2 a failed window exits the process with code 102, silently.
    os.environ["KIVY_WINDOW"] = "sdl2"
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
    from kivy.config import Config as KivyConfig

    from kiosk.storage.private import private_tree

    # Importing Kivy copied its icons into kivy_home with their installed modes (0644).
    private_tree(kivy_home)
    KivyConfig.set("kivy", "exit_on_escape", "0")  # Escape cancels a session, never quits
    KivyConfig.set("input", "mouse", "mouse,multitouch_on_demand")
    KivyConfig.set("graphics", "width", str(config.display.width))
    KivyConfig.set("graphics", "height", str(config.display.height))
    fullscreen = config.display.fullscreen and not headless
    KivyConfig.set("graphics", "fullscreen", "auto" if fullscreen else "0")


def run_kiosk(options: RunOptions, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Run the kiosk until its window closes. Returns the process exit code."""
    started = time.monotonic()
    config = options.config
    headless = (not has_display()) if options.headless is None else options.headless
    make_data_dir_private(options.data_dir)
    prepare_kivy(headless=headless, kivy_home=options.data_dir / "kivy", config=config)

    kiosk = build(config, options.data_dir, scanner_url=options.scanner_url, debug=options.debug)

    from kiosk.ui.app import KioskApp, connect_driver, post_to_ui

    driver = kiosk.driver
    connect_driver(driver)
    scanner_url = kiosk.scanner.url if kiosk.scanner is not None else ""
    simulated = scanner_url.startswith("sim://")
    screenshot_dir = options.screenshot_dir or (options.data_dir / "screens")

    printer_url = kiosk.printer.url if kiosk.printer is not None else ""
    receipts_file = _simulated_receipts(printer_url, options.data_dir, out)
    _print_banner(out, options, scanner_url, headless, screenshot_dir, receipts_file)

    def on_first_frame(app: KioskApp) -> None:
        if options.on_started is not None:
            options.on_started()
        if options.exit_after_first_frame:
            elapsed = time.monotonic() - started
            print(f"first-frame seconds={elapsed:.3f} rss_mb={_rss_mb():.1f}", file=out, flush=True)
            app.stop()
            return
        if headless:
            from kiosk.ui.console import HELP, start_console
            from kiosk.ui.recorder import ScreenRecorder

            app.recorder = ScreenRecorder(
                kiosk.vm,
                app.root,
                screenshot_dir,
                echo=_echo(out),
                names=_patron_names(kiosk),
                # A --screenshot-dir outside the data folder may be shared: not re-moded.
                own_folder=_inside(screenshot_dir, options.data_dir),
            )
            # The voice's sound check logs its one line (no speakers) now, not in the middle
            # of a typed line, whose echo the console is about to replace by a masked copy.
            wait_idle = getattr(kiosk.speech, "wait_idle", None)
            if callable(wait_idle):
                wait_idle(2.0)
            print(HELP, file=out, flush=True)
            if kiosk.voice_guide is not None:  # no loudspeaker to hear: show what it says
                kiosk.voice_guide.voice = EchoingVoice(
                    kiosk.voice_guide.voice, _echo(out), _patron_names(kiosk)
                )
            scan = _simulated_scanning(out, kiosk.session.classify) if simulated else None
            start_console(kiosk.vm, stdin, scan=scan, out=out)
        elif simulated:
            _start_simulator_console(stdin, out)

    app = KioskApp(
        kiosk.vm,
        kiosk.navigation.screens,
        on_first_frame=on_first_frame,
        voice_guide=kiosk.voice_guide,
        repeat_guard=kiosk.config.accessibility.repeat_guard,
    )
    # systemd and `kill` stop the kiosk with SIGTERM: close the window the normal way. The
    # UI thread never waits for the ILS, so this is prompt even with an ILS call hung.
    signal.signal(signal.SIGTERM, lambda _signo, _frame: post_to_ui(app.stop))
    kiosk.start_devices()
    kiosk.reconciler.start()  # its own thread: asks the ILS about open check-outs
    kiosk.replayer.start()  # its own thread: sends what was taken offline, in order
    if kiosk.purger is not None:
        kiosk.purger.start()  # its own thread: erases old guest names now, then hourly
    try:
        app.run()
    finally:
        # A check-out already sent to the ILS gets SHUTDOWN_GRACE seconds to finish and be
        # stored; a hung call is left behind (daemon thread) so the process still ends.
        kiosk.close(SHUTDOWN_GRACE)
    return 0


def make_data_dir_private(data_dir: Path) -> None:
    """Create the data folder 0700, and tighten Kivy's folder an older version left loose.

    The store, the demo library and the screenshots make their own files private.

    Raises:
        kiosk.storage.db.StoreError: the folder cannot be created (one line).
    """
    from kiosk.storage.db import StoreError
    from kiosk.storage.private import private_dir, private_tree

    try:
        private_dir(data_dir)
        private_tree(data_dir / "kivy")
    except OSError as exc:
        # An existing folder that cannot be tightened is a read-only or foreign one.
        problem = "is not writable" if data_dir.is_dir() else "cannot be created"
        raise StoreError(
            f"data folder {data_dir} {problem} ({exc.strerror or exc}); "
            "choose a writable data directory"
        ) from exc


def barcode_classifier(
    settings: BarcodeSettings,
) -> Callable[[str], tuple[str, BarcodeKind | None]]:
    """The session's classifier: scanned (AIM identifier or not), wedge and typed text alike.

    Args:
        settings: the ``[barcodes]`` section.

    Returns:
        A function from text to ``(code, PATRON | ITEM | None)``.
    """
    from devices.barcodes import Role
    from kiosk.core.model import BarcodeKind

    rules = settings.rules()
    kinds = {Role.PATRON: BarcodeKind.PATRON, Role.ITEM: BarcodeKind.ITEM}

    def classify(text: str) -> tuple[str, BarcodeKind | None]:
        code, role = rules.classify(text)
        return code, None if role is None else kinds[role]

    return classify


def classify_barcode(text: str) -> tuple[str, BarcodeKind | None]:
    """The demo library's classifier (``[barcodes]`` defaults): Codabar, 2 patron, 3 item."""
    return _default_classifier()(text)


@functools.cache
def _default_classifier() -> Callable[[str], tuple[str, BarcodeKind | None]]:
    from kiosk.config import defaults

    return barcode_classifier(defaults().barcodes)


def _scanner(
    url: str,
    config: Config,
    driver: SessionDriver,
    frames: FrameLog | None = None,
    classify: BarcodeClassifier | None = None,
    clock: Clock | None = None,
) -> SerialReader:
    """The serial scanner's reader, not started; its events are posted to the driver, and
    each frame is kept masked in ``frames`` for the technician screen.

    While :data:`SCAN_BACKLOG` events wait for the UI thread, the reader waits before it
    posts a scan (bytes wait in the port meanwhile); after :data:`SCAN_STALL` seconds of a
    stalled UI the scan is dropped with a log line. Device status always goes in.
    """
    from devices.events import DeviceLost, DeviceReady
    from devices.framing import NOISE_REASON
    from devices.scanner import BadScan, BarcodeRead
    from kiosk.core.clock import SystemClock
    from kiosk.core.diagnostics import FrameLog, ScannerFrame, Verdict
    from kiosk.core.events import BarcodeScanned, DeviceChanged
    from kiosk.core.privacy import mask_code

    frames = FrameLog() if frames is None else frames
    classify = barcode_classifier(config.barcodes) if classify is None else classify
    clock = SystemClock() if clock is None else clock

    def keep(text: str, verdict: Verdict, event: object) -> None:
        # The scanner may name the symbology (AIM ]F0 ...); older events do not.
        symbology = str(getattr(event, "symbology", "") or "")
        frames.add(ScannerFrame(clock.now(), mask_code(text), verdict, symbology))

    settings: ScannerSettings = config.scanner
    rules = config.barcodes.rules()

    def post_scan(text: str) -> None:
        give_up = time.monotonic() + SCAN_STALL
        while driver.backlog >= SCAN_BACKLOG:
            if time.monotonic() >= give_up:
                log.warning(
                    "scanner: the screen has not taken %d events for %g s; a read was dropped",
                    SCAN_BACKLOG,
                    SCAN_STALL,
                )
                return
            time.sleep(0.005)  # one frame is ~16 ms: the UI drains the queue at its next one
        driver.post(BarcodeScanned(text))

    def on_event(event: object) -> None:  # reader thread: hand over, touch nothing
        if isinstance(event, BarcodeRead):
            kind = classify(event.text)[1]
            keep(event.code, Verdict(kind.value) if kind is not None else Verdict.BAD, event)
            post_scan(event.text)  # with its AIM identifier: the classifier reads it
        elif isinstance(event, BadScan):
            noise = event.reason == NOISE_REASON or event.reason.startswith("line longer")
            keep(event.excerpt, Verdict.NOISE if noise else Verdict.BAD, event)
            # Noise on the cable is nobody's scan: it is for the technician (the driver's
            # log line, the frames above), never "not recognised, scan again" to a patron.
            if not noise:
                # A real but unreadable barcode: "not recognised" in the patron's language.
                post_scan(event.excerpt)
        elif isinstance(event, DeviceReady):
            driver.post(DeviceChanged("scanner", True))
        elif isinstance(event, DeviceLost):
            driver.post(DeviceChanged("scanner", False, event.reason))

    return settings.reader(url, on_event, rules)


def _counter_board() -> CounterBoard:
    from devices.counters.board import CounterBoard

    return CounterBoard()


def _counter_rows(board: CounterBoard) -> Callable[[], list[CounterRow]]:
    """The technician screen's counter rows, read from the board on the worker thread."""
    from kiosk.core.diagnostics import CounterRow

    def rows() -> list[CounterRow]:
        return [
            CounterRow(
                counter.device_id,
                counter.ready,
                counter.entered,
                counter.left,
                counter.last_fault,
                counter.total_in,
                counter.total_out,
                _utc(counter.last_fault_at),
            )
            for counter in board.snapshot()
        ]

    return rows


def _utc(stamp: float | None) -> dt.datetime | None:
    return None if stamp is None else dt.datetime.fromtimestamp(stamp, dt.UTC)


def _counters(config: Config, board: CounterBoard) -> list[CounterDriver]:
    """A driver per ``[counters.<id>]`` table, not started, reporting to ``board``.

    The board keeps each counter's latest totals and status for the technician screen;
    the drivers stay usable without the kiosk (the entrance gate opens its own).
    """
    from devices.counters import open_counter

    drivers = []
    for device_id, settings in config.counters.items():
        try:
            drivers.append(open_counter(settings, board.handler(device_id, settings.url)))
        except ImportError as err:  # a protocol whose module this build lacks
            raise StartError(
                f"[counters.{device_id}] protocol {settings.protocol!r} is not available in "
                f"this installation ({err}); use another protocol or update the kiosk"
            ) from err
    return drivers


def _simulated_scanning(
    out: TextIO, classify: Callable[[str], tuple[str, BarcodeKind | None]]
) -> Callable[[str], bool]:
    """A console hook: send a line through the in-process simulated scanner if it is a
    barcode by the library's ``[barcodes]`` rules (the session's classifier)."""
    from devices.sim import get_scanner
    from kiosk.core.privacy import mask_code

    def scan(line: str) -> bool:
        code, kind = classify(line)
        if kind is None:
            return False
        get_scanner().send(line)
        # The terminal may be the journal: a card number shows its last 4 digits only.
        print(f"scanned {mask_code(code)} with the simulated scanner", file=out, flush=True)
        return True

    return scan


def _start_simulator_console(stdin: TextIO, out: TextIO) -> None:
    from devices.sim import get_scanner
    from devices.sim.console import run_scanner_console

    scanner = get_scanner()
    threading.Thread(
        target=run_scanner_console,
        args=(scanner.send, stdin, out),
        kwargs={"faults": scanner, "masked": True},
        name="scanner-sim-console",
        daemon=True,
    ).start()


def _simulated_receipts(url: str, data_dir: Path, out: TextIO) -> Path | None:
    """With ``sim://printer``, append each receipt the simulator decodes to a file (0600).

    The demo's printer is in this process; what it "prints" goes to ``receipts.txt`` in the
    data folder (the banner names it), and one line on the terminal says so.

    Returns:
        The file, or None when the printer is not the simulator.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme.lower() != "sim":
        return None
    from devices.sim import get_printer
    from devices.sim.printer_console import format_receipt
    from kiosk.config import safe
    from kiosk.core.files import open_regular

    path = data_dir / SIMULATED_RECEIPTS_FILE
    shown = safe(str(path), limit=4096)  # a data folder named with "\n" cannot forge a line
    lock = threading.Lock()
    count = 0

    def on_receipt(receipt: PrintedReceipt) -> None:  # a simulator thread
        nonlocal count
        with lock:
            count += 1
            text = format_receipt(receipt, count) + "\n"
            try:
                fd = open_regular(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as file:
                    file.write(text)
            except OSError as err:
                problem = safe(err.strerror or str(err))
                print(f"simulated printer: cannot write {shown} ({problem})", file=out, flush=True)
                return
        print(f"simulated printer: receipt {count} appended to {shown}", file=out, flush=True)

    get_printer(parts.path.strip("/") or "printer").set_on_receipt(on_receipt)
    return path


def _print_banner(
    out: TextIO,
    options: RunOptions,
    scanner_url: str,
    headless: bool,
    screenshot_dir: Path,
    receipts_file: Path | None = None,
) -> None:
    from kiosk.config import safe
    from kiosk.ils.local.demo_data import DEMO_CARDS, DemoItemCard, DemoPatronCard

    def shown(value: object) -> str:
        # Paths and URLs come from the command line too: a newline or an escape sequence in
        # one must not forge a banner line or drive the terminal. Shown whole, escaped.
        return safe(str(value), limit=4096)

    config = options.config
    lines = [
        f"Library kiosk {__version__}: {shown(config.kiosk.library_name)} "
        f"({shown(config.kiosk.id)})",
        f"  config:  {shown(config.source or 'none (embedded demo defaults)')}",
        f"  data:    {shown(options.data_dir)}",
        f"  library: {_library_line(config, shown)}",
        f"  scanner: {shown(scanner_url or 'none (keyboard-wedge and typing only)')}",
        f"  printer: {shown(config.printer.url or 'none (no receipts offered)')}"
        + (
            f" (simulated: receipts are appended to {shown(receipts_file)})"
            if receipts_file is not None
            else ""
        ),
    ]
    if config.counters:
        lines.append(
            "  counters: "
            + ", ".join(
                f"{shown(c.device_id)} ({c.protocol}, {shown(c.url)})"
                for c in config.counters.values()
            )
        )
    if headless:
        lines.append(
            "No display found: rendering offscreen. The current screen is saved to "
            f"{shown(screenshot_dir / 'current-screen.png')} (and its text to "
            "current-screen.txt)."
        )
    elif scanner_url.startswith("sim://"):
        lines.append("Simulated scanner: type a barcode on this terminal and press Enter.")
    if config.ils.backend in DEMO_BACKENDS:  # the demo library's public card, never a real one
        patron = next(c for c in DEMO_CARDS if isinstance(c, DemoPatronCard))
        item = next(c for c in DEMO_CARDS if isinstance(c, DemoItemCard))
        lines.append(
            f"Demo: card {patron.barcode}, PIN {patron.pin}, then book {item.barcode} "
            "(more in the README)."
        )
    print("\n".join(lines), file=out, flush=True)


def _library_line(config: Config, shown: Callable[[object], str]) -> str:
    """Which library system the kiosk talks to, for the banner (never a password)."""
    backend = config.ils.backend
    if backend == "demo":
        return "the demo library, over SIP2 on 127.0.0.1 (served in this process)"
    if backend == "local":
        return "the demo library, called directly (no SIP2)"
    sip2 = config.sip2
    return f"SIP2 at {shown(sip2.host)}:{sip2.port}" + (" (TLS)" if sip2.tls else "")


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or under it (both resolved)."""
    return path.resolve().is_relative_to(folder.resolve())


def _patron_names(kiosk: Kiosk) -> Callable[[], tuple[str, ...]]:
    """The names on screen now, for masking the terminal echo: the signed-in patron's, a
    guest's or group leader's typed in the guest book, a member's it greets, and what is
    being typed into a free-text field (a name, half typed)."""
    from kiosk.core.navigation import InputMode
    from kiosk.core.privacy import shown_names

    def names() -> tuple[str, ...]:
        session = kiosk.session
        found = list(shown_names(session))
        typed = kiosk.vm.entry_text
        if typed and session.input_mode is InputMode.TEXT:
            found.append(typed)
        return tuple(found)

    return names


def _echo(out: TextIO) -> Callable[[str], None]:
    def echo(text: str) -> None:
        print(text, file=out, flush=True)

    return echo


def _rss_mb() -> float:
    """Resident memory of this process in MiB, from /proc (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
