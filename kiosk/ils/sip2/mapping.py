"""What SIP2 replies mean in the kiosk's terms: refusals, amounts, dates, sort bins, fines.

Pure functions over decoded :class:`~kiosk.ils.sip2.codec.Message` values, so every rule
of the mapping (docs/architecture.md, "SIP2") is unit-tested without a socket. The
backend (:mod:`kiosk.ils.sip2.backend`) asks; this module reads the answers.

Patron status (24/64 ``patron_status``, 14 Y/blank flags), as SIP2 2.00 numbers them::

    0 charge privileges denied     5 too many items charged    10 excessive fines
    1 renewal privileges denied    6 too many items overdue    11 excessive fees
    2 recall privileges denied     7 too many renewals         12 recall overdue
    3 hold privileges denied       8 too many claims returned  13 too many items billed
    4 card reported lost           9 too many items lost

Read in the demo library's order (LocalIls's ``block_reason``): BL N -> unknown card;
CQ N -> wrong PIN; card lost -> blocked; expiry (PA, an Evergreen/Koha extension) before
today -> card expired; fines or fees (10, 11) -> fines over the limit; charge denied (0)
-> blocked; too many items (5) -> too many items, for a new loan only.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from kiosk.core.model import Fine, FineReason, Refusal, SortBin
from kiosk.ils.sip2.codec import Message, parse_datetime

_log = logging.getLogger(__name__)

CHARGE_DENIED, RENEWAL_DENIED, CARD_LOST, TOO_MANY_CHARGED = 0, 1, 4, 5
TOO_MANY_RENEWALS, EXCESSIVE_FINES, EXCESSIVE_FEES = 7, 10, 11

# 18 circulation status (SIP2 2.00).
STATUS_OTHER, STATUS_AVAILABLE, STATUS_CHARGED, STATUS_CHARGED_NO_RECALL = "01", "03", "04", "05"
STATUS_HOLD_SHELF, STATUS_IN_TRANSIT = "08", "10"

FEE_REASONS = {"04": FineReason.OVERDUE, "06": FineReason.LOAN_FEE, "07": FineReason.LOST_ITEM}
"""SIP2 fee types (BT) the kiosk tells apart; every other one is :attr:`FineReason.OTHER`."""

_FINE_ITEM = re.compile(r"^(\S+)\s+(\d+(?:[.,]\d+)?)\s+(\d\d)\s+(.*)$")


def flags(message: Message) -> frozenset[int]:
    """The positions set (``Y``) in a 24/64 patron status."""
    status = message.fixed.get("patron_status", "")
    return frozenset(i for i, char in enumerate(status) if char.upper() == "Y")


def amount(text: str) -> int:
    """A SIP2 amount ("5000.00", "5000", " 12,50") in whole Rupiah, rounded half up.

    Blank or unreadable text is 0 (logged: the ILS sent something else than a number).
    """
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return 0
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        _log.warning("SIP2 amount %r is not a number; counted as 0", text[:20])
        return 0
    if not value.is_finite():
        return 0
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def local_date(text: str, tz: ZoneInfo) -> dt.date | None:
    """A SIP2 date (AH, PA, CM) as the library's calendar date; None when blank or unreadable."""
    if len(text) == 18 and text[8:12] == "    ":
        # The usual form (local time: blank zone), every due date: its calendar date is the
        # library's as it stands, whatever the zone; a day's loans share it, so it is read
        # once (an aware datetime and a zone conversion were a tenth of a check-out's work).
        known = _LOCAL_DATES.get(text, _UNREAD)
        if known is not _UNREAD:
            return known  # type: ignore[return-value]
        moment = parse_datetime(text, tz)
        day = moment.date() if moment is not None else None
        if len(_LOCAL_DATES) >= _LOCAL_DATES_MAX:
            _LOCAL_DATES.clear()
        _LOCAL_DATES[text] = day
        return day
    moment = parse_datetime(text, tz)
    return moment.astimezone(tz).date() if moment is not None else None


_UNREAD = object()
_LOCAL_DATES: dict[str, dt.date | None] = {}
_LOCAL_DATES_MAX = 1024


def patron_refusal(
    message: Message, today: dt.date, tz: ZoneInfo, *, verify_pin: bool, borrowing: bool = True
) -> Refusal | None:
    """Why a 24/64 answer keeps this patron from borrowing (or renewing), or None.

    Args:
        message: the 24 or 64 reply.
        today: the library's date.
        tz: the library's time zone (for PA).
        verify_pin: the kiosk checks PINs ([sip2] patron_verification = "pin"): CQ N refuses.
        borrowing: a new loan (the loan limit counts); False for a renewal, where "renewal
            privileges denied" (1) and "too many renewals" (7) count instead.
    """
    if message.flag("BL") is False:
        return Refusal.UNKNOWN_PATRON
    if verify_pin and message.flag("CQ") is False:
        return Refusal.WRONG_PIN
    set_ = flags(message)
    if CARD_LOST in set_:
        return Refusal.PATRON_BLOCKED
    expires = local_date(message.get("PA"), tz)
    if expires is not None and expires < today:
        return Refusal.CARD_EXPIRED
    if EXCESSIVE_FINES in set_ or EXCESSIVE_FEES in set_:
        return Refusal.FINES_OVER_LIMIT
    if borrowing:
        if CHARGE_DENIED in set_:
            return Refusal.PATRON_BLOCKED
        if TOO_MANY_CHARGED in set_:
            return Refusal.TOO_MANY_ITEMS
        return None
    if RENEWAL_DENIED in set_:
        return Refusal.PATRON_BLOCKED
    if TOO_MANY_RENEWALS in set_:
        return Refusal.RENEWAL_LIMIT
    return None


def item_known(message: Message) -> bool:
    """Whether an 18 describes an item the ILS has: unknown items come back as circulation
    status 01 with an empty title (Evergreen, and our own server)."""
    return not (message.fixed.get("circulation_status") == STATUS_OTHER and not message.get("AJ"))


def item_on_loan(message: Message) -> bool:
    """Whether an 18 says the item is charged (04, or 05: charged, not to be recalled yet)."""
    return message.fixed.get("circulation_status") in (STATUS_CHARGED, STATUS_CHARGED_NO_RECALL)


def item_held(message: Message) -> bool:
    """Whether an 18 says someone holds the item: on the hold shelf (08) or a queue (CF)."""
    queue = message.number("CF")
    return message.fixed.get("circulation_status") == STATUS_HOLD_SHELF or bool(queue)


def checkin_sort(message: Message, here: str) -> tuple[SortBin, str]:
    """Where a returned item goes (10): its sort bin and, for transit, the destination.

    CL names the bin: the demo library (and our server) sends SHELF, HOLD or TRANSIT; other
    ILSs send their own bin codes, so then CT (destination location) different from this
    kiosk's location means transit, and alert Y without it means the hold shelf (SIP2's
    alert is "this item needs attention": a hold or a transit).
    """
    sort_bin = message.get("CL").strip().upper()
    destination = message.get("CT").strip()
    if sort_bin == "TRANSIT":  # without CT, the item goes home: its permanent location
        return SortBin.TRANSIT, destination or message.get("AQ").strip()
    if sort_bin in ("HOLD", "HOLD_SHELF"):
        return SortBin.HOLD_SHELF, ""
    if sort_bin == "SHELF":
        return SortBin.SHELF, ""
    if destination and destination != here:
        return SortBin.TRANSIT, destination
    if message.flag("alert"):
        return SortBin.HOLD_SHELF, ""
    return SortBin.SHELF, ""


def fee_reason(fee_type: str) -> FineReason:
    """The kiosk's reason for a SIP2 fee type (BT, or the fee type of a fine item)."""
    return FEE_REASONS.get(fee_type.strip(), FineReason.OTHER)


def fines(message: Message, on_loan: frozenset[str]) -> tuple[Fine, ...]:
    """The fines of a 64 (AV items, and BV the total).

    Fine items in the demo library's form ``<barcode> <amount> <fee type> <title>`` (Koha's
    default ``av_field_template`` differs; any other text counts as one "other" fine with
    no amount of its own) become one :class:`Fine` each; a fine on an item still on loan
    (its barcode among ``on_loan``) is accruing. Whatever BV says beyond them is one
    "other" fine, so what is owed always matches the ILS's total.
    """
    found: list[Fine] = []
    for text in message.all("AV"):
        match = _FINE_ITEM.match(text.strip())
        if match is None:
            continue
        barcode, value, fee_type, title = match.groups()
        found.append(
            Fine(fee_reason(fee_type), amount(value), title.strip(), accruing=barcode in on_loan)
        )
    charged_total = sum(fine.amount for fine in found if not fine.accruing)
    total = amount(message.get("BV"))
    if total > charged_total:  # owed (BV counts charged fines) beyond the items listed
        found.append(Fine(FineReason.OTHER, total - charged_total))
    return tuple(found)
