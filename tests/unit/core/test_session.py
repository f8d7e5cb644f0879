"""The borrow service's table in the session, transition by transition, with a hand-wound clock."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import events as s
from kiosk.core.clock import ManualClock
from kiosk.core.model import (
    BarcodeKind,
    CheckoutAnswer,
    Loan,
    Patron,
    PatronCheck,
    Preferences,
    Refusal,
)
from kiosk.core.navigation import Navigation
from kiosk.core.services import navigation
from kiosk.core.services.borrow import PIN, SCANNING, SUMMARY
from kiosk.core.services.preferences import LoadPreferences, PreferencesLoaded
from kiosk.core.session import LineStatus, Notice, Session, Timeouts, transitions

IDLE, ERROR = Navigation.IDLE, Navigation.ERROR

CARD = "23171000000010"
OTHER_CARD = "23171000000028"
ITEM = "33171000000018"
ITEM_2 = "33171000000026"
PATRON = Patron(barcode=CARD, name="Sutrisno", loans_count=0, loan_limit=5)
TIMEOUTS = Timeouts(idle=60, warning=15, summary=10, error=15)


def classify(text: str) -> tuple[str, BarcodeKind | None]:
    """Like the real classifier, minus check digits: the session must not care how."""
    code = text.strip()
    if len(code) == 14 and code.isdigit():
        return code, {"2": BarcodeKind.PATRON, "3": BarcodeKind.ITEM}.get(code[0])
    return code, None


def loan(item: str = ITEM, title: str = "Laskar Pelangi") -> Loan:
    return Loan(
        patron_barcode=CARD,
        item_barcode=item,
        title=title,
        author="Andrea Hirata",
        due=dt.date(2026, 12, 5),
        checked_out_at=dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC),
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def session(clock: ManualClock) -> Session:
    return Session(clock, classify, navigation(), TIMEOUTS)


def failed(
    command: s.Command, detail: str, failure: s.Failure = s.Failure.UNAVAILABLE
) -> s.CommandFailed:
    return s.CommandFailed(command.session_no, failure, detail, command)


def to_identified(session: Session) -> None:
    session.handle(s.BarcodeScanned(CARD))
    assert session.state == PIN


def to_scanning(session: Session) -> None:
    to_identified(session)
    [command] = session.handle(s.PinEntered("1234"))
    session.handle(s.PatronChecked(command.session_no, PatronCheck(PATRON)))
    assert session.state == SCANNING


def borrow(session: Session, item: str = ITEM) -> None:
    [command] = session.handle(s.BarcodeScanned(item))
    assert isinstance(command, s.Checkout)
    session.handle(s.CheckoutDone(command.session_no, CheckoutAnswer(item, loan=loan(item))))


# ----- IDLE ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "state", "notice"),
    [
        (CARD, PIN, None),
        (f"  {CARD}\n", PIN, None),
        (ITEM, IDLE, "notice.scan_card_first"),
        ("12345", IDLE, "notice.not_a_card"),
        ("", IDLE, "notice.not_a_card"),
    ],
)
def test_idle_scan(session: Session, text: str, state: str, notice: str | None) -> None:
    commands = session.handle(s.BarcodeScanned(text))
    # A card: its saved settings are asked for at once, in the background (not busy).
    assert commands == ([LoadPreferences(session.session_no, CARD)] if state == PIN else [])
    assert not session.busy
    assert session.state == state
    assert (session.notice.key if session.notice else None) == notice


def test_a_cards_saved_settings_are_read_in_the_background(session: Session) -> None:
    """GIVEN a card scanned at the attract screen (its saved settings asked for)
    WHEN the read times out, and then another read's late answer arrives
    THEN the PIN screen never becomes busy or an error, a PIN can be sent meanwhile, and
    an answer for a card no longer on the screen is not applied."""
    (load,) = session.handle(s.BarcodeScanned(CARD))
    assert not session.busy
    assert session.handle(s.PinEntered("1234")) != []  # the PIN check goes out at once
    session.handle(failed(load, "no answer within 8 s", s.Failure.TIMEOUT))
    assert session.state == PIN and session.notice is None and session.busy  # the PIN's

    session.handle(s.CancelPressed())
    (load,) = session.handle(s.BarcodeScanned(CARD))
    (other,) = session.handle(s.BarcodeScanned(OTHER_CARD))  # somebody else steps up
    saved = Preferences("en", "150", "default", voice=True, rate=4, volume=4)
    session.handle(PreferencesLoaded(load.session_no, CARD, saved))
    assert session.preferences is None and session.preferences_saved is None
    session.handle(PreferencesLoaded(other.session_no, OTHER_CARD, saved))
    assert session.preferences == saved and session.preferences_saved is True
    session.end()
    assert session.preferences is None  # forgotten with the patron


@pytest.mark.parametrize(
    "event",
    [
        s.PinEntered("1234"),
        s.FinishPressed(),
        s.CancelPressed(),
        s.OkPressed(),
        s.Activity(),
        s.PatronChecked(0, PatronCheck(PATRON)),
        s.CheckoutDone(0, CheckoutAnswer(ITEM, loan=loan())),
    ],
)
def test_idle_ignores_everything_but_scans(session: Session, event: s.Event) -> None:
    assert session.handle(event) == []
    assert session.state == IDLE
    assert session.patron is None and session.lines == []


def test_idle_notice_fades_after_a_while(session: Session, clock: ManualClock) -> None:
    session.handle(s.BarcodeScanned(ITEM))
    clock.advance(TIMEOUTS.summary - 1)
    session.tick()
    assert session.notice is not None
    clock.advance(2)
    session.tick()
    assert session.notice is None and session.state == IDLE


def test_idle_never_times_out_without_notice(session: Session, clock: ManualClock) -> None:
    clock.advance(10_000)
    session.tick()
    assert session.state == IDLE and session.seconds_left is None


# ----- PATRON_IDENTIFIED ---------------------------------------------------------------------


def test_pin_sends_one_check_with_card_and_pin(session: Session) -> None:
    to_identified(session)
    commands = session.handle(s.PinEntered("1234"))
    assert commands == [s.CheckPatron(session.session_no, CARD, "1234")]
    assert session.busy
    assert "1234" not in repr(commands[0])  # a PIN never reaches a log line via repr
    assert session.handle(s.PinEntered("1234")) == []  # no second check while waiting


def test_empty_pin_asks_for_pin(session: Session) -> None:
    to_identified(session)
    assert session.handle(s.PinEntered("")) == []
    assert session.notice == Notice("notice.pin_empty")


def test_good_pin_starts_scanning(session: Session) -> None:
    to_scanning(session)
    assert session.patron == PATRON
    assert not session.busy


def test_wrong_pin_counts_down_then_errors(session: Session) -> None:
    to_identified(session)
    for attempts_left in (2, 1):
        [command] = session.handle(s.PinEntered("0000"))
        session.handle(s.PatronChecked(command.session_no, PatronCheck(None, Refusal.WRONG_PIN)))
        assert session.state == PIN
        assert session.notice == Notice.of(
            "refusal.wrong_pin", attempts=str(attempts_left)
        ).followed_by(Notice("next.card.wrong_pin"))
    [command] = session.handle(s.PinEntered("0000"))
    session.handle(s.PatronChecked(command.session_no, PatronCheck(None, Refusal.WRONG_PIN)))
    assert session.state == ERROR
    assert session.notice == Notice("refusal.wrong_pin_too_often")


@pytest.mark.parametrize(
    ("refusal", "key"),
    [
        (Refusal.UNKNOWN_PATRON, "refusal.unknown_patron"),
        (Refusal.CARD_EXPIRED, "refusal.card_expired"),
        (Refusal.FINES_OVER_LIMIT, "refusal.fines_over_limit"),
        (Refusal.TOO_MANY_ITEMS, "refusal.too_many_items"),
        (Refusal.PATRON_BLOCKED, "refusal.patron_blocked"),
        (Refusal.NOT_LOANABLE, "refusal.patron_blocked"),  # nonsense from an ILS: still blocked
    ],
)
def test_refused_patron_goes_to_error(session: Session, refusal: Refusal, key: str) -> None:
    to_identified(session)
    [command] = session.handle(s.PinEntered("1234"))
    session.handle(s.PatronChecked(command.session_no, PatronCheck(PATRON, refusal)))
    assert session.state == ERROR
    assert session.notice is not None and session.notice.key == key
    # and what to do next, for the refusal that was shown
    assert session.notice.then == Notice(key.replace("refusal.", "next.card."))


def test_ils_down_while_checking_patron(session: Session) -> None:
    to_identified(session)
    [command] = session.handle(s.PinEntered("1234"))
    session.handle(failed(command, "connection refused"))
    assert session.state == ERROR
    assert session.notice == Notice("refusal.ils_unavailable").followed_by(
        Notice("next.card.ils_unavailable")
    )
    assert not session.busy


def test_new_card_replaces_the_old_one(session: Session) -> None:
    to_identified(session)
    session.handle(s.BarcodeScanned(OTHER_CARD))
    assert session.card == OTHER_CARD and session.state == PIN


def test_item_before_pin_is_refused(session: Session) -> None:
    to_identified(session)
    assert session.handle(s.BarcodeScanned(ITEM)) == []
    assert session.notice == Notice("notice.enter_pin_first")


def test_cancel_on_pin_screen_forgets_the_card(session: Session) -> None:
    to_identified(session)
    session.handle(s.CancelPressed())
    assert session.state == IDLE and session.card is None


def test_pin_screen_times_out(session: Session, clock: ManualClock) -> None:
    to_identified(session)
    clock.advance(TIMEOUTS.idle - TIMEOUTS.warning + 1)
    session.tick()
    assert session.timeout_warning and session.state == PIN
    clock.advance(TIMEOUTS.warning)
    session.tick()
    assert session.state == IDLE and session.card is None


def test_late_answer_for_an_ended_session_is_ignored(session: Session) -> None:
    to_identified(session)
    [command] = session.handle(s.PinEntered("1234"))
    session.handle(s.CancelPressed())
    session.handle(s.BarcodeScanned(OTHER_CARD))
    session.handle(s.PatronChecked(command.session_no, PatronCheck(PATRON)))
    assert session.state == PIN and session.patron is None


# ----- SCANNING ------------------------------------------------------------------------------


def test_item_scan_sends_checkout_and_shows_pending_line(session: Session) -> None:
    to_scanning(session)
    commands = session.handle(s.BarcodeScanned(ITEM))
    assert commands == [s.Checkout(session.session_no, CARD, ITEM)]
    assert [(line.barcode, line.status) for line in session.lines] == [(ITEM, LineStatus.PENDING)]
    assert session.busy and session.seconds_left is None  # no timeout while the ILS works


def test_checkout_done_fills_title_and_due_date(session: Session) -> None:
    to_scanning(session)
    borrow(session)
    [line] = session.lines
    assert line.status is LineStatus.DONE
    assert (line.title, line.due) == ("Laskar Pelangi", dt.date(2026, 12, 5))


def test_refused_item_shows_reason(session: Session) -> None:
    to_scanning(session)
    [command] = session.handle(s.BarcodeScanned(ITEM))
    answer = CheckoutAnswer(ITEM, refusal=Refusal.NOT_LOANABLE, title="Kamus Besar")
    session.handle(s.CheckoutDone(command.session_no, answer))
    [line] = session.lines
    assert (line.status, line.refusal, line.title) == (
        LineStatus.REFUSED,
        Refusal.NOT_LOANABLE,
        "Kamus Besar",
    )


def test_ils_down_during_checkout_marks_only_that_line(session: Session) -> None:
    to_scanning(session)
    borrow(session, ITEM)
    [command] = session.handle(s.BarcodeScanned(ITEM_2))
    session.handle(failed(command, "timeout"))
    assert [(line.status, line.refusal) for line in session.lines] == [
        (LineStatus.DONE, None),
        (LineStatus.REFUSED, Refusal.ILS_UNAVAILABLE),
    ]
    assert session.state == SCANNING


def test_same_item_twice_is_not_sent_twice(session: Session) -> None:
    to_scanning(session)
    borrow(session)
    assert session.handle(s.BarcodeScanned(ITEM)) == []
    assert session.notice == Notice("notice.already_scanned", is_error=False)
    assert len(session.lines) == 1


def test_refused_item_can_be_tried_again(session: Session) -> None:
    to_scanning(session)
    [command] = session.handle(s.BarcodeScanned(ITEM))
    session.handle(failed(command, "timeout"))
    assert session.handle(s.BarcodeScanned(ITEM)) != []
    assert [line.status for line in session.lines] == [LineStatus.PENDING]


@pytest.mark.parametrize(
    ("text", "notice"),
    [(OTHER_CARD, "notice.other_card_during_session"), ("garbage", "notice.not_an_item")],
)
def test_scanning_rejects_cards_and_garbage(session: Session, text: str, notice: str) -> None:
    to_scanning(session)
    assert session.handle(s.BarcodeScanned(text)) == []
    assert session.notice is not None and session.notice.key == notice
    assert session.lines == []


def test_own_card_again_is_harmless(session: Session) -> None:
    to_scanning(session)
    assert session.handle(s.BarcodeScanned(CARD)) == []
    assert session.notice is None and session.state == SCANNING


def test_finish_with_loans_shows_summary(session: Session) -> None:
    to_scanning(session)
    borrow(session)
    session.handle(s.FinishPressed())
    assert session.state == SUMMARY
    assert [line.title for line in session.lines_with(LineStatus.DONE)] == ["Laskar Pelangi"]


def test_finish_without_loans_goes_home(session: Session) -> None:
    to_scanning(session)
    session.handle(s.FinishPressed())
    assert session.state == IDLE and session.patron is None


def test_finish_waits_for_pending_checkouts(session: Session) -> None:
    to_scanning(session)
    [command] = session.handle(s.BarcodeScanned(ITEM))
    session.handle(s.FinishPressed())
    assert session.state == SCANNING
    session.handle(s.CheckoutDone(command.session_no, CheckoutAnswer(ITEM, loan=loan())))
    session.handle(s.FinishPressed())
    assert session.state == SUMMARY


def test_idle_timeout_with_loans_goes_straight_to_the_start_screen(
    session: Session, clock: ManualClock
) -> None:
    """A patron who walked away: the next person must not see their name or titles."""
    to_scanning(session)
    borrow(session)
    clock.advance(TIMEOUTS.idle + 1)
    session.tick()
    assert session.state == IDLE
    assert session.patron is None and session.lines == []
    assert session.texts() == {}


def test_idle_timeout_without_loans_ends_session(session: Session, clock: ManualClock) -> None:
    to_scanning(session)
    clock.advance(TIMEOUTS.idle + 1)
    session.tick()
    assert session.state == IDLE and session.patron is None


def test_activity_postpones_the_timeout(session: Session, clock: ManualClock) -> None:
    to_scanning(session)
    clock.advance(TIMEOUTS.idle - 5)
    session.handle(s.Activity())
    clock.advance(TIMEOUTS.idle - 5)
    session.tick()
    assert session.state == SCANNING
    assert not session.timeout_warning or session.seconds_left == pytest.approx(5)


def test_no_timeout_while_waiting_for_the_ils(session: Session, clock: ManualClock) -> None:
    to_scanning(session)
    session.handle(s.BarcodeScanned(ITEM))
    clock.advance(TIMEOUTS.idle * 10)
    session.tick()
    assert session.state == SCANNING and session.pending == 1


# ----- SUMMARY and ERROR ---------------------------------------------------------------------


def test_summary_times_out_and_forgets_the_patron(session: Session, clock: ManualClock) -> None:
    to_scanning(session)
    borrow(session)
    session.handle(s.FinishPressed())
    clock.advance(TIMEOUTS.summary - 1)
    session.tick()
    assert session.state == SUMMARY and session.seconds_left == pytest.approx(1)
    clock.advance(2)
    session.tick()
    assert session.state == IDLE
    assert (session.patron, session.card, session.lines) == (None, None, [])


@pytest.mark.parametrize(
    ("event", "state"), [(s.FinishPressed(), "rate"), (s.CancelPressed(), IDLE)]
)
def test_summary_done_offers_the_rating_and_cancel_goes_home(
    session: Session, event: s.Event, state: str
) -> None:
    """Done on the summary offers the optional rating (the patron already forgotten);
    Cancel goes straight home."""
    to_scanning(session)
    borrow(session)
    session.handle(s.FinishPressed())
    session.handle(event)
    assert session.state == state
    assert (session.patron, session.card, session.lines) == (None, None, [])


def test_next_patron_can_scan_during_summary(session: Session) -> None:
    to_scanning(session)
    borrow(session)
    session.handle(s.FinishPressed())
    session.handle(s.BarcodeScanned(OTHER_CARD))
    assert session.state == PIN
    assert session.card == OTHER_CARD and session.lines == [] and session.patron is None


@pytest.mark.parametrize("event", [s.OkPressed(), s.CancelPressed()])
def test_error_dismissed_goes_home(session: Session, event: s.Event) -> None:
    to_identified(session)
    [command] = session.handle(s.PinEntered("1"))
    session.handle(failed(command, "down"))
    session.handle(event)
    assert session.state == IDLE and session.notice is None


def test_error_times_out(session: Session, clock: ManualClock) -> None:
    to_identified(session)
    [command] = session.handle(s.PinEntered("1"))
    session.handle(failed(command, "down"))
    clock.advance(TIMEOUTS.error + 1)
    session.tick()
    assert session.state == IDLE


def test_every_state_has_a_way_home() -> None:
    """The table itself: every non-idle state leaves on Cancel (or OK), none is a trap."""
    table = transitions(navigation())
    states = {state for state, _event in table}
    assert {IDLE, ERROR, PIN, SCANNING, SUMMARY} <= states
    for state in states - {IDLE}:
        assert (state, s.CancelPressed) in table, state
