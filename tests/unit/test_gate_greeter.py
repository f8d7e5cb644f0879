"""The gate's member card scan: what is stored, what is spoken, what is logged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from accessibility.speech.output import RecordingSpeech, Utterance
from devices.scanner import BadScan, BarcodeRead
from kiosk import config
from kiosk.core.clock import ManualClock
from kiosk.core.model import Patron, PatronCheck, Refusal
from kiosk.core.ports import IlsUnreachable
from kiosk.core.visits import Visit, VisitKind, VisitRecorded, VisitSource
from kiosk.gate.greeter import Greeter, GreeterTexts, Greeting
from kiosk.storage.db import open_store
from kiosk.storage.visits import SqlVisitLog, visitor_key

MEMBER = "23171000000010"  # the demo library's Codabar patron cards: 2..., valid check digit
OTHER = "23171000000028"
ITEM = "33171000000011"
LIBRARY = "Perpustakaan Kota"


class Visits:
    """The gate's real visit log (SqlVisitLog on a SQLite file), and what it stored."""

    def __init__(self, folder: Path, window_minutes: int = 240) -> None:
        self.path = folder / "kiosk.sqlite3"
        self.engine = open_store(self.path)
        policy = dataclasses.replace(
            config.defaults().guestbook, repeat_window_minutes=window_minutes
        )
        self.log = SqlVisitLog(self.engine, "gate-1", policy, b"k" * 32)
        self.key = b"k" * 32

    def record_visit(self, visit: Visit, at: dt.datetime) -> VisitRecorded:
        return self.log.record_visit(visit, at)

    def purge_names(self, now: dt.datetime) -> int:
        return self.log.purge_names(now)

    def stored(self) -> list[tuple[str, str, str | None]]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, source, visitor_key FROM visits")).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def member(self, card: str) -> tuple[str, str, str]:
        key = visitor_key(self.key, Visit(VisitKind.MEMBER, VisitSource.GATE, card=card))
        return ("member", "gate", key)

    def break_writes(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TRIGGER full BEFORE INSERT ON visits "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
            )


class Library:
    """identify_patron by card; ``delay`` seconds of the clock pass while it looks."""

    def __init__(self, clock: ManualClock, delay: float = 0.0, down: bool = False) -> None:
        self.clock, self.delay, self.down = clock, delay, down
        self.asked: list[str] = []
        self.answered = threading.Event()

    def identify_patron(self, barcode: str) -> PatronCheck:
        self.asked.append(barcode)
        try:
            self.clock.advance(self.delay)
            if self.down:
                raise IlsUnreachable("SIP2 at 10.0.0.2:6001 did not answer within 5 s")
            if barcode == MEMBER:
                return PatronCheck(Patron(barcode, "Siti Rahayu"))
            return PatronCheck(None, Refusal.UNKNOWN_CARD)
        finally:
            self.answered.set()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def visits(tmp_path: Path) -> Iterator[Visits]:
    made = Visits(tmp_path)
    yield made
    made.engine.dispose()


def _greeter(
    clock: ManualClock, visits: Visits, speech: RecordingSpeech, **kwargs: object
) -> Greeter:
    return Greeter(
        visits=visits,
        speech=speech,
        texts=GreeterTexts.for_library(LIBRARY, "id"),
        clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def closing() -> Iterator[list[Greeter]]:
    made: list[Greeter] = []
    yield made
    for greeter in made:
        greeter.close()


def test_a_member_is_stored_as_a_gate_visit_and_welcomed(
    clock: ManualClock, visits: Visits
) -> None:
    speech = RecordingSpeech()
    greeter = _greeter(clock, visits, speech)
    assert greeter.handle(BarcodeRead(MEMBER)) is Greeting.WELCOME
    assert visits.stored() == [visits.member(MEMBER)]
    assert MEMBER.encode() not in visits.path.read_bytes()
    assert speech.events == [RecordingSpeech.INTERRUPT, greeter.utterances()[0]]
    assert speech.texts() == ["Selamat datang di Perpustakaan Kota."]


def test_again_within_the_window_is_welcomed_back_and_not_stored_twice(
    clock: ManualClock, tmp_path: Path
) -> None:
    visits, speech = Visits(tmp_path, window_minutes=60), RecordingSpeech()
    greeter = _greeter(clock, visits, speech)
    greeter.handle(BarcodeRead(MEMBER))
    clock.advance(30 * 60)
    assert greeter.handle(BarcodeRead(MEMBER)) is Greeting.WELCOME_BACK
    clock.advance(31 * 60)
    assert greeter.handle(BarcodeRead(MEMBER)) is Greeting.WELCOME
    assert visits.stored() == [visits.member(MEMBER)] * 2
    assert speech.texts() == [
        "Selamat datang di Perpustakaan Kota.",
        "Selamat datang kembali.",
        "Selamat datang di Perpustakaan Kota.",
    ]


def test_english_library_greets_in_english(clock: ManualClock, visits: Visits) -> None:
    speech = RecordingSpeech()
    greeter = Greeter(
        visits=visits, speech=speech, texts=GreeterTexts.for_library("City Library", "en"),
        clock=clock,
    )  # fmt: skip
    greeter.handle(BarcodeRead(MEMBER))
    greeter.handle(BarcodeRead(MEMBER))
    assert speech.texts() == ["Welcome to City Library.", "Welcome back."]
    assert {u.language for u in greeter.utterances()} == {"en"}


def test_the_fixed_greetings_are_prerenderable_and_not_personal(
    clock: ManualClock, visits: Visits
) -> None:
    greeter = _greeter(clock, visits, RecordingSpeech())
    utterances = greeter.utterances()
    assert [u.text for u in utterances] == [
        "Selamat datang di Perpustakaan Kota.",
        "Selamat datang kembali.",
    ]
    assert not any(u.personal for u in utterances)


@pytest.mark.parametrize(
    "event",
    [
        BarcodeRead(ITEM),  # an item
        BarcodeRead("23171000000011"),  # a patron number with a wrong check digit
        BarcodeRead("9789793062792", "ean13"),  # an ISBN
        BadScan("\x02\x7f@@", "line noise"),
    ],
)
def test_items_and_noise_are_neither_stored_nor_greeted_and_logged_masked(
    clock: ManualClock,
    event: BarcodeRead | BadScan,
    caplog: pytest.LogCaptureFixture,
    visits: Visits,
) -> None:
    speech = RecordingSpeech()
    greeter = _greeter(clock, visits, speech)
    with caplog.at_level(logging.DEBUG, logger="kiosk.gate"):
        assert greeter.handle(event) is None
    assert visits.stored() == [] and speech.events == []
    assert len(caplog.records) == 1 and caplog.records[0].levelno == logging.DEBUG
    if isinstance(event, BarcodeRead):
        assert event.code not in caplog.text and event.code[-4:] in caplog.text


def test_a_staff_card_is_neither_stored_nor_greeted(clock: ManualClock, visits: Visits) -> None:
    speech = RecordingSpeech()
    greeter = _greeter(clock, visits, speech, staff_cards=(OTHER,))
    assert greeter.handle(BarcodeRead(OTHER)) is None
    assert visits.stored() == [] and speech.events == []


def test_a_store_failure_still_greets_with_one_masked_line(
    clock: ManualClock, caplog: pytest.LogCaptureFixture, visits: Visits
) -> None:
    speech = RecordingSpeech()
    visits.break_writes()
    greeter = _greeter(clock, visits, speech)
    with caplog.at_level(logging.DEBUG, logger="kiosk.gate"):
        assert greeter.handle(BarcodeRead(MEMBER)) is Greeting.WELCOME
    assert speech.texts() == ["Selamat datang di Perpustakaan Kota."]
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "\n" not in record.getMessage()
    assert "disk is full" in record.getMessage()
    assert MEMBER not in caplog.text and "0010" in caplog.text


def test_the_name_follows_when_the_library_answers_in_time(
    clock: ManualClock, closing: list[Greeter], caplog: pytest.LogCaptureFixture, visits: Visits
) -> None:
    speech, library = RecordingSpeech(), Library(clock, delay=0.2)
    greeter = _greeter(clock, visits, speech, patrons=library)
    closing.append(greeter)
    with caplog.at_level(logging.DEBUG):
        greeter.handle(BarcodeRead(MEMBER))
        assert library.answered.wait(5)
        greeter.close()
        _settle(greeter)
    assert speech.texts() == ["Selamat datang di Perpustakaan Kota.", "Halo, Siti Rahayu."]
    name = speech.events[-1]
    assert isinstance(name, Utterance) and name.personal
    assert "Siti" not in caplog.text and "Rahayu" not in caplog.text and MEMBER not in caplog.text


@pytest.mark.parametrize(
    "library",
    [
        lambda clock: Library(clock, delay=1.6),  # past the deadline (1.5 s)
        lambda clock: Library(clock, down=True),  # unreachable
    ],
    ids=["late", "unreachable"],
)
def test_a_late_or_missing_name_leaves_the_fixed_greeting_alone(
    clock: ManualClock,
    closing: list[Greeter],
    library: object,
    caplog: pytest.LogCaptureFixture,
    visits: Visits,
) -> None:
    speech = RecordingSpeech()
    patrons = library(clock)  # type: ignore[operator]
    greeter = _greeter(clock, visits, speech, patrons=patrons)
    closing.append(greeter)
    with caplog.at_level(logging.DEBUG):
        greeter.handle(BarcodeRead(MEMBER))
        assert patrons.answered.wait(5)
        _settle(greeter)
    assert speech.texts() == ["Selamat datang di Perpustakaan Kota."]
    assert MEMBER not in caplog.text and "\n" not in caplog.text.strip()


def test_an_unknown_card_is_greeted_without_a_name(
    clock: ManualClock, closing: list[Greeter], visits: Visits
) -> None:
    speech, library = RecordingSpeech(), Library(clock)
    greeter = _greeter(clock, visits, speech, patrons=library)
    closing.append(greeter)
    greeter.handle(BarcodeRead(OTHER))
    assert library.answered.wait(5)
    _settle(greeter)
    assert speech.texts() == ["Selamat datang di Perpustakaan Kota."]


def _settle(greeter: Greeter) -> None:
    """Wait for the name lookups' callbacks (they run on the lookup threads)."""
    lookups = greeter._lookups
    if lookups is not None:
        lookups.shutdown(wait=True)


def test_a_name_that_comes_after_the_next_member_scanned_is_not_said(
    clock: ManualClock, closing: list[Greeter], visits: Visits
) -> None:
    """Said after the next member's greeting, it would greet the wrong person."""
    release = threading.Event()

    class Slow(Library):
        def identify_patron(self, barcode: str) -> PatronCheck:
            if barcode == MEMBER:
                release.wait(5)
            return super().identify_patron(barcode)

    speech, library = RecordingSpeech(), Slow(clock)
    greeter = _greeter(clock, visits, speech, patrons=library)
    closing.append(greeter)
    greeter.handle(BarcodeRead(MEMBER))  # its lookup waits
    greeter.handle(BarcodeRead(OTHER))  # the next member (unknown to the library)
    release.set()
    _settle(greeter)
    assert speech.texts() == ["Selamat datang di Perpustakaan Kota."] * 2
