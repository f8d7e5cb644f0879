"""A loan fee to accept before borrowing: the question's texts, its commands, its records.

The ILS answers an item with a loan fee ``FEE_REQUIRED`` and the amount; borrowing
(:mod:`kiosk.core.services.borrow`, state ``borrow.fee``) asks the patron. Yes sends
:class:`AcceptFee` (the acceptance is stored, then the ILS is asked again with the fee
acknowledged: ``borrow.run_accept_fee``); no sends :class:`DeclineFee`, recorded here as a
``FEE_DECLINED`` refusal. Amounts are whole Rupiah.

One question at a time, on its own screen with two large answers. Other books scanned
while it is asked are not queued but turned away with "answer first, then scan it again":
a scan queued behind the question would leave the patron unsure whether it counted, and
a fee must be agreed to with attention, not in passing. Answers to books scanned before
it still arrive and update their lines; another fee waits its turn.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.core import i18n
from kiosk.core.events import Answer, BarcodeScanned, Checkout, Command, Event
from kiosk.core.model import Refusal, Refused
from kiosk.core.session import ItemLine, LineStatus, Notice, Ports, Session

log = logging.getLogger(__name__)


def rupiah(amount: int) -> str:
    """An amount as patrons read it on a price tag (:func:`kiosk.core.i18n.rupiah`), with a
    no-break space so a line never ends between the currency and the number."""
    return i18n.rupiah(amount).replace(" ", "\u00a0")


@dataclass(frozen=True)
class AcceptFee(Checkout):
    """Lend an item whose loan fee (Rupiah) the patron accepted on the screen."""

    title: str
    amount: int


@dataclass(frozen=True)
class DeclineFee(Command):
    """The patron chose not to borrow an item with a loan fee: record the refusal."""

    item_barcode: str


@dataclass(frozen=True)
class FeeDeclineRecorded(Answer):
    """The declined fee is stored as a refusal (or, if the store failed, logged as lost)."""


def open_question(session: Session) -> ItemLine | None:
    """The first line whose loan fee the patron has not answered yet."""
    for line in session.lines:
        if line.status is LineStatus.REFUSED and line.refusal is Refusal.FEE_REQUIRED:
            return line
    return None


def scan_while_asked(session: Session, _event: BarcodeScanned) -> list[Command]:
    """``borrow.fee`` handler: a scan while the question is open is turned away politely."""
    session.notice = Notice("notice.answer_fee_first")
    return []


def fee_texts(session: Session) -> Mapping[str, Notice]:
    """``borrow.fee``'s changing text: the question about the first unanswered fee."""
    line = open_question(session)
    if line is None:
        return {}
    title = line.title or line.barcode
    key = "fee.question" if line.fee else "fee.question_no_amount"
    return {"question": Notice.of(key, title=title, amount=rupiah(line.fee), is_error=False)}


def run_decline_fee(ports: Ports, command: DeclineFee) -> Event:
    """Record a declined loan fee as a refusal (``refusal`` report, the item, no patron)."""
    refused = Refused("borrow", Refusal.FEE_DECLINED, ports.clock.now(), command.item_barcode)
    try:
        ports.log.record(refused)
    except Exception as err:  # nothing was lent or charged; only the statistic is lost
        log.error(
            "a declined loan fee could not be recorded (%s: %s); nothing was lent",
            type(err).__name__,
            " ".join(str(err).split()),
        )
    return FeeDeclineRecorded(command.session_no)
