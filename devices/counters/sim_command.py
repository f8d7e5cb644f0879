"""``kiosk sim counter``: a visitor counter simulator for technicians, one runner per protocol.

``kiosk/cli.py`` adds the sub-command with :func:`add_parser` and calls :func:`run`.
Each ``--protocol`` is a runner in :data:`RUNNERS` (``protocol -> run(args) -> exit code``);
a new protocol adds its runner there and, if it needs them, its own options in
:func:`add_parser`. Imports of the simulators are inside the runners, so building the
CLI's parser stays cheap (this module lives outside :mod:`devices.sim`, whose package
imports every simulator).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devices.sim.counter import LineCounterSimulator

Runner = Callable[[argparse.Namespace], int]


def add_parser(devices: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``counter`` to ``kiosk sim``'s devices and return its parser."""
    counter: argparse.ArgumentParser = devices.add_parser(
        "counter",
        help="visitor counter (line protocol on a pty or TCP; beams over RFC 2217)",
        description=(
            "Simulate a visitor counter and print the URL to put in [counters.<id>] url. "
            "Type 'in 3', 'out 1' or a fault (!help lists them); --script plays a timed "
            "file of the same commands; --replay sends the bytes of a spy:// log."
        ),
    )
    counter.add_argument("--protocol", choices=tuple(RUNNERS), default="line", help="default: line")
    counter.add_argument(
        "--mode", choices=("push", "poll"), default="push", help="line protocol (default: push)"
    )
    counter.add_argument(
        "--tcp", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT instead of a pty"
    )
    counter.add_argument("--bits", type=int, choices=(16, 32), default=32, help="default: 32")
    counter.add_argument("--id", default="", help="the counter's ID field (line protocol)")
    counter.add_argument(
        "--link", type=Path, help="the pty's stable path (default: a temporary one)"
    )
    counter.add_argument("--heartbeat", type=float, default=5.0, help="push repeat, s")
    counter.add_argument("--script", type=Path, help="timed commands to play, then exit")
    counter.add_argument("--replay", type=Path, help="a spy:// log whose RX bytes to send")
    from devices.counters.modbus_sim_command import add_modbus_arguments

    add_modbus_arguments(counter)
    return counter


def run(args: argparse.Namespace) -> int:
    """Run the simulator ``args.protocol`` names on this terminal; the exit code."""
    return RUNNERS[args.protocol](args)


def _fail(message: str) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return 2


def _script(args: argparse.Namespace) -> list[tuple[float, str]] | None:
    from devices.sim.counter_console import parse_script

    if args.script is None:
        return None
    try:
        text = args.script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read the script {args.script} ({err})") from err
    return parse_script(text, str(args.script))


def _drive(target: object, args: argparse.Namespace, replay: Callable[[], None] | None) -> int:
    """The console, a script, or a replay, on ``target``; Ctrl-C ends quietly."""
    from devices.sim.counter import LineCounterSimulator
    from devices.sim.counter_console import run_console, run_script
    from devices.sim.script import ScriptError
    from devices.sim.terminal import drained_line, wait_until_read

    try:
        steps = _script(args)
    except (ScriptError, ValueError) as err:
        return _fail(str(err))
    line = target if isinstance(target, LineCounterSimulator) else None
    if steps is not None and line is not None and not _wait_for_client(line):
        return _fail(f"nobody connected to {line.url} within {CLIENT_WAIT:g} s")
    with contextlib.suppress(KeyboardInterrupt):
        if replay is not None:
            replay()
        elif steps is not None:
            run_script(target, steps, sys.stdout)  # type: ignore[arg-type]
        else:
            print("Type 'in 3', 'out 1' or !help; Ctrl-D ends.", flush=True)
            run_console(target, sys.stdin, sys.stdout)  # type: ignore[arg-type]
            return 0
        if line is not None:  # leaving unplugs the counter: first let the kiosk read it all
            print(drained_line(wait_until_read(line.link.unread)), flush=True)
    return 0


CLIENT_WAIT = 600.0  # seconds a script over TCP waits for the kiosk to connect


def _wait_for_client(sim: LineCounterSimulator) -> bool:
    """Over TCP, hold a script until the kiosk is connected (its first crossings would
    otherwise go nowhere and the kiosk would take later totals as its starting point)."""
    import time

    from devices.sim.terminal import CONNECT_SETTLE

    wait_for_client = getattr(sim.link, "wait_for_client", None)
    if wait_for_client is None:
        return True  # a pty: the kiosk opens it whenever it starts
    print("waiting for the kiosk to connect…", flush=True)
    if not wait_for_client(CLIENT_WAIT):
        return False
    time.sleep(CONNECT_SETTLE)  # the kiosk's open discards what arrives meanwhile
    return True


def _run_line(args: argparse.Namespace) -> int:
    from devices.sim.counter import LineCounterSimulator
    from devices.sim.links import PtyLink, TcpLink

    def make_link(on_data: Callable[[bytes], None]) -> PtyLink | TcpLink:
        if args.tcp is not None:
            return TcpLink(on_data, args.tcp)
        return PtyLink(on_data, args.link)

    try:
        sim = LineCounterSimulator(
            make_link, mode=args.mode, bits=args.bits, counter_id=args.id,
            heartbeat=args.heartbeat,
            # A recording answers for the device: the simulator's own totals (0) answering
            # the kiosk's ? on connect would be a false start, the first frame people.
            answer_queries=args.replay is None,
        )  # fmt: skip
    except (OSError, ValueError) as err:
        return _fail(f"cannot start the counter simulator ({err})")
    with sim:
        print(f"Line protocol counter ({args.mode} mode, {args.bits}-bit) on {sim.url}", flush=True)
        print(_config_table(sim.url, args), flush=True)
        replay = None if args.replay is None else lambda: _replay(sim, args.replay)
        return _drive(sim, args, replay)


def _config_table(url: str, args: argparse.Namespace) -> str:
    """The ``[counters.<--id>]`` table (``gate1`` without one) that reads this simulator
    (TOML; the URL quoted), as the Modbus simulator prints its own."""
    import json
    import re

    name = args.id or "gate1"
    # A dot would nest TOML tables: such an id is a quoted key.
    key = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)
    lines = [
        "Read it with this table in the kiosk's config:",
        f"  [counters.{key}]",
        f"  url = {json.dumps(url)}",
        '  protocol = "line"',
        f'  mode = "{args.mode}"',
        f"  bits = {args.bits}",
    ]
    if args.mode == "poll" and args.id:
        lines.append(f"  address = {json.dumps(args.id)}")
    return "\n".join(lines)


def _replay(sim: LineCounterSimulator, path: Path) -> None:
    import time

    from devices.sim.spy_log import rx_chunks

    chunks = rx_chunks(path.read_text(encoding="latin-1"))
    # Bytes sent before the kiosk opens the port are lost, as on a real line: wait until
    # the technician has started the kiosk (Enter; end of input starts at once).
    print(f"{len(chunks)} reads to replay; start the kiosk, then press Enter", flush=True)
    sys.stdin.readline()
    wait_for_client = getattr(sim.link, "wait_for_client", None)
    if wait_for_client is not None and not wait_for_client(10.0):  # TCP: accepted yet?
        print("no kiosk connected within 10 s; replaying anyway", flush=True)
    start = time.monotonic()
    first = chunks[0][0] if chunks else 0.0
    sim.replaying = True  # only the capture's bytes: no heartbeat, no answers to polls
    for at, data in chunks:
        time.sleep(max(0.0, (at - first) - (time.monotonic() - start)))
        sim.send_raw(data)
    print(f"replayed {len(chunks)} reads, {sum(len(d) for _, d in chunks)} bytes", flush=True)


def _run_beams(args: argparse.Namespace) -> int:
    from devices.sim.beams import BeamsSimulator, Rfc2217BeamsServer
    from devices.sim.counter_console import BeamsTarget

    if args.replay is not None:
        return _fail("--replay needs a protocol that sends bytes; beams only change lines")
    beams = BeamsSimulator()
    try:
        server = Rfc2217BeamsServer(beams, args.tcp or 0)
    except OSError as err:
        return _fail(f"cannot listen on TCP port {args.tcp} ({err.strerror or err})")
    with server:
        print(f"Beams (A on CTS, B on DSR) behind an RFC 2217 server at {server.url}", flush=True)
        print(
            f'In the kiosk config: [counters.door] url = "{server.url}", protocol = "beams", '
            'beam_a = "cts", beam_b = "dsr"',
            flush=True,
        )
        return _drive(BeamsTarget(beams, server), args, None)


def _run_modbus(args: argparse.Namespace) -> int:
    from devices.counters.modbus_sim_command import run_modbus_sim

    return run_modbus_sim(args)


RUNNERS: dict[str, Runner] = {
    "line": _run_line,
    "beams": _run_beams,
    "modbus": _run_modbus,
}
"""``--protocol`` -> its simulator."""
