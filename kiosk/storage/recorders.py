"""How each kind of outcome is stored: its own row, and the report for its outbox event.

:meth:`kiosk.storage.circulation_log.SqlCirculationLog.record` looks the outcome's type up
in :data:`RECORDERS` and calls its function inside the transaction that also adds the
outbox row. A recorder adds its row and returns the report (:mod:`kiosk.core.wire`) and
when it happened, or None when there is nothing for central (the resolution of a
check-out intent without a loan). A new kind of outcome adds one function here.

Check-out intents: recording :class:`~kiosk.core.model.CheckoutConfirmed` resolves the
intent in the same transaction as the loan row and is idempotent (the worker and
reconciliation may both confirm the same intent; the loan is stored once). A
:class:`~kiosk.core.model.CheckoutNotLent` that carries the patron's refusal also stores
the refusal and its report; reconciliation's findings carry none.

Return and renewal intents (``item_intents``) work the same way: a
:class:`~kiosk.core.model.Return` or :class:`~kiosk.core.model.Renewal` that names its
intent resolves it as ``done`` in the transaction that adds its row, once only (a second
recording of the same intent, by the worker and reconciliation, adds nothing); a
:class:`~kiosk.core.model.Refused` naming one resolves it as ``not_done`` with the
refusal's row.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from kiosk.core import wire
from kiosk.core.model import (
    CheckoutConfirmed,
    CheckoutNotLent,
    CheckoutUnanswered,
    FeeAccepted,
    ItemIntentNotDone,
    ItemIntentUnanswered,
    Loan,
    OfflineAction,
    OfflineDisagreed,
    OfflineReplayed,
    OfflineState,
    OfflineTaken,
    Outcome,
    Rating,
    Refused,
    Renewal,
    Return,
)
from kiosk.storage.models import (
    CheckoutIntentRecord,
    FeeAcceptanceRecord,
    ItemIntentRecord,
    LoanRecord,
    OfflineTransactionRecord,
    RatingRecord,
    RefusalRecord,
    RenewalRecord,
    ReturnRecord,
)

log = logging.getLogger("kiosk.storage.circulation_log")  # one logger name for the log's lines


def aware(moment: dt.datetime, what: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment


LENT, NOT_LENT = "lent", "not_lent"  # values of checkout_intents.resolution
DONE, NOT_DONE = "done", "not_done"  # values of item_intents.resolution

_Recorded = tuple[wire.Report, dt.datetime] | None


def _record_loan(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, loan: Loan
) -> _Recorded:
    aware(loan.checked_out_at, "loan.checked_out_at")
    session.add(
        LoanRecord(
            event_id=event_id,
            kiosk_id=kiosk_id,
            patron_barcode=loan.patron_barcode,
            item_barcode=loan.item_barcode,
            title=loan.title,
            author=loan.author,
            due=loan.due,
            checked_out_at=loan.checked_out_at,
        )
    )
    report = wire.CheckoutReport(item_barcode=loan.item_barcode, title=loan.title, due=loan.due)
    return report, loan.checked_out_at


def _record_rating(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, rating: Rating
) -> _Recorded:
    aware(rating.rated_at, "rating.rated_at")
    session.add(
        RatingRecord(
            event_id=event_id,
            kiosk_id=kiosk_id,
            score=rating.score,
            service=rating.service,
            rated_at=rating.rated_at,
        )
    )
    return wire.RatingReport(score=rating.score, service=rating.service), rating.rated_at


def _record_return(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, returned: Return
) -> _Recorded:
    aware(returned.returned_at, "return.returned_at")
    if not _resolve_done(session, returned.intent_id, event_id, now):
        return None
    sort = returned.sort.value if returned.sort is not None else ""
    session.add(
        ReturnRecord(
            event_id=event_id,
            kiosk_id=kiosk_id,
            item_barcode=returned.item_barcode,
            title=returned.title,
            fine=returned.fine,
            sort=sort,
            destination=returned.destination,
            returned_at=returned.returned_at,
        )
    )
    report = wire.ReturnReport(
        item_barcode=returned.item_barcode,
        title=returned.title,
        fine=returned.fine,
        sort=sort,
        destination=returned.destination,
    )
    return report, returned.returned_at


def _record_renewal(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, renewal: Renewal
) -> _Recorded:
    aware(renewal.renewed_at, "renewal.renewed_at")
    if not _resolve_done(session, renewal.intent_id, event_id, now):
        return None
    session.add(
        RenewalRecord(
            event_id=event_id,
            kiosk_id=kiosk_id,
            item_barcode=renewal.item_barcode,
            title=renewal.title,
            due=renewal.due,
            renewed_at=renewal.renewed_at,
        )
    )
    report = wire.RenewalReport(
        item_barcode=renewal.item_barcode, title=renewal.title, due=renewal.due
    )
    return report, renewal.renewed_at


def _add_refusal(session: Session, event_id: str, kiosk_id: str, refused: Refused) -> _Recorded:
    aware(refused.refused_at, "refused.refused_at")
    session.add(
        RefusalRecord(
            event_id=event_id,
            kiosk_id=kiosk_id,
            service=refused.service,
            reason=refused.reason.value,
            item_barcode=refused.item_barcode,
            refused_at=refused.refused_at,
        )
    )
    report = wire.RefusalReport(
        service=refused.service, reason=refused.reason.value, item_barcode=refused.item_barcode
    )
    return report, refused.refused_at


def _record_refused(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, refused: Refused
) -> _Recorded:
    if refused.intent_id and not _resolve_item_intent(
        session, refused.intent_id, NOT_DONE, now, refused.reason.value
    ):
        return None  # already resolved (reconciliation was first): recorded once only
    return _add_refusal(session, event_id, kiosk_id, refused)


def _item_intent(intent_id: str) -> Any:
    return ItemIntentRecord.intent_id == intent_id


def _resolve_done(session: Session, intent_id: str, event_id: str, now: dt.datetime) -> bool:
    """Resolve a return's or renewal's intent as done; False when it already was.

    The UPDATE comes first so this transaction takes the write lock before it reads: a
    concurrent recording of the same intent waits, then finds it done. An intent that
    was resolved ``not_done`` (reconciliation asked before the answer was stored) is
    corrected: the ILS's own answer wins. An unknown intent (it could not be written)
    does not stop the outcome from being stored.
    """
    if not intent_id:
        return True
    resolved = session.execute(
        update(ItemIntentRecord)
        .where(
            _item_intent(intent_id),
            or_(ItemIntentRecord.resolution.is_(None), ItemIntentRecord.resolution != DONE),
        )
        .values(resolution=DONE, resolved_at=now, event_id=event_id, reason=None)
    )
    if _rows(resolved):
        return True
    known = session.scalar(select(ItemIntentRecord.resolution).where(_item_intent(intent_id)))
    if known == DONE:
        log.info("item intent %s already recorded as done", intent_id)
        return False
    log.warning("item intent %s unknown; recording its outcome anyway", intent_id)
    return True


def _resolve_item_intent(
    session: Session, intent_id: str, resolution: str, now: dt.datetime, reason: str
) -> bool:
    """Resolve an open item intent; False when it was resolved already (or is unknown and
    ``resolution`` is not done: nothing to record twice)."""
    resolved = session.execute(
        update(ItemIntentRecord)
        .where(_item_intent(intent_id), ItemIntentRecord.resolution.is_(None))
        .values(resolution=resolution, resolved_at=now, reason=reason[:200])
    )
    if _rows(resolved):
        return True
    known = session.scalar(select(ItemIntentRecord.id).where(_item_intent(intent_id)))
    return known is None  # an intent that could not be written: keep the refusal


def _record_item_not_done(
    session: Session, _event_id: str, _kiosk_id: str, now: dt.datetime, outcome: ItemIntentNotDone
) -> _Recorded:
    _resolve_item_intent(session, outcome.intent_id, NOT_DONE, now, outcome.reason)
    return None


def _record_item_unanswered(
    session: Session,
    _event_id: str,
    _kiosk_id: str,
    _now: dt.datetime,
    outcome: ItemIntentUnanswered,
) -> _Recorded:
    session.execute(
        update(ItemIntentRecord)
        .where(_item_intent(outcome.intent_id), ItemIntentRecord.resolution.is_(None))
        .values(answered=True, reason=outcome.reason[:200])
    )
    return None


def _record_fee_accepted(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, fee: FeeAccepted
) -> _Recorded:
    aware(fee.accepted_at, "fee.accepted_at")
    session.add(
        FeeAcceptanceRecord(
            event_id=event_id,
            kiosk_id=kiosk_id,
            item_barcode=fee.item_barcode,
            title=fee.title,
            amount=fee.amount,
            accepted_at=fee.accepted_at,
        )
    )
    report = wire.FeeAcceptedReport(
        item_barcode=fee.item_barcode, title=fee.title, amount=fee.amount
    )
    return report, fee.accepted_at


def _intent(intent_id: str) -> Any:
    return CheckoutIntentRecord.intent_id == intent_id


def _rows(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


def _record_confirmed(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, outcome: CheckoutConfirmed
) -> _Recorded:
    # The UPDATE comes first so this transaction takes the write lock before it reads:
    # a concurrent confirmation of the same intent waits, then finds it already lent.
    resolved = session.execute(
        update(CheckoutIntentRecord)
        .where(
            _intent(outcome.intent_id),
            or_(CheckoutIntentRecord.resolution.is_(None), CheckoutIntentRecord.resolution != LENT),
        )
        .values(resolution=LENT, resolved_at=now, loan_event_id=event_id, reason=None)
    )
    if _rows(resolved) == 0:
        known = session.scalar(
            select(CheckoutIntentRecord.resolution).where(_intent(outcome.intent_id))
        )
        if known == LENT:
            log.info("check-out intent %s already recorded as lent", outcome.intent_id)
            return None
        # No such intent (it could not be written): still keep the loan the ILS confirmed.
        log.warning("check-out intent %s unknown; recording its loan anyway", outcome.intent_id)
    return _record_loan(session, event_id, kiosk_id, now, outcome.loan)


def _record_not_lent(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, outcome: CheckoutNotLent
) -> _Recorded:
    resolved = session.execute(
        update(CheckoutIntentRecord)
        .where(_intent(outcome.intent_id), CheckoutIntentRecord.resolution.is_(None))
        .values(resolution=NOT_LENT, resolved_at=now, reason=outcome.reason[:200])
    )
    if outcome.refusal is None or (_rows(resolved) == 0 and _known_intent(session, outcome)):
        return None  # reconciliation's finding, or this refusal is already recorded
    at = outcome.refused_at or now
    refused = Refused("borrow", outcome.refusal, at, outcome.item_barcode)
    return _add_refusal(session, event_id, kiosk_id, refused)


def _known_intent(session: Session, outcome: CheckoutNotLent) -> bool:
    found = session.scalar(select(CheckoutIntentRecord.id).where(_intent(outcome.intent_id)))
    return found is not None


def _record_unanswered(
    session: Session, _event_id: str, _kiosk_id: str, _now: dt.datetime, outcome: CheckoutUnanswered
) -> _Recorded:
    session.execute(
        update(CheckoutIntentRecord)
        .where(_intent(outcome.intent_id), CheckoutIntentRecord.resolution.is_(None))
        .values(answered=True, reason=outcome.reason[:200])
    )
    return None


def _record_offline_taken(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, outcome: OfflineTaken
) -> _Recorded:
    txn = outcome.transaction
    aware(txn.taken_at, "offline transaction taken_at")
    if outcome.intent_id:
        # The ILS certainly did not get the request (IlsUnreachable): the intent ends here,
        # not lent (not returned) by the ILS, with no refusal: the patron was not refused.
        reason = "ILS unreachable: taken offline"
        if txn.action is OfflineAction.LOAN:
            session.execute(
                update(CheckoutIntentRecord)
                .where(_intent(outcome.intent_id), CheckoutIntentRecord.resolution.is_(None))
                .values(resolution=NOT_LENT, resolved_at=now, reason=reason)
            )
        else:
            _resolve_item_intent(session, outcome.intent_id, NOT_DONE, now, reason)
    session.add(
        OfflineTransactionRecord(
            txn_id=txn.txn_id,
            kiosk_id=kiosk_id,
            action=txn.action.value,
            item_barcode=txn.item_barcode,
            patron_barcode=txn.patron_barcode,
            due=txn.due,
            taken_at=txn.taken_at,
            state=OfflineState.PENDING.value,
            attempts=0,
        )
    )
    report = wire.OfflineTakenReport(txn.action.value, txn.item_barcode, txn.due)
    return report, txn.taken_at


_OPEN_OFFLINE = (OfflineState.PENDING.value, OfflineState.SENDING.value)


def _close_offline(
    session: Session, txn_id: str, state: OfflineState, now: dt.datetime, **values: Any
) -> bool:
    """Close an open offline transaction; False when it was closed already (once only).
    The UPDATE comes first so this transaction holds the write lock before it reads."""
    closed = session.execute(
        update(OfflineTransactionRecord)
        .where(
            OfflineTransactionRecord.txn_id == txn_id,
            OfflineTransactionRecord.state.in_(_OPEN_OFFLINE),
        )
        .values(state=state.value, resolved_at=now, **values)
    )
    if _rows(closed):
        return True
    log.info("offline transaction %s already closed", txn_id)
    return False


def _record_offline_replayed(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, outcome: OfflineReplayed
) -> _Recorded:
    if not _close_offline(session, outcome.txn_id, OfflineState.REPLAYED, now, event_id=event_id):
        return None
    if isinstance(outcome.done, Loan):
        return _record_loan(session, event_id, kiosk_id, now, outcome.done)
    return _record_return(session, event_id, kiosk_id, now, outcome.done)


def _record_offline_disagreed(
    session: Session, event_id: str, kiosk_id: str, now: dt.datetime, outcome: OfflineDisagreed
) -> _Recorded:
    aware(outcome.at, "offline disagreement at")
    reason = outcome.reason[:200]
    if not _close_offline(session, outcome.txn_id, OfflineState.DISAGREED, now, reason=reason):
        return None
    report = wire.OfflineDisagreementReport(outcome.action.value, outcome.item_barcode, reason)
    return report, outcome.at


Recorder = Callable[[Session, str, str, dt.datetime, Any], _Recorded]
RECORDERS: dict[type, tuple[Recorder, str]] = {
    # outcome type: (adds its row and returns its report and time or None, what the log
    # line calls it)
    Loan: (_record_loan, "check-out"),
    CheckoutConfirmed: (_record_confirmed, "check-out"),
    CheckoutNotLent: (_record_not_lent, "refused check-out"),
    CheckoutUnanswered: (_record_unanswered, "unanswered check-out"),
    Rating: (_record_rating, "rating"),
    Return: (_record_return, "return"),
    Renewal: (_record_renewal, "renewal"),
    Refused: (_record_refused, "refusal"),
    FeeAccepted: (_record_fee_accepted, "fee acceptance"),
    ItemIntentNotDone: (_record_item_not_done, "unfinished return or renewal"),
    ItemIntentUnanswered: (_record_item_unanswered, "unanswered return or renewal"),
    OfflineTaken: (_record_offline_taken, "offline transaction"),
    OfflineReplayed: (_record_offline_replayed, "replayed offline transaction"),
    OfflineDisagreed: (_record_offline_disagreed, "disagreement on an offline transaction"),
}


def describe(outcome: Outcome) -> str:
    """What a technician's log line may say about an outcome (no patron identity)."""
    if isinstance(outcome, CheckoutConfirmed):
        outcome = outcome.loan
    if isinstance(outcome, OfflineTaken):
        return f"item …{outcome.transaction.item_barcode[-4:]}"
    if isinstance(outcome, OfflineReplayed):
        return f"item …{outcome.done.item_barcode[-4:]}"
    item = getattr(outcome, "item_barcode", "")
    if item:
        return f"item …{item[-4:]}"  # which book a patron had stays out of the log
    intent = getattr(outcome, "intent_id", "")
    return f"intent {intent}" if intent else type(outcome).__name__
