"""The gate's composition: :func:`build_gate` makes the daemon from the Config.

Kept apart from :mod:`kiosk.bootstrap` (which builds the Kivy kiosk): the gate imports no
Kivy, only the store, the counting rules and the drivers in ``devices``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from accessibility.speech.output import SpeechOutput
from accessibility.speech.service import SilentSpeech, SpeechService
from devices.alarm import AlarmRaised
from devices.counters import CounterDriver, CounterSettings, open_counter
from devices.scanner import BadScan, BarcodeRead
from kiosk.config import Config
from kiosk.core.clock import SystemClock
from kiosk.core.ports import Clock
from kiosk.gate.counting import GateBook
from kiosk.gate.daemon import ExtraSource, GateDaemon, GateWriter
from kiosk.gate.greeter import Greeter, GreeterTexts, PatronIdentifier
from kiosk.gate.sources import AlarmSource, CardScanSource, ScannerSource
from kiosk.storage.gate import GateStore
from kiosk.storage.visits import SqlVisitLog, visit_key

log = logging.getLogger("kiosk.gate")

SPEECH_CACHE_DIR = "speech-cache"  # synthesised greetings, in the gate's data folder


@dataclasses.dataclass(frozen=True)
class GateOptions:
    """How to build the gate, beyond the Config.

    Attributes:
        data_dir: the gate's data folder (its store is ``kiosk.sqlite3`` there).
        counters: the counters to read (default: the Config's ``[counters.<id>]``).
        interval_minutes: overrides ``[gate] interval_minutes`` (the demo's option).
        out: where status lines go.
        echo: also print each reading that counted people (the demo).
        clock: the time (tests: ManualClock).
        extra_sources: optional devices on the same queue (GATECARD).
        alarm_types: event types counted as alarms of their ``device_id``.
        handlers: event types handled on the writer thread.
        speech: the greeting's voice (tests: RecordingSpeech); None: as ``[speech]`` says.
        patrons: who holds a card (the library system), to greet by name with
            ``[gate] greet_by_name``; None: the fixed greeting only.
    """

    data_dir: Path
    counters: Mapping[str, CounterSettings] | None = None
    interval_minutes: int | None = None
    out: TextIO | None = None
    echo: bool = False
    clock: Clock = dataclasses.field(default_factory=SystemClock)
    extra_sources: Sequence[ExtraSource] = ()
    alarm_types: tuple[type, ...] = ()
    handlers: Mapping[type, Callable[[Any], None]] | None = None
    speech: SpeechOutput | None = None
    patrons: PatronIdentifier | None = None


def build_gate(config: Config, options: GateOptions) -> GateDaemon:
    """Open the store, restore occupancy and baselines, make the drivers (not started).

    Raises:
        StoreError: the store cannot be opened (one line).
        StorageFailed: the store cannot be read.
    """
    minutes = options.interval_minutes or config.gate.interval_minutes
    store = GateStore.open(options.data_dir, config.gate_id, minutes)
    try:
        occupancy, reset_on = store.occupancy()
        baselines = store.baselines()
    except Exception:
        store.close()
        raise
    hour, minute = (int(part) for part in config.gate.closing_time.split(":"))
    book = GateBook(
        interval_minutes=minutes,
        closing=dt.time(hour, minute),
        zone=ZoneInfo(config.kiosk.timezone),
        occupancy=occupancy,
        reset_on=reset_on,
    )
    sources, alarm_types, handlers = _optional_devices(config, options, store)
    counters = dict(config.counters if options.counters is None else options.counters)
    labels = {s.url: f"counter {s.device_id} ({s.url})" for s in counters.values()}
    resumed = dict.fromkeys(labels, "counting again")  # each kind says what it does again
    if config.gate.alarm is not None:
        alarm = config.gate.alarm
        labels[alarm.url] = f"alarm input {alarm.device_id} ({alarm.url})"
        resumed[alarm.url] = "reporting alarms again"
    if config.gate.scanner:
        labels[config.gate.scanner] = f"card scanner ({config.gate.scanner})"
        resumed[config.gate.scanner] = "reading cards again"
    writer = GateWriter(
        store,
        book,
        options.clock,
        out=options.out,
        alarm_types=alarm_types,
        handlers=handlers,
        echo=options.echo,
        labels=labels,
        resumed=resumed,
    )
    restored = [
        _with_baseline(settings, baselines.get(device_id))
        for device_id, settings in counters.items()
    ]

    def open_drivers(put: Callable[[object], None]) -> list[CounterDriver]:
        return [open_counter(settings, put) for settings in restored]

    return GateDaemon(writer, open_drivers, sources)


def _optional_devices(
    config: Config, options: GateOptions, store: GateStore
) -> tuple[list[ExtraSource], tuple[type, ...], dict[type, Callable[[Any], None]]]:
    """The alarm input ([gate.alarm]) and the member card scanner ([gate] scanner) as
    extra sources, with what the writer counts (alarms) and handles (scans)."""
    sources: list[ExtraSource] = list(options.extra_sources)
    alarm_types = options.alarm_types
    handlers = dict(options.handlers or {})
    if config.gate.alarm is not None:
        sources.append(AlarmSource(config.gate.alarm))
        alarm_types = (*alarm_types, AlarmRaised)
    if config.gate.scanner:
        greeting = _card_greeting(config, options, store)
        sources.append(greeting)
        handlers[BarcodeRead] = handlers[BadScan] = greeting.handle
    return sources, alarm_types, handlers


def _card_greeting(config: Config, options: GateOptions, store: GateStore) -> CardScanSource:
    """The member card scan: scanner, greeter (member visits in the gate's store), voice."""
    visits = SqlVisitLog(
        store.engine,
        config.gate_id,
        config.guestbook,
        visit_key(config.guestbook, options.data_dir),
    )
    speech = options.speech if options.speech is not None else _speech(config, options.data_dir)
    greeter = Greeter(
        visits=visits,
        speech=speech,
        texts=GreeterTexts.for_library(config.kiosk.library_name, config.kiosk.language),
        clock=options.clock,
        rules=config.barcodes.rules(),
        staff_cards=config.technician.staff_cards,
        patrons=options.patrons if config.gate.greet_by_name else None,
    )
    scanner = ScannerSource(config.gate.scanner, config.scanner, config.barcodes)
    return CardScanSource(scanner, greeter, speech)


def _speech(config: Config, data_dir: Path) -> SpeechOutput:
    """The voice ``[speech]`` asks for (espeak-ng, aplay), or silence when it is off."""
    if not config.speech.enabled:
        return SilentSpeech()
    try:
        return SpeechService(
            data_dir / SPEECH_CACHE_DIR,
            device=config.speech.device,
            cache_bytes=config.speech.cache_mb * 1024 * 1024,
        )
    except OSError as err:  # the cache folder: the gate still counts and records, silent
        log.warning(
            "speech: cannot use the folder %s (%s); the gate greets nobody; check the data "
            "folder's owner and free space",
            data_dir / SPEECH_CACHE_DIR,
            err.strerror or err,
        )
        return SilentSpeech()


def _with_baseline(
    settings: CounterSettings, stored: tuple[int | None, int | None] | None
) -> CounterSettings:
    """The settings with the stored totals as baselines, unless they no longer fit."""
    if stored is None:
        return settings
    try:
        return dataclasses.replace(settings, baseline_in=stored[0], baseline_out=stored[1])
    except ValueError as err:  # e.g. the config's bits went from 32 to 16
        log.warning(
            "counter %s: stored totals %s/%s not used (%s); its first reading sets a new baseline",
            settings.device_id,
            stored[0],
            stored[1],
            err,
        )
        return settings
