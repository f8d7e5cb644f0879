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

from devices.counters import CounterDriver, CounterSettings, open_counter
from kiosk.config import Config
from kiosk.core.clock import SystemClock
from kiosk.core.ports import Clock
from kiosk.gate.counting import GateBook
from kiosk.gate.daemon import ExtraSource, GateDaemon, GateWriter
from kiosk.storage.gate import GateStore

log = logging.getLogger("kiosk.gate")


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
    writer = GateWriter(
        store,
        book,
        options.clock,
        out=options.out,
        alarm_types=options.alarm_types,
        handlers=options.handlers,
        echo=options.echo,
    )
    counters = dict(config.counters if options.counters is None else options.counters)
    restored = [
        _with_baseline(settings, baselines.get(device_id))
        for device_id, settings in counters.items()
    ]

    def open_drivers(put: Callable[[object], None]) -> list[CounterDriver]:
        return [open_counter(settings, put) for settings in restored]

    return GateDaemon(writer, open_drivers, options.extra_sources)


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
