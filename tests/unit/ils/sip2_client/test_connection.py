"""Sip2Connection over real loopback sockets against a scripted server: login, backoff,
resends (97 and 96), timeouts, stale connections, keep-alive, the resend buffer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from unit.ils.sip2_client.fake_acs import (
    CLOSE,
    SILENT,
    FakeAcs,
    item_reply,
    reply,
    standard,
)

from kiosk.core.ports import IlsUnavailable, IlsUnreachable
from kiosk.ils.sip2.codec import Message, encode, request
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options


class ManualMonotonic:
    """The connection's clock for backoff and idle time, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualMonotonic:
    return ManualMonotonic()


@pytest.fixture
def acs() -> Iterator[FakeAcs]:
    server = FakeAcs()
    yield server
    server.close()


def connect_to(server: FakeAcs, clock: ManualMonotonic, **options: object) -> Sip2Connection:
    settings = {"user": "kiosk", "password": "pw", "keepalive": 0.0, "timeout": 2.0, **options}
    return Sip2Connection(
        Sip2Options(server.host, server.port, **settings),  # type: ignore[arg-type]
        monotonic=clock,
        keepalive_thread=False,  # the tests tick it themselves, with their clock
    )


def item_request(item: str = "33171000000018") -> Message:
    return request(
        "17", [("AO", "3171"), ("AB", item), ("AC", "")], transaction_date="20261121    120000"
    )


def test_login_then_status_then_request(acs: FakeAcs, clock: ManualMonotonic) -> None:
    connection = connect_to(acs, clock)
    answer = connection.request(item_request())
    assert answer.code == "18" and answer.get("AJ") == "Laskar Pelangi"
    assert acs.codes() == ["93", "99", "17"]
    assert acs.received[0].startswith(b"9300CNkiosk|COpw|")
    assert [frame[-9:-7] for frame in acs.received] == [b"AY"] * 3  # sequenced, checksummed
    connection.close()


def test_refused_login_is_unreachable_and_backs_off(clock: ManualMonotonic) -> None:
    def refuse(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "93":
            return reply(request("94", ok="0"), message)
        return standard(message, raw, number)

    server = FakeAcs(refuse)
    connection = connect_to(server, clock, backoff_first=2.0)
    try:
        with pytest.raises(IlsUnreachable, match="refused the login of user 'kiosk'"):
            connection.request(item_request())
        with pytest.raises(IlsUnreachable, match="next try in 2 s"):
            connection.request(item_request())  # in backoff: fails fast, nothing sent
        assert server.connections == 1 and server.codes() == ["93"]
        clock.now += 2.0
        with pytest.raises(IlsUnreachable):
            connection.request(item_request())
        assert server.connections == 2
        clock.now += 2.0  # the backoff doubled: 4 s now
        with pytest.raises(IlsUnreachable, match="next try in 2 s"):
            connection.request(item_request())
    finally:
        connection.close()
        server.close()


def test_connection_refused_is_unreachable(clock: ManualMonotonic) -> None:
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    connection = Sip2Connection(Sip2Options("127.0.0.1", port, keepalive=0), monotonic=clock)
    with pytest.raises(IlsUnreachable, match=f"127.0.0.1:{port} cannot be reached"):
        connection.request(item_request())


def test_bad_checksum_asks_again_bounded(clock: ManualMonotonic) -> None:
    broken = {"count": 0}

    def corrupt(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "17":
            last[0] = message  # a 97 is answered with the reply to it again
        if message.code in ("17", "97"):
            broken["count"] += 1
            good = reply(item_reply(), last[0])
            if broken["count"] > limit[0]:
                return good
            return good[:2] + bytes([good[2] ^ 1]) + good[3:]  # the checksum no longer fits
        return standard(message, raw, number)

    last: list[Message] = [item_request()]
    limit = [2]
    server = FakeAcs(corrupt)
    connection = connect_to(server, clock, resend_limit=3)
    try:
        assert connection.request(item_request()).get("AJ") == "Laskar Pelangi"
        assert server.codes() == ["93", "99", "17", "97", "97"]
        assert server.received[-1] == b"97AZFEF5"
        broken["count"], limit[0] = (
            0,
            100,
        )  # stays broken: given up after 3 resends, the request may be done
        with pytest.raises(IlsUnavailable, match="unreadable after 3 resends"):
            connection.request(item_request())
        assert server.codes()[5:] == ["17", "97", "97", "97"]
    finally:
        connection.close()
        server.close()


def test_96_sends_the_same_request_again(clock: ManualMonotonic) -> None:
    asked = {"17": 0}

    def resend_first(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "17":
            asked["17"] += 1
            if asked["17"] == 1:
                return encode(request("96"), sequence=0, checksum=True)
        return standard(message, raw, number)

    server = FakeAcs(resend_first)
    connection = connect_to(server, clock)
    try:
        assert connection.request(item_request()).code == "18"
        requests = [frame for frame in server.received if frame.startswith(b"17")]
        assert len(requests) == 2 and requests[0] == requests[1]  # the same bytes, same AY
    finally:
        connection.close()
        server.close()


def test_resend_buffer_is_cleared_after_each_reply(acs: FakeAcs, clock: ManualMonotonic) -> None:
    connection = connect_to(acs, clock)
    connection.request(item_request())
    assert connection._sent == bytearray()  # the frame (with a PIN, maybe) is not kept
    connection.close()


def test_no_answer_in_time_drops_the_connection(clock: ManualMonotonic) -> None:
    def silent_once(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "17" and number == 1:
            return SILENT
        return standard(message, raw, number)

    server = FakeAcs(silent_once)
    connection = connect_to(server, clock, timeout=1.0)
    try:
        with pytest.raises(IlsUnavailable, match="did not answer 17 within 1 s"):
            connection.request(item_request())
        assert connection.request(item_request()).code == "18"  # a new connection
        assert server.connections == 2
    finally:
        connection.close()
        server.close()


def test_dropped_while_waiting_is_unavailable(clock: ManualMonotonic) -> None:
    server = FakeAcs(lambda m, raw, n: CLOSE if m.code == "17" else standard(m, raw, n))
    connection = connect_to(server, clock)
    try:
        with pytest.raises(IlsUnavailable, match="may have been done") as lost:
            connection.request(item_request())
        assert not isinstance(lost.value, IlsUnreachable)
    finally:
        connection.close()
        server.close()


def test_a_connection_closed_while_idle_is_replaced_before_sending(
    acs: FakeAcs, clock: ManualMonotonic
) -> None:
    connection = connect_to(acs, clock)
    connection.request(item_request())
    acs.close_clients()  # the server's idle timeout
    for _ in range(200):  # until the client's socket sees the close
        if connection._stale():
            break
        threading.Event().wait(0.01)
    assert connection.request(item_request()).code == "18"
    assert acs.codes() == ["93", "99", "17", "93", "99", "17"]
    connection.close()


def test_keepalive_sends_status_only_when_idle(acs: FakeAcs, clock: ManualMonotonic) -> None:
    connection = connect_to(acs, clock, keepalive=30.0)
    connection.connect()
    connection.keepalive_tick()
    assert acs.codes() == ["93", "99"]
    clock.now += 29.0
    connection.keepalive_tick()
    assert acs.codes() == ["93", "99"]
    clock.now += 1.0
    connection.keepalive_tick()
    assert acs.codes() == ["93", "99", "99"]
    connection.close()


def test_keepalive_reconnects_after_a_drop(acs: FakeAcs, clock: ManualMonotonic) -> None:
    connection = connect_to(acs, clock, keepalive=30.0)
    connection.connect()
    acs.close_clients()
    clock.now += 30.0
    for _ in range(200):
        connection.keepalive_tick()  # finds it stale, logs in again
        if acs.connections == 2 and connection.status is not None:
            break
        threading.Event().wait(0.01)
    assert acs.connections == 2
    assert acs.codes()[-2:] == ["93", "99"]
    connection.close()


def test_supports_reads_the_status_bx(clock: ManualMonotonic) -> None:
    def no_item_info(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "99":
            status = standard(message, raw, number)
            return status.replace(b"BXYYYYYYYYYYYYYYYY", b"BX" + b"Y" * 10 + b"N" + b"Y" * 5)
        return standard(message, raw, number)

    server = FakeAcs(no_item_info)
    connection = connect_to(server, clock, checksums=False)
    try:
        connection.connect()
        assert not connection.supports("17") and connection.supports("11")
    finally:
        connection.close()
        server.close()


def test_keepalive_thread_keeps_an_idle_connection_alive(acs: FakeAcs) -> None:
    connection = Sip2Connection(
        Sip2Options(acs.host, acs.port, user="kiosk", password="pw", keepalive=0.2)
    )
    connection.connect()
    try:
        for _ in range(1000):  # until the daemon thread has sent a status of its own
            if acs.codes().count("99") >= 2:
                break
            threading.Event().wait(0.01)
        assert acs.codes()[:3] == ["93", "99", "99"]
        assert acs.connections == 1
    finally:
        connection.close()


def test_close_does_not_wait_for_a_hung_request(clock: ManualMonotonic) -> None:
    """The kiosk stops within its grace: closing cuts a request that waits for an answer
    (here the server never answers and the timeout is a minute)."""
    server = FakeAcs(lambda m, raw, n: SILENT if m.code == "17" else standard(m, raw, n))
    connection = connect_to(server, clock, timeout=60.0)
    connection.connect()
    outcome: list[BaseException] = []

    def hung() -> None:
        try:
            connection.request(item_request())
        except IlsUnavailable as err:
            outcome.append(err)

    worker = threading.Thread(target=hung, daemon=True)
    worker.start()
    for _ in range(500):
        if "17" in server.codes():
            break
        threading.Event().wait(0.01)
    closer = threading.Thread(target=connection.close, daemon=True)
    closer.start()
    closer.join(timeout=10)  # far less than the request's own 60 s timeout
    worker.join(timeout=10)
    try:
        assert not closer.is_alive() and not worker.is_alive()
        assert outcome and not isinstance(outcome[0], IlsUnreachable)
        with pytest.raises(IlsUnreachable, match="closed"):
            connection.request(item_request())
    finally:
        server.close()


def test_a_request_behind_a_stuck_one_gives_up_unsent(clock: ManualMonotonic) -> None:
    """Attack trial: a second check-out queued behind one stuck on a dripping server was
    sent minutes later, after its patron had been told it failed. It now waits at most the
    request timeout for the connection, then fails unsent (IlsUnreachable)."""
    server = FakeAcs()
    connection = connect_to(server, clock, timeout=0.2)
    try:
        connection.connect()
        assert connection._lock.acquire(timeout=5)  # a request in flight on another thread
        outcome: list[BaseException | Message] = []

        def second() -> None:
            try:
                outcome.append(connection.request(item_request()))
            except IlsUnavailable as err:
                outcome.append(err)

        waiting = threading.Thread(target=second, daemon=True)
        waiting.start()
        waiting.join(5)  # far longer than its 0.2 s timeout
        finished = not waiting.is_alive()
        connection._lock.release()
        waiting.join(5)
        assert finished, "the second request was still waiting for the connection"
        assert isinstance(outcome[0], IlsUnreachable) and "busy" in str(outcome[0])
        assert "17" not in server.codes()  # never sent
        assert connection.request(item_request()).code == "18"  # free again: sent at once
    finally:
        connection.close()
        server.close()


def test_a_dripping_reply_ends_at_its_deadline() -> None:
    """Attack trial: a reply sent one byte at a time never let the receive timeout end a
    wait, so one request held the connection for minutes. The whole reply has one
    deadline: the read fails (TimeoutError) long before the drip would have finished."""
    from kiosk.ils.sip2.reader import ReplyReader, os_timeouts

    reply_bytes = encode(
        request("98", [("AO", "3171"), ("BX", "Y" * 16), ("AF", "x" * 400)],
                online_status="Y", checkin_ok="Y", checkout_ok="Y", acs_renewal_policy="Y",
                status_update_ok="N", offline_ok="N", timeout_period="030",
                retries_allowed="003", date_time_sync="20261121    120000",
                protocol_version="2.00"),
        sequence=0,
    )  # fmt: skip
    ours, theirs = socket.socketpair()
    os_timeouts(ours, 0.05)
    stop = threading.Event()

    def drip() -> None:
        for byte in reply_bytes:
            if stop.wait(0.01):
                return
            theirs.send(bytes([byte]))

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        with pytest.raises(TimeoutError, match="too slowly"):
            ReplyReader(ours, encoding="utf-8", verify=True).read(timeout=0.3)
    finally:
        stop.set()
        dripper.join(5)
        ours.close()
        theirs.close()
