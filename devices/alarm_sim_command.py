"""``kiosk sim alarm``: a security gate alarm simulator for technicians.

The alarm relay is one modem-status line, which a pseudo-terminal cannot carry, so the
line is served over RFC 2217 on 127.0.0.1 (the way a serial device server in the gate
cabinet serves it): the gate opens ``rfc2217://127.0.0.1:PORT``. The console rings it
(:mod:`devices.sim.alarm`). ``kiosk/cli.py`` adds the sub-command with :func:`add_parser`
and calls :func:`run`; the simulators are imported only in :func:`run`, so building the
CLI's parser stays cheap.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from devices.alarm_settings import LINES


def add_parser(devices: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``alarm`` to ``kiosk sim``'s devices and return its parser."""
    alarm: argparse.ArgumentParser = devices.add_parser(
        "alarm",
        help="security gate alarm on a modem-status line, served over RFC 2217",
        description=(
            "Simulate a security gate's alarm relay on one modem-status line, served over "
            "RFC 2217 (a pty has no modem lines), and print the [gate.alarm] table that "
            "reads it. Type 'ring', 'ring 0.5' or a fault (!help lists them)."
        ),
    )
    alarm.add_argument("--tcp", type=int, default=0, metavar="PORT", help="default: a free port")
    alarm.add_argument("--line", choices=LINES, default="cts", help="default: cts")
    alarm.add_argument(
        "--active",
        choices=("high", "low"),
        default="high",
        help="high: asserted while alarming (default); low: a normally-closed relay",
    )
    return alarm


def run(args: argparse.Namespace) -> int:
    """Serve the simulated alarm and run its console on this terminal; the exit code."""
    from devices.sim.alarm import AlarmSimulator, run_console
    from devices.sim.beams import Rfc2217BeamsServer

    alarm = AlarmSimulator(args.line, args.active)
    try:
        server = Rfc2217BeamsServer(alarm.lines, args.tcp)
    except OSError as err:
        print(
            f"kiosk: cannot listen on TCP port {args.tcp} ({err.strerror or err})", file=sys.stderr
        )
        return 2
    with server:
        print(
            f"Security gate alarm on {args.line.upper()} (active {args.active}) behind an "
            f"RFC 2217 server at {server.url}",
            flush=True,
        )
        print(
            "In the gate's config:\n  [gate.alarm]\n"
            f'  url = "{server.url}"\n  line = "{args.line}"\n  active = "{args.active}"',
            flush=True,
        )
        print("Type 'ring', 'ring 0.5' or !help; Ctrl-D ends.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            run_console(alarm, sys.stdin, sys.stdout, server)
    return 0
