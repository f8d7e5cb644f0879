"""The optional one-tap rating at the end of a session, offered after every service.

A service ends its session with :func:`offer_rating` (borrowing: "Done" on its summary),
which forgets the patron and shows the kiosk's own ``rate`` state: five faces, each with
its word. A face tapped (or its number, 1 to 5, typed and sent with OK) sends
:class:`~kiosk.core.events.RecordRating` and moves to ``thanks``, which ends the session
when the rating is stored (or after a short pause); "skip", Cancel or the summary timeout
end it without one. The rating names the service rated and nothing about the patron. A
card scanned meanwhile starts the next patron's session as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from kiosk.core.events import (
    BarcodeScanned,
    CancelPressed,
    Command,
    CommandFailed,
    Event,
    FinishPressed,
    OkPressed,
    RatingChosen,
    RatingRecorded,
    RecordRating,
)
from kiosk.core.model import RATING_SCORES, Rating
from kiosk.core.navigation import CommandHandler, InputMode, StateSpec, after
from kiosk.core.ports import StorageFailed
from kiosk.core.session import Notice, Ports, Session

log = logging.getLogger(__name__)

RATE = "rate"
THANKS = "thanks"
THANKS_SECONDS = 3.0  # long enough to read "thank you", short enough not to hold the kiosk


def offer_rating(session: Session, _event: Event | None = None) -> list[Command]:
    """End a service's session by offering the rating: the patron's data is forgotten now,
    the rating screen shows nothing of theirs."""
    session.forget_patron()
    session.go(RATE)
    return []


def next_patron(session: Session, event: BarcodeScanned) -> list[Command]:
    """The next patron scans their card while the previous session's last screen is up."""
    return session.restart_with(event)


def _rate(session: Session, event: RatingChosen) -> list[Command]:
    if event.score not in RATING_SCORES or session.service is None:
        return []
    service = session.service.name
    session.forget_patron()
    session.go(THANKS)
    return [RecordRating(session.session_no, event.score, service)]


def _rate_or_next_patron(session: Session, event: BarcodeScanned) -> list[Command]:
    # A single digit 1-5 sent with OK is a rating (for those working by keys); anything
    # else is the next patron's card.
    text = event.text.strip()
    if len(text) == 1 and text.isdigit() and int(text) in RATING_SCORES:
        return _rate(session, RatingChosen(int(text)))
    return session.restart_with(event)


def _done(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


def _rate_texts(_session: Session) -> Mapping[str, Notice]:
    return {"question": Notice("feedback.question", is_error=False)}


def _thanks_texts(_session: Session) -> Mapping[str, Notice]:
    return {"message": Notice("feedback.thanks", is_error=False)}


RATE_STATE = StateSpec(
    input=InputMode.BARCODE,
    on={
        RatingChosen: _rate,
        BarcodeScanned: _rate_or_next_patron,
        FinishPressed: _done,  # "skip"
        CancelPressed: _done,
    },
    timeout=after("summary"),
    texts=_rate_texts,
)

THANKS_STATE = StateSpec(
    input=InputMode.BARCODE,
    on={
        RatingRecorded: _done,
        CommandFailed: _done,
        OkPressed: _done,
        CancelPressed: _done,
        BarcodeScanned: next_patron,
    },
    timeout=lambda _session: THANKS_SECONDS,
    texts=_thanks_texts,
)


def run_record_rating(ports: Ports, command: RecordRating) -> Event:
    """Store the rating with its outbox report. A rating the store cannot take is logged
    and let go: the patron's session is over, and nothing they were promised is lost."""
    rating = Rating(command.score, command.service, ports.clock.now())
    try:
        ports.log.record(rating)
    except StorageFailed as err:
        log.error("a rating (%d for %s) was not stored: %s", rating.score, rating.service, err)
    return RatingRecorded(command.session_no)


COMMANDS: Mapping[type[Command], CommandHandler] = {RecordRating: run_record_rating}
"""The kiosk-wide commands this module runs (see :class:`Navigation`'s ``home_commands``)."""
