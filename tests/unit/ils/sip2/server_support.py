"""A served demo library and a raw-socket SIP2 client for the server's tests.

The client speaks through the codec only (``encode``/``FrameReader``/``decode``), so the
tests see exactly the bytes the server sends. The demo library runs on a manual clock:
2026-11-21 09:00 in Jakarta, so due dates are fixed days.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.core.clock import ManualClock
from kiosk.ils.local import LocalIls
from kiosk.ils.sip2 import FrameReader, Message, decode, encode, request
from kiosk.ils.sip2.server import DEMO_PASSWORD, DEMO_USER, LocalLibrary
from kiosk.ils.sip2.server.listener import ServerSettings, Sip2Server

JAKARTA = ZoneInfo("Asia/Jakarta")
START = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 21)
NOW = "20261121    090000"
BLANK = " " * 18
READ_TIMEOUT = 10.0


@dataclass
class Served:
    """The demo library and the server in front of it."""

    ils: LocalIls
    clock: ManualClock
    server: Sip2Server
    slept: list[float]
    """What the server waited, in order (its sleep is injected: failed logins cost none)."""

    def connect(self) -> Client:
        return Client(socket.create_connection((self.server.host, self.server.port), 10))


@contextmanager
def served(
    tmp_path: Path, monotonic: Callable[[], float] | None = None, **settings: object
) -> Iterator[Served]:
    """A demo library on a manual clock served on a free loopback port; stopped after.

    The server's sleep only records (``Served.slept``); ``monotonic`` is the clock of its
    throttled log lines (default: time stands still).
    """
    clock = ManualClock(START)
    ils = LocalIls.open(tmp_path / "demo-library.sqlite3", clock=clock)
    library = LocalLibrary(ils, name="Perpustakaan Uji")
    options: dict[str, object] = {"port": 0, **settings}
    slept: list[float] = []
    server = Sip2Server(
        library,
        ServerSettings(**options),  # type: ignore[arg-type]
        sleep=slept.append,
        monotonic=monotonic or (lambda: 0.0),
    )
    server.start()
    try:
        yield Served(ils, clock, server, slept)
    finally:
        server.stop()
        ils.close()


class Client:
    """A self-check machine's side, on a raw socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(READ_TIMEOUT)
        self.reader = FrameReader()
        self.frames: list[bytes] = []
        self.sequence = 0

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def frame(self) -> bytes:
        """The next frame the server sends (without its terminator)."""
        while not self.frames:
            data = self.sock.recv(4096)
            if not data:
                raise ConnectionError("the server closed the connection")
            self.frames += self.reader.feed(data)
        return self.frames.pop(0)

    def raw(self) -> bytes:
        """The next reply's bytes exactly as sent, terminator included (read unframed)."""
        data = b""
        while not data.endswith(b"\r"):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
        return data

    def closed(self) -> bool:
        """Whether the server closed the connection (waits for it, bounded)."""
        try:
            return self.sock.recv(4096) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def ask(self, message: Message, *, checksum: bool = True, terminator: bytes = b"\r") -> Message:
        """Send ``message`` (with the next AY and a checksum) and decode the reply."""
        self.sequence = (self.sequence + 1) % 10
        sequence = self.sequence if checksum else None
        self.send(encode(message, sequence=sequence, checksum=checksum, terminator=terminator))
        reply = decode(self.frame())
        if checksum:
            assert reply.sequence == sequence
        return reply

    def login(self, user: str = DEMO_USER, password: str = DEMO_PASSWORD) -> Message:
        return self.ask(login(user, password))


def login(user: str = DEMO_USER, password: str = DEMO_PASSWORD) -> Message:
    return request(
        "93",
        [("CN", user), ("CO", password), ("CP", "LOBBY")],
        uid_algorithm="0",
        pwd_algorithm="0",
    )


def status() -> Message:
    return request("99", status_code="0", max_print_width="030", protocol_version="2.00")


def patron_status(card: str, pin: str | None = None) -> Message:
    fields = [("AO", "3171"), ("AA", card), ("AC", "")]
    fields.append(("AD", pin or ""))
    return request("23", fields, language="000", transaction_date=NOW)


def patron_information(
    card: str, pin: str | None, summary: str = "          ", **extra: str
) -> Message:
    fields = [("AO", "3171"), ("AA", card)]
    if pin is not None:
        fields.append(("AD", pin))
    fields += list(extra.items())
    return request("63", fields, language="000", transaction_date=NOW, summary=summary)


def item_information(barcode: str) -> Message:
    return request("17", [("AO", "3171"), ("AB", barcode)], transaction_date=NOW)


def checkout(
    card: str, item: str, *, fee: bool = False, no_block: str = "", pin: str = ""
) -> Message:
    fields = [("AO", "3171"), ("AA", card), ("AB", item), ("AC", "")]
    if pin:
        fields.append(("AD", pin))
    if fee:
        fields.append(("BO", "Y"))
    return request(
        "11",
        fields,
        sc_renewal_policy="N",
        no_block="Y" if no_block else "N",
        transaction_date=NOW,
        nb_due_date=no_block or BLANK,
    )


def checkin(item: str, *, returned: str = "") -> Message:
    return request(
        "09",
        [("AP", "LOBBY"), ("AO", "3171"), ("AB", item), ("AC", "")],
        no_block="Y" if returned else "N",
        transaction_date=NOW,
        return_date=returned or NOW,
    )


def renew(card: str, item: str) -> Message:
    return request(
        "29",
        [("AO", "3171"), ("AA", card), ("AB", item)],
        third_party_allowed="N",
        no_block="N",
        transaction_date=NOW,
        nb_due_date=BLANK,
    )


def renew_all(card: str, pin: str | None = None) -> Message:
    fields = [("AO", "3171"), ("AA", card)]
    if pin is not None:
        fields.append(("AD", pin))
    return request("65", fields, transaction_date=NOW)


def hold(card: str, item: str) -> Message:
    return request(
        "15", [("AO", "3171"), ("AA", card), ("AB", item)], hold_mode="+", transaction_date=NOW
    )


def end_session(card: str) -> Message:
    return request("35", [("AO", "3171"), ("AA", card)], transaction_date=NOW)


def sip_day(day: dt.date) -> str:
    """How the server writes a due date: that day at 23:59:59 local time, blank zone."""
    return day.strftime("%Y%m%d") + "    235959"
