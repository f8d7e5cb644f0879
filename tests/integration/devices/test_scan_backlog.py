"""The kiosk's scanner hand-over is bounded without losing scans (bootstrap._scanner).

A real reader on a pty floods scans at the pty's full rate while the "UI" does not drain:
the queue stops at SCAN_BACKLOG (the reader waits, bytes wait in the pty), and once the UI
drains again every scan arrives, once, in order.
"""

from __future__ import annotations

import threading
import time

from devices import codabar
from devices.sim import PtyScannerSimulator
from kiosk import bootstrap, config
from kiosk.core.events import BarcodeScanned, DeviceChanged, Event

WAIT = 10.0


class StalledDriver:
    """The two things the scanner's hand-over uses of a SessionDriver: post and backlog.
    Nothing is drained until the test says so (a UI thread that is stuck)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.posted: list[Event] = []
        self.drained = 0
        self.peak = 0

    def post(self, event: Event) -> None:
        with self.lock:
            self.posted.append(event)
            self.peak = max(self.peak, self.backlog)

    @property
    def backlog(self) -> int:
        return len(self.posted) - self.drained

    def drain(self) -> None:
        with self.lock:
            self.drained = len(self.posted)


def test_a_flood_waits_at_the_bound_and_nothing_is_lost() -> None:
    codes = [codabar.make(3, 3171, serial) for serial in range(1, bootstrap.SCAN_BACKLOG + 200)]
    driver = StalledDriver()
    with PtyScannerSimulator() as simulator:
        reader = bootstrap._scanner(simulator.port_path, config.defaults(), driver)  # type: ignore[arg-type]
        reader.start()
        try:
            sender = threading.Thread(target=lambda: [simulator.send(c) for c in codes])
            sender.start()
            give_up = time.monotonic() + WAIT
            while driver.backlog < bootstrap.SCAN_BACKLOG and time.monotonic() < give_up:
                time.sleep(0.01)
            time.sleep(0.2)  # the reader keeps reading? it must not post more
            assert driver.backlog == bootstrap.SCAN_BACKLOG
            while time.monotonic() < give_up:  # the UI comes back
                driver.drain()
                scans = [e for e in driver.posted if isinstance(e, BarcodeScanned)]
                if len(scans) == len(codes):
                    break
                time.sleep(0.005)
            sender.join(WAIT)
        finally:
            reader.stop()
    scans = [e.text for e in driver.posted if isinstance(e, BarcodeScanned)]
    assert scans == ["]F0" + code for code in codes]
    assert driver.peak <= bootstrap.SCAN_BACKLOG
    assert isinstance(driver.posted[0], DeviceChanged)
