"""The technician screen, through the real kiosk (``bootstrap.build``) and its worker.

GIVEN a kiosk whose config has a staff PIN (``[technician] pin_hash``) and a staff card,
WHEN staff open the screen with the card or Ctrl+Alt+T (``vm.open_technician``, what the
app's key handler calls) and type the PIN, THEN they see the devices, the last frames of
the real scanner (over ``sim://``), the library system and the outbox, refreshed by the
kiosk's own ticks; the three tests work; wrong PINs lock it; and the staff card never
reaches the library system as a patron's card.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flows.harness import FlowKiosk

from devices import codabar
from devices.sim import get_printer, get_scanner
from kiosk import config as config_module
from kiosk.core.ports import IlsUnreachable
from kiosk.core.staff import hash_pin

STAFF_PIN = "246810"
PIN_HASH = hash_pin(STAFF_PIN, salt=b"technician-tests")
STAFF_CARD = codabar.make(2, 3171, 99_000_001)  # a number the ILS would take for a patron's
SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
LASKAR = "33171000000018"
TECH_LOG = "kiosk.core"


def make_config(**technician: Any) -> config_module.Config:
    settings = {"pin_hash": PIN_HASH, "staff_cards": [STAFF_CARD], **technician}
    return config_module.from_mapping(
        {"ils": {"backend": "local"}, "technician": settings, "printer": {"url": ""}}, None
    )


class CountingIls:
    """The demo library, remembering every card it was asked about; unreachable on demand."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.cards: list[str] = []
        self.down = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def identify_patron(self, barcode: str) -> Any:
        self.cards.append(barcode)
        if self.down:
            raise IlsUnreachable("connection refused by 192.0.2.7:6001")
        return self._inner.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> Any:
        self.cards.append(barcode)
        if self.down:
            raise IlsUnreachable("connection refused by 192.0.2.7:6001")
        return self._inner.check_patron(barcode, pin)


@pytest.fixture
def counting() -> list[CountingIls]:
    return []


@pytest.fixture
def kiosk(tmp_path: Path, counting: list[CountingIls]) -> Iterator[FlowKiosk]:
    def wrap(ils: Any) -> Any:
        counting.append(CountingIls(ils))
        return counting[0]

    kiosk = FlowKiosk(tmp_path, config=make_config(), wrap_ils=wrap)
    yield kiosk
    kiosk.close()


def rows(kiosk: FlowKiosk, section: str) -> list[str]:
    """Each row of a section as the screen reads it: label, title, details."""
    return [
        " | ".join(part for part in (row["label"], row["title"], row["detail"]) if part)
        for row in kiosk.vm.state_rows[section]
    ]


def refresh(kiosk: FlowKiosk) -> None:
    """A second of the app's ticks, and the snapshot they asked for."""
    kiosk.wait(1.0)
    kiosk.settle()


def until(kiosk: FlowKiosk, done: Callable[[], bool], what: str) -> None:
    """Apply what device threads post until ``done`` (a bound on real time, not a measure)."""
    give_up = time.monotonic() + 10
    while not done():
        assert time.monotonic() < give_up, f"never happened: {what}"
        kiosk.driver.drain()
        time.sleep(0.02)


def open_with_card(kiosk: FlowKiosk, pin: str = STAFF_PIN) -> None:
    kiosk.scan(STAFF_CARD)
    assert kiosk.vm.screen == "technician.staff_pin"
    kiosk.type(pin)


def test_a_staff_card_opens_the_screen_and_never_reaches_the_library_system(
    kiosk: FlowKiosk, counting: list[CountingIls], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    open_with_card(kiosk)
    assert kiosk.vm.screen == "technician.status"
    assert kiosk.vm.texts["technician.title"] == "Layar teknisi"
    kiosk.settle()  # the first snapshot, asked for as the screen opened
    devices = rows(kiosk, "devices")
    assert devices[0] == "Pemindai serial: tidak dipasang (hanya pemindai papan ketik)"
    assert "Printer struk: tidak dipasang" in devices
    assert "Penghitung pengunjung: tidak dipasang" in devices
    system = rows(kiosk, "system")
    assert system[0].startswith("Sistem perpustakaan: tersambung | Jenis sambungan: local")
    assert "Laporan yang menunggu dikirim ke pusat: 0" in system[1]
    kiosk.vm.act("close")
    assert kiosk.vm.screen == "idle"
    opened = f"technician screen opened (staff card ending {STAFF_CARD[-4:]}, then the staff PIN)"
    assert opened in caplog.text and "technician screen closed" in caplog.text
    assert STAFF_CARD not in caplog.text and STAFF_PIN not in caplog.text
    # On a patron's card step the staff card is not a card either; the ILS never saw it.
    kiosk.vm.choose("borrow")
    kiosk.scan(STAFF_CARD)
    assert kiosk.vm.screen == "borrow.card"
    assert kiosk.vm.notice_text != ""
    assert counting[0].cards == []


def test_a_staff_card_is_never_lent_or_returned_as_an_item(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    assert kiosk.vm.screen == "borrow.scanning"
    kiosk.scan(STAFF_CARD)
    assert kiosk.session.lines == []
    assert kiosk.vm.notice_text == kiosk.vm.t("notice.not_an_item")
    kiosk.vm.cancel()
    kiosk.vm.choose("return")
    kiosk.scan(STAFF_CARD)
    assert kiosk.session.lines == []
    assert kiosk.vm.notice_text == kiosk.vm.t("notice.not_an_item")
    assert kiosk.store.pending_outbox() == []  # no refusal of a "book" was recorded either


def test_ctrl_alt_t_opens_the_staff_pin_in_english(kiosk: FlowKiosk) -> None:
    kiosk.vm.language = "en"
    kiosk.vm.open_technician()
    assert kiosk.vm.screen == "technician.staff_pin"
    assert kiosk.vm.input_mode == "pin"
    kiosk.type(STAFF_PIN)
    assert kiosk.vm.screen == "technician.status"
    kiosk.settle()
    assert rows(kiosk, "devices")[0] == "Serial scanner: none configured (keyboard-wedge only)"


def test_the_key_combination_does_nothing_outside_the_attract_screen(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.vm.open_technician()
    assert kiosk.vm.screen == "borrow.pin"


def test_a_wrong_pin_says_how_many_tries_are_left(kiosk: FlowKiosk) -> None:
    open_with_card(kiosk, "1111")
    assert kiosk.vm.screen == "technician.staff_pin"
    assert kiosk.vm.notice_text == "PIN staf salah. Sisa percobaan sebelum layar terkunci: 2."
    assert kiosk.vm.pin_mask == ""
    kiosk.type(STAFF_PIN)  # the right one still opens it
    assert kiosk.vm.screen == "technician.status"


def test_three_wrong_pins_lock_the_screen_for_minutes(
    kiosk: FlowKiosk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    open_with_card(kiosk, "1111")
    kiosk.type("2222")
    kiosk.type("3333")
    assert kiosk.vm.screen == "error"
    assert kiosk.vm.error_text == (
        "Layar teknisi terkunci karena PIN staf salah beberapa kali. Coba lagi setelah 5 menit."
    )
    locked = [r.getMessage() for r in caplog.records if "locked for 5 minutes" in r.getMessage()]
    assert len(locked) == 1 and "technician screen" in locked[0]
    kiosk.vm.dismiss()
    # While locked no PIN is asked for: the lock is said at once, by keys or by card.
    kiosk.vm.open_technician()
    kiosk.settle()
    assert kiosk.vm.screen == "error"
    assert kiosk.vm.error_text.startswith("Layar teknisi terkunci")
    kiosk.vm.dismiss()
    kiosk.scan(STAFF_CARD)
    assert kiosk.vm.screen == "error"
    assert kiosk.vm.error_text.startswith("Layar teknisi terkunci")
    kiosk.vm.dismiss()
    kiosk.clock.advance(5 * 60)
    kiosk.vm.open_technician()
    kiosk.type(STAFF_PIN)
    assert kiosk.vm.screen == "technician.status"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for pin in ("1111", "2222", "3333", STAFF_PIN):
        assert pin not in logged


def test_a_one_minute_lock_is_logged_as_one_minute(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    kiosk = FlowKiosk(tmp_path, config=make_config(lock_minutes=1))
    try:
        open_with_card(kiosk, "1111")
        kiosk.type("2222")
        kiosk.type("3333")
        assert kiosk.vm.screen == "error"
    finally:
        kiosk.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "locked for 1 minute;" in logged


def test_without_a_staff_pin_nothing_opens_and_the_log_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk = FlowKiosk(tmp_path)  # the demo config: no [technician] pin_hash
    try:
        assert "technician" not in kiosk.parts.navigation.services
        kiosk.vm.open_technician()
        assert kiosk.vm.screen == "idle"
        [line] = [r.getMessage() for r in caplog.records if "Ctrl+Alt+T" in r.getMessage()]
        assert "no staff PIN is configured" in line and "kiosk staff-pin" in line
    finally:
        kiosk.close()


def test_staff_cards_without_a_staff_pin_are_a_config_error() -> None:
    with pytest.raises(config_module.ConfigError, match=r"\[technician\] staff_cards"):
        config_module.from_mapping({"technician": {"staff_cards": [STAFF_CARD]}}, None)


def test_the_screen_follows_the_scanner_its_frames_and_its_loss(tmp_path: Path) -> None:
    name = f"technician-{tmp_path.name}"
    url = f"sim://scanner/{name}"
    kiosk = FlowKiosk(tmp_path, config=make_config(), scanner_url=url)
    simulator = get_scanner(name)
    try:
        assert kiosk.parts.scanner is not None
        kiosk.parts.scanner.start(wait_for_device=True)
        until(kiosk, lambda: kiosk.session.devices.get("scanner") is not None, "scanner ready")
        kiosk.vm.open_technician()
        kiosk.type(STAFF_PIN)
        kiosk.settle()
        assert rows(kiosk, "devices")[0] == f"Pemindai: siap | {url}"
        assert kiosk.vm.state_rows["frames"] == []
        simulator.send(SUTRISNO)
        simulator.send_noise()
        until(kiosk, lambda: len(kiosk.parts.diagnostics.snapshot().frames) == 2, "two frames")
        refresh(kiosk)
        frames = rows(kiosk, "frames")
        assert frames[0].startswith("Gangguan sinyal | ")
        assert frames[1].startswith("Kartu anggota | **********0010 | Pukul ")
        assert SUTRISNO not in " ".join(frames)
        # The patron's card scanned on the status screen starts nothing.
        assert kiosk.vm.screen == "technician.status"
        simulator.unplug()
        until(kiosk, lambda: not kiosk.session.devices["scanner"].ready, "scanner lost")
        refresh(kiosk)
        scanner = rows(kiosk, "devices")[0]
        assert scanner.startswith(f"Pemindai: tidak tersedia | {url} | Keterangan: ")
        assert "unplugged" in scanner
    finally:
        simulator.replug()
        kiosk.close()


def test_test_scan_shows_the_next_scan_raw_and_classified(kiosk: FlowKiosk) -> None:
    kiosk.vm.language = "en"
    open_with_card(kiosk)
    kiosk.scan(LASKAR)
    assert kiosk.vm.state_texts["result"] == "Press Test scan first to see a scan here."
    kiosk.vm.act("test_scan")
    assert kiosk.vm.state_texts["result"].startswith("Scan one code now")
    kiosk.scan(LASKAR)
    assert kiosk.vm.state_texts["result"] == f"Test scan: “{LASKAR}” is an item (a book)."
    kiosk.vm.act("test_scan")
    kiosk.scan(STAFF_CARD)
    assert kiosk.vm.state_texts["result"] == f"Test scan: “{STAFF_CARD}” is a staff card."
    kiosk.vm.act("test_scan")
    kiosk.wedge("12345678")  # a keyboard-wedge scanner, anything it reads
    assert kiosk.vm.state_texts["result"].startswith("Test scan: “12345678” is not a code")
    assert kiosk.vm.screen == "technician.status"  # nothing was started by any of them


def test_test_voice_speaks_in_the_screen_language(kiosk: FlowKiosk) -> None:
    speech = kiosk.parts.speech
    open_with_card(kiosk)
    kiosk.vm.language = "en"
    speech.clear()  # type: ignore[attr-defined]
    kiosk.vm.act("test_voice")
    kiosk.settle()
    assert "This is the library kiosk's voice test." in " ".join(speech.texts())  # type: ignore[attr-defined]
    assert kiosk.vm.state_texts["result"].startswith("Test voice: speech works.")


def test_test_print_prints_through_the_printer_and_shows_its_line(tmp_path: Path) -> None:
    name = f"technician-{tmp_path.name}"
    cfg = config_module.from_mapping(
        {
            "ils": {"backend": "local"},
            "technician": {"pin_hash": PIN_HASH},
            "printer": {"url": f"sim://printer/{name}"},
        },
        None,
    )
    kiosk = FlowKiosk(tmp_path, config=cfg)
    try:
        kiosk.vm.language = "en"
        kiosk.vm.open_technician()
        kiosk.type(STAFF_PIN)
        kiosk.settle()
        assert rows(kiosk, "devices")[1] == (
            f"Receipt printer: nothing printed since the kiosk started | sim://printer/{name}"
        )
        kiosk.vm.act("test_print")
        kiosk.settle()
        assert kiosk.vm.state_texts["result"] == (
            "Test print: the test receipt came out of the printer."
        )
        [receipt] = get_printer(name).wait_for_receipts(1)
        assert "Test receipt" in receipt.texts
        assert "The kiosk's receipt printer works." in receipt.texts
        refresh(kiosk)
        assert rows(kiosk, "devices")[1].startswith("Receipt printer: the last print came out")
    finally:
        kiosk.close()


def test_the_outbox_and_an_unreachable_library_system_are_shown(
    kiosk: FlowKiosk, counting: list[CountingIls]
) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(LASKAR)  # a loan: its report waits in the outbox
    kiosk.session.end()
    counting[0].down = True
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)  # the ILS cannot be reached (let in offline: seen online)
    kiosk.session.end()
    open_with_card(kiosk)
    kiosk.vm.language = "en"
    kiosk.settle()
    [ils, store] = rows(kiosk, "system")
    assert ils.startswith("Library system: not connected (offline mode) | Connection: local")
    assert "Last failure at " in ils and "connection refused by 192.0.2.7:6001" in ils
    assert "Reports waiting to be sent to central: " in store
    assert "Reports waiting to be sent to central: 0" not in store


def test_idle_timeout_closes_the_screen_and_forgets_it(kiosk: FlowKiosk) -> None:
    open_with_card(kiosk)
    kiosk.settle()
    assert kiosk.session.service_data
    kiosk.wait(kiosk.parts.config.session.idle_timeout + 30)
    kiosk.settle()
    assert kiosk.vm.screen == "idle"
    assert kiosk.session.service_data == {}
    assert kiosk.vm.state_rows["devices"] == []


def test_refreshing_does_not_keep_the_screen_open(kiosk: FlowKiosk) -> None:
    """Snapshots arrive every second, yet the idle warning comes as it does for patrons."""
    open_with_card(kiosk)
    for _ in range(10):
        refresh(kiosk)
    assert kiosk.vm.screen == "technician.status"
    kiosk.wait(kiosk.parts.config.session.idle_timeout - 10 - kiosk.parts.config.session.warning)
    assert kiosk.vm.warning_text != ""


def test_the_screen_shows_each_counters_people_and_its_own_totals(tmp_path: Path) -> None:
    from devices.sim.counter import LineCounterSimulator
    from devices.sim.links import TcpLink

    with LineCounterSimulator(TcpLink, mode="push", counter_id="gate1") as sim:
        config = config_module.from_mapping(
            {
                "ils": {"backend": "local"},
                "printer": {"url": ""},
                "technician": {"pin_hash": PIN_HASH},
                "counters": {"gate1": {"url": sim.url, "mode": "push"}},
            },
            None,
        )
        kiosk = FlowKiosk(tmp_path, config=config)
        try:
            for counter in kiosk.parts.counters:
                counter.start(wait_for_device=True)
            board = kiosk.parts.counter_board
            until(kiosk, lambda: board.snapshot()[0].total_in == 0, "first reading")
            sim.cross("in", 3)
            sim.cross("out", 1)
            until(kiosk, lambda: board.snapshot()[0].total_out == 1, "crossings")
            kiosk.vm.language = "en"
            kiosk.vm.open_technician()
            kiosk.type(STAFF_PIN)
            kiosk.settle()
            refresh(kiosk)
            assert rows(kiosk, "devices")[2] == (
                "Visitor counter: ready | gate1 | In 3, out 1 since the kiosk started\n"
                "The counter itself reports IN 3, OUT 1"
            )
        finally:
            kiosk.close()
