"""SIP2 client overhead: a check-out round trip through the whole client stack, against a raw
socket round trip of the same bytes.

    python bench/sip2_roundtrip.py [--count 2000]

A loopback server answers every check-out request (11) at once with a canned response (12,
already encoded for each sequence number). Measured, each over ``--count`` round trips on
one connection:

* client: ``Sip2Ils.checkout`` (the request built and encoded with its sequence number and
  checksum, sent, the reply framed, checksum-verified, decoded and turned into a Loan) on a
  logged-in ``Sip2Connection`` (its lock, its stale-connection check);
* raw: the same request bytes written with ``sendall`` and the same reply bytes read until
  CR, nothing else.

It prints both (median microseconds per round trip) and their ratio. Target (issue 9): the
client's round trip at most 1.5x the raw one: the client's own work is small next to the
network's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import socket
import statistics
import threading
import time
from zoneinfo import ZoneInfo

from kiosk.ils.sip2.backend import Sip2Ils, Sip2Policy
from kiosk.ils.sip2.codec import encode, request
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options

TARGET_RATIO = 1.5
TZ = ZoneInfo("Asia/Jakarta")
CARD, ITEM = "23171000000010", "33171000000018"


def _replies() -> dict[bytes, bytes]:
    """The canned answer to each request code, per sequence number (the AY digit)."""
    checkout = request(
        "12",
        [("AO", "3171"), ("AA", CARD), ("AB", ITEM), ("AJ", "Laskar Pelangi"),
         ("AH", "20261205    235959")],
        ok="1", renewal_ok="N", magnetic_media="N", desensitize="Y",
        transaction_date="20261121    120000",
    )  # fmt: skip
    status = request(
        "98",
        [("AO", "3171"), ("BX", "Y" * 16)],
        online_status="Y", checkin_ok="Y", checkout_ok="Y", acs_renewal_policy="Y",
        status_update_ok="N", offline_ok="N", timeout_period="030", retries_allowed="003",
        date_time_sync="20261121    120000", protocol_version="2.00",
    )  # fmt: skip
    login = request("94", ok="1")
    out: dict[bytes, bytes] = {}
    for code, message in ((b"11", checkout), (b"99", status), (b"93", login)):
        for sequence in range(10):
            out[code + b"%d" % sequence] = encode(message, sequence=sequence)
    return out


class CannedServer:
    """Answers each request at once with its canned reply (same AY)."""

    def __init__(self) -> None:
        self._replies = _replies()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        buffer = b""
        with contextlib.suppress(OSError), sock:
            while data := sock.recv(65536):
                buffer += data
                while (end := buffer.find(b"\r")) >= 0:
                    frame, buffer = buffer[:end], buffer[end + 1 :]
                    sequence = frame[-7:-6] if frame[-9:-7] == b"AY" else b"0"
                    sock.sendall(self._replies[frame[:2] + sequence])


def _client_round_trips(port: int, count: int) -> list[float]:
    connection = Sip2Connection(
        Sip2Options("127.0.0.1", port, user="kiosk", password="pw", keepalive=0.0)
    )
    ils = Sip2Ils(connection, Sip2Policy(institution="3171"), TZ)
    now = dt.datetime.now(TZ)
    connection.connect()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        answer = ils.checkout(CARD, ITEM, now)
        times.append(time.perf_counter() - start)
        assert answer.loan is not None
    connection.close()
    return times


def _raw_round_trips(port: int, count: int) -> list[float]:
    checkout = request(
        "11",
        [("AO", "3171"), ("AA", CARD), ("AB", ITEM), ("AC", ""), ("BO", "N")],
        sc_renewal_policy="N", no_block="N", transaction_date="20261121    120000",
        nb_due_date="20261205    235959",
    )  # fmt: skip
    frame = encode(checkout, sequence=0)
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    times = []
    with sock:
        for _ in range(count):
            start = time.perf_counter()
            sock.sendall(frame)
            reply = b""
            while not reply.endswith(b"\r"):
                reply += sock.recv(65536)
            times.append(time.perf_counter() - start)
    return times


def roundtrip_figures(count: int = 2000) -> float:
    """Measure and print both round trips and their ratio; return the ratio."""
    server = CannedServer()
    try:
        _raw_round_trips(server.port, count // 10)  # warm up both paths
        _client_round_trips(server.port, count // 10)
        raw = statistics.median(_raw_round_trips(server.port, count)) * 1e6
        client = statistics.median(_client_round_trips(server.port, count)) * 1e6
    finally:
        server.close()
    ratio = client / raw
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"SIP2 check-out round trip, median of {count} on loopback:")
    print(f"  raw socket (same bytes):  {raw:8.1f} us")
    print(f"  full client (Sip2Ils):    {client:8.1f} us")
    print(f"  ratio client/raw:         {ratio:8.2f}  (target <= {TARGET_RATIO:g}: {verdict})")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="round trips per measurement")
    roundtrip_figures(parser.parse_args().count)


if __name__ == "__main__":
    main()
