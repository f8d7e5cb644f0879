"""Signing in with a library card and PIN, for any service that needs a patron.

A service gets two states from :func:`sign_in_states`::

    <service>.card --card scanned or typed--> <service>.pin --PIN ok--> on_signed_in(session)
                                                 |  wrong PIN x3, blocked, ILS down
                                                 v
                                               error

``<service>.card`` ("scan your card, or type its number" with the keypad) is where a
service chosen from the attract screen's menu starts; a card scanned on the attract
screen goes straight to the card service's ``<service>.pin`` (see :func:`start`).

The PIN check runs on the worker (:func:`run_check_patron`, a kiosk-wide command in
:data:`COMMANDS`): wrong PINs are counted per card across sessions, and every sign-in the
ILS (or the kiosk's wrong-PIN lock) refused is stored as a
:class:`~kiosk.core.model.Refused` with its outbox report, naming the service, never the
card.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

from kiosk.core.events import (
    BarcodeScanned,
    CancelPressed,
    CheckPatron,
    Command,
    CommandFailed,
    Event,
    PatronChecked,
    PinEntered,
)
from kiosk.core.model import BarcodeKind, PatronCheck, Refusal, Refused
from kiosk.core.navigation import CommandHandler, InputMode, StateSpec, after
from kiosk.core.ports import IlsUnavailable, IlsUnreachable, PinFailures, StorageFailed
from kiosk.core.services import preferences, recording
from kiosk.core.session import Notice, Ports, Session, failure_refusal

log = logging.getLogger(__name__)

MAX_PIN_ATTEMPTS = 3
"""Wrong PINs in one session before it ends with "please see a librarian"."""

REFUSALS_SHOWN_AS_ERRORS = frozenset(
    {
        Refusal.KIOSK_FAULT,
        Refusal.UNKNOWN_PATRON,
        Refusal.CARD_EXPIRED,
        Refusal.FINES_OVER_LIMIT,
        Refusal.TOO_MANY_ITEMS,
        Refusal.PATRON_BLOCKED,
        Refusal.PIN_LOCKED,
    }
)
"""Refusals of a sign-in shown as they are; any other refusal reads as a blocked card."""

SIGN_IN_REFUSALS = frozenset(
    {
        Refusal.UNKNOWN_PATRON,
        Refusal.WRONG_PIN,
        *REFUSALS_SHOWN_AS_ERRORS,
        Refusal.ILS_UNAVAILABLE,
        Refusal.ILS_TIMEOUT,
        Refusal.KIOSK_FAULT,
    }
)
"""Refusals a patron can meet while signing in; each has a ``next.card.<value>`` step."""

RECORDED_REFUSALS = frozenset(
    {
        Refusal.WRONG_PIN,
        Refusal.PIN_LOCKED,
        Refusal.UNKNOWN_PATRON,
        Refusal.CARD_EXPIRED,
        Refusal.PATRON_BLOCKED,
        Refusal.FINES_OVER_LIMIT,
        Refusal.TOO_MANY_ITEMS,
    }
)
"""Sign-in refusals stored with their outbox report: the library's (or the wrong-PIN
lock's) answers. An outage or a fault of the kiosk is not a refusal of the patron."""

SignedIn = Callable[[Session], list[Command]]
"""What a service does once the patron is signed in (``session.patron`` is set)."""


def card_refusal(refusal: Refusal, screen_message: str = "") -> Notice:
    """Why a card was refused and what to do next, then the ILS's own message, if any."""
    said = Notice(f"refusal.{refusal.value}").followed_by(Notice(f"next.card.{refusal.value}"))
    return _with_ils_message(said, screen_message)


def _with_ils_message(notice: Notice, screen_message: str) -> Notice:
    text = " ".join(screen_message.split())
    return notice.followed_by(Notice.of("ils.says", message=text)) if text else notice


def start(session: Session, card: str | None, service: str) -> list[Command]:
    """Enter ``service``'s sign-in: at its PIN with a card scanned on the attract screen,
    else at its card step (chosen from the menu)."""
    if card is None:
        session.go(f"{service}.card")
        return []
    session.card = card
    session.go(f"{service}.pin")
    return preferences.load(session)  # applied before the PIN is typed


def sign_in_states(
    service: str,
    on_signed_in: SignedIn,
    *,
    accepts: frozenset[Refusal] = frozenset(),
) -> dict[str, StateSpec]:
    """The ``<service>.card`` and ``<service>.pin`` states of a service's table.

    Args:
        service: the service's name (the states' prefix, and the name its refusals are
            stored under).
        on_signed_in: called once the ILS accepted the card and PIN.
        accepts: refusals that do not keep the patron out of this service (the account
            service accepts ``TOO_MANY_ITEMS``: a patron at the loan limit may renew).
    """
    pin_state = f"{service}.pin"

    def card_scan(session: Session, event: BarcodeScanned) -> list[Command]:
        code, kind = session.classify(event.text)
        if kind is BarcodeKind.PATRON:
            session.card = code
            session.pin_attempts = 0
            session.notice = None
            session.go(pin_state)
            return preferences.load(session)
        elif kind is BarcodeKind.ITEM:
            session.notice = Notice("notice.scan_card_first")
        elif code:
            session.notice = Notice("notice.not_a_card")
        return []

    def pin_scan(session: Session, event: BarcodeScanned) -> list[Command]:
        code, kind = session.classify(event.text)
        if kind is BarcodeKind.PATRON and not session.busy:
            load: list[Command] = []
            if code != session.card:
                # Somebody else stepped up with their card: start over with it. (The same
                # card scanned again keeps its count of wrong PINs.)
                session.card = code
                session.pin_attempts = 0
                load = preferences.load(session)
            session.notice = None
            session.go(pin_state)  # forget any digits typed for the previous card
            return load
        elif kind is BarcodeKind.ITEM:
            session.notice = Notice("notice.enter_pin_first")
        return []

    def pin_entered(session: Session, event: PinEntered) -> list[Command]:
        if session.busy or session.card is None:
            return []
        if not event.pin:
            session.notice = Notice("notice.pin_empty")
            return []
        session.notice = None
        return [CheckPatron(session.session_no, session.card, event.pin, service, accepts)]

    def patron_checked(session: Session, event: PatronChecked) -> list[Command]:
        check = event.check
        if check.ok or (check.patron is not None and check.refusal in accepts):
            session.patron = check.patron
            session.notice = None
            return on_signed_in(session)
        if check.refusal is Refusal.WRONG_PIN:
            session.pin_attempts += 1
            left = MAX_PIN_ATTEMPTS - session.pin_attempts
            if event.tries_left is not None:
                left = min(left, event.tries_left)  # the card's tries across sessions count too
            if left <= 0:
                session.fail(_with_ils_message(Notice("refusal.wrong_pin_too_often"),
                                               check.screen_message))  # fmt: skip
            else:
                said = Notice.of("refusal.wrong_pin", attempts=str(left))
                said = said.followed_by(Notice("next.card.wrong_pin"))
                session.notice = _with_ils_message(said, check.screen_message)
            return []
        session.patron = check.patron
        refusal = check.refusal or Refusal.PATRON_BLOCKED
        if refusal not in REFUSALS_SHOWN_AS_ERRORS:
            refusal = Refusal.PATRON_BLOCKED
        session.fail(card_refusal(refusal, check.screen_message))
        return []

    def failed(session: Session, event: CommandFailed) -> list[Command]:
        session.fail(card_refusal(failure_refusal(event.failure)))
        return []

    def card_texts(session: Session) -> Mapping[str, Notice]:
        return {"service": Notice(f"signin.service.{service}", is_error=False)}

    def pin_texts(session: Session) -> Mapping[str, Notice]:
        slots = dict(card_texts(session))
        if session.card:
            slots["card"] = Notice.of("pin.card", last4=session.card[-4:])
        return slots

    return {
        f"{service}.card": StateSpec(
            input=InputMode.BARCODE,
            on={BarcodeScanned: card_scan, CancelPressed: _end_session},
            timeout=after("idle"),
            warn=True,
            texts=card_texts,
        ),
        pin_state: StateSpec(
            input=InputMode.PIN,
            on={
                BarcodeScanned: pin_scan,
                PinEntered: pin_entered,
                PatronChecked: patron_checked,
                CommandFailed: failed,
                CancelPressed: _end_session,
            },
            timeout=after("idle"),
            warn=True,
            texts=pin_texts,
        ),
    }


def _end_session(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


# ----- on the worker thread ------------------------------------------------------------------


def run_check_patron(ports: Ports, command: CheckPatron) -> Event:
    """Authenticate the card and PIN, unless this card has had too many wrong PINs lately.

    Wrong PINs are counted per card across sessions (``ports.pin_failures``), so rescanning
    the card does not buy more guesses; a locked card is refused without asking the ILS,
    whatever the PIN. A refusal is stored (with its outbox report, without the card)
    before the patron sees it. ``IlsUnavailable`` is turned into an answer by the runner.
    """
    answer = _check(ports, command)
    refusal = answer.check.refusal
    if refusal in RECORDED_REFUSALS and refusal not in command.accepts:
        # Stored before the patron sees it; if the store fails, they are still told why.
        refused = Refused(command.service, refusal, ports.clock.now())
        what = f"a refused sign-in ({command.service}, {refusal.value})"
        recording.record_quietly(ports, refused, what)
    return answer


def _check(ports: Ports, command: CheckPatron) -> PatronChecked:
    card, pins, now = command.barcode, ports.pin_failures, ports.clock.now()
    try:
        if pins.locked(card, now):
            return PatronChecked(command.session_no, PatronCheck(None, Refusal.PIN_LOCKED))
        # Counted as wrong BEFORE the ILS is asked, and taken back when it was right: a try
        # the kiosk cannot count (a full disk) is never answered, so no guesser learns
        # "wrong" from "right" while the count stands still.
        locked_now = pins.record_failure(card, now)
    except StorageFailed as err:
        log.error("PIN not checked: wrong-PIN count unavailable: %s", err)
        return PatronChecked(command.session_no, PatronCheck(None, Refusal.KIOSK_FAULT))
    try:
        check = ports.ils.check_patron(card, command.pin)
    except IlsUnreachable:
        offline, counted = _offline_check(ports, card, command.pin)
        if offline is None:
            if not counted:
                _forgive(pins, card, now)
            raise  # not seen online lately: "the library system cannot be reached"
        _forgive(pins, card, now)
        return PatronChecked(command.session_no, offline)
    except IlsUnavailable:
        _forgive(pins, card, now)  # no answer, nothing learned: the try does not count
        raise
    if check.ok and ports.offline is not None:
        ports.offline.remember(card, command.pin)  # for a sign-in while the ILS is down
    if check.refusal is not Refusal.WRONG_PIN:
        _forgive(pins, card, now)
        return PatronChecked(command.session_no, check)
    if locked_now:
        return PatronChecked(command.session_no, PatronCheck(None, Refusal.PIN_LOCKED))
    try:
        tries_left: int | None = pins.tries_left(card, now)
    except StorageFailed:
        tries_left = None
    return PatronChecked(command.session_no, check, tries_left)


def _offline_check(ports: Ports, card: str, pin: str) -> tuple[PatronCheck | None, bool]:
    """The patron let in offline (card + PIN seen online lately), or None; and whether a
    refusal counts as a wrong PIN.

    A try refused by the cache stays counted: the kiosk did answer (a guesser would learn
    a right PIN from "let in"), so the wrong-PIN lock must keep counting offline. Without
    offline mode, or with a cache that cannot answer, it is an outage: not counted.
    """
    if ports.offline is None:
        return None, False
    try:
        check = ports.offline.sign_in(card, pin)
    except StorageFailed as err:
        log.error("offline sign-in not possible, cards seen online unreadable: %s", err)
        return None, False
    return check, check is None


def _forgive(pins: PinFailures, card: str, at: dt.datetime) -> None:
    try:
        pins.forgive(card, at)
    except StorageFailed as err:  # it stays counted: safe, if a little strict
        log.error("a PIN try could not be taken back, so it stays counted: %s", err)


COMMANDS: Mapping[type[Command], CommandHandler] = {CheckPatron: run_check_patron}
"""The kiosk-wide command every service's sign-in sends (see ``Navigation.home_commands``)."""
