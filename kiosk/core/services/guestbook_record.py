"""The guest book's commands and what runs them on the worker thread.

A member's card: :func:`run_identify_member` asks the ILS who holds it (no PIN,
:meth:`~kiosk.core.ports.IlsBackend.identify_patron`), then stores the visit by the card's
key; a guest's or a group's form: :func:`run_record_visit` stores it. Either answers with
:class:`VisitDone`: counted, a repeat within the window, not stored, or an unknown or
expired card. No name ever reaches the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kiosk.core.events import Answer, Command, Event
from kiosk.core.model import Refusal
from kiosk.core.ports import IlsUnavailable, StorageFailed
from kiosk.core.session import Ports
from kiosk.core.visits import Visit, VisitKind, VisitSource

log = logging.getLogger(__name__)


class Outcome:
    """How a visit ended (the answer's ``outcome``)."""

    COUNTED = "counted"
    REPEAT = "repeat"  # the same visitor within the repeat window: nothing stored
    NOT_STORED = "not_stored"  # StorageFailed: the paper guest book at the desk
    UNKNOWN = "unknown"  # a card the ILS does not know
    EXPIRED = "expired"


# ----- commands and answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifyMember(Command):
    """Who holds this card (ILS, no PIN), then store their visit."""

    card: str = field(repr=False)


@dataclass(frozen=True)
class RecordVisit(Command):
    """Store a guest's or a group's visit."""

    visit: Visit = field(repr=False)


@dataclass(frozen=True)
class VisitDone(Answer):
    """What became of a visit; ``name`` is the member's, from the ILS (None: not known)."""

    outcome: str
    name: str | None = field(default=None, repr=False)


# ----- on the worker thread ----------------------------------------------------------------------


def run_identify_member(ports: Ports, command: IdentifyMember) -> Event:
    """Ask the ILS who holds the card, then store the member's visit by the card's key.

    An ILS that does not answer still counts the visit (a member scanned a card of this
    library's shape): greeted without a name. An unknown or expired card stores nothing.
    """
    name: str | None = None
    try:
        check = ports.ils.identify_patron(command.card)
    except IlsUnavailable as err:
        log.warning(
            "guest book: the library system did not answer (%s); the member's visit is "
            "counted without a name",
            _one_line(err),
        )
    else:
        if check.patron is None:
            return VisitDone(command.session_no, Outcome.UNKNOWN)
        if check.refusal is Refusal.CARD_EXPIRED:
            return VisitDone(command.session_no, Outcome.EXPIRED)
        name = check.patron.name.strip() or None
    visit = Visit(VisitKind.MEMBER, VisitSource.KIOSK, card=command.card)
    return VisitDone(command.session_no, _record(ports, visit), name)


def run_record_visit(ports: Ports, command: RecordVisit) -> Event:
    """Store a guest's or a group's visit."""
    return VisitDone(command.session_no, _record(ports, command.visit))


def _record(ports: Ports, visit: Visit) -> str:
    if ports.visits is None:
        log.error(
            "guest book: a %s visit was not stored: this kiosk has no visit log; the "
            "patron was sent to the desk",
            visit.kind,
        )
        return Outcome.NOT_STORED
    try:
        recorded = ports.visits.record_visit(visit, ports.clock.now())
    except StorageFailed as err:
        # One line, never the name: the visit's kind and what the store said.
        log.error(
            "guest book: a %s visit was not stored (%s); the patron was asked to sign the "
            "paper guest book at the desk",
            visit.kind,
            _one_line(err),
        )
        return Outcome.NOT_STORED
    return Outcome.COUNTED if recorded.counted else Outcome.REPEAT


def _one_line(err: BaseException) -> str:
    # A store's message may quote its SQL parameters after "[": never the name in the log.
    text = " ".join(f"{type(err).__name__}: {err}".split())
    return text.split(" [", 1)[0]
