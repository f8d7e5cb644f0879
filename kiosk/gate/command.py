"""``kiosk gate``: run the entrance gate daemon until SIGTERM or SIGINT.

With a config (``--config`` or ``$KIOSK_CONFIG``): its ``[counters.<id>]`` and ``[gate]``.
Without one: the demo (:mod:`kiosk.gate.demo`), two simulated counters, every reading
printed. Exit codes like ``kiosk run``: 0 stopped cleanly, 1 could not run (one line), 2
bad usage or config (one line).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from kiosk.config import CONFIG_ENV, Config, ConfigError, load, safe

if TYPE_CHECKING:
    from kiosk.gate.greeter import PatronIdentifier

log = logging.getLogger("kiosk.gate")

APP_NAME = "library-kiosk-gate"
STATE_ENV = "STATE_DIRECTORY"  # systemd's StateDirectory= (deploy/systemd/kiosk-gate.service)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk gate`` to the ``kiosk`` command's subcommands."""
    gate = commands.add_parser(
        "gate",
        help="the entrance gate daemon: count visitors in and out, headless",
        description=(
            "Count people in and out with the [counters.<id>] of the config, per interval "
            "([gate] interval_minutes), with the occupancy (reset at [gate] closing_time), "
            "stored safely across power cuts and reported to central. One status line per "
            "device and interval. Without a config: a demo with two simulated counters. "
            "Stop with SIGTERM or Ctrl+C."
        ),
    )
    gate.add_argument(
        "--config", type=Path, help="TOML config file (default: $KIOSK_CONFIG, else the demo)"
    )
    gate.add_argument(
        "--data-dir",
        type=Path,
        help="the gate's data folder (default: [gate] data_dir, $STATE_DIRECTORY under "
        "systemd, else the platform data folder; the demo: a temporary folder)",
    )
    gate.add_argument(
        "--interval-minutes",
        type=_minutes,
        help="minutes per interval, overriding [gate] interval_minutes (a divisor of 60)",
    )


def _minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of minutes: {text!r}") from None
    if not 1 <= value <= 60 or 60 % value:
        raise argparse.ArgumentTypeError(f"a divisor of 60 from 1 to 60, got {value}")
    return value


OpenPatrons = Callable[[Config, Path], "PatronIdentifier | None"]
"""Opens the library system for ``[gate] greet_by_name`` (``kiosk.cli`` gives it: the ILS
backends are built in ``kiosk.bootstrap``, a layer above the gate)."""


def run(args: argparse.Namespace, *, open_patrons: OpenPatrons | None = None) -> int:
    """Run the gate until a stop signal; returns the exit code.

    Args:
        args: the parsed ``kiosk gate`` arguments.
        open_patrons: opens the library system to greet members by name, when the
            config asks for it; None: the fixed greeting only.
    """
    os.umask(0o077)
    demo = args.config is None and not os.environ.get(CONFIG_ENV)
    try:
        config = load(args.config)
    except ConfigError as err:
        print(f"kiosk: config error: {err}", file=sys.stderr)
        return 2
    if not demo and not config.counters:
        where = safe(str(config.source)) if config.source else "the config"
        print(
            f"kiosk: config error: {where}: the gate has no visitor counter; add a "
            "[counters.<id>] table (see deploy/kiosk.example.toml)",
            file=sys.stderr,
        )
        return 2
    with ExitStack() as stack:
        data_dir = _data_dir(args, config, demo, stack)
        try:
            patrons = None
            if open_patrons is not None and config.gate.scanner and config.gate.greet_by_name:
                patrons = open_patrons(config, data_dir)
            return _serve(args, config, data_dir, demo, stack, patrons)
        except _Refused as refused:
            print(f"kiosk: {refused}", file=sys.stderr)
            return 1


class _Refused(Exception):
    """The gate cannot run; ``str()`` is the one line that says why."""


def _data_dir(args: argparse.Namespace, config: Config, demo: bool, stack: ExitStack) -> Path:
    if args.data_dir is not None:
        return Path(args.data_dir).expanduser()
    if demo:
        return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kiosk-gate-demo-")))
    if config.gate.data_dir:
        return Path(config.gate.data_dir).expanduser()
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV].split(":")[0])
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _serve(
    args: argparse.Namespace,
    config: Config,
    data_dir: Path,
    demo: bool,
    stack: ExitStack,
    patrons: PatronIdentifier | None = None,
) -> int:
    from kiosk.core.ports import StorageFailed
    from kiosk.gate.wiring import GateOptions, build_gate
    from kiosk.storage.db import StoreError

    counters = None
    if demo:
        from kiosk.gate.demo import DemoCounters

        simulated = stack.enter_context(DemoCounters())
        counters = simulated.settings()
        print(
            f"kiosk gate demo: two simulated counters ({', '.join(counters)}), visitors "
            f"walking through at random; store in {safe(str(data_dir))}. Ctrl+C stops.",
            flush=True,
        )
    options = GateOptions(
        data_dir=data_dir,
        counters=counters,
        interval_minutes=args.interval_minutes,
        out=sys.stdout,
        echo=demo,
        patrons=patrons,
    )
    if not args.verbose:
        # The gate logs each loss and return of a device itself, throttled and one line
        # each (GateWriter); the serial reader's own lines would say it a second time.
        logging.getLogger("devices.serial_reader").setLevel(logging.CRITICAL)
        # Likewise the alarm input's lost/ready lines (its alarms are in the status lines);
        # a failing handler (ERROR) still shows.
        logging.getLogger("devices.alarm").setLevel(logging.ERROR)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    try:
        daemon = build_gate(config, options)
        daemon.start()
    except StoreError as err:
        raise _Refused(f"cannot open the gate's store: {safe(str(err), 600)}") from err
    except StorageFailed as err:
        raise _Refused(safe(str(err), 600)) from err
    except OSError as err:
        where = f" ({safe(str(err.filename), 300)})" if err.filename else ""
        raise _Refused(
            f"could not start the gate: {safe(err.strerror or str(err), 200)}{where}; check "
            f"that the data folder {safe(str(data_dir), 300)} is writable"
        ) from err
    log.info(
        "gate %s counting with %s; store in %s",
        config.gate_id,
        ", ".join(options.counters or config.counters) if not demo else ", ".join(counters or {}),
        data_dir,
    )
    while not stop.wait(0.5) and daemon.running:
        pass
    daemon.stop()
    if daemon.failure is not None:
        log.debug("the gate's writer failed", exc_info=daemon.failure)  # -v: where
        # The last batch was not stored; its totals were not either, so the restart
        # (systemd Restart=on-failure) counts those people from the stored baselines.
        raise _Refused(f"gate stopped: {safe(str(daemon.failure), 600)}")
    log.info("gate %s stopped; everything counted is stored", config.gate_id)
    return 0
