"""Composition root: the only place that picks real or simulated parts and wires them.

``run_kiosk`` opens the local store and the ILS backend, builds the session and the
view-model, starts the scanner named in the config (a real port or ``sim://scanner``),
and runs the Kivy app. Kivy is imported only here and below, after its environment is set:
on a machine without a display the kiosk renders offscreen and says so.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from kiosk import __version__
from kiosk.config import Config, ScannerSettings

if TYPE_CHECKING:
    from devices.scanner import SerialScanner

log = logging.getLogger(__name__)

STORE_FILE = "kiosk.sqlite3"
DEMO_LIBRARY_FILE = "demo-library.sqlite3"


@dataclass(frozen=True)
class RunOptions:
    """What ``kiosk run`` was asked to do, on top of the config."""

    config: Config
    data_dir: Path
    scanner_url: str | None = None
    headless: bool | None = None  # None: decide from the environment
    screenshot_dir: Path | None = None
    exit_after_first_frame: bool = False


def has_display() -> bool:
    """True when a window can be shown (X11 or Wayland)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def prepare_kivy(*, headless: bool, kivy_home: Path, config: Config) -> None:
    """Set Kivy's environment and graphics config. Must run before any Kivy import."""
    kivy_home.mkdir(parents=True, exist_ok=True)
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
    prepare_kivy(headless=headless, kivy_home=options.data_dir / "kivy", config=config)

    from kiosk.core.circulation import CommandRunner
    from kiosk.core.clock import SystemClock
    from kiosk.core.i18n import translators
    from kiosk.core.session import Session, Timeouts
    from kiosk.ils.local import LocalIls
    from kiosk.storage.circulation_log import SqlCirculationLog
    from kiosk.storage.db import open_store

    clock = SystemClock()
    engine = open_store(options.data_dir / STORE_FILE)
    circulation_log = SqlCirculationLog(engine, config.kiosk.id)
    ils = LocalIls.open(options.data_dir / DEMO_LIBRARY_FILE, timezone=config.kiosk.timezone)
    session = Session(
        clock,
        classify_barcode,
        Timeouts(
            idle=config.session.idle_timeout,
            warning=config.session.warning,
            summary=config.session.summary_timeout,
            error=config.session.error_timeout,
        ),
    )
    runner = CommandRunner(ils, circulation_log, clock)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ils-worker")

    from accessibility.themes import DEFAULT, TEXT_STEPS
    from kiosk.ui.app import KioskApp, post_to_ui
    from kiosk.ui.viewmodel import KioskViewModel

    vm = KioskViewModel(
        session,
        runner.run,
        executor,
        translators(),
        post=post_to_ui,
        theme=DEFAULT,
        text_scales=[step.scale for step in TEXT_STEPS],
        default_language=config.kiosk.language,
        default_large_print=config.kiosk.text_size == "large",
        library_name=config.kiosk.library_name,
        monotonic=clock.monotonic,
    )

    scanner_url = config.scanner.url if options.scanner_url is None else options.scanner_url
    scanner = _start_scanner(
        scanner_url, config.scanner, lambda code: post_to_ui(lambda: vm.scan(code))
    )
    simulated = scanner_url.startswith("sim://")
    screenshot_dir = options.screenshot_dir or (options.data_dir / "screens")

    _print_banner(out, options, scanner_url, headless, screenshot_dir)

    def on_first_frame(app: KioskApp) -> None:
        if options.exit_after_first_frame:
            elapsed = time.monotonic() - started
            print(f"first-frame seconds={elapsed:.3f} rss_mb={_rss_mb():.1f}", file=out, flush=True)
            app.stop()
            return
        if headless:
            from kiosk.ui.console import HELP, start_console
            from kiosk.ui.recorder import ScreenRecorder

            app.recorder = ScreenRecorder(vm, app.root, screenshot_dir, echo=_echo(out))
            print(HELP, file=out, flush=True)
            start_console(vm, stdin, scan=_simulated_scanning(out) if simulated else None)
        elif simulated:
            _start_simulator_console(stdin, out)

    app = KioskApp(vm, on_first_frame=on_first_frame)
    # systemd and `kill` stop the kiosk with SIGTERM: close the window the normal way so
    # the worker finishes a check-out in flight before the process ends.
    signal.signal(signal.SIGTERM, lambda _signo, _frame: post_to_ui(app.stop))
    try:
        app.run()
    finally:
        if scanner is not None:
            scanner.stop()
        # Let a check-out already sent to the ILS finish and be stored before exiting.
        executor.shutdown(wait=True)
        engine.dispose()
    return 0


def classify_barcode(text: str) -> tuple[str, str | None]:
    """Normalise scanned or typed text and say whether it is a patron or item barcode."""
    from devices import codabar

    code = codabar.normalise(text)
    kind = codabar.kind_of(code)
    if kind is codabar.BarcodeKind.PATRON:
        return code, "patron"
    if kind is codabar.BarcodeKind.ITEM:
        return code, "item"
    return code, None


def _start_scanner(
    url: str, settings: ScannerSettings, on_scan: Callable[[str], None]
) -> SerialScanner | None:
    """Start the serial scanner; one that is not there yet is waited for by the driver.

    ``on_scan`` is called on the scanner thread and must hand over to the UI thread.
    """
    if not url:
        return None
    from devices.scanner import BadScan, BarcodeRead, SerialScanner

    def on_event(event: object) -> None:  # scanner thread: hand over, touch nothing
        # DeviceLost and DeviceReady are logged by the driver, which reconnects by itself.
        if isinstance(event, BarcodeRead):
            on_scan(event.code)
        elif isinstance(event, BadScan):
            # The session answers with "not recognised, scan again" in the patron's language.
            on_scan(event.excerpt)

    scanner = SerialScanner(
        url,
        on_event,
        terminator=settings.terminator_bytes,
        max_length=settings.max_length,
        check_digits=settings.check_digits,
        baudrate=settings.baudrate,
    )
    scanner.start(wait_for_device=True)
    return scanner


def _simulated_scanning(out: TextIO) -> Callable[[str], bool]:
    """A console hook: send a line through the in-process simulated scanner if it is a barcode."""
    from devices.sim import get_scanner

    def scan(line: str) -> bool:
        if classify_barcode(line)[1] is None:
            return False
        get_scanner().send(line)
        print(f"scanned {line} with the simulated scanner", file=out, flush=True)
        return True

    return scan


def _start_simulator_console(stdin: TextIO, out: TextIO) -> None:
    from devices.sim import get_scanner
    from devices.sim.console import run_scanner_console

    scanner = get_scanner()
    threading.Thread(
        target=run_scanner_console,
        args=(scanner.send, stdin, out),
        kwargs={"faults": scanner},
        name="scanner-sim-console",
        daemon=True,
    ).start()


def _print_banner(
    out: TextIO, options: RunOptions, scanner_url: str, headless: bool, screenshot_dir: Path
) -> None:
    from kiosk.ils.local.demo_data import DEMO_CARDS, DemoItemCard, DemoPatronCard

    config = options.config
    lines = [
        f"Library kiosk {__version__}: {config.kiosk.library_name} ({config.kiosk.id})",
        f"  config:  {config.source or 'none (embedded demo defaults)'}",
        f"  data:    {options.data_dir}",
        f"  scanner: {scanner_url or 'none (keyboard-wedge and typing only)'}",
    ]
    if headless:
        lines.append(
            "No display found: rendering offscreen. The current screen is saved to "
            f"{screenshot_dir / 'current-screen.png'} (and its text to current-screen.txt)."
        )
    elif scanner_url.startswith("sim://"):
        lines.append("Simulated scanner: type a barcode on this terminal and press Enter.")
    patron = next(c for c in DEMO_CARDS if isinstance(c, DemoPatronCard))
    item = next(c for c in DEMO_CARDS if isinstance(c, DemoItemCard))
    lines.append(
        f"Demo: card {patron.barcode}, PIN {patron.pin}, then book {item.barcode} "
        "(more in the README)."
    )
    print("\n".join(lines), file=out, flush=True)


def _echo(out: TextIO):
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
