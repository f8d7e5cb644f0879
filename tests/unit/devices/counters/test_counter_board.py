"""CounterBoard: what the technician screen reads, fed by driver events on other threads."""

from __future__ import annotations

import threading

from devices.counters.board import CounterBoard, CounterRow
from devices.counters.events import CounterFault, CounterReading
from devices.events import DeviceLost, DeviceReady


def test_rows_follow_readings_status_and_faults() -> None:
    board = CounterBoard(wall_clock=lambda: 1000.0)
    gate = board.handler("gate1", "/dev/kiosk-counter")
    board.handler("door", "sim://beams/door")
    assert board.snapshot() == [CounterRow("door", "sim://beams/door"),
                                CounterRow("gate1", "/dev/kiosk-counter")]  # fmt: skip
    gate(DeviceReady("/dev/kiosk-counter"))
    gate(CounterReading("gate1", "/dev/kiosk-counter", 65535, 9, 0, 0, "first"))
    gate(CounterReading("gate1", "/dev/kiosk-counter", 3, 10, 4, 1, "wrapped"))
    gate(CounterFault("gate1", "/dev/kiosk-counter", "bad checksum *5B, expected *5A; check"))
    row = board.snapshot()[1]
    assert (row.ready, row.total_in, row.total_out, row.entered, row.left) == (True, 3, 10, 4, 1)
    assert row.last_reading_at == 1000.0
    assert row.last_fault.startswith("bad checksum")
    assert row.last_fault_at == 1000.0  # the technician screen says when
    gate(DeviceLost("/dev/kiosk-counter", "[Errno 5] Input/output error"))
    row = board.snapshot()[1]
    assert (row.ready, row.entered, row.last_fault) == (
        False, 4, "lost: [Errno 5] Input/output error"
    )  # fmt: skip


def test_readings_from_many_threads_are_all_counted() -> None:
    board = CounterBoard()
    handlers = [board.handler(f"c{n}", f"sim://{n}") for n in range(4)]

    def feed(handler: object) -> None:
        for _ in range(2000):
            handler(CounterReading("x", "u", 0, 0, 1, 2))  # type: ignore[operator]

    threads = [threading.Thread(target=feed, args=(h,)) for h in handlers for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(r.entered, r.left) for r in board.snapshot()] == [(4000, 8000)] * 4
