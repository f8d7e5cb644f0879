"""Wrong PINs counted per card across sessions: a rescan does not buy more guesses.

GIVEN the kiosk as ``bootstrap.build`` wires it (demo library, local store, ``[security]``
defaults: 5 wrong PINs in 900 s), WHEN a patron (or someone guessing) enters wrong PINs,
gives up, rescans the same card and goes on, THEN after the fifth wrong PIN the card is
refused with the desk message, even with the right PIN, without asking the library
system; the lock survives a restart on the same data folder and ends with the window.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk
from sqlalchemy import event

from kiosk.core.model import CheckoutAnswer, PatronCheck
from kiosk.core.ports import IlsBackend

SUTRISNO, PIN, WRONG = "23171000000010", "1234", "0000"
SITI, SITI_PIN = "23171000000028", "2468"
LOCKED_ID = (
    "Terlalu banyak PIN salah untuk kartu ini. "
    "Silakan datang ke meja layanan perpustakaan untuk memeriksa kartu dan PIN Anda."
)
LOCKED_EN = (
    "Too many wrong PINs have been typed for this card. "
    "Please see the library desk; they can check your card and PIN."
)
TOO_OFTEN_ID = "PIN salah terlalu sering. Silakan hubungi pustakawan."


class CountingIls:
    """The real demo library, counting the PIN checks it is asked for."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.pin_checks = 0

    def identify_patron(self, barcode: str) -> PatronCheck:
        return self.real.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        self.pin_checks += 1
        return self.real.check_patron(barcode, pin)

    def checkout(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> CheckoutAnswer:
        return self.real.checkout(patron_barcode, item_barcode, now)

    def close(self) -> None:
        self.real.close()  # type: ignore[attr-defined]


def counting_kiosk(data_dir: Path) -> tuple[FlowKiosk, CountingIls]:
    wrappers: list[CountingIls] = []

    def wrap(real: IlsBackend) -> IlsBackend:
        wrappers.append(CountingIls(real))
        return wrappers[-1]

    return FlowKiosk(data_dir, wrap_ils=wrap), wrappers[0]


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    yield kiosk
    kiosk.close()


def try_pins(kiosk: FlowKiosk, *pins: str, card: str = SUTRISNO) -> None:
    kiosk.scan(card)
    assert kiosk.vm.screen == "borrow.pin"
    for pin in pins:
        kiosk.type(pin)


def three_wrong_then_ok(kiosk: FlowKiosk) -> None:
    try_pins(kiosk, WRONG, WRONG, WRONG)
    assert (kiosk.vm.screen, kiosk.vm.error_text) == ("error", TOO_OFTEN_ID)
    kiosk.vm.dismiss()
    assert kiosk.vm.screen == "idle"


def test_rescan_does_not_give_fresh_tries(tmp_path: Path) -> None:
    kiosk, ils = counting_kiosk(tmp_path)
    try:
        three_wrong_then_ok(kiosk)
        try_pins(kiosk, WRONG)
        assert kiosk.vm.screen == "borrow.pin"  # the per-session count started again...
        kiosk.type(WRONG)
        # ...but the fifth wrong PIN for this card locks it at this kiosk.
        assert (kiosk.vm.screen, kiosk.vm.error_text) == ("error", LOCKED_ID)
        kiosk.vm.dismiss()

        asked = ils.pin_checks
        try_pins(kiosk, PIN)
        assert (kiosk.vm.screen, kiosk.vm.error_text) == ("error", LOCKED_ID)
        assert ils.pin_checks == asked  # refused by the kiosk without asking the library
        kiosk.vm.toggle_language()
        assert kiosk.vm.error_text == LOCKED_EN
        kiosk.vm.dismiss()

        # Another card is not affected.
        try_pins(kiosk, SITI_PIN, card=SITI)
        assert kiosk.vm.screen == "borrow.scanning"
    finally:
        kiosk.close()


def test_lock_survives_a_restart_on_the_same_data_folder(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path)
    three_wrong_then_ok(kiosk)
    try_pins(kiosk, WRONG, WRONG)
    assert kiosk.vm.error_text == LOCKED_ID
    kiosk.close()

    restarted = FlowKiosk(tmp_path)
    try:
        try_pins(restarted, PIN)
        assert (restarted.vm.screen, restarted.vm.error_text) == ("error", LOCKED_ID)
    finally:
        restarted.close()


def test_failures_before_a_restart_still_count(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path)
    three_wrong_then_ok(kiosk)
    kiosk.close()

    restarted = FlowKiosk(tmp_path)
    try:
        try_pins(restarted, WRONG, WRONG)
        assert restarted.vm.error_text == LOCKED_ID
    finally:
        restarted.close()


def test_lock_ends_after_the_window(kiosk: FlowKiosk) -> None:
    three_wrong_then_ok(kiosk)
    try_pins(kiosk, WRONG, WRONG)
    assert kiosk.vm.error_text == LOCKED_ID
    kiosk.vm.dismiss()

    kiosk.clock.advance(880)  # the first failure is 20 s from expiring: still locked
    try_pins(kiosk, PIN)
    assert kiosk.vm.error_text == LOCKED_ID
    kiosk.vm.dismiss()

    kiosk.clock.advance(30)
    try_pins(kiosk, PIN)
    assert kiosk.vm.screen == "borrow.scanning"
    assert kiosk.vm.state_texts["greeting"] == "Halo, Sutrisno"


def test_a_correct_pin_after_four_wrong_is_accepted(kiosk: FlowKiosk) -> None:
    three_wrong_then_ok(kiosk)
    try_pins(kiosk, WRONG, PIN)
    assert kiosk.vm.screen == "borrow.scanning"


def test_card_numbers_are_stored_only_as_keyed_hashes(kiosk: FlowKiosk, tmp_path: Path) -> None:
    try_pins(kiosk, WRONG, WRONG)
    key = tmp_path / "card-hash.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    with sqlite3.connect(tmp_path / "kiosk.sqlite3") as db:
        rows = db.execute("SELECT card_hash FROM pin_failures").fetchall()
    assert len(rows) == 2 and len({row[0] for row in rows}) == 1
    stored = rows[0][0]
    assert SUTRISNO not in stored and SUTRISNO[-4:] not in stored and len(stored) == 64
    for name in ("kiosk.sqlite3", "kiosk.sqlite3-wal"):
        path = tmp_path / name
        if path.exists():
            assert SUTRISNO.encode() not in path.read_bytes()


def test_tries_left_counts_the_cards_earlier_sessions(kiosk: FlowKiosk) -> None:
    """After 3 wrong PINs and a rescan, one try is left of the card's 5, not 2 of 3."""
    three_wrong_then_ok(kiosk)
    try_pins(kiosk, WRONG)
    assert kiosk.vm.notice_text.startswith("PIN salah. Sisa percobaan: 1.")


def _store_refuses_writes(kiosk: FlowKiosk) -> None:
    """The kiosk's own store file can no longer be written (a full or read-only disk)."""
    engine = kiosk.parts.store

    def read_only(connection: sqlite3.Connection, _record: object) -> None:
        connection.execute("PRAGMA query_only=1")

    event.listen(engine, "connect", read_only)
    engine.dispose()  # every connection from now on is a new, read-only one


def test_a_try_the_kiosk_cannot_count_is_never_answered(kiosk: FlowKiosk) -> None:
    """GIVEN a store that cannot be written WHEN a wrong and then the right PIN are tried
    THEN both get the same "something went wrong" screen: no guess is ever answered
    while the count stands still, so a full disk does not lift the wrong-PIN lock."""
    _store_refuses_writes(kiosk)
    try_pins(kiosk, WRONG)
    wrong = (kiosk.vm.screen, kiosk.vm.error_text)
    kiosk.vm.dismiss()
    try_pins(kiosk, PIN)
    right = (kiosk.vm.screen, kiosk.vm.error_text)
    assert wrong == right
    assert wrong[0] == "error" and wrong[1].startswith("Terjadi gangguan pada kios ini.")
