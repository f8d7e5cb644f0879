"""The ``kiosk`` command.

    kiosk run            start the kiosk (demo library and simulated scanner by default)
    kiosk sim scanner    a barcode scanner simulator on a pseudo-terminal, for technicians
    kiosk sim counter    a visitor counter simulator (line protocol, beams, Modbus RTU)
    kiosk sim alarm      a security gate alarm simulator (a modem-status line over RFC 2217)
    kiosk sim printer    a receipt printer simulator on a pseudo-terminal and a TCP port
    kiosk demo reset     put the demo library back as the README describes it
    kiosk sip2-client    a SIP2 transcript with the library system, for technicians
    kiosk sip2-server    serve the demo library over SIP2, to test a self-check machine
    kiosk offline        for staff: transactions taken offline, waiting, replayed, disputed
    kiosk gate           the entrance gate daemon: counts visitors in and out, headless
    kiosk visits         for librarians: visit figures (guest book, gate), CSV and .xlsx
    kiosk doctor         for technicians: check the config, devices, library system, voice, store
    kiosk staff-pin      hash a staff PIN for the technician screen ([technician] pin_hash)
    kiosk --version

Exit codes: 0 fine, 1 the kiosk could not start (one line says why), 2 bad usage or config.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from devices import alarm_sim_command as alarm_cli  # standard library only until run
from devices.counters import sim_command as counter_cli  # standard library only until run
from kiosk import __version__
from kiosk.config import TERMINATORS, Config, safe  # standard library only: cheap to import

if TYPE_CHECKING:
    from kiosk.gate.greeter import PatronIdentifier
    from kiosk.startup import StartupLog

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
    _add_config_option(run)
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
        help="barcode scanner on a pseudo-terminal or a TCP port",
        description=(
            "Behave like a serial barcode scanner on a pseudo-terminal (default) or a TCP "
            "port, print the URL to give the kiosk (`kiosk run --scanner <url>`), and send "
            "each line typed here as a scan; !help lists faults (noise, split frames, "
            "unplug/replug, slow, silent, AIM identifiers, EAN-13/Code 39/Code 128). "
            "--script runs a timed list instead, --replay sends what a spy:// capture "
            "received. The README's technician section has a worked example."
        ),
    )
    scanner.add_argument(
        "--terminator",
        choices=tuple(TERMINATORS),
        default="CR",
        help="what to send after each barcode (default: CR)",
    )
    where = scanner.add_mutually_exclusive_group()
    where.add_argument(
        "--link",
        type=Path,
        metavar="PATH",
        help="keep a symlink at PATH pointing at the pty (re-pointed on replug), like "
        "udev's /dev/kiosk-scanner; give the kiosk PATH",
    )
    where.add_argument(
        "--tcp",
        type=int,
        metavar="PORT",
        help="serve on TCP PORT instead (the kiosk opens socket://127.0.0.1:PORT)",
    )
    source = scanner.add_mutually_exclusive_group()
    source.add_argument(
        "--script",
        type=Path,
        metavar="FILE",
        help="send a timed list: lines of '<seconds> <barcode or !command>' "
        "(+seconds: after the line before)",
    )
    source.add_argument(
        "--replay",
        type=Path,
        metavar="LOG",
        help="send the received bytes of a pyserial spy:// log, with their timing",
    )
    scanner.add_argument(
        "--aim", action="store_true", help="start with AIM identifiers on (]F0 ...)"
    )

    counter_cli.add_parser(devices)
    alarm_cli.add_parser(devices)

    printer = devices.add_parser(
        "printer",
        help="ESC/POS receipt printer on a pseudo-terminal and a TCP port",
        description=(
            "Create a pseudo-terminal and a loopback TCP port that behave like an ESC/POS "
            "receipt printer, print where they are, and print each receipt received as "
            "text. Type !help for faults (!paper out, !paper ok, !disconnect)."
        ),
    )
    printer.add_argument(
        "--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free one)"
    )

    demo = commands.add_parser(
        "demo", help="the embedded demo library", description="The embedded demo library."
    )
    demo_commands = demo.add_subparsers(dest="demo_command", metavar="ACTION")
    reset = demo_commands.add_parser(
        "reset",
        help="put the demo library back as the README describes it",
        description=(
            "Remove the demo library file, the kiosk's own store and the simulated "
            "printer's receipts in the data folder, so "
            "the next `kiosk run` seeds the demo afresh and the README's demo tables hold "
            "again. The store goes too: with the demo library its loans and outbox events "
            "refer to demo loans that no longer exist. Stop the kiosk first. Refused when "
            "the config names another library system."
        ),
    )
    _add_config_option(reset)
    reset.add_argument(
        "--data-dir", type=Path, help="the data folder to reset (default: as `kiosk run`)"
    )
    reset.add_argument("--yes", action="store_true", help="do not ask before removing")

    from kiosk import sip2_tool

    sip2_tool.add_parser(commands)
    server = commands.add_parser(
        "sip2-server",
        help="serve the demo library over SIP2 (to test a self-check machine)",
        description=(
            "Serve the demo library of the kiosk's data folder over SIP2 2.00 until Ctrl-C, "
            "so a technician can test any self-check machine against it. Log in (93) with "
            f"user {SIP2_DEMO_USER!r} and password {SIP2_DEMO_PASSWORD!r} unless --user and "
            f"--password (or ${SIP2_PASSWORD_ENV}) say otherwise."
        ),
    )
    _add_config_option(server)
    server.add_argument(
        "--data-dir", type=Path, help="the data folder of the demo library (as `kiosk run`)"
    )
    server.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    server.add_argument(
        "--port", type=_port, default=6001, help="TCP port (default: 6001; 0: any free one)"
    )
    server.add_argument("--tls-cert", type=Path, metavar="FILE", help="PEM certificate: TLS")
    server.add_argument("--tls-key", type=Path, metavar="FILE", help="PEM private key: TLS")
    server.add_argument("--user", default=SIP2_DEMO_USER, help="login user the machine gives")
    server.add_argument(
        "--password",
        help=f"login password (default: ${SIP2_PASSWORD_ENV}, else {SIP2_DEMO_PASSWORD!r})",
    )
    server.add_argument(
        "--encoding",
        default="utf-8",
        choices=("utf-8", "cp850", "latin-1"),
        help="text encoding on the wire (default: utf-8)",
    )
    server.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="close a connection idle this long (default: 300)",
    )
    server.add_argument(
        "--login-timeout",
        type=_seconds,
        default=15.0,
        metavar="SECONDS",
        help="close a connection not logged in (93) this long after it opened (default: 15)",
    )
    offline = commands.add_parser(
        "offline",
        help="for staff: loans and returns taken while the library system was unreachable",
        description=(
            "List the loans and returns this kiosk took while the library system could not "
            "be reached: those still waiting to be sent, and those the library system "
            "refused when they were sent (settle them at the desk). Replayed ones are "
            "counted; --all lists them too. Card numbers show their last 4 digits only."
        ),
    )
    _add_config_option(offline)
    offline.add_argument(
        "--data-dir", type=Path, help="the kiosk's data folder (default: as `kiosk run`)"
    )
    offline.add_argument("--all", action="store_true", help="list replayed ones too")
    from kiosk import visits_tool  # standard library only until run

    _add_config_option(visits_tool.add_parser(commands))

    doctor = commands.add_parser(
        "doctor",
        help="for technicians: check every part of this kiosk, one PASS or FAIL line each",
        description=(
            "Check the config, the serial ports and their permissions, the scanner and the "
            "receipt printer (opened and asked; nothing is printed), the library system "
            "(login and status), the voices and the sound device, the data folder and the "
            "local store (schema, privacy, free disk). One line per check: PASS, or FAIL "
            "with what was found and what to do. Exit code 0 when all pass, 1 when any "
            "fails, 2 for a config that cannot be used. Run it as the kiosk's own user."
        ),
    )
    _add_config_option(doctor)
    doctor.add_argument(
        "--data-dir", type=Path, help="the kiosk's data folder (default: as `kiosk run`)"
    )
    doctor.add_argument(
        "--timeout",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="longest a check may take before it counts as hung (default: 5)",
    )
    from kiosk.gate.command import add_parser as add_gate_parser  # stdlib + kiosk.config only

    add_gate_parser(commands)
    commands.add_parser(
        "staff-pin",
        help="hash a staff PIN for the technician screen ([technician] pin_hash)",
        description=(
            "Ask for a staff PIN twice (not shown), or read it from standard input when that "
            "is not a terminal, and print the pin_hash line to add to the [technician] "
            "section of the config. The PIN itself is never printed or stored."
        ),
    )
    return parser


SIP2_DEMO_USER = "kiosk"  # kiosk.ils.sip2.server.demo's, without importing it for --help
SIP2_DEMO_PASSWORD = "kiosk-demo"
SIP2_PASSWORD_ENV = "KIOSK_SIP2_SERVER_PASSWORD"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"more than 0 and at most 86400 seconds, got {text}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosk`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_OneLineFormatter(handler.formatter))
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_libraries)
    if args.command == "run":
        return _run(args)
    if args.command == "sim" and args.device == "scanner":
        return _sim_scanner(args)
    if args.command == "sim" and args.device == "counter":
        return counter_cli.run(args)
    if args.command == "sim" and args.device == "alarm":
        return alarm_cli.run(args)
    if args.command == "sim" and args.device == "printer":
        return _sim_printer(args)
    if args.command == "demo" and args.demo_command == "reset":
        return _demo_reset(args)
    if args.command == "sip2-client":
        return _sip2_client(args)
    if args.command == "sip2-server":
        return _sip2_server(args)
    if args.command == "offline":
        return _offline(args)
    if args.command == "visits":
        return _visits(args)
    if args.command == "doctor":
        return _doctor(args)
    if args.command == "gate":
        from kiosk.gate.command import run as run_gate

        return run_gate(args, open_patrons=_gate_patrons)
    if args.command == "staff-pin":
        return _staff_pin()
    if args.command in ("sim", "demo"):
        parser.parse_args([args.command, "--help"])
    parser.print_help()
    return 2


def _gate_patrons(config: Config, data_dir: Path) -> PatronIdentifier | None:
    """The library system for the gate's greeting by name ([ils], as the kiosk opens it),
    or None (one line says why) when it cannot name a card."""
    from kiosk.bootstrap import ILS_BACKENDS
    from kiosk.core.clock import SystemClock
    from kiosk.core.ports import IlsUnavailable

    try:
        ils = ILS_BACKENDS[config.ils.backend](config, data_dir, SystemClock())
    except (IlsUnavailable, OSError) as err:
        log.warning("gate: the library system cannot be opened (%s); greeting without names", err)
        return None
    if not callable(getattr(ils, "identify_patron", None)):
        log.warning("gate: this library system cannot name a card; greeting without names")
        return None
    return cast("PatronIdentifier", ils)


class _OneLineFormatter(logging.Formatter):
    """Log messages a path or config value cannot break or colour: a data folder named with
    a newline or an escape sequence is logged escaped (``\\n``, ``\\x1b``), so the journal
    shows one line per record. Tracebacks (``-v``) keep their lines."""

    def __init__(self, like: logging.Formatter | None) -> None:
        super().__init__(like._fmt if like else None, like.datefmt if like else None)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = safe(record.message, limit=LOG_MESSAGE_CHARS)
        return super().formatMessage(record)


LOG_MESSAGE_CHARS = 4000  # longer than any message the kiosk writes; a runaway value is cut


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Keep Kivy's and Alembic's start-up chatter (versions, paths, plugins) for --verbose."""
    if record.levelno >= logging.WARNING:
        return True
    return not record.name.startswith(("kivy", "alembic"))


def _run(args: argparse.Namespace) -> int:

    # Everything the kiosk writes (store, demo library, Kivy's folder, screenshots, SQLite's
    # -wal/-shm) holds patron data: private to this user whatever umask we were started with.
    # The parts also chmod what they create, for callers that build the kiosk from Python.
    os.umask(0o077)

    config = _load_config(args.config)
    if config is None:
        return 2
    data_dir = resolve_data_dir(args.data_dir, config.kiosk.data_dir)
    from kiosk.startup import StartupLog

    startup = StartupLog()
    try:
        return _start(args, config, data_dir, startup)
    except _Refused as refused:
        startup.release(show=args.verbose)  # the log before the line, and only with -v
        print(f"kiosk: {refused}", file=sys.stderr)
        return 1
    finally:
        startup.release(show=args.verbose or startup.started)


class _Refused(Exception):
    """The kiosk cannot start; ``str()`` is the one line (after "kiosk: ") that says why."""


def _start(args: argparse.Namespace, config: Config, data_dir: Path, startup: StartupLog) -> int:
    """Start the kiosk; a failure before its first frame is one line on stderr and exit 1."""
    from kiosk.config import safe
    from kiosk.startup import data_dir_problem

    problem = data_dir_problem(data_dir)
    if problem is not None:
        raise _Refused(problem)

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
        raise _Refused(f"cannot open the local database: {safe(str(err), 600)}") from err
    except IlsUnavailable as err:
        raise _Refused(f"cannot open the library system: {safe(str(err), 600)}") from err
    except StartError as err:
        raise _Refused(safe(str(err), 600)) from err
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
            raise _Refused(
                f"could not start: {safe(err.strerror or str(err), 200)}{where}; check that "
                f"the data folder {safe(str(data_dir), 300)} is on a local disk with free "
                "space, or run with -v for details"
            ) from err
        raise _Refused(
            f"could not start: {type(err).__name__}: {safe(str(err), 200)}; run with -v for details"
        ) from err


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, help="TOML config file (default: $KIOSK_CONFIG, else demo)"
    )


def _load_config(path: Path | str | None) -> Config | None:
    """The validated config (``--config``, else $KIOSK_CONFIG, else the demo's), or None
    after printing the one line that says what is wrong (the caller exits 2)."""
    from kiosk import config as config_module

    try:
        return config_module.load(Path(path) if path else None)
    except config_module.ConfigError as err:
        print(f"kiosk: config error: {err}", file=sys.stderr)
        return None


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


def _demo_reset(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    """``kiosk demo reset``: remove the demo library and the kiosk store it belongs with."""
    from kiosk import config as config_module
    from kiosk.bootstrap import (
        DEMO_BACKENDS,
        DEMO_LIBRARY_FILE,
        SIMULATED_RECEIPTS_FILE,
        STORE_FILE,
    )

    stdin = stdin or sys.stdin
    config = _load_config(args.config)
    if config is None:
        return 2
    if config.ils.backend not in DEMO_BACKENDS:
        print(
            f"kiosk: demo reset is for the demo library only; this config uses the "
            f"{config.ils.backend!r} library system, so nothing was removed",
            file=sys.stderr,
        )
        return 2
    data_dir = resolve_data_dir(args.data_dir, config.kiosk.data_dir)
    shown = config_module.safe(str(data_dir), limit=4096)  # a path cannot fake a line
    # SQLite's side files go with their database: a -wal left behind would be replayed
    # into the fresh file.
    names = [f"{base}{suffix}" for base in (DEMO_LIBRARY_FILE, STORE_FILE)
             for suffix in ("", "-wal", "-shm", "-journal")]  # fmt: skip
    names.append(SIMULATED_RECEIPTS_FILE)  # the demo printer's receipts: of demo loans gone
    present = [data_dir / name for name in names if (data_dir / name).is_file()]
    if not present:
        print(f"Nothing to reset in {shown}: the demo library is made at the next start.")
        return 0
    listing = ", ".join(path.name for path in present)
    if not args.yes:
        if not stdin.isatty():
            print(
                f"kiosk: demo reset would remove {listing} in {shown}; "
                "run it again with --yes to confirm",
                file=sys.stderr,
            )
            return 2
        print(
            f"This removes the demo library and the kiosk's own loan records in {shown} "
            f"({listing}). Stop the kiosk first."
        )
        print("Type yes to go on: ", end="", flush=True)
        if stdin.readline().strip().lower() != "yes":
            print("Nothing was removed.")
            return 1
    for path in present:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as err:
            print(
                f"kiosk: cannot remove {config_module.safe(str(path), limit=4096)} "
                f"({err.strerror or err})",
                file=sys.stderr,
            )
            return 1
    print(
        f"Removed {listing} in {shown}. The next `kiosk run` seeds the demo library "
        "afresh, as the README's demo tables describe it."
    )
    return 0


def _sip2_client(args: argparse.Namespace) -> int:
    from kiosk import sip2_tool

    config = _load_config(args.config)
    if config is None:
        return 2
    return sip2_tool.run(args, config, sys.stdout, sys.stderr)


def _sip2_server(args: argparse.Namespace) -> int:
    """``kiosk sip2-server``: the demo library over SIP2 until Ctrl-C or SIGTERM."""
    import signal
    import threading

    os.umask(0o077)  # the demo library holds patrons' names: private, as `kiosk run` keeps it
    config = _load_config(args.config)
    if config is None:
        return 2
    if (args.tls_cert is None) != (args.tls_key is None):
        print("kiosk: TLS needs both --tls-cert and --tls-key", file=sys.stderr)
        return 2
    data_dir = resolve_data_dir(args.data_dir, config.kiosk.data_dir)
    from kiosk.bootstrap import DEMO_LIBRARY_FILE
    from kiosk.core.ports import IlsUnavailable
    from kiosk.ils.local import LocalIls
    from kiosk.ils.sip2.server import ServerError, start_demo_server
    from kiosk.startup import data_dir_problem
    from kiosk.storage.private import private_file

    problem = data_dir_problem(data_dir)
    if problem is not None:
        print(f"kiosk: {problem}", file=sys.stderr)
        return 1
    path = data_dir / DEMO_LIBRARY_FILE
    try:
        library = LocalIls.open(path, timezone=config.kiosk.timezone)
    except IlsUnavailable as err:
        print(f"kiosk: cannot open the library system: {safe(str(err), 600)}", file=sys.stderr)
        return 1
    for name in (path.name, f"{path.name}-journal"):
        private_file(path.with_name(name))
    password = args.password or os.environ.get(SIP2_PASSWORD_ENV) or SIP2_DEMO_PASSWORD
    try:
        server = start_demo_server(
            library,
            host=args.host,
            port=args.port,
            name=config.kiosk.library_name,
            user=args.user,
            password=password,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            encoding=args.encoding,
            idle_timeout=args.idle_timeout,
            login_timeout=args.login_timeout,
        )
    except ServerError as err:
        library.close()
        print(f"kiosk: {safe(str(err), 600)}", file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The demo's public password is shown; one the technician chose never is.
    said = f"password {SIP2_DEMO_PASSWORD!r}" if password == SIP2_DEMO_PASSWORD else "your password"
    tls = " with TLS" if args.tls_cert else ""
    print(
        f"SIP2 server for {safe(config.kiosk.library_name, 80)} listening on "
        f"{server.host}:{server.port}{tls}: log in (93) as user {safe(args.user, 80)!r} "
        f"with {said}; Ctrl-C stops.",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        library.close()
    return 0


def _offline(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``kiosk offline``: what was taken offline, for staff (no names, cards' last 4)."""
    from zoneinfo import ZoneInfo

    from kiosk.bootstrap import STORE_FILE
    from kiosk.core.ports import StorageFailed
    from kiosk.storage.db import StoreError, open_store
    from kiosk.storage.offline import SqlOfflineStore, staff_report

    out = out or sys.stdout
    config = _load_config(args.config)
    if config is None:
        return 2
    path = resolve_data_dir(args.data_dir, config.kiosk.data_dir) / STORE_FILE
    shown = safe(str(path), limit=4096)
    if not path.is_file():
        print(f"No kiosk store at {shown}: nothing was taken offline there.", file=out)
        return 0
    try:
        engine = open_store(path)
    except StoreError as err:
        print(f"kiosk: {err}", file=sys.stderr)
        return 1
    try:
        rows = SqlOfflineStore(engine, b"").staff_rows()  # listing needs no hashing key
    except StorageFailed as err:
        print(f"kiosk: {err}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    for text in staff_report(rows, ZoneInfo(config.kiosk.timezone), shown, every=args.all):
        print(text, file=out)
    return 0


def _visits(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``kiosk visits``: visit figures from the local store (kiosk.visits_tool)."""
    from kiosk import visits_tool

    config = _load_config(args.config)
    if config is None:
        return 2
    data_dir = resolve_data_dir(args.data_dir, config.kiosk.data_dir)
    logger = logging.getLogger("kiosk")
    level = logger.level
    if not args.verbose:  # the report or its one error line says it all, not "store ready"
        logger.setLevel(logging.WARNING)
    try:
        return visits_tool.run(args, config, data_dir, out or sys.stdout)
    finally:
        logger.setLevel(level)


def _doctor(args: argparse.Namespace) -> int:
    """``kiosk doctor``: the technician's check of every part, one line each."""
    from kiosk import doctor

    config = _load_config(args.config)
    if config is None:
        return 2
    if not args.verbose:  # each check says it in its line; the parts' log lines would repeat it
        for name in ("kiosk", "devices", "accessibility"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    data_dir = resolve_data_dir(args.data_dir, config.kiosk.data_dir)
    return doctor.run(config, data_dir, sys.stdout, timeout=args.timeout)


def _staff_pin(
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    ask: Callable[[str], str] | None = None,
) -> int:
    """``kiosk staff-pin``: the ``pin_hash`` line for a staff PIN; never echoes the PIN."""
    import getpass

    from kiosk.core.staff import MAX_PIN, hash_pin

    stdin, out = stdin or sys.stdin, out or sys.stdout
    if stdin.isatty():
        ask = ask or getpass.getpass
        try:
            pin = ask("Staff PIN (4 to 32 digits, not shown): ")
            again = ask("The same staff PIN again: ")
        except (KeyboardInterrupt, EOFError):  # Ctrl-C or Ctrl-D at the prompt: a change of mind
            print("\nkiosk: cancelled; nothing was printed", file=sys.stderr)
            return 2
        if again != pin:
            print("kiosk: the two PINs differ; nothing was printed", file=sys.stderr)
            return 2
    else:  # a script: the first line of standard input, read bounded
        pin = stdin.readline(MAX_PIN + 3).rstrip("\r\n")
    try:
        line = hash_pin(pin.strip())
    except ValueError as err:  # says what is wrong with it, never what it is
        print(f"kiosk: {err}; nothing was printed", file=sys.stderr)
        return 2
    print(
        "Add this line to the [technician] section of the kiosk's config, then restart it:",
        file=sys.stderr,
    )
    print(f'pin_hash = "{line}"', file=out, flush=True)
    return 0


def _sim_scanner(args: argparse.Namespace) -> int:
    from devices.sim.scanner_main import SimOptions, main

    if args.tcp is not None and not 0 < args.tcp < 65536:
        print(f"kiosk: --tcp needs a port 1..65535, got {args.tcp}", file=sys.stderr)
        return 2
    options = SimOptions(
        terminator=TERMINATORS[args.terminator],
        link=args.link,
        tcp=args.tcp,
        script=args.script,
        replay=args.replay,
        aim=args.aim,
    )
    return main(options, sys.stdin, sys.stdout, sys.stderr)


def _sim_printer(args: argparse.Namespace) -> int:
    from devices.sim.printer import PrinterSimulator
    from devices.sim.printer_console import PrinterConsole

    console = PrinterConsole(sys.stdout)
    try:
        simulator = PrinterSimulator(port=args.port, on_receipt=console.on_receipt)
    except OSError as err:
        print(
            f"kiosk: cannot listen on TCP port {args.port} ({err.strerror or err})", file=sys.stderr
        )
        return 1
    with simulator:
        console.say(
            f"Printer simulator on {simulator.port_path} (serial) and {simulator.url} (network)\n"
            f"Use either as the printer URL; receipts appear here. !help lists faults; "
            "Ctrl-D ends."
        )
        with contextlib.suppress(KeyboardInterrupt):
            console.run(simulator, sys.stdin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
