"""``kiosk sim counter --protocol modbus``: a Modbus RTU people counter for technicians.

Starts :class:`devices.sim.modbus_counter.ModbusCounterSimulator` (pymodbus's RTU slave
on a pseudo-terminal, reached through a stable link; ``--tcp PORT`` serves it on a
loopback TCP port too, for ``socket://``), prints the ``[counters.<id>]`` table that
reads it, then takes commands typed here (``in 3``, ``!crc``, ``!unplug`` ...;
``!help``) and, with ``--script FILE``, runs a timed list of them at the same time. It
ends at end of input (Ctrl-D) once the script, if any, has run; Ctrl-C ends it at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devices.sim.modbus_counter import CounterLayout

MODBUS = "modbus"


def add_modbus_arguments(parser: argparse.ArgumentParser) -> None:
    """The Modbus counter simulator's own options, on ``kiosk sim counter``.

    ``--link``, ``--tcp`` and ``--script`` are the command's own (every protocol has
    them); with Modbus, ``--tcp`` serves the counter on that port as well as on the pty,
    as an RS-485 gateway would.
    """
    group = parser.add_argument_group("modbus (--protocol modbus)")
    group.add_argument("--unit", type=int, default=1, help="Modbus unit address 1..247 (default 1)")
    group.add_argument(
        "--register-type",
        choices=("holding", "input"),
        default="holding",
        help="registers the totals are in: holding (read with 03, default) or input (04)",
    )
    group.add_argument(
        "--in-register", type=int, default=0, help="first register of the IN total (default 0)"
    )
    group.add_argument(
        "--out-register", type=int, default=2, help="first register of the OUT total (default 2)"
    )
    group.add_argument(
        "--width", type=int, choices=(16, 32), default=32, help="bits per total (default 32)"
    )
    group.add_argument(
        "--word-order",
        choices=("big", "little"),
        default="big",
        help="32-bit totals: high word first (big, default) or low word first (little)",
    )


def run_modbus_sim(args: argparse.Namespace) -> int:
    """Run the simulator until end of input; 0, or 2 for a bad option or script."""
    if getattr(args, "replay", None) is not None:
        print(
            "kiosk: --replay needs a counter that talks by itself; a Modbus counter only "
            "answers the kiosk's requests (use --script)",
            file=sys.stderr,
        )
        return 2
    from devices.sim.modbus_console import parse_script, run_console, run_script
    from devices.sim.modbus_counter import CounterLayout, ModbusCounterSimulator
    from devices.sim.script import ScriptError

    try:
        layout = CounterLayout(
            unit=args.unit,
            register_type=args.register_type,
            in_register=args.in_register,
            out_register=args.out_register,
            width=args.width,
            word_order=args.word_order,
        )
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    steps = []
    if args.script:
        try:
            text = Path(args.script).read_text(encoding="utf-8", errors="replace")
            steps = parse_script(text, str(args.script))
        except OSError as exc:
            print(
                f"kiosk: cannot read the script {args.script}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
        except ScriptError as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            return 2
    try:
        link = None if args.link is None else str(args.link)
        simulator = ModbusCounterSimulator(layout, link=link, tcp_port=args.tcp)
    except (OSError, RuntimeError) as exc:
        print(f"kiosk: cannot start the Modbus counter simulator: {exc}", file=sys.stderr)
        return 1

    lock = threading.Lock()

    def say(text: str) -> None:
        with lock:
            print(text, flush=True)

    stopping = threading.Event()
    with simulator:
        say(f"Modbus counter simulator ({layout.describe()}) on {simulator.kiosk_path}")
        if simulator.tcp_url is not None:
            say(f"and on {simulator.tcp_url} (network; one connection at a time)")
        say(_config_table(simulator.kiosk_path, layout))
        say("Type in 3, out 1, !help for faults; Ctrl-D ends.")
        script = threading.Thread(
            target=run_script, args=(simulator, steps, say, stopping), name="counter-script"
        )
        script.start()
        try:
            run_console(simulator, sys.stdin, say)
            script.join()
        except KeyboardInterrupt:
            pass
        finally:
            stopping.set()
            with contextlib.suppress(KeyboardInterrupt):
                script.join()
    return 0


def _config_table(path: str, layout: CounterLayout) -> str:
    """The ``[counters.main]`` table that reads this simulator (TOML; the path quoted)."""
    return "\n".join(
        [
            "Read it with this table in the kiosk's config:",
            "  [counters.main]",
            f"  url = {json.dumps(path)}",
            '  protocol = "modbus"',
            f"  unit = {layout.unit}",
            f'  register_type = "{layout.register_type}"',
            f"  in_register = {layout.in_register}",
            f"  out_register = {layout.out_register}",
            f"  width = {layout.width}",
            f'  word_order = "{layout.word_order}"',
        ]
    )
