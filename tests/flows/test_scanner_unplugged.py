"""A serial scanner unplugged in the middle of a session, through the real kiosk.

The kiosk is ``bootstrap.build``'s; the scanner is the real reader (``bootstrap._scanner``,
as ``kiosk run`` makes it) on a pseudo-terminal behind a stable link. What is asserted is
what the patron sees and hears: the top bar's mark on screens that take a number, the
voice saying so once each way, and nothing typed or shown lost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from accessibility.speech.output import RecordingSpeech, Utterance
from devices.serial_reader import SerialReader
from devices.sim import PtyScannerSimulator
from kiosk import bootstrap
from kiosk import config as config_module
from kiosk.core.diagnostics import FrameLog, Verdict

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
LASKAR, LITTLE_PRINCE = "33171000000018", "33171000000067"
WAIT = 5.0


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.speech = RecordingSpeech()
        config = config_module.from_mapping({"ils": {"backend": "local"}}, None)
        self.kiosk = FlowKiosk(tmp_path / "data", config=config, speech=self.speech)
        self.sim = PtyScannerSimulator(link=tmp_path / "kiosk-scanner")
        self.frames = FrameLog()  # what the technician screen would show
        self.reader: SerialReader = bootstrap._scanner(
            self.sim.port_path, config, self.kiosk.driver, self.frames
        )
        self.reader.start(wait_for_device=True)

    def until(self, ready: bool) -> None:
        """Apply what the reader posts until the scanner is (not) ready; bounded."""
        give_up = time.monotonic() + WAIT
        while time.monotonic() < give_up:
            self.kiosk.driver.drain()
            state = self.kiosk.session.devices.get("scanner")
            if state is not None and state.ready is ready:
                return
            time.sleep(0.01)
        pytest.fail(f"the scanner did not become {'ready' if ready else 'lost'}")

    def scan(self, code: str) -> None:
        """The patron scans with the serial scanner; the kiosk applies it and answers."""
        count = len(self.kiosk.session.lines)
        self.sim.send(code)
        give_up = time.monotonic() + WAIT
        while len(self.kiosk.session.lines) == count and time.monotonic() < give_up:
            self.kiosk.driver.drain()
            time.sleep(0.01)
        self.kiosk.settle()

    def said(self) -> list[str]:
        return [e.text for e in self.speech.events if isinstance(e, Utterance)]

    def close(self) -> None:
        self.reader.stop()
        self.sim.close()
        self.kiosk.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path)
    yield made
    made.close()


def test_unplugged_scanner_is_shown_and_said_once_and_typing_goes_on(rig: Rig) -> None:
    k, vm = rig.kiosk, rig.kiosk.vm
    rig.until(ready=True)
    assert not vm.scanner_mark
    vm.start_voice()
    k.scan(SUTRISNO)
    k.type(SUTRISNO_PIN)
    assert vm.screen == "borrow.scanning"
    rig.scan(LASKAR)
    assert [line.barcode for line in k.session.lines] == [LASKAR]
    for char in LITTLE_PRINCE[:6]:  # the patron starts typing the next book's number
        k.clock.advance(0.2)
        vm.type_char(char)
    rig.speech.clear()

    rig.sim.unplug()
    rig.until(ready=False)
    assert vm.scanner_mark
    assert vm.texts["common.scanner_unavailable"] == "Pemindai tidak tersedia, ketik nomornya"
    assert vm.entry_text == LITTLE_PRINCE[:6]  # nothing typed is lost
    assert [line.barcode for line in k.session.lines] == [LASKAR]  # nor any result shown
    lost = "Pemindai kode batang tidak tersedia. Ketik nomor kartu atau buku, lalu tekan Enter."
    assert rig.said() == [lost]
    k.wait(3)  # ticks refresh the screen: said once, not at every refresh
    assert rig.said() == [lost]

    k.type(LITTLE_PRINCE[6:])  # finishes the number by hand and presses Enter
    assert [line.barcode for line in k.session.lines] == [LASKAR, LITTLE_PRINCE]
    assert k.session.lines[-1].status.value == "done"

    rig.speech.clear()
    rig.sim.replug()
    rig.until(ready=True)
    assert not vm.scanner_mark
    assert rig.said() == ["Pemindai kode batang tersedia lagi."]
    assert vm.screen == "borrow.scanning"  # the same session goes on


def test_voice_turned_on_after_the_unplug_says_the_loss_once_then_the_return(rig: Rig) -> None:
    k, vm = rig.kiosk, rig.kiosk.vm
    lost = "Pemindai kode batang tidak tersedia. Ketik nomor kartu atau buku, lalu tekan Enter."
    back = "Pemindai kode batang tersedia lagi."
    rig.until(ready=True)
    rig.sim.unplug()
    rig.until(ready=False)
    assert rig.said() == []  # voice mode off: nothing said
    vm.start_voice()  # a blind patron arrives at the attract screen ("... scan your card")
    assert rig.said().count(lost) == 1, rig.said()
    k.scan(SUTRISNO)  # typed by the patron's wedge or keys: the next screen is spoken
    k.wait(3)
    assert rig.said().count(lost) == 1, rig.said()  # once, not at every screen
    rig.speech.clear()
    rig.sim.replug()
    rig.until(ready=True)
    assert rig.said() == [back]


def test_line_noise_is_not_shown_or_said_to_the_patron_but_a_bad_barcode_is(rig: Rig) -> None:
    k, vm = rig.kiosk, rig.kiosk.vm
    rig.until(ready=True)
    vm.start_voice()
    k.scan(SUTRISNO)
    k.type(SUTRISNO_PIN)
    assert vm.screen == "borrow.scanning"
    rig.scan(LASKAR)
    rig.speech.clear()
    rig.sim.send_noise(12)  # nobody scanned: a noisy cable
    give_up = time.monotonic() + WAIT
    while len(rig.frames.frames()) < 2 and time.monotonic() < give_up:
        time.sleep(0.01)
    assert rig.frames.frames()[0].verdict is Verdict.NOISE  # the technician sees it
    rig.sim.unplug()  # the reader posts in order: whatever the noise posted comes first
    rig.until(ready=False)
    assert [line.barcode for line in k.session.lines] == [LASKAR]
    assert vm.notice_text == ""
    assert not any("dikenali" in text for text in rig.said()), rig.said()

    rig.sim.replug()
    rig.until(ready=True)
    rig.sim.send(LITTLE_PRINCE[:-1] + "0")  # a real book barcode with a wrong check digit
    give_up = time.monotonic() + WAIT
    while not vm.notice_text and time.monotonic() < give_up:
        k.driver.drain()
        time.sleep(0.01)
    assert "tidak dikenali" in vm.notice_text


def test_the_mark_is_only_on_screens_that_take_a_number_and_silent_without_voice(
    rig: Rig,
) -> None:
    k, vm = rig.kiosk, rig.kiosk.vm
    rig.until(ready=True)
    rig.sim.unplug()
    rig.until(ready=False)
    assert vm.scanner_lost and vm.scanner_mark  # the attract screen takes a card
    k.scan(SUTRISNO)
    assert vm.screen == "borrow.pin"
    assert vm.scanner_lost and not vm.scanner_mark  # the PIN screen takes no number
    vm.language = "en"
    vm.refresh()
    assert vm.texts["common.scanner_unavailable"] == "Scanner unavailable, type the number"
    assert rig.said() == []  # voice mode off: nothing said
