"""SerialReader with a recording protocol, over loop:// and the in-process sim:// port.

``loop://`` is pyserial's loopback: what is written becomes readable. ``sim://`` can be
unplugged and replugged. Everything that happens is put on one queue, in order, and the
tests wait on that queue with a timeout; nothing sleeps.
"""

from __future__ import annotations

import itertools
import logging
import queue
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from devices import sim
from devices.events import DeviceLost, DeviceReady, DeviceStatus
from devices.serial_reader import Backoff, DeviceUnavailable, SerialReader

WAIT = 5.0
QUICK = Backoff(0.02, 0.1)
_names = itertools.count()


class Recorder:
    """Everything the reader does, in order: protocol calls and status reports."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[object, str, object]] = queue.Queue()
        self.protocols: list[Recording] = []

    def factory(self) -> Recording:
        protocol = Recording(self.queue)
        self.protocols.append(protocol)
        return protocol

    def status(self, status: DeviceStatus) -> None:
        self.queue.put(("reader", "status", status))

    def next(self) -> tuple[object, str, object]:
        try:
            return self.queue.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"nothing happened within {WAIT} s")

    def data(self, size: int) -> bytes:
        """Collect ``size`` bytes of data_received, whatever the chunking."""
        data = b""
        while len(data) < size:
            _, what, value = self.next()
            assert what == "data", (what, value)
            assert isinstance(value, bytes)
            data += value
        return data


class Recording:
    """A ByteProtocol that reports each call on the recorder's queue."""

    def __init__(self, events: queue.Queue[tuple[object, str, object]]) -> None:
        self.events = events

    def connection_made(self, reader: SerialReader) -> None:
        self.events.put((self, "made", reader))

    def data_received(self, data: bytes) -> None:
        self.events.put((self, "data", data))

    def connection_lost(self, exc: BaseException | None) -> None:
        self.events.put((self, "lost", exc))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def loop(recorder: Recorder) -> Iterator[SerialReader]:
    reader = SerialReader("loop://", recorder.factory, recorder.status, backoff=QUICK)
    reader.start()
    assert recorder.next() == (recorder.protocols[0], "made", reader)
    assert recorder.next() == ("reader", "status", DeviceReady("loop://"))
    yield reader
    reader.stop()


@pytest.fixture
def sim_url() -> str:
    return f"sim://scanner/reader-{next(_names)}"


def simulator_of(url: str) -> sim.SimulatedScanner:
    return sim.get_scanner(url.rsplit("/", 1)[1])


def thread_of(reader: SerialReader) -> threading.Thread:
    return next(t for t in threading.enumerate() if t.name == f"serial-reader:{reader.url}")


# -- Backoff ----------------------------------------------------------------------


def test_default_backoff_doubles_up_to_eight_seconds() -> None:
    assert list(itertools.islice(Backoff().delays(), 7)) == [0.5, 1, 2, 4, 8, 8, 8]


def test_backoff_is_capped_and_restartable() -> None:
    backoff = Backoff(0.02, 0.1)
    assert list(itertools.islice(backoff.delays(), 5)) == [0.02, 0.04, 0.08, 0.1, 0.1]
    assert next(backoff.delays()) == 0.02
    assert list(itertools.islice(Backoff(1, 3, factor=1.5).delays(), 4)) == [1, 1.5, 2.25, 3]
    assert list(itertools.islice(Backoff(2, 2, factor=1).delays(), 3)) == [2, 2, 2]


@pytest.mark.parametrize(("initial", "maximum", "factor"), [(0, 1, 2), (2, 1, 2), (1, 2, 0.5)])
def test_backoff_refuses_settings_that_spin_or_shrink(
    initial: float, maximum: float, factor: float
) -> None:
    with pytest.raises(ValueError):
        Backoff(initial, maximum, factor)


# -- loop:// ---------------------------------------------------------------------


def test_written_bytes_arrive_in_data_received(loop: SerialReader, recorder: Recorder) -> None:
    assert loop.connected
    assert loop.write(b"hello, ") == 7
    assert loop.write(bytes(range(256))) == 256
    assert recorder.data(263) == b"hello, " + bytes(range(256))
    assert len(recorder.protocols) == 1


def test_the_thread_is_a_daemon_named_after_the_device(loop: SerialReader) -> None:
    thread = thread_of(loop)
    assert thread.daemon
    assert loop.running


def test_stop_ends_the_connection_and_a_restart_gets_a_fresh_protocol(
    loop: SerialReader, recorder: Recorder
) -> None:
    first = recorder.protocols[0]
    loop.stop()
    assert recorder.next() == (first, "lost", None)
    assert not loop.running
    assert not loop.connected
    loop.stop()  # idempotent

    loop.start()
    second = recorder.protocols[1]
    assert second is not first
    assert recorder.next() == (second, "made", loop)
    assert recorder.next() == ("reader", "status", DeviceReady("loop://"))
    loop.write(b"again")
    assert recorder.data(5) == b"again"
    assert recorder.queue.empty()  # nothing went to the old protocol


def test_write_when_not_connected_says_what_to_check(recorder: Recorder) -> None:
    reader = SerialReader("loop://", recorder.factory, recorder.status)
    for _ in range(2):  # before start, and after stop
        with pytest.raises(DeviceUnavailable) as caught:
            reader.write(b"x")
        message = str(caught.value)
        assert "loop://" in message
        assert "plugged in" in message
        reader.start()
        reader.stop()


def test_starting_twice_is_an_error(loop: SerialReader) -> None:
    with pytest.raises(RuntimeError, match="already started"):
        loop.start()
    assert loop.running


def test_failing_callbacks_do_not_kill_the_thread(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    class Flaky(Recording):
        def connection_made(self, reader: SerialReader) -> None:
            super().connection_made(reader)
            raise RuntimeError("bug in connection_made")

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            raise RuntimeError("bug in data_received")

    def on_status(status: DeviceStatus) -> None:
        recorder.status(status)
        raise RuntimeError("bug in on_status")

    reader = SerialReader("loop://", lambda: Flaky(recorder.queue), on_status)
    with caplog.at_level(logging.ERROR, logger="devices.serial_reader"):
        reader.start()
        try:
            assert recorder.next()[1] == "made"
            assert recorder.next() == ("reader", "status", DeviceReady("loop://"))
            reader.write(b"a")
            assert recorder.data(1) == b"a"
            reader.write(b"b")
            assert recorder.data(1) == b"b"
            assert reader.running
        finally:
            reader.stop()
    for bug in ("connection_made", "data_received", "on_status"):
        assert f"bug in {bug}" in caplog.text


def test_a_failing_factory_is_a_lost_device_until_it_works(recorder: Recorder) -> None:
    calls = 0

    def factory() -> Recording:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("cannot make a protocol")
        return recorder.factory()

    reader = SerialReader("loop://", factory, recorder.status, backoff=QUICK)
    reader.start()
    try:
        assert recorder.next() == (
            "reader",
            "status",
            DeviceLost("loop://", "cannot make a protocol"),
        )
        assert recorder.next() == (recorder.protocols[0], "made", reader)
        assert recorder.next() == ("reader", "status", DeviceReady("loop://"))
    finally:
        reader.stop()


def test_stop_from_a_callback_ends_the_thread(recorder: Recorder) -> None:
    reader: SerialReader

    class Stopper(Recording):
        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            reader.stop()

    reader = SerialReader("loop://", lambda: Stopper(recorder.queue), recorder.status)
    reader.start()
    thread = thread_of(reader)
    assert recorder.next()[1] == "made"
    assert recorder.next()[1] == "status"
    reader.write(b"stop")
    protocol, what, data = recorder.next()
    assert what == "data"
    assert isinstance(data, bytes) and b"stop".startswith(data)
    thread.join(WAIT)
    assert not thread.is_alive()
    assert not reader.running
    assert recorder.next() == (protocol, "lost", None)


def test_stop_is_bounded_when_a_callback_blocks(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    release = threading.Event()

    class Stuck(Recording):
        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            release.wait(WAIT)

    reader = SerialReader("loop://", lambda: Stuck(recorder.queue), recorder.status)
    reader.start()
    thread = thread_of(reader)
    try:
        protocol, _, _ = recorder.next()
        assert recorder.next()[1] == "status"
        reader.write(b"x")
        assert recorder.next() == (protocol, "data", b"x")  # now blocked in the callback
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="devices.serial_reader"):
            reader.stop(timeout=0.2)
        assert time.monotonic() - started < 0.2 + 1.0
        assert "did not end within 0.2 s" in caplog.text
        assert recorder.next() == (protocol, "lost", None)  # called by stop() itself
        assert not reader.connected
    finally:
        release.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert recorder.queue.empty()  # connection_lost was not called twice


# -- sim:// : unplug, replug, write errors -----------------------------------------


def test_a_reconnect_gets_a_fresh_protocol_and_one_device_lost(
    sim_url: str, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    simulator = simulator_of(sim_url)
    unplugged = f"{sim_url} was unplugged"
    reader = SerialReader(sim_url, recorder.factory, recorder.status, backoff=QUICK)
    with caplog.at_level(logging.DEBUG, logger="devices.serial_reader"):
        reader.start()
        try:
            first = recorder.protocols[0]
            assert recorder.next() == (first, "made", reader)
            assert recorder.next() == ("reader", "status", DeviceReady(sim_url))
            simulator.send_raw(b"before")
            assert recorder.data(6) == b"before"

            simulator.unplug()
            protocol, what, exc = recorder.next()
            assert (protocol, what) == (first, "lost")
            assert isinstance(exc, OSError)
            assert recorder.next() == ("reader", "status", DeviceLost(sim_url, unplugged))
            assert not reader.connected

            simulator.replug()
            # The next thing after the loss is the reconnection, not a second DeviceLost.
            second, what, value = recorder.next()
            assert (what, value) == ("made", reader)
            assert second is not first
            assert recorder.next() == ("reader", "status", DeviceReady(sim_url))
            simulator.send_raw(b"after")
            assert recorder.data(5) == b"after"
        finally:
            reader.stop()
    assert recorder.next() == (second, "lost", None)
    records = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert records.count(("WARNING", f"{sim_url} lost: {unplugged}; reconnecting")) == 1
    assert records.count(("INFO", f"{sim_url} ready")) == 2


def test_a_write_error_closes_the_port_and_reconnects(sim_url: str, recorder: Recorder) -> None:
    simulator = simulator_of(sim_url)
    release = threading.Event()

    class Busy(Recording):
        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            release.wait(WAIT)  # keep the reader from noticing the unplug itself

    def factory() -> Recording:
        protocol = Busy(recorder.queue)
        recorder.protocols.append(protocol)
        return protocol

    reader = SerialReader(sim_url, factory, recorder.status, backoff=QUICK)
    reader.start()
    try:
        first = recorder.protocols[0]
        assert recorder.next()[1:] == ("made", reader)
        assert recorder.next()[2] == DeviceReady(sim_url)
        assert reader.write(b"config") == 6
        assert simulator.received == b"config"

        simulator.send_raw(b"x")
        assert recorder.next() == (first, "data", b"x")  # the reader is busy now
        simulator.unplug()
        with pytest.raises(DeviceUnavailable, match=r"writing to .* failed .*unplugged"):
            reader.write(b"more")
        assert not reader.connected
        with pytest.raises(DeviceUnavailable, match="not connected"):
            reader.write(b"more")
        release.set()

        protocol, what, exc = recorder.next()
        assert (protocol, what) == (first, "lost")
        assert isinstance(exc, OSError)
        assert recorder.next()[2] == DeviceLost(sim_url, str(exc))

        simulator.replug()
        assert recorder.next()[1:] == ("made", reader)
        assert recorder.next()[2] == DeviceReady(sim_url)
        assert reader.write(b"again") == 5
        assert simulator.received == b"configagain"
    finally:
        release.set()
        reader.stop()


def test_stop_interrupts_the_wait_between_attempts(sim_url: str, recorder: Recorder) -> None:
    simulator_of(sim_url).unplug()
    reader = SerialReader(sim_url, recorder.factory, recorder.status, backoff=Backoff(60, 60))
    reader.start(wait_for_device=True)
    assert recorder.next()[2] == DeviceLost(sim_url, f"could not open {sim_url}: unplugged")
    started = time.monotonic()
    reader.stop(timeout=WAIT)
    assert time.monotonic() - started < 1.0
    assert not reader.running
    assert recorder.protocols == []


@pytest.mark.parametrize("scheme", ["socket", "rfc2217"])
def test_a_network_device_that_cannot_be_opened_says_to_check_its_address(
    recorder: Recorder, scheme: str
) -> None:
    """No dialout group or cable to check for a URL on the network: the address is."""
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    reader = SerialReader(f"{scheme}://127.0.0.1:{port}", recorder.factory, recorder.status)
    with pytest.raises(DeviceUnavailable) as caught:
        reader.start(wait_for_device=False)
    message = str(caught.value)
    assert message.endswith("check that the device (or its simulator) listens at that address")
    assert "dialout" not in message
