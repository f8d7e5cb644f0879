"""The receipt step in the session, with a hand-wound clock and no printer: what is offered,
what is composed, where the session goes after each outcome."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.core import events as s
from kiosk.core.clock import ManualClock
from kiosk.core.model import (
    BarcodeKind,
    CheckoutAnswer,
    Loan,
    Patron,
    PatronCheck,
    PrintOutcome,
    Refusal,
)
from kiosk.core.services import navigation
from kiosk.core.services.borrow import SUMMARY
from kiosk.core.services.feedback import RATE
from kiosk.core.services.receipt import PRINTING
from kiosk.core.session import ReceiptSettings, Session, Timeouts

CARD, ITEM, ITEM_2 = "23171000000010", "33171000000018", "33171000000026"

SETTINGS = ReceiptSettings(
    printer=True, library_name="Perpustakaan Uji", timezone=ZoneInfo("Asia/Makassar")
)


def classify(text: str) -> tuple[str, BarcodeKind | None]:
    code = text.strip()
    return code, {"2": BarcodeKind.PATRON, "3": BarcodeKind.ITEM}.get(code[:1])


def loan() -> Loan:
    return Loan(
        CARD,
        ITEM,
        "Laskar Pelangi",
        "Andrea Hirata",
        dt.date(2026, 12, 5),
        dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC),
    )


def at_summary(settings: ReceiptSettings = SETTINGS) -> Session:
    """Sutrisno (3 loans already) borrowed one book; another is already his; finished."""
    session = Session(ManualClock(), classify, navigation(), Timeouts(), settings)
    session.handle(s.BarcodeScanned(CARD))
    [check] = session.handle(s.PinEntered("1234"))
    patron = Patron(CARD, "Sutrisno", loans_count=3, loan_limit=5)
    session.handle(s.PatronChecked(check.session_no, PatronCheck(patron)))
    session.handle(s.BarcodeScanned(ITEM))
    session.handle(s.BarcodeScanned(ITEM_2))
    session.handle(s.CheckoutDone(session.session_no, CheckoutAnswer(ITEM, loan())))
    yours = CheckoutAnswer(
        ITEM_2, title="Laut Bercerita", refusal=Refusal.ALREADY_YOURS, due=dt.date(2026, 12, 1)
    )
    session.handle(s.CheckoutDone(session.session_no, yours))
    session.handle(s.FinishPressed())
    assert session.state == SUMMARY
    return session


def test_print_composes_the_receipt_in_the_sessions_language_and_time_zone() -> None:
    session = at_summary()
    session.language = "en"
    [command] = session.handle(s.ReceiptChosen(printed=True))
    assert isinstance(command, s.PrintReceipt) and session.state == PRINTING
    receipt = command.receipt
    assert receipt.title == "Perpustakaan Uji"
    assert [line.text for line in receipt.lines] == [
        "Loan receipt",
        "21 November 2026, 10:00",  # 02:00 UTC is 10:00 WITA
        "Card: ****0010",
        "-" * 32,
        "Laskar Pelangi",
        "Return it by 5 December 2026.",
        "Laut Bercerita",
        "This book is already on your card. Return it by 1 December 2026.",
        "-" * 32,
        "Borrowed now: 1 book",
        "Your loans now: 4 books",
        "Next due date: 1 December 2026",  # the book already his comes back first
        "-" * 32,
        "We would love your feedback: tell us at the service desk or rate your visit on the "
        "kiosk screen.",
    ]
    assert "Sutrisno" not in repr(command) and "Laskar" not in repr(command)


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (PrintOutcome.PRINTED, RATE),
        (PrintOutcome.OUT_OF_PAPER, SUMMARY),
        (PrintOutcome.NO_PRINTER, SUMMARY),
        (PrintOutcome.FAILED, SUMMARY),
    ],
)
def test_after_printing_the_rating_or_the_same_summary(outcome: PrintOutcome, state: str) -> None:
    session = at_summary()
    [command] = session.handle(s.ReceiptChosen(printed=True))
    session.handle(s.ReceiptPrinted(command.session_no, outcome))
    assert session.state == state
    if state == SUMMARY:
        assert [line.title for line in session.lines] == ["Laskar Pelangi", "Laut Bercerita"]
        assert session.receipt_failed and session.handle(s.OkPressed()) == []
        assert session.state == RATE  # OK is Done now: nothing printed twice
    assert session.patron is None and session.lines == [] and not session.receipt_failed


def test_a_print_with_no_answer_in_time_is_a_failed_print() -> None:
    session = at_summary()
    [command] = session.handle(s.ReceiptChosen(printed=True))
    session.handle(s.CommandFailed(command.session_no, s.Failure.TIMEOUT, "no answer", command))
    assert session.state == SUMMARY and session.receipt_failed


@pytest.mark.parametrize(
    ("settings", "ok_prints"),
    [
        (SETTINGS, True),
        (ReceiptSettings(printer=True, printed_by_default=False), False),
        (ReceiptSettings(printer=False), False),
    ],
    ids=["default-printed", "default-none", "no-printer"],
)
def test_ok_makes_the_configured_choice(settings: ReceiptSettings, ok_prints: bool) -> None:
    session = at_summary(settings)
    commands = session.handle(s.OkPressed())
    assert bool(commands) is ok_prints
    assert session.state == (PRINTING if ok_prints else RATE)


def test_a_summary_that_times_out_prints_nothing() -> None:
    session = at_summary()
    clock = session.clock
    assert isinstance(clock, ManualClock)
    clock.advance(Timeouts().summary + 1)
    session.tick()
    assert session.state == "idle" and session.in_flight == 0
