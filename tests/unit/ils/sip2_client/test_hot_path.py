"""What the connection still does on every request after being made faster (bench/sip2.py):
the dead-connection check sees bytes nobody asked for, and nothing is masked for a trace
that is off."""

from __future__ import annotations

import threading

import pytest
from unit.ils.sip2_client.fake_acs import FakeAcs, item_reply, reply

from kiosk.ils.sip2 import connection as connection_module
from kiosk.ils.sip2 import reader as reader_module
from kiosk.ils.sip2.codec import Message, request
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options
from kiosk.ils.sip2.reader import Trace


def item_request() -> Message:
    return request(
        "17", [("AO", "3171"), ("AB", "33171000000018"), ("AC", "")],
        transaction_date="20261121    120000",
    )  # fmt: skip


def connect_to(server: FakeAcs, trace: Trace | None = None) -> Sip2Connection:
    return Sip2Connection(
        Sip2Options(server.host, server.port, user="kiosk", password="pw", keepalive=0.0),
        trace=trace,
        keepalive_thread=False,
    )


def test_bytes_nobody_asked_for_replace_the_connection_before_the_next_request() -> None:
    server = FakeAcs()
    connection = connect_to(server)
    try:
        connection.request(item_request())
        # A late reply the client never asked for, arriving while the connection is idle.
        stray = reply(item_reply("39999999999999"), item_request())
        server._open[0].sendall(stray)
        for _ in range(200):  # until the client's socket holds it
            if connection._stale():
                break
            threading.Event().wait(0.01)
        answer = connection.request(item_request())
        assert answer.get("AB") == "33171000000018"  # not the stray reply
        assert server.connections == 2
    finally:
        connection.close()
        server.close()


@pytest.mark.parametrize("tracing", [False, True])
def test_frames_are_masked_only_for_a_trace(tracing: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    masked_calls: list[bytes | str] = []

    def counting_masked(frame: bytes | str, *, log_safe: bool = False) -> str:
        masked_calls.append(frame)
        return "masked"

    monkeypatch.setattr(connection_module, "masked", counting_masked)
    monkeypatch.setattr(reader_module, "masked", counting_masked)
    lines: list[tuple[str, str]] = []
    server = FakeAcs()
    connection = connect_to(
        server, (lambda way, text: lines.append((way, text))) if tracing else None
    )
    try:
        connection.request(item_request())
    finally:
        connection.close()
        server.close()
    # 93, 99 and 17 sent; 94, 98 and 18 received.
    assert len(masked_calls) == (6 if tracing else 0)
    assert len(lines) == (6 if tracing else 0)
