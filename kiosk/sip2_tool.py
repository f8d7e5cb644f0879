"""``kiosk sip2-client``: a technician's SIP2 transcript, through the kiosk's own client.

Connects with the config's ``[sip2]`` settings (or ``--host``/``--port``), logs in, asks
the status, then optionally a patron (``--patron CARD [--pin PIN]``), an item (``--item``)
and one action (``--checkout``, ``--checkin``, ``--renew``). Every message exchanged is
printed as it went over the wire (``>>>`` sent, ``<<<`` received) with the PIN and the
passwords masked, card numbers to their last 4 digits and names not at all, followed by
what the kiosk makes of it (``=``). Errors are one line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from typing import TextIO
from zoneinfo import ZoneInfo

from kiosk.config import Config, safe


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``sip2-client`` subcommand's arguments."""
    parser = commands.add_parser(
        "sip2-client",
        help="talk to the library system over SIP2 and print the transcript",
        description=(
            "Connect to the library system's SIP2 server with the config's [sip2] settings, "
            "log in, ask its status, then optionally a patron, an item and one action; print "
            "every message exchanged (PIN and passwords masked). The login comes from "
            "[sip2] or KIOSK_SIP2_USER/KIOSK_SIP2_PASSWORD."
        ),
    )
    parser.add_argument("--config", help="TOML config file (default: $KIOSK_CONFIG, else demo)")
    parser.add_argument("--host", help="override [sip2] host")
    parser.add_argument("--port", type=int, help="override [sip2] port")
    parser.add_argument("--patron", metavar="CARD", help="a patron's card number")
    parser.add_argument("--pin", help="the patron's PIN (masked in the transcript)")
    parser.add_argument("--item", metavar="BARCODE", help="an item's barcode")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--checkout", action="store_true", help="lend --item to --patron")
    action.add_argument("--checkin", action="store_true", help="return --item")
    action.add_argument("--renew", action="store_true", help="renew --item for --patron")


def run(args: argparse.Namespace, config: Config, out: TextIO, err: TextIO) -> int:
    """Run the transcript; 0 when every exchange had an answer, 1 otherwise, 2 bad usage."""
    from dataclasses import replace

    from kiosk.bootstrap import sip2_settings
    from kiosk.core.clock import SystemClock
    from kiosk.core.ports import IlsUnavailable
    from kiosk.ils.sip2.backend import Sip2Ils
    from kiosk.ils.sip2.connection import Sip2Connection
    from kiosk.ils.sip2.wire import masked

    if (args.checkout or args.renew) and not (args.patron and args.item):
        print("kiosk sip2-client: --checkout and --renew need --patron and --item", file=err)
        return 2
    if args.checkin and not args.item:
        print("kiosk sip2-client: --checkin needs --item", file=err)
        return 2
    if not getattr(args, "verbose", False):  # the one-line error says it; no log line too
        logging.getLogger("kiosk.ils.sip2").setLevel(logging.ERROR)
    options, policy = sip2_settings(config)
    options = replace(
        options,
        host=args.host or options.host,
        port=args.port or options.port,
        keepalive=0.0,  # one short run: no keep-alive thread
    )

    def trace(way: str, text: str) -> None:
        # The terminal is outside the screen: besides the PIN and passwords, card numbers
        # show their last 4 digits and names, addresses and greetings not at all.
        print(f"{way} {masked(text, log_safe=True)}", file=out, flush=True)

    connection = Sip2Connection(options, trace=trace)
    tz = ZoneInfo(config.kiosk.timezone)
    ils = Sip2Ils(connection, policy, tz, SystemClock())
    now = dt.datetime.now(tz)
    try:
        status = connection.connect()
        online = "on-line" if status.flag("online_status") is not False else "OFF-LINE"
        how = "logged in" if options.user else "connected (no login sent: [sip2] user is empty)"
        print(f"= {options.where}: {how}; the server says it is {online}", file=out)
        if args.patron:
            check = ils.check_patron(args.patron, args.pin or "")
            verdict = "may borrow" if check.ok else f"refused: {check.refusal}"
            print(f"= patron ...{safe(args.patron[-4:])}: {verdict}", file=out)
        if args.item:
            item = ils.item_status(args.item)
            shown = "unknown to the library system" if item is None else (
                f"on loan, due {item.due}" if item.on_loan else "not on loan"
            )  # fmt: skip
            print(f"= item {safe(args.item)}: {shown}", file=out)
        if args.checkout:
            lent = ils.checkout(args.patron, args.item, now)
            said = f"lent, due {lent.loan.due}" if lent.loan else f"refused: {lent.refusal}"
            print(f"= check-out: {said}", file=out)
        if args.checkin:
            back = ils.checkin(args.item, now)
            said = f"returned, to {back.sort}" if back.ok else f"refused: {back.refusal}"
            print(f"= check-in: {said}", file=out)
        if args.renew:
            renewed = ils.renew(args.patron, args.item, now)
            said = f"renewed, due {renewed.due}" if renewed.ok else f"refused: {renewed.refusal}"
            print(f"= renewal: {said}", file=out)
    except IlsUnavailable as error:
        print(f"kiosk sip2-client: {safe(str(error), 600)}", file=err)
        return 1
    finally:
        connection.close()
    return 0
