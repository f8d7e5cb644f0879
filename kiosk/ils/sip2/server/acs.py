"""The answers of our SIP2 server (the ACS side): one request message in, one reply out.

Pure of sockets: :class:`Acs` turns a decoded request into its reply with a
:class:`~kiosk.ils.sip2.server.library.Library`; :mod:`kiosk.ils.sip2.server.listener`
does the bytes, the login state, checksums and resends. The mapping of a library onto
SIP2 (docs/architecture.md, "The SIP2 server"):

- 24/64 patron status: 14 flags (:class:`PatronFlag`), BL valid patron, CQ valid PIN
  (only when AD was sent), PA card expiry ``YYYYMMDD``, BV fines owed, CC fines limit,
  CB loan limit, BH ``IDR``, AF the library's own words. A wrong PIN tells nothing else.
- 12 check-out: ok 1 with AH due date; ok 0 for every refusal, AH only for an item already
  the patron's; a loan fee is ok 0 with BT 06, BV, BH until BO Y is sent.
- 10 check-in: alert Y for the hold shelf or transit, CL ``SHELF``/``HOLD``/``TRANSIT``,
  CT the branch for transit, AQ permanent location, BT 04 + BV for a late-return fine.
- 18 item information: status 03/04/08/01 (01 with no title: unknown), AH, CF queue
  length, CM pick-up date.
- Amounts are whole Rupiah written ``5000.00``; dates are the library's local time with a
  blank zone (due dates at 23:59:59 of their day).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from kiosk.core.model import CheckoutAnswer, FineReason, Refusal, RenewAnswer, SortBin
from kiosk.ils.sip2.codec import BLANK_DATE, Message, format_datetime, parse_datetime, request
from kiosk.ils.sip2.dates import format_due_date
from kiosk.ils.sip2.server.library import (
    FineItem,
    ItemInfo,
    Library,
    PatronStatus,
)

_log = logging.getLogger(__name__)

SUPPORTED = "YYYNYYYYYNYNNYYY"
"""SIP2 BX, in its order: patron status, check-out, check-in, block patron (N), status,
resend, login, patron information, end session, fee paid (N), item information, item
status update (N), patron enable (N), hold, renew, renew all."""
CURRENCY = "IDR"
SORT_BINS = {SortBin.SHELF: "SHELF", SortBin.HOLD_SHELF: "HOLD", SortBin.TRANSIT: "TRANSIT"}
FEE_TYPES = {
    FineReason.OVERDUE: "04",
    FineReason.LOAN_FEE: "06",
    FineReason.LOST_ITEM: "07",
    FineReason.OTHER: "01",
}


class Acs:
    """Answers every request a logged-in self-check machine may send.

    Args:
        library: the library behind the server.
    """

    def __init__(self, library: Library) -> None:
        self._library = library
        info = library.info()
        self._tz = info.timezone
        self._institution = info.institution
        self._name = info.name
        self._handlers: dict[str, Callable[[Message], Message]] = {
            "99": self._status,
            "23": self._patron_status,
            "63": self._patron_information,
            "17": self._item_information,
            "11": self._checkout,
            "09": self._checkin,
            "29": self._renew,
            "65": self._renew_all,
            "15": self._hold,
            "35": self._end_session,
        }

    def handles(self, code: str) -> bool:
        """Whether :meth:`answer` has a reply for messages with this code."""
        return code in self._handlers

    def answer(self, message: Message) -> Message:
        """The reply to ``message`` (a code :meth:`handles`).

        Raises:
            IlsUnavailable: the library failed; the caller logs it and answers nothing.
        """
        return self._handlers[message.code](message)

    # ----- helpers ------------------------------------------------------------------------

    def _now(self) -> str:
        return format_datetime(self._library.now(), self._tz)

    def _date(self, day: dt.date | None) -> str:
        return "" if day is None else format_due_date(day)

    def _when(self, message: Message, name: str) -> dt.datetime | None:
        """A fixed date field of the request, or None when blank or unreadable."""
        text = message.fixed.get(name, BLANK_DATE)
        return parse_datetime(text, self._tz) if text.strip() else None

    @staticmethod
    def _pin(message: Message) -> str | None:
        """The patron's PIN (AD) when the machine sent one; an empty AD is none."""
        return message.get("AD") or None

    # ----- 99 / 98 ------------------------------------------------------------------------

    def _status(self, message: Message) -> Message:
        return request(
            "98",
            [("AO", self._institution), ("AM", self._name), ("BX", SUPPORTED)],
            online_status="Y",
            checkin_ok="Y",
            checkout_ok="Y",
            acs_renewal_policy="Y",
            status_update_ok="N",
            offline_ok="Y",
            timeout_period="100",
            retries_allowed="003",
            date_time_sync=self._now(),
            protocol_version="2.00",
        )

    # ----- 23 / 24, 63 / 64 ---------------------------------------------------------------

    def _patron_fields(self, status: PatronStatus) -> list[tuple[str, str]]:
        fields = [("AO", self._institution), ("AA", status.card), ("AE", status.name)]
        fields.append(("BL", "Y" if status.known else "N"))
        if status.pin_ok is not None:
            fields.append(("CQ", "Y" if status.pin_ok else "N"))
        if status.identified and status.known:
            fields += [("BH", CURRENCY), ("BV", _amount(status.fines_owed))]
            if status.expires is not None:
                fields.append(("PA", status.expires.strftime("%Y%m%d")))
        if status.screen_message and status.identified:
            fields.append(("AF", status.screen_message))
        return fields

    @staticmethod
    def _flags(status: PatronStatus) -> str:
        return "".join("Y" if position in status.flags else " " for position in range(14))

    def _patron_status(self, message: Message) -> Message:
        status = self._library.patron_status(message.get("AA"), self._pin(message))
        return request(
            "24",
            self._patron_fields(status),
            patron_status=self._flags(status),
            language=message.fixed.get("language", "000"),
            transaction_date=self._now(),
        )

    def _patron_information(self, message: Message) -> Message:
        account = self._library.patron_account(message.get("AA"), self._pin(message))
        status = account.status
        summary = message.fixed.get("summary", "").ljust(10)
        start, end = _range(message.get("BP"), message.get("BQ"))
        fines = [_fine_text(fine) for fine in account.fines]
        lists: list[tuple[int, str, Iterable[str]]] = [
            (0, "AS", account.holds_ready),
            (1, "AT", account.overdue),
            (2, "AU", account.charged),
            (3, "AV", fines),
            (5, "CD", account.holds_waiting),
        ]
        fields = self._patron_fields(status)
        head, tail = fields[:3], fields[3:]
        if status.identified and status.known:
            head += [("CB", str(status.loan_limit or 0))]
            if status.fines_limit is not None:
                tail.append(("CC", _amount(status.fines_limit)))
        items: list[tuple[str, str]] = []
        for position, code, values in lists:
            if summary[position] == "Y":
                items += [(code, value) for value in list(values)[start:end]]
        return request(
            "64",
            head + tail + items,
            patron_status=self._flags(status),
            language=message.fixed.get("language", "000"),
            transaction_date=self._now(),
            hold_items_count=_count(len(account.holds_ready)),
            overdue_items_count=_count(len(account.overdue)),
            charged_items_count=_count(len(account.charged)),
            fine_items_count=_count(len(account.fines)),
            recall_items_count=_count(0),
            unavailable_holds_count=_count(len(account.holds_waiting)),
        )

    # ----- 17 / 18 ------------------------------------------------------------------------

    def _item_information(self, message: Message) -> Message:
        barcode = message.get("AB")
        item = self._library.item(barcode)
        if item is None:
            return request(
                "18",
                [("AB", barcode), ("AJ", "")],
                circulation_status="01",
                security_marker="00",
                fee_type="01",
                transaction_date=self._now(),
            )
        fields = [("CF", str(item.hold_queue))]
        if item.due is not None:
            fields.append(("AH", self._date(item.due)))
        if item.pickup_by is not None:
            fields.append(("CM", self._date(item.pickup_by)))
        fields += [("AB", item.barcode), ("AJ", item.title), ("BG", self._institution)]
        fields += _fee_fields(item)
        fields.append(("AQ", item.permanent_location))
        return request(
            "18",
            fields,
            circulation_status=item.status.value,
            security_marker="00",
            fee_type="06" if item.fee else "01",
            transaction_date=self._now(),
        )

    # ----- 11 / 12 ------------------------------------------------------------------------

    def _checkout(self, message: Message) -> Message:
        card, barcode = message.get("AA"), message.get("AB")
        no_block = message.fixed.get("no_block") == "Y"
        now = self._library.now()
        due: dt.date | None = None
        if no_block:
            now = self._when(message, "transaction_date") or now
            nb_due = self._when(message, "nb_due_date")
            due = nb_due.astimezone(self._tz).date() if nb_due is not None else None
        pin = self._pin(message)
        if pin is not None and not self._library.patron_status(card, pin).pin_ok:
            answer = CheckoutAnswer(barcode, refusal=Refusal.WRONG_PIN)
        else:
            # A no-block loan (made offline) charges its fee unasked: it has been lent.
            acknowledged = message.get("BO") == "Y" or no_block
            answer = self._library.checkout(
                card, barcode, now, fee_acknowledged=acknowledged, no_block_due=due
            )
        fields = [("AO", self._institution), ("AA", card), ("AB", barcode)]
        fields.append(("AJ", answer.title))
        if answer.loan is not None:
            fields.append(("AH", self._date(answer.loan.due)))
        elif answer.refusal is Refusal.ALREADY_YOURS:
            fields.append(("AH", self._date(answer.due)))
        else:
            fields.append(("AH", ""))
        if answer.fee:
            fields += [("BT", "06"), ("BH", CURRENCY), ("BV", _amount(answer.fee))]
        if answer.screen_message:
            fields.append(("AF", answer.screen_message))
        return request(
            "12",
            fields,
            ok="1" if answer.ok else "0",
            renewal_ok="N",
            magnetic_media="N",
            desensitize="Y" if answer.ok else "N",
            transaction_date=self._now(),
        )

    # ----- 09 / 10 ------------------------------------------------------------------------

    def _checkin(self, message: Message) -> Message:
        barcode = message.get("AB")
        no_block = message.fixed.get("no_block") == "Y"
        now = self._library.now()
        if no_block:
            now = (
                self._when(message, "return_date") or self._when(message, "transaction_date") or now
            )
        answer = self._library.checkin(barcode, now, no_block=no_block)
        item = self._library.item(barcode) if answer.ok or answer.title else None
        location = item.permanent_location if item is not None else ""
        fields = [("AO", self._institution), ("AB", barcode), ("AQ", location)]
        fields.append(("AJ", answer.title))
        alert = answer.sort in (SortBin.HOLD_SHELF, SortBin.TRANSIT)
        if answer.sort is not None:
            fields.append(("CL", SORT_BINS[answer.sort]))
        if answer.sort is SortBin.TRANSIT and answer.destination:
            fields.append(("CT", answer.destination))
        if answer.fine:
            fields += [("BT", "04"), ("BH", CURRENCY), ("BV", _amount(answer.fine))]
        if answer.screen_message:
            fields.append(("AF", answer.screen_message))
        return request(
            "10",
            fields,
            ok="1" if answer.ok else "0",
            resensitize="Y" if answer.ok else "N",
            magnetic_media="N",
            alert="Y" if alert else "N",
            transaction_date=self._now(),
        )

    # ----- 29 / 30, 65 / 66 ---------------------------------------------------------------

    def _renew(self, message: Message) -> Message:
        card, barcode = message.get("AA"), message.get("AB")
        pin = self._pin(message)
        if not barcode:
            answer = RenewAnswer(barcode, Refusal.UNKNOWN_ITEM)
        elif pin is not None and not self._library.patron_status(card, pin).pin_ok:
            answer = RenewAnswer(barcode, Refusal.WRONG_PIN)
        else:
            answer = self._library.renew(card, barcode, self._library.now())
        fields = [("AO", self._institution), ("AA", card), ("AB", barcode)]
        fields += [("AJ", answer.title), ("AH", self._date(answer.due))]
        if answer.screen_message:
            fields.append(("AF", answer.screen_message))
        return request(
            "30",
            fields,
            ok="1" if answer.ok else "0",
            renewal_ok="Y" if answer.ok else "N",
            magnetic_media="N",
            desensitize="N",
            transaction_date=self._now(),
        )

    def _renew_all(self, message: Message) -> Message:
        card = message.get("AA")
        status = self._library.patron_status(card, self._pin(message))
        answers = self._library.renew_all(card, self._library.now()) if status.identified else []
        renewed = [a.item_barcode for a in answers if a.ok]
        unrenewed = [a.item_barcode for a in answers if not a.ok]
        fields = [("AO", self._institution)]
        fields += [("BM", barcode) for barcode in renewed]
        fields += [("BN", barcode) for barcode in unrenewed]
        return request(
            "66",
            fields,
            ok="1" if status.identified else "0",
            renewed_count=_count(len(renewed)),
            unrenewed_count=_count(len(unrenewed)),
            transaction_date=self._now(),
        )

    # ----- 15 / 16, 35 / 36 ---------------------------------------------------------------

    def _hold(self, message: Message) -> Message:
        card, barcode = message.get("AA"), message.get("AB")
        answer = self._library.hold(card, barcode, self._library.now())
        fields = [("AO", self._institution), ("AA", card)]
        if barcode:
            fields.append(("AB", barcode))
        if answer.queue_position is not None:
            fields.insert(0, ("BR", str(answer.queue_position)))
        if answer.screen_message:
            fields.append(("AF", answer.screen_message))
        return request(
            "16",
            fields,
            ok="1" if answer.ok else "0",
            available="N",
            transaction_date=self._now(),
        )

    def _end_session(self, message: Message) -> Message:
        card = message.get("AA")
        self._library.end_session(card)
        return request(
            "36",
            [("AO", self._institution), ("AA", card)],
            end_session="Y",
            transaction_date=self._now(),
        )


def _amount(rupiah: int) -> str:
    """Whole Rupiah as SIP2 decimal text: 5000 -> ``5000.00``."""
    return f"{rupiah}.00"


def _count(n: int) -> str:
    """A 4-digit SIP2 count (9999 at most)."""
    return f"{min(n, 9999):04d}"


def _range(start: str, end: str) -> tuple[int, int | None]:
    """BP/BQ (1-based, inclusive) as a slice; all items when absent or unreadable."""
    first = int(start) if start.strip().isdigit() else 1
    last = int(end) if end.strip().isdigit() else None
    return max(first, 1) - 1, last


def _fine_text(fine: FineItem) -> str:
    """One AV entry: ``<barcode or -> <amount> <fee type> <title>``."""
    barcode = fine.item_barcode or "-"
    return f"{barcode} {_amount(fine.amount)} {FEE_TYPES[fine.reason]} {fine.title}".rstrip()


def _fee_fields(item: ItemInfo) -> list[tuple[str, str]]:
    if not item.fee:
        return []
    return [("BH", CURRENCY), ("BV", _amount(item.fee))]
