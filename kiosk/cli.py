"""The ``kiosk`` command.

    kiosk run            start the kiosk (demo library and simulated scanner by default)
    kiosk sim scanner    a barcode scanner simulator on a pseudo-terminal, for technicians
    kiosk --version

Exit codes: 0 fine, 1 the kiosk could not start (one line says why), 2 bad usage or config.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import logging.handlers
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__
from kiosk.config import TERMINATORS, Config  # standard library only: cheap to import

DATA_DIR_ENV = "KIOSK_DATA_DIR"
APP_NAME = "library-kiosk"

log = logging.getLogger("kiosk")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Library self-service kiosk: borrow books with a library card and PIN.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log details for technicians (DEBUG)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="start the kiosk",
        description=(
            "Start the kiosk. Without a config file it runs the embedded demo library with a "
            "simulated scanner (type barcodes on this terminal). On a machine without a "
            "display it renders offscreen and keeps a screenshot of the current screen."
        ),
    )
    run.add_argument(
        "--config", type=Path, help="TOML config file (default: $KIOSK_CONFIG, else demo)"
    )
    run.add_argument(
        "--data-dir",
        type=Path,
        help=f"where the local database lives (default: ${DATA_DIR_ENV}, [kiosk] data_dir, "
        "or the platform data directory)",
    )
    run.add_argument(
        "--scanner",
        metavar="URL",
        help="barcode scanner URL, overriding [scanner] url: /dev/ttyACM0, /dev/pts/5, "
        "socket://host:port, sim://scanner, or '' for none",
    )
    run.add_argument(
        "--headless", action="store_true", help="render offscreen even if a display exists"
    )
    run.add_argument(
        "--screenshot-dir",
        type=Path,
        help="headless: folder for current-screen.png/.txt (default: <data dir>/screens)",
    )
    run.add_argument(
        "--debug",
        action="store_true",
        help="developers: stop at once when the session is touched from a wrong thread",
    )
    run.add_argument(
        "--exit-after-first-frame",
        action="store_true",
        help="print start-up time and memory after the first frame, then exit (benchmarks)",
    )

    sim = commands.add_parser(
        "sim", help="device simulators", description="Simulators that speak the real wire."
    )
    devices = sim.add_subparsers(dest="device", metavar="DEVICE")
    scanner = devices.add_parser(
        "scanner",
        help="barcode scanner on a pseudo-terminal",
        description=(
            "Create a pseudo-terminal that behaves like a serial barcode scanner, print its "
            "path, and send each line typed here as a scan. Start the kiosk with "
            "`kiosk run --scanner <path>`. Type !help for fault injection (noise, split "
            "frames, bad check digit)."
        ),
    )
    scanner.add_argument(
        "--terminator",
        choices=tuple(TERMINATORS),
        default="CR",
        help="what to send after each barcode (default: CR)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosk`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_libraries)
    if args.command == "run":
        return _run(args)
    if args.command == "sim" and args.device == "scanner":
        return _sim_scanner(args)
    if args.command == "sim":
        parser.parse_args(["sim", "--help"])
    parser.print_help()
    return 2


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Keep Kivy's and Alembic's start-up chatter (versions, paths, plugins) for --verbose."""
    if record.levelno >= logging.WARNING:
        return True
    return not record.name.startswith(("kivy", "alembic"))


def _run(args: argparse.Namespace) -> int:
    from kiosk import config as config_module

    try:
        config = config_module.load(args.config)
    except config_module.ConfigError as err:
        print(f"kiosk: config error: {err}", file=sys.stderr)
        return 2
    data_dir = resolve_data_dir(args.data_dir, config.kiosk.data_dir)
    startup = _StartupLog(verbose=args.verbose)
    try:
        return _start(args, config, data_dir, startup)
    finally:
        startup.release(show=args.verbose or startup.started)


def _start(args: argparse.Namespace, config: Config, data_dir: Path, startup: _StartupLog) -> int:
    """Start the kiosk; a failure before its first frame is one line on stderr and exit 1."""
    from kiosk.config import safe

    problem = data_dir_problem(data_dir)
    if problem is not None:
        print(f"kiosk: {problem}", file=sys.stderr)
        return 1

    from kiosk.bootstrap import RunOptions, StartError, run_kiosk
    from kiosk.core.ports import IlsUnavailable
    from kiosk.storage.db import StoreError

    options = RunOptions(
        config=config,
        data_dir=data_dir,
        scanner_url=args.scanner,
        headless=True if args.headless else None,
        screenshot_dir=args.screenshot_dir,
        exit_after_first_frame=args.exit_after_first_frame,
        debug=args.debug,
        on_started=startup.started_now,
    )
    try:
        return run_kiosk(options)
    except StoreError as err:
        print(f"kiosk: cannot open the local database: {safe(str(err), 600)}", file=sys.stderr)
        return 1
    except IlsUnavailable as err:
        print(f"kiosk: cannot open the library system: {safe(str(err), 600)}", file=sys.stderr)
        return 1
    except StartError as err:
        print(f"kiosk: {safe(str(err), 600)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except Exception as err:
        if startup.started:
            raise  # a fault while running is a bug: keep its traceback for the developers
        # Anything else before the first frame (a full disk while Kivy writes its settings,
        # a folder that vanished) is still one line for the technician; -v shows where.
        log.debug("start-up failed", exc_info=True)
        if isinstance(err, OSError):
            where = f" ({safe(str(err.filename), 300)})" if err.filename else ""
            print(
                f"kiosk: could not start: {safe(err.strerror or str(err), 200)}{where}; check "
                f"that the data folder {safe(str(data_dir), 300)} is on a local disk with "
                "free space, or run with -v for details",
                file=sys.stderr,
            )
        else:
            print(
                f"kiosk: could not start: {type(err).__name__}: {safe(str(err), 200)}; "
                "run with -v for details",
                file=sys.stderr,
            )
        return 1


_VIRTUAL_FILE_SYSTEMS = frozenset(
    ("proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs",
     "securityfs", "configfs", "pstore", "bpf", "mqueue", "fusectl", "efivarfs")
)  # fmt: skip


def data_dir_problem(data_dir: Path) -> str | None:
    """Why ``data_dir`` cannot hold the kiosk's files, as one line, or None if it can.

    Creates the folder if it is missing. Refuses a path that is a file and a folder on a
    kernel file system such as /proc or /sys (where mkdir fails with a confusing "No such
    file or directory" or, worse, succeeds on something that is not storage).
    """
    from kiosk.config import safe

    shown = safe(str(data_dir), 300)
    if data_dir.exists() and not data_dir.is_dir():
        return (
            f"data folder {shown} is a file, not a folder; choose another folder with "
            "--data-dir or move the file aside"
        )
    fs_type = _file_system_type(data_dir)
    if fs_type in _VIRTUAL_FILE_SYSTEMS:
        return (
            f"data folder {shown} is on the kernel's {fs_type} file system, not on a disk; "
            "choose a folder on a local disk with --data-dir"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return (
            f"cannot create the data folder {shown} ({err.strerror or err}); choose a "
            "writable folder on a local disk with --data-dir"
        )
    return None


def _file_system_type(path: Path) -> str | None:
    """The type of the file system ``path`` is (or would be) on, from /proc/self/mounts."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as mounts:
            table = [line.split()[1:3] for line in mounts if len(line.split()) >= 3]
    except OSError:
        return None
    target = Path(os.path.abspath(path))
    best: tuple[int, str] | None = None
    for mount_point, fs_type in table:
        point = Path(mount_point.replace("\\040", " "))
        if (target == point or point in target.parents) and (
            best is None or len(point.parts) > best[0]
        ):
            best = (len(point.parts), fs_type)
    return best[1] if best else None


class _StartupLog:
    """Holds log records back until the kiosk has started.

    A kiosk that cannot start says why in exactly one line; Kivy's and the store's start-up
    chatter before it would bury that line. Records are kept in memory until the first frame
    and then written in order; after a failed start they are dropped (shown with -v).
    """

    def __init__(self, *, verbose: bool) -> None:
        self.started = False
        root = logging.getLogger()
        self._targets = list(root.handlers)
        self._buffer = logging.handlers.MemoryHandler(
            capacity=1_000_000, flushLevel=logging.CRITICAL + 1, flushOnClose=False
        )
        for handler in self._targets:
            root.removeHandler(handler)
        root.addHandler(self._buffer)
        self._released = False

    def started_now(self) -> None:
        """The first frame is drawn: write what was held back and log directly from now."""
        self.started = True
        self.release(show=True)

    def release(self, *, show: bool) -> None:
        """Stop holding records back; write the held ones if ``show``, else drop them."""
        if self._released:
            return
        self._released = True
        root = logging.getLogger()
        root.removeHandler(self._buffer)
        for handler in self._targets:
            root.addHandler(handler)
        if show:
            for record in self._buffer.buffer:
                for handler in self._targets:
                    if record.levelno >= handler.level:
                        handler.handle(record)
        self._buffer.buffer.clear()
        self._buffer.close()


def resolve_data_dir(cli_value: Path | None, config_value: str) -> Path:
    """--data-dir, then $KIOSK_DATA_DIR, then [kiosk] data_dir, then the platform default."""
    if cli_value is not None:
        return cli_value.expanduser()
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    if config_value:
        return Path(config_value).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _sim_scanner(args: argparse.Namespace) -> int:
    from devices.sim import PtyScannerSimulator
    from devices.sim.console import run_scanner_console

    terminator = TERMINATORS[args.terminator]
    with PtyScannerSimulator(terminator=terminator) as simulator:
        print(f"Scanner simulator on {simulator.port_path}", flush=True)
        print(
            f"Start the kiosk with: kiosk run --scanner {simulator.port_path}\n"
            "Type a barcode and press Enter to scan it; !help lists faults; Ctrl-D ends.",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            run_scanner_console(simulator.send, sys.stdin, sys.stdout, faults=simulator)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
