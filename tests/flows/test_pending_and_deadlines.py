"""While the library system works, and when it never answers.

GIVEN the kiosk from ``bootstrap.build`` with the real demo library behind a gate that
holds each call until the test opens it, WHEN the patron waits, presses Finish, or a card
is scanned while a PIN check is in flight, THEN the screen shows the spinner and keeps
Finish disabled; WHEN a call never answers, THEN the patron is told within the ILS
deadline, the next patron can log in, and the late answer changes nothing.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from kiosk.core.model import CheckoutAnswer, PatronCheck
from kiosk.core.ports import IlsBackend

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
SITI, SITI_PIN = "23171000000028", "2468"
LASKAR_PELANGI, LITTLE_PRINCE = "33171000000018", "33171000000067"
DEADLINE = 8.0  # the configured default


class GatedIls:
    """The real demo library; while ``holding``, each call waits until :meth:`release`."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.holding = True
        self.entered: queue.Queue[str] = queue.Queue()
        self._gate = threading.Event()

    def release(self) -> None:
        self._gate.set()

    def _wait(self, call: str) -> None:
        if self.holding:
            self.entered.put(call)
            assert self._gate.wait(30), "the test never released the call"

    def identify_patron(self, barcode: str) -> PatronCheck:
        self._wait("identify_patron")
        return self.real.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        self._wait("check_patron")
        return self.real.check_patron(barcode, pin)

    def checkout(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> CheckoutAnswer:
        self._wait("checkout")
        return self.real.checkout(patron_barcode, item_barcode, now)

    def close(self) -> None:
        self.real.close()  # type: ignore[attr-defined]


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[tuple[FlowKiosk, GatedIls]]:
    wrappers: list[GatedIls] = []

    def wrap(real: IlsBackend) -> IlsBackend:
        wrappers.append(GatedIls(real))
        return wrappers[0]

    kiosk = FlowKiosk(tmp_path, wrap_ils=wrap)
    yield kiosk, wrappers[0]
    wrappers[0].release()
    kiosk.close()


def type_without_waiting(kiosk: FlowKiosk, text: str) -> None:
    for char in text:
        kiosk.vm.type_char(char)
    kiosk.vm.submit()


def log_in_then_hold(kiosk: FlowKiosk, ils: GatedIls) -> None:
    """Sutrisno logs in with the library answering at once; later calls are held."""
    ils.holding = False
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    ils.holding = True


def wait_for_late_answer(kiosk: FlowKiosk) -> None:
    """Apply the posts of a call that already timed out, once its answer has arrived."""
    give_up = time.monotonic() + 10
    while kiosk.driver.drain() == 0:
        assert time.monotonic() < give_up, "the late answer never arrived"
        time.sleep(0.01)


def test_pin_check_in_flight_shows_spinner_and_ignores_another_card(
    gated: tuple[FlowKiosk, GatedIls],
) -> None:
    kiosk, ils = gated
    vm = kiosk.vm
    kiosk.scan(SUTRISNO)
    type_without_waiting(kiosk, SUTRISNO_PIN)
    assert ils.entered.get(timeout=5) == "check_patron"  # the worker is inside the call
    assert vm.screen == "borrow.pin" and vm.busy and not vm.show_spinner

    kiosk.wait(0.5)  # longer than the spinner's delay
    assert vm.show_spinner and vm.busy

    vm.scan(SITI)  # somebody else's card while Sutrisno's PIN is being checked
    assert vm.state_texts["card"] == "Kartu berakhiran 0010"

    ils.release()
    kiosk.settle()
    assert vm.screen == "borrow.scanning"
    assert vm.state_texts["greeting"] == "Halo, Sutrisno"
    assert not vm.busy and not vm.show_spinner


def test_finish_waits_while_a_checkout_is_in_flight(gated: tuple[FlowKiosk, GatedIls]) -> None:
    kiosk, ils = gated
    vm = kiosk.vm
    log_in_then_hold(kiosk, ils)

    vm.scan(LASKAR_PELANGI)
    assert ils.entered.get(timeout=5) == "checkout"
    kiosk.wait(0.5)
    assert [(line["title"], line["detail"]) for line in vm.lines] == [
        ("Barcode 33171000000018", "Memeriksa…")
    ]
    assert vm.show_spinner and not vm.can_finish
    vm.finish()  # pressed anyway (a keyboard can): nothing happens until the answer
    assert vm.screen == "borrow.scanning"

    ils.release()
    kiosk.settle()
    assert vm.can_finish and not vm.show_spinner
    assert vm.lines[0]["detail"] == "Kembalikan paling lambat 5 Desember 2026"
    vm.finish()
    assert vm.screen == "borrow.summary"


def test_an_ils_that_never_answers(gated: tuple[FlowKiosk, GatedIls]) -> None:
    kiosk, ils = gated
    vm = kiosk.vm
    kiosk.scan(SUTRISNO)
    type_without_waiting(kiosk, SUTRISNO_PIN)
    assert ils.entered.get(timeout=5) == "check_patron"

    kiosk.wait(DEADLINE - 0.5)
    assert vm.screen == "borrow.pin" and vm.show_spinner
    kiosk.wait(0.5)  # the deadline passes
    assert vm.screen == "error"
    assert vm.error_text == (
        "Sistem perpustakaan lambat menjawab. "
        "Silakan coba lagi sebentar lagi, atau pinjam di meja layanan."
    )
    assert not vm.busy

    kiosk.wait(15)  # the error screen's own timeout still runs
    assert vm.screen == "idle" and vm.error_text == ""

    # The next patron: the library system answers new calls (the first is still hung).
    ils.holding = False
    kiosk.scan(SITI)
    kiosk.type(SITI_PIN)
    assert vm.screen == "borrow.scanning"
    assert vm.state_texts["greeting"] == "Halo, Siti Nurhaliza"
    kiosk.scan(LITTLE_PRINCE)
    shown = list(vm.lines)

    ils.release()  # Sutrisno's answer finally comes back
    wait_for_late_answer(kiosk)
    assert vm.screen == "borrow.scanning"
    assert vm.state_texts["greeting"] == "Halo, Siti Nurhaliza"
    assert vm.lines == shown and not vm.busy


def test_a_checkout_past_its_deadline_is_refused_and_the_session_goes_on(
    gated: tuple[FlowKiosk, GatedIls],
) -> None:
    kiosk, ils = gated
    vm = kiosk.vm
    log_in_then_hold(kiosk, ils)
    vm.scan(LASKAR_PELANGI)
    assert ils.entered.get(timeout=5) == "checkout"

    kiosk.wait(DEADLINE)
    [line] = vm.lines
    assert line["status"] == "refused"
    assert line["detail"].startswith("Sistem perpustakaan lambat menjawab")
    assert vm.screen == "borrow.scanning" and vm.can_finish

    ils.holding = False
    kiosk.scan(LITTLE_PRINCE)  # answered by a fresh worker thread
    assert vm.lines[1]["detail"] == "Kembalikan paling lambat 5 Desember 2026"
