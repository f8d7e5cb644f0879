"""``kiosk sim scanner``: a scanner simulator for technicians, on a pty or a TCP port.

Where it listens:

* a pseudo-terminal (default): the kiosk opens its path; with ``--link PATH`` a symlink
  kept pointing at the current pty, as udev's ``/dev/kiosk-scanner`` (``!unplug`` removes
  it, ``!replug`` makes a fresh pty and re-points it), so the kiosk's URL never changes;
* ``--tcp PORT``: a TCP server, the kiosk's URL ``socket://127.0.0.1:PORT``; one client
  at a time, ``!unplug`` drops it and refuses connections until ``!replug``.

What it sends: lines typed on the console (a barcode, or a ``!command``:
:mod:`devices.sim.console`), a timed ``--script FILE`` (:mod:`devices.sim.script`), or
the received bytes of a pyserial ``spy://`` capture, ``--replay LOG``, with their timing
(:mod:`devices.sim.spy_log`). Messages for the technician are one line each; a bad
script or log stops before anything is sent, exit code 2.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from devices.sim import spy_log
from devices.sim.console import execute, parse_script, run_scanner_console
from devices.sim.scanner import PtyScannerSimulator
from devices.sim.scanner_tcp import TcpScannerSimulator
from devices.sim.script import ScriptError, Step, run_script
from devices.sim.terminal import CONNECT_SETTLE, drained_line, wait_until_read

CLIENT_WAIT = 600.0  # seconds a script or replay over TCP waits for the kiosk to connect
MAX_FILE = 16 * 1024 * 1024  # a script or capture larger than this is the wrong file


@dataclass(frozen=True)
class SimOptions:
    """What ``kiosk sim scanner`` was asked for."""

    terminator: bytes = b"\r"
    link: Path | None = None
    tcp: int | None = None
    script: Path | None = None
    replay: Path | None = None
    aim: bool = False
    lead: float = 3.0  # seconds a script or replay on a pty waits for the kiosk to open it


def main(options: SimOptions, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Run the simulator until the console's input, the script or the replay ends.

    Returns:
        0, or 2 when the script or capture cannot be used, 1 when it cannot listen.
    """
    try:
        steps = _load_script(options.script) if options.script else None
        chunks = _load_replay(options.replay, err) if options.replay else None
    except (ScriptError, OSError) as problem:
        print(f"kiosk: {problem}", file=err, flush=True)
        return 2
    try:
        simulator = _make(options)
    except OSError as problem:
        where = f"TCP port {options.tcp}" if options.tcp is not None else "a pseudo-terminal"
        print(f"kiosk: cannot open {where} ({problem.strerror or problem})", file=err)
        return 1
    with simulator:
        simulator.aim = options.aim
        url = simulator.port_path
        print(f"Scanner simulator on {url}", file=out, flush=True)
        print(f"Start the kiosk with: kiosk run --scanner {url}", file=out, flush=True)
        if (steps or chunks) and not _wait_for_kiosk(simulator, options, chunks, stdin, out, err):
            return 1
        with contextlib.suppress(KeyboardInterrupt):
            if steps is not None:
                run_script(steps, lambda action: execute(action, simulator.send, simulator),
                           lambda line: print(line, file=out, flush=True))  # fmt: skip
            elif chunks is not None:
                _replay(simulator, chunks, out)
            else:
                print("Type a barcode and press Enter to scan it; !help lists faults; "
                      "Ctrl-D ends.", file=out, flush=True)  # fmt: skip
                run_scanner_console(simulator.send, stdin, out, faults=simulator)
                return 0
            # Leaving the block unplugs the scanner: first let the kiosk read the last scan.
            print(drained_line(wait_until_read(simulator.unread)), file=out, flush=True)
    return 0


def _wait_for_kiosk(
    simulator: PtyScannerSimulator | TcpScannerSimulator,
    options: SimOptions,
    chunks: list[tuple[float, bytes]] | None,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
) -> bool:
    """Hold a script or replay until the kiosk has the port open; False if it never came."""
    if chunks is not None:
        # As the counter's replay: the technician starts the kiosk, then presses Enter
        # (the end of the input starts at once).
        print(f"{len(chunks)} reads to replay; start the kiosk, then press Enter", file=out,
              flush=True)  # fmt: skip
        stdin.readline()
    if isinstance(simulator, TcpScannerSimulator):
        print("waiting for the kiosk to connect…", file=out, flush=True)
        if not simulator.wait_for_client(CLIENT_WAIT):
            print(f"kiosk: nobody connected to {simulator.url} within {CLIENT_WAIT:g} s", file=err)
            return False
        time.sleep(CONNECT_SETTLE)  # the kiosk's open discards what arrives meanwhile
    else:
        # A pty cannot tell when the kiosk has opened it, and bytes written before that
        # are discarded by the open: give the kiosk's reader (retrying every second at
        # most) time to find the port.
        print(f"starting in {options.lead:g} s…", file=out, flush=True)
        time.sleep(options.lead)
    return True


def _make(options: SimOptions) -> PtyScannerSimulator | TcpScannerSimulator:
    if options.tcp is not None:
        return TcpScannerSimulator(options.tcp, terminator=options.terminator)
    return PtyScannerSimulator(options.terminator, link=options.link)


def _read(path: Path) -> str:
    with path.open("rb") as file:
        data = file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise OSError(f"{path}: larger than {MAX_FILE // (1024 * 1024)} MiB; is it the right file?")
    return data.decode("latin-1")


def _load_script(path: Path) -> list[Step[str]]:
    try:
        text = _read(path)
    except OSError as problem:
        raise OSError(f"cannot read the script {path} ({_why(problem)})") from problem
    steps = parse_script(text, str(path))
    if not steps:
        raise ScriptError(f"{path}: no steps (lines of '<seconds> <barcode or !command>')")
    return steps


def _load_replay(path: Path, err: TextIO) -> list[tuple[float, bytes]]:
    try:
        log = spy_log.parse(_read(path))
    except OSError as problem:
        raise OSError(f"cannot read the capture {path} ({_why(problem)})") from problem
    for line, why in log.problems:
        print(f"kiosk: {path}:{line}: skipped ({why})", file=err, flush=True)
    if not log.chunks:
        raise OSError(f"{path}: no received (RX) bytes; is it a pyserial spy:// log?")
    return log.chunks


def _replay(
    simulator: PtyScannerSimulator | TcpScannerSimulator,
    chunks: list[tuple[float, bytes]],
    out: TextIO,
) -> None:
    """Send each chunk at its time, counted from the first one's."""
    start, first = time.monotonic(), chunks[0][0]
    for at, data in chunks:
        wait = start + (at - first) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        simulator.send_raw(data)
    print(f"replayed {len(chunks)} reads, {sum(len(d) for _, d in chunks)} bytes", file=out)


def _why(problem: OSError) -> str:
    return problem.strerror or str(problem)
