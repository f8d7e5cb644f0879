"""Domain model shared by the session, the ILS backends and the local store.

Values only: no I/O, no clocks. Barcodes are kept as the 14-digit strings printed on
cards and item labels (library Codabar, see devices.codabar).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class BarcodeKind(StrEnum):
    """What a scanned or typed barcode is, as the library's numbering says.

    The only barcode-kind type in the kiosk: devices read bytes and check digits, the
    composition root decides which numbers are cards and which are items.
    """

    PATRON = "patron"
    ITEM = "item"
    STAFF = "staff"  # a staff card ([technician] staff_cards): opens the technician screen


class Refusal(StrEnum):
    """Why the ILS (or the kiosk) said no. Each value is also a message id suffix."""

    UNKNOWN_PATRON = "unknown_patron"
    WRONG_PIN = "wrong_pin"
    PIN_LOCKED = "pin_locked"  # too many wrong PINs for this card at this kiosk, across sessions
    CARD_EXPIRED = "card_expired"
    FINES_OVER_LIMIT = "fines_over_limit"
    TOO_MANY_ITEMS = "too_many_items"
    PATRON_BLOCKED = "patron_blocked"
    UNKNOWN_ITEM = "unknown_item"
    NOT_LOANABLE = "not_loanable"
    ON_HOLD_FOR_ANOTHER = "on_hold_for_another"
    ON_LOAN_TO_ANOTHER = "on_loan_to_another"
    ALREADY_YOURS = "already_yours"
    NOT_AN_ITEM_BARCODE = "not_an_item_barcode"
    ILS_UNAVAILABLE = "ils_unavailable"
    ILS_TIMEOUT = "ils_timeout"
    KIOSK_FAULT = "kiosk_fault"
    NOT_RECORDED = "not_recorded"
    NOT_ON_LOAN = "not_on_loan"  # a return or renewal of an item nobody has borrowed
    RENEWAL_LIMIT = "renewal_limit"
    ITEM_OVERDUE = "item_overdue"  # not renewed: it is past its due date
    FEE_REQUIRED = "fee_required"  # a loan fee the patron has not accepted yet
    FEE_DECLINED = "fee_declined"  # the patron chose not to borrow an item with a loan fee
    ILS_REFUSED = "ils_refused"  # the ILS said no and gave no reason the kiosk can name
    OFFLINE_LIMIT = "offline_limit"  # no more loans while the library system is unreachable


class SortBin(StrEnum):
    """Where a returned item goes next, as the ILS says (SIP2 Checkin: alert and CT)."""

    SHELF = "shelf"
    HOLD_SHELF = "hold_shelf"
    TRANSIT = "transit"


class FineReason(StrEnum):
    """Why a patron owes money (SIP2 fee types: overdue 04, rental 06, replacement 07, other)."""

    OVERDUE = "overdue"
    LOAN_FEE = "loan_fee"
    LOST_ITEM = "lost_item"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Patron:
    """A patron the ILS has authenticated. Lives only as long as their session."""

    barcode: str
    name: str
    loans_count: int = 0
    loan_limit: int = 0
    offline: bool = False
    """Signed in while the ILS was unreachable (card + PIN seen online lately): no name,
    no counts."""


@dataclass(frozen=True, slots=True)
class Loan:
    """A confirmed check-out, as the ILS answered it."""

    patron_barcode: str
    item_barcode: str
    title: str
    author: str
    due: dt.date
    checked_out_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PatronCheck:
    """Answer to 'is this card and PIN allowed to borrow?'.

    ``patron`` is set when ``refusal`` is None. A patron the ILS knows but blocks
    comes back with both set, so the screen can greet them by name and say why.
    ``screen_message`` is the ILS's own text (SIP2 AF), shown as it comes.
    """

    patron: Patron | None
    refusal: Refusal | None = None
    screen_message: str = ""

    @property
    def ok(self) -> bool:
        return self.refusal is None and self.patron is not None


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """What the ILS says about one item now, whoever asks (SIP2 Item Information, 17/18).

    ``borrower_barcode`` and ``checked_out_at`` are set only when the ILS tells them:
    SIP2 gives the circulation status and due date of an item but not who has it.
    """

    item_barcode: str
    title: str
    author: str
    on_loan: bool
    due: dt.date | None = None
    borrower_barcode: str | None = None
    checked_out_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckoutIntent:
    """A check-out the kiosk is about to ask the ILS for, stored and committed first.

    While it is open, the kiosk does not know whether the ILS lent the item; it stays
    open until the answer is recorded or reconciliation has asked the ILS.
    """

    intent_id: str
    patron_barcode: str
    item_barcode: str
    created_at: dt.datetime
    answered: bool = False
    """False while the ILS call may still be running; True when it ended without a usable
    answer (an outage or a timeout), so only asking the ILS can settle it."""


@dataclass(frozen=True, slots=True)
class CheckoutConfirmed:
    """Outcome: the ILS lent the item of an intent. Stored with the loan's outbox event."""

    intent_id: str
    loan: Loan


@dataclass(frozen=True, slots=True)
class CheckoutNotLent:
    """Outcome: the item of an intent was not lent (a refusal, or the ILS says so later).

    ``reason`` is for technicians (a :class:`Refusal` value or what reconciliation found).
    ``refusal`` is set when the patron was refused (the ILS said no): it is then also
    stored as a refusal with its outbox report, in the same transaction; the item's
    barcode goes with it, the patron's does not. ``refused_at`` is when the ILS was asked
    (the kiosk's clock, like the loan's time); None: when it is recorded.
    """

    intent_id: str
    reason: str
    refusal: Refusal | None = None
    item_barcode: str = ""
    refused_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckoutUnanswered:
    """Outcome: the ILS call of an intent ended without an answer; ask the ILS later."""

    intent_id: str
    reason: str


class ItemAction(StrEnum):
    """What an :class:`ItemIntent` is about to ask the ILS to do to an item."""

    RETURN = "return"
    RENEWAL = "renewal"


@dataclass(frozen=True, slots=True)
class ItemIntent:
    """A return or a renewal the kiosk is about to ask the ILS for, committed first.

    Like a :class:`CheckoutIntent`: while it is open the kiosk does not know whether the
    ILS did it. ``on_loan_before`` and ``due_before`` are what the kiosk knew of the loan
    before asking (for a return, the ILS's item status just before; for a renewal, the
    due date the patron was shown), so that asking the ILS about the item later tells
    whether it was returned or renewed. ``patron_barcode`` is set for renewals only (a
    return needs no card).
    """

    intent_id: str
    action: ItemAction
    item_barcode: str
    created_at: dt.datetime
    on_loan_before: bool = True
    due_before: dt.date | None = None
    patron_barcode: str | None = None
    answered: bool = False
    """False while the ILS call may still be running; True when it ended without a usable
    answer or its outcome could not be stored, so only asking the ILS can settle it."""


@dataclass(frozen=True, slots=True)
class ItemIntentNotDone:
    """Outcome: the return or renewal of an intent did not happen (what reconciliation
    found). Resolves the intent; nothing for central. A refusal the patron saw is recorded
    as :class:`Refused` with the intent's id instead."""

    intent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ItemIntentUnanswered:
    """Outcome: the ILS call of an item intent ended without an answer; ask the ILS later."""

    intent_id: str
    reason: str


RATING_SCORES = range(1, 6)
"""A rating is one of five faces: 1 (very unhappy) to 5 (very happy)."""


@dataclass(frozen=True, slots=True)
class Rating:
    """Outcome: a patron's optional one-tap rating at the end of a session. Anonymous: it
    carries the service rated and the time, never who rated."""

    score: int
    service: str
    rated_at: dt.datetime

    def __post_init__(self) -> None:
        if type(self.score) is not int or self.score not in RATING_SCORES:
            raise ValueError(f"a rating is 1 to 5, got {self.score!r}")
        if not self.service:
            raise ValueError("a rating names the service rated")


@dataclass(frozen=True, slots=True)
class Return:
    """Outcome: an item the ILS took back at this kiosk. A return needs no card, so it
    names no patron. ``fine`` is what the ILS charged for lateness (Rupiah); ``sort`` and
    ``destination`` are where the item went next (see :class:`CheckinAnswer`)."""

    item_barcode: str
    title: str
    returned_at: dt.datetime
    fine: int = 0
    sort: SortBin | None = None
    destination: str = ""
    intent_id: str = ""
    """The :class:`ItemIntent` this return resolves (empty: none was written)."""


@dataclass(frozen=True, slots=True)
class Renewal:
    """Outcome: a loan the ILS extended at this kiosk, with its new due date. No patron."""

    item_barcode: str
    title: str
    due: dt.date
    renewed_at: dt.datetime
    intent_id: str = ""
    """The :class:`ItemIntent` this renewal resolves (empty: none was written)."""


@dataclass(frozen=True, slots=True)
class Refused:
    """Outcome: the ILS (or the kiosk) refused a patron's request: a sign-in, a return, a
    renewal, or a loan (borrowing records it with :class:`CheckoutNotLent`'s ``refusal``).

    ``service`` is the service's name (``borrow``, ``return``, ``account``);
    ``item_barcode`` is empty for a refused sign-in. Never who was refused.
    """

    service: str
    reason: Refusal
    refused_at: dt.datetime
    item_barcode: str = ""
    intent_id: str = ""
    """The :class:`ItemIntent` of a refused return or renewal, resolved with it."""


@dataclass(frozen=True, slots=True)
class FeeAccepted:
    """Outcome: a patron accepted an item's loan fee (Rupiah) before it was lent; stored
    before the ILS is asked to lend it with the fee acknowledged. No patron identity."""

    item_barcode: str
    title: str
    amount: int
    accepted_at: dt.datetime


class OfflineAction(StrEnum):
    """What a transaction taken while the ILS was unreachable does when it is replayed."""

    LOAN = "loan"
    RETURN = "return"


class OfflineState(StrEnum):
    """Where an offline transaction is on its way to the ILS."""

    PENDING = "pending"  # stored, not sent yet
    SENDING = "sending"  # committed before each ILS call; after a crash, ask before resending
    REPLAYED = "replayed"  # the ILS took it
    DISAGREED = "disagreed"  # the ILS refused it: listed for staff


@dataclass(frozen=True, slots=True)
class OfflineTransaction:
    """A loan or return the kiosk took while the ILS could not be reached, in replay order.

    ``patron_barcode`` and ``due`` are set for loans (the due date the patron was shown,
    sent to the ILS as the no-block due date); ``taken_at`` is sent as the transaction's
    time.
    """

    txn_id: str
    action: OfflineAction
    item_barcode: str
    taken_at: dt.datetime
    patron_barcode: str | None = None
    due: dt.date | None = None
    state: OfflineState = OfflineState.PENDING
    reason: str = ""
    """Why the ILS refused it (a :class:`Refusal` value), for a disagreed one."""


@dataclass(frozen=True, slots=True)
class OfflineTaken:
    """Outcome: a loan or return taken while the ILS was unreachable, stored (with its
    outbox report) before the patron sees it. ``intent_id``: the check-out or return intent
    begun before the ILS was found unreachable; it is resolved as not done by the ILS in
    the same transaction (the ILS certainly did not get the request)."""

    transaction: OfflineTransaction
    intent_id: str = ""


@dataclass(frozen=True, slots=True)
class OfflineReplayed:
    """Outcome: the ILS took an offline transaction. ``done`` is the loan or return as the
    ILS made it; it is stored (row + its usual outbox report) as the transaction is closed."""

    txn_id: str
    done: Loan | Return


@dataclass(frozen=True, slots=True)
class OfflineDisagreed:
    """Outcome: the ILS refused an offline transaction on replay (the item is on hold or
    lent to another, the patron is blocked, the item is unknown...): kept for staff, with an
    outbox report. No patron identity in the report."""

    txn_id: str
    action: OfflineAction
    item_barcode: str
    reason: str
    at: dt.datetime


Outcome = (
    Loan
    | CheckoutConfirmed
    | CheckoutNotLent
    | CheckoutUnanswered
    | Rating
    | Return
    | Renewal
    | Refused
    | FeeAccepted
    | ItemIntentNotDone
    | ItemIntentUnanswered
    | OfflineTaken
    | OfflineReplayed
    | OfflineDisagreed
)
"""Everything the kiosk records in its circulation log. A new kind of outcome is a new type
here, a recorder in :mod:`kiosk.storage.circulation_log` and a report in
:mod:`kiosk.core.wire`."""


@dataclass(frozen=True, slots=True)
class CheckoutAnswer:
    """Answer to one check-out. ``loan`` is set exactly when it succeeded.

    ``due`` is the due date of the patron's existing loan when the refusal is
    ``ALREADY_YOURS`` (None when the ILS does not say). ``fee`` is the item's loan fee in
    Rupiah: with ``FEE_REQUIRED`` the fee to accept before asking again with
    ``fee_acknowledged``; with a loan, the fee that was charged (0 for none).
    ``screen_message`` is the ILS's own text (SIP2 AF), shown as it comes, in the ILS's
    language.
    """

    item_barcode: str
    loan: Loan | None = None
    refusal: Refusal | None = None
    title: str = ""
    due: dt.date | None = None
    fee: int = 0
    screen_message: str = ""

    @property
    def ok(self) -> bool:
        return self.loan is not None


@dataclass(frozen=True, slots=True)
class CheckinAnswer:
    """Answer to one return (SIP2 Checkin, 09/10). No patron is involved.

    ``sort`` and ``destination`` say where the item goes now (``destination`` is the
    branch's name for ``TRANSIT``, empty otherwise); both are unset for a refusal.
    ``fine`` is what the ILS charged for returning it late, in Rupiah. ``screen_message``
    is the ILS's own text (SIP2 AF), shown as it comes, in the ILS's language.
    """

    item_barcode: str
    refusal: Refusal | None = None
    title: str = ""
    fine: int = 0
    sort: SortBin | None = None
    destination: str = ""
    screen_message: str = ""

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class RenewAnswer:
    """Answer to renewing one loan (SIP2 Renew 29/30; Renew All 65/66 gives one per loan).

    ``due`` is the new due date when it was renewed, the unchanged one when refused (None
    when the ILS does not say); ``renewals_left`` counts the renewals still allowed after
    this answer (None when the ILS does not say).
    """

    item_barcode: str
    refusal: Refusal | None = None
    title: str = ""
    due: dt.date | None = None
    renewals_left: int | None = None
    screen_message: str = ""

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class AccountLoan:
    """One current loan on a patron's account. ``overdue_days`` is 0 until it is late."""

    item_barcode: str
    title: str
    author: str
    due: dt.date
    overdue_days: int = 0
    renewals_used: int = 0
    renewals_left: int | None = None


@dataclass(frozen=True, slots=True)
class AccountHold:
    """One hold (reservation). Ready ones wait on the hold shelf until ``pickup_by``;
    the others are in the item's queue at ``position`` (1 is next)."""

    title: str
    ready: bool
    pickup_by: dt.date | None = None
    position: int | None = None


@dataclass(frozen=True, slots=True)
class Fine:
    """One amount a patron owes, in Rupiah. ``accruing``: a late item still on loan, whose
    fine grows each day until it is returned (the amount is as of today)."""

    reason: FineReason
    amount: int
    title: str = ""
    accruing: bool = False


@dataclass(frozen=True, slots=True)
class Account:
    """What a patron has at the library now (SIP2 Patron Information, 63/64).

    Lives only as long as the patron's session. ``refusal`` is set (and the lists empty)
    when the ILS does not know the card.
    """

    patron_barcode: str
    loans: tuple[AccountLoan, ...] = ()
    holds_ready: tuple[AccountHold, ...] = ()
    holds_waiting: tuple[AccountHold, ...] = ()
    fines: tuple[Fine, ...] = ()
    refusal: Refusal | None = None

    @property
    def fines_total(self) -> int:
        """Everything owed, in Rupiah, counting accruing fines as of today."""
        return sum(fine.amount for fine in self.fines)

    @property
    def accruing_total(self) -> int:
        """The part of :attr:`fines_total` still growing on late items not yet returned."""
        return sum(fine.amount for fine in self.fines if fine.accruing)

    @property
    def overdue_count(self) -> int:
        """How many current loans are past their due date."""
        return sum(1 for loan in self.loans if loan.overdue_days > 0)


# ----- receipts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptTextLine:
    """One line of a printed receipt, already in the patron's language, and its emphasis."""

    text: str
    bold: bool = False
    double_height: bool = False


@dataclass(frozen=True, slots=True)
class ReceiptText:
    """A receipt as plain text lines, ready for any printer (see ``ports.ReceiptPrinter``)."""

    title: str
    lines: tuple[ReceiptTextLine, ...] = ()


class PrintOutcome(StrEnum):
    """What became of a receipt sent to the printer."""

    PRINTED = "printed"
    OUT_OF_PAPER = "out_of_paper"
    NO_PRINTER = "no_printer"  # nothing answers at the configured URL
    FAILED = "failed"  # lost mid-print, or any other fault


@dataclass(frozen=True, slots=True)
class PrintReport:
    """The outcome of a print and one line for a technician: what, where, what to do."""

    outcome: PrintOutcome
    technician: str


# ----- a patron's saved settings -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preferences:
    """How a patron likes the kiosk: saved for their card, applied when it is identified.

    Plain values, so a preference saved by a newer kiosk (a theme this one does not have, a
    sixth rate step) never breaks an older one: what it does not know it leaves as it is.

    Attributes:
        language: a catalogue's language code (``"id"``, ``"en"``).
        text_size: a text-size step's name (``accessibility.themes``).
        theme: a colour theme's name.
        voice: voice guidance on.
        rate: speaking rate step, 1 = slowest.
        volume: volume step, 1 = quietest.
    """

    language: str
    text_size: str
    theme: str
    voice: bool
    rate: int
    volume: int
