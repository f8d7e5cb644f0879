"""``Sip2Ils``: the kiosk's :class:`~kiosk.core.ports.IlsBackend` over SIP2 2.00.

Each port call is one or a few requests on the kiosk's one
:class:`~kiosk.ils.sip2.connection.Sip2Connection`; :mod:`kiosk.ils.sip2.mapping` reads the
replies. What each call sends:

=================  ===========================================================================
check_patron       63 (patron information, no details): flags, BL, CQ, name, counts, CB, AF
checkout           11 (BO Y once the fee is accepted; no block + nb due date for a replay);
                   a refusal (12 ok 0) is classified with 17 (the item) and 63 (the patron)
checkin            09 (no block + return date for a replay)
renew / renew_all  29 / 65, then 17 per item (title, due date) and to classify refusals
account            63 per category with items (charged, holds, unavailable holds, fines;
                   SIP2 wants one category per request), then 17 per listed item
item_status        17
end_session        35 (optional; the kiosk's flow does not need it)
=================  ===========================================================================

Never lend an item twice: when a check-out's answer is lost (the connection dropped after
the 11 was sent, or no answer in time), the item is asked about (17) on a fresh connection
before anything else. On loan (to this patron, when the ILS lists the patron's items) means
it was lent: the loan is reported. Not on loan means it was not: the 11 is sent once more.
If that cannot be found out, :class:`~kiosk.core.ports.IlsUnavailable` (never
``IlsUnreachable``: the first 11 may have been done) leaves it to reconciliation.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from kiosk.core.clock import SystemClock
from kiosk.core.model import (
    Account,
    AccountHold,
    AccountLoan,
    CheckinAnswer,
    CheckoutAnswer,
    ItemStatus,
    Loan,
    Patron,
    PatronCheck,
    Refusal,
    RenewAnswer,
)
from kiosk.core.ports import Clock, IlsUnavailable, IlsUnreachable
from kiosk.ils.sip2 import mapping
from kiosk.ils.sip2.codec import BLANK_DATE, Message, format_datetime, request
from kiosk.ils.sip2.connection import Sip2Connection
from kiosk.ils.sip2.dates import format_due_date
from kiosk.ils.sip2.writer import RequestWriter

_log = logging.getLogger(__name__)

FEES_ASK, FEES_REFUSE = "ask", "refuse"
NB_DUE_LOAN_DAYS, NB_DUE_BLANK = "loan_days", "blank"
# 63 summary positions (SIP2 2.00): which list of items the reply details.
HOLDS, OVERDUE, CHARGED, FINES, RECALLS, UNAVAILABLE_HOLDS = range(6)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _read_only(
    method: Callable[Concatenate[Sip2Ils, _P], _R],
) -> Callable[Concatenate[Sip2Ils, _P], _R]:
    """A call that changes nothing in the ILS: a lost answer is as harmless as a request
    never sent, so it is raised as ``IlsUnreachable`` and the kiosk may act offline at once
    (patron trial: a hung ILS turned the first patron away before offline mode began)."""

    @functools.wraps(method)
    def read(self: Sip2Ils, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except IlsUnreachable:
            raise
        except IlsUnavailable as err:
            raise IlsUnreachable(f"{err} (a read: nothing was changed)") from err

    return read


@dataclass(frozen=True, slots=True)
class Sip2Policy:
    """What the kiosk sends on top of the connection, per library ([sip2] in the config).

    Attributes:
        institution: AO, the institution id the ILS expects.
        terminal_password: AC, when the ILS checks it (most ignore it).
        location: AP, the current location sent with a check-in.
        verify_pin: the ILS checks PINs: CQ N refuses the patron ("pin"); with "none" the
            PIN is not sent and CQ is ignored.
        fees: "ask" (a loan fee is asked of the patron, then BO Y) or "refuse" (items with a
            fee are never lent here).
        nb_due_date: what the check-out's and renewal's nb due date says when not replaying:
            "loan_days" (today + ``loan_days``; strict servers such as pysip2 drop a blank
            one) or "blank" (18 spaces, what many self-checks send).
        loan_days: see ``nb_due_date``.
        language: the 3-digit SIP2 language code sent with 23/63 (000: unknown).
    """

    institution: str = ""
    terminal_password: str = field(default="", repr=False)
    location: str = ""
    verify_pin: bool = True
    fees: str = FEES_ASK
    nb_due_date: str = NB_DUE_LOAN_DAYS
    loan_days: int = 14
    language: str = "000"


class Sip2Ils:
    """The library's ILS over SIP2. Calls may come from any thread (the connection
    serialises them).

    Args:
        connection: the kiosk's one connection to the ACS.
        policy: institution, PIN checks, fee and due-date policies.
        timezone: the library's time zone (SIP2 dates without a zone are in it).
        clock: the kiosk's clock, for "today" and transaction dates.
    """

    def __init__(
        self,
        connection: Sip2Connection,
        policy: Sip2Policy,
        timezone: ZoneInfo,
        clock: Clock | None = None,
    ) -> None:
        self.connection = connection
        self.policy = policy
        self._tz = timezone
        self._clock: Clock = clock or SystemClock()
        # The default nb due date and the moments between which it holds (the library's
        # day it was written for): it changes once a day, and writing it (today in the
        # library's zone, date arithmetic, formatting) was a tenth of a check-out's work.
        self._default_nb_due: tuple[dt.datetime | None, dt.datetime | None, str] = (
            None,
            None,
            "",
        )
        # The check-out's shape, checked against its layout once (not per loan).
        self._checkout_writer = RequestWriter(
            "11",
            ("sc_renewal_policy", "no_block", "transaction_date", "nb_due_date"),
            ("AO", "AA", "AB", "AC", "BO"),
            encoding=connection.options.encoding,
        )

    def close(self) -> None:
        """Close the connection (the kiosk is stopping)."""
        self.connection.close()

    # ----- helpers ----------------------------------------------------------------------

    def _now(self) -> str:
        return format_datetime(self._clock.now(), self._tz)

    def _today(self) -> dt.date:
        return self._clock.now().astimezone(self._tz).date()

    def _ask(self, code: str, fields: Iterable[tuple[str, str]], **fixed: str) -> Message:
        return self.connection.request(request(code, fields, **fixed))

    def _patron_info(
        self, card: str, pin: str | None = None, summary: int | None = None
    ) -> Message:
        """63 for ``card``: flags and counts, and the items of one ``summary`` category;
        with ``pin`` (even empty) AD is sent, when the kiosk checks PINs."""
        wanted = [" "] * 10
        if summary is not None:
            wanted[summary] = "Y"
        fields = [("AO", self.policy.institution), ("AA", card),
                  ("AC", self.policy.terminal_password)]  # fmt: skip
        if pin is not None and self.policy.verify_pin:
            fields.append(("AD", pin))
        return self._ask(
            "63",
            fields,
            language=self.policy.language,
            transaction_date=self._now(),
            summary="".join(wanted),
        )

    def _item_info(self, item: str) -> Message:
        fields = [("AO", self.policy.institution), ("AB", item),
                  ("AC", self.policy.terminal_password)]  # fmt: skip
        return self._ask("17", fields, transaction_date=self._now())

    def _date(self, text: str) -> dt.date | None:
        return mapping.local_date(text, self._tz)

    def _nb_due(self, due: dt.date | None) -> str:
        if due is not None:
            return format_due_date(due)
        if self.policy.nb_due_date == NB_DUE_BLANK:
            return BLANK_DATE
        now = self._clock.now()
        since, until, text = self._default_nb_due
        if since is None or until is None or not since <= now < until:
            today = now.astimezone(self._tz).date()
            default_due = today + dt.timedelta(days=self.policy.loan_days)
            text = format_due_date(default_due)
            # In the clock's own zone (UTC): comparing datetimes of one tzinfo needs no
            # offset lookups, which took most of this method's time.
            zone = now.tzinfo
            since = dt.datetime.combine(today, dt.time(), self._tz).astimezone(zone)
            until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), self._tz)
            until = until.astimezone(zone)
            self._default_nb_due = (since, until, text)
        return text

    # ----- patrons ----------------------------------------------------------------------

    @_read_only
    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        """63 with the PIN (AD): the patron, or why not, and the ILS's message (AF).

        Raises:
            IlsUnreachable: the ILS could not be reached; nothing was asked.
            IlsUnavailable: no answer.
        """
        reply = self._patron_info(barcode, pin)
        said = reply.text("AF")
        known = reply.flag("BL") is not False
        if self.policy.verify_pin and known and reply.flag("CQ") is None:
            # The ILS did not say the PIN is right (some skip the check for an empty one):
            # only CQ Y lets a card in while the kiosk checks PINs.
            _log.warning(
                "SIP2: the ILS did not say whether the PIN of card ...%s is right (no CQ); "
                'set [sip2] patron_verification = "none" if it does not check PINs',
                barcode[-4:],
            )
            return PatronCheck(None, Refusal.WRONG_PIN, said)
        refusal = mapping.patron_refusal(
            reply, self._today(), self._tz, verify_pin=self.policy.verify_pin
        )
        if refusal in (Refusal.UNKNOWN_PATRON, Refusal.WRONG_PIN):
            return PatronCheck(None, refusal, said)
        patron = Patron(
            barcode,
            reply.get("AE").strip(),
            loans_count=reply.number("charged_items_count") or 0,
            loan_limit=reply.number("CB") or 0,
        )
        return PatronCheck(patron, refusal, said)

    @_read_only
    def identify_patron(self, barcode: str) -> PatronCheck:
        """63 without a PIN (no AD): the patron's name, ``UNKNOWN_PATRON`` for BL N,
        ``CARD_EXPIRED`` (with the patron) for a card past its expiry date (PA).

        Raises:
            IlsUnreachable: the ILS could not be reached; nothing was asked.
            IlsUnavailable: no answer.
        """
        reply = self._patron_info(barcode)
        said = reply.text("AF")
        if reply.flag("BL") is False:
            return PatronCheck(None, Refusal.UNKNOWN_PATRON, said)
        expires = mapping.local_date(reply.get("PA"), self._tz)
        expired = Refusal.CARD_EXPIRED if expires is not None and expires < self._today() else None
        patron = Patron(
            barcode,
            reply.get("AE").strip(),
            loans_count=reply.number("charged_items_count") or 0,
            loan_limit=reply.number("CB") or 0,
        )
        return PatronCheck(patron, expired, said)

    def end_session(self, barcode: str) -> bool:
        """35: tell the ILS the patron's session ended; whether it said so (36 Y)."""
        fields = [("AO", self.policy.institution), ("AA", barcode),
                  ("AC", self.policy.terminal_password)]  # fmt: skip
        reply = self._ask("35", fields, transaction_date=self._now())
        return reply.flag("end_session") is True

    # ----- check-out --------------------------------------------------------------------

    def checkout(
        self,
        patron_barcode: str,
        item_barcode: str,
        now: dt.datetime,
        fee_acknowledged: bool = False,
        no_block_due: dt.date | None = None,
    ) -> CheckoutAnswer:
        """11; a lost answer is settled by asking about the item before trying again.

        Raises:
            IlsUnreachable: not sent (the ILS is down): certainly not lent.
            IlsUnavailable: the item may or may not have been lent.
        """
        try:
            reply = self._checkout_request(
                patron_barcode, item_barcode, now, fee_acknowledged, no_block_due
            )
        except IlsUnreachable:
            raise
        except IlsUnavailable as lost:
            _log.warning(
                "SIP2: the answer to the check-out of item %s was lost (%s); asking the ILS "
                "about the item before trying again",
                item_barcode,
                lost,
            )
            settled = self._settle_lost_checkout(patron_barcode, item_barcode, now, lost)
            if settled is not None:
                return settled
            reply = self._checkout_request(
                patron_barcode, item_barcode, now, fee_acknowledged, no_block_due, retry=True
            )
        return self._checkout_answer(reply, patron_barcode, item_barcode, now, fee_acknowledged)

    def _checkout_request(
        self,
        patron: str,
        item: str,
        now: dt.datetime,
        fee_acknowledged: bool,
        no_block_due: dt.date | None,
        retry: bool = False,
    ) -> Message:
        acknowledge = fee_acknowledged or no_block_due is not None
        if self.policy.fees == FEES_REFUSE and no_block_due is None:
            acknowledge = False
        policy = self.policy
        body = self._checkout_writer.body(
            (
                "N",  # sc_renewal_policy
                "Y" if no_block_due is not None else "N",  # no_block
                format_datetime(now, self._tz),  # transaction_date
                self._nb_due(no_block_due),
            ),
            (policy.institution, patron, item, policy.terminal_password,
             "Y" if acknowledge else "N"),
        )  # fmt: skip
        try:
            return self.connection.request_body("11", body)
        except IlsUnavailable as err:
            if retry:  # the first 11 may have been done: never "certainly not sent"
                raise IlsUnavailable(str(err)) from err
            raise

    def _settle_lost_checkout(
        self, patron: str, item: str, now: dt.datetime, lost: IlsUnavailable
    ) -> CheckoutAnswer | None:
        """After a lost 11: the loan if the ILS shows it was made, None if it certainly was
        not (so the 11 may be sent again).

        Raises:
            IlsUnavailable: the ILS cannot tell now; reconciliation will ask later.
        """
        if not self.connection.supports("17"):
            raise IlsUnavailable(f"{lost}; the ILS has no item information (17) to check")
        try:
            info = self._item_info(item)
        except IlsUnavailable as err:
            raise IlsUnavailable(f"{lost}; asking about the item failed too: {err}") from err
        if not mapping.item_on_loan(info):
            return None
        due = self._date(info.get("AH"))
        try:
            charged = self._patron_info(patron, summary=CHARGED).all("AU")
        except IlsUnavailable:
            charged = []
        if charged and item not in charged:
            return self._refuse(item, Refusal.ON_LOAN_TO_ANOTHER, info.get("AJ"))
        if due is None:
            raise IlsUnavailable(f"{lost}; the item is on loan but the ILS gives no due date")
        title = info.get("AJ")
        loan = Loan(patron, item, title, "", due, now)
        _log.info("SIP2: item %s was lent before the answer was lost; reported once", item)
        return CheckoutAnswer(item, loan=loan, title=title)

    def _checkout_answer(
        self, reply: Message, patron: str, item: str, now: dt.datetime, fee_acknowledged: bool
    ) -> CheckoutAnswer:
        said = reply.text("AF")
        title = reply.get("AJ")
        fee = mapping.amount(reply.get("BV"))
        if reply.flag("ok"):
            due = self._date(reply.get("AH"))
            if due is None:
                due = self._today() + dt.timedelta(days=self.policy.loan_days)
                _log.warning(
                    "SIP2: item %s lent without a readable due date (AH %r); shown as %s",
                    item,
                    reply.get("AH")[:20],
                    due,
                )
            loan = Loan(patron, item, title, "", due, now)
            return CheckoutAnswer(item, loan=loan, title=title, fee=fee, screen_message=said)
        if fee > 0 and not fee_acknowledged:
            if self.policy.fees == FEES_REFUSE:
                return self._refuse(item, Refusal.ILS_REFUSED, title, said=said)
            return self._refuse(item, Refusal.FEE_REQUIRED, title, said=said, fee=fee)
        return self._classify_checkout_refusal(reply, patron, item, title, said)

    def _classify_checkout_refusal(
        self, reply: Message, patron: str, item: str, title: str, said: str
    ) -> CheckoutAnswer:
        """Why 12 said no: the item (17) first, then the patron (63), as the ILS decides."""
        info = self._item_info(item) if self.connection.supports("17") else None
        if info is not None:
            title = title or info.get("AJ")
            if not mapping.item_known(info):
                return self._refuse(item, Refusal.UNKNOWN_ITEM, title, said=said)
            if mapping.item_on_loan(info):
                due = self._date(reply.get("AH")) or self._date(info.get("AH"))
                if reply.get("AH").strip():
                    return self._refuse(item, Refusal.ALREADY_YOURS, title, said=said, due=due)
                return self._refuse(item, Refusal.ON_LOAN_TO_ANOTHER, title, said=said)
            if mapping.item_held(info):
                return self._refuse(item, Refusal.ON_HOLD_FOR_ANOTHER, title, said=said)
        patron_reply = self._patron_info(patron)
        refusal = mapping.patron_refusal(patron_reply, self._today(), self._tz, verify_pin=False)
        if refusal is not None:
            return self._refuse(item, refusal, title, said=said or patron_reply.text("AF"))
        if info is not None and info.fixed.get("circulation_status") == mapping.STATUS_OTHER:
            return self._refuse(item, Refusal.NOT_LOANABLE, title, said=said)
        return self._refuse(item, Refusal.ILS_REFUSED, title, said=said)

    @staticmethod
    def _refuse(
        item: str,
        refusal: Refusal,
        title: str = "",
        *,
        said: str = "",
        due: dt.date | None = None,
        fee: int = 0,
    ) -> CheckoutAnswer:
        return CheckoutAnswer(
            item, refusal=refusal, title=title, due=due, fee=fee, screen_message=said
        )

    # ----- check-in ---------------------------------------------------------------------

    def checkin(self, item_barcode: str, now: dt.datetime, no_block: bool = False) -> CheckinAnswer:
        """09: the return, its fine (BV with BT 04) and where the item goes (CL, CT, alert).

        Raises:
            IlsUnreachable: not sent.
            IlsUnavailable: the item may or may not be returned.
        """
        when = format_datetime(now, self._tz)
        fields = [("AP", self.policy.location), ("AO", self.policy.institution),
                  ("AB", item_barcode), ("AC", self.policy.terminal_password)]  # fmt: skip
        reply = self._ask(
            "09",
            fields,
            no_block="Y" if no_block else "N",
            transaction_date=when,
            return_date=when,
        )
        title = reply.get("AJ")
        said = reply.text("AF")
        if reply.flag("ok"):
            sort, destination = mapping.checkin_sort(reply, self.policy.location)
            fine = mapping.amount(reply.get("BV"))
            return CheckinAnswer(item_barcode, None, title, fine, sort, destination, said)
        refusal = Refusal.ILS_REFUSED
        info = self._item_info(item_barcode) if self.connection.supports("17") else None
        if info is not None:
            title = title or info.get("AJ")
            if not mapping.item_known(info):
                refusal = Refusal.UNKNOWN_ITEM
            elif not mapping.item_on_loan(info):
                refusal = Refusal.NOT_ON_LOAN
        return CheckinAnswer(item_barcode, refusal, title, screen_message=said)

    # ----- renewals ---------------------------------------------------------------------

    def renew(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> RenewAnswer:
        """29: the new due date, or why not (17 and 63 classify a refusal).

        Raises:
            IlsUnavailable: no answer; the loan may or may not be renewed.
        """
        fields = [("AO", self.policy.institution), ("AA", patron_barcode),
                  ("AB", item_barcode), ("AC", self.policy.terminal_password),
                  ("BO", "N")]  # fmt: skip
        reply = self._ask(
            "29",
            fields,
            third_party_allowed="N",
            no_block="N",
            transaction_date=format_datetime(now, self._tz),
            nb_due_date=self._nb_due(None),
        )
        title = reply.get("AJ")
        due = self._date(reply.get("AH"))
        said = reply.text("AF")
        if reply.flag("ok"):
            return RenewAnswer(item_barcode, None, title, due, None, said)
        refusal, title, due = self._renewal_refusal(patron_barcode, item_barcode, title, due)
        return RenewAnswer(item_barcode, refusal, title, due, None, said)

    def _renewal_refusal(
        self,
        patron: str,
        item: str,
        title: str,
        due: dt.date | None,
        asked: dict[str, Message] | None = None,
    ) -> tuple[Refusal, str, dt.date | None]:
        """Why a renewal was refused (17, then the patron's 63, asked once per ``asked``)."""
        info = self._item_info(item) if self.connection.supports("17") else None
        if info is not None:
            title = title or info.get("AJ")
            due = due or self._date(info.get("AH"))
            if not mapping.item_known(info):
                return Refusal.UNKNOWN_ITEM, title, None
            if not mapping.item_on_loan(info):
                return Refusal.NOT_ON_LOAN, title, None
        asked = {} if asked is None else asked
        if patron not in asked:
            asked[patron] = self._patron_info(patron, summary=CHARGED)
        patron_reply = asked[patron]
        refusal = mapping.patron_refusal(
            patron_reply, self._today(), self._tz, verify_pin=False, borrowing=False
        )
        if refusal is not None:
            return refusal, title, due
        charged = patron_reply.all("AU")
        if charged and item not in charged:
            return Refusal.ON_LOAN_TO_ANOTHER, title, None
        if due is not None and due < self._today():
            return Refusal.ITEM_OVERDUE, title, due
        if info is not None and mapping.item_held(info):
            return Refusal.ON_HOLD_FOR_ANOTHER, title, due
        return Refusal.RENEWAL_LIMIT, title, due

    def renew_all(self, patron_barcode: str, now: dt.datetime) -> list[RenewAnswer]:
        """65: one answer per loan; 17 per item for its title and due date.

        Raises:
            IlsUnavailable: no answer.
        """
        fields = [("AO", self.policy.institution), ("AA", patron_barcode),
                  ("AC", self.policy.terminal_password), ("BO", "N")]  # fmt: skip
        reply = self._ask("65", fields, transaction_date=format_datetime(now, self._tz))
        said = reply.text("AF")
        answers: list[RenewAnswer] = []
        for item in reply.all("BM"):
            title, due = self._title_and_due(item)
            answers.append(RenewAnswer(item, None, title, due, None, said))
        asked: dict[str, Message] = {}  # the patron's 63, once for every unrenewed item
        for item in reply.all("BN"):
            refusal, title, due = self._renewal_refusal(patron_barcode, item, "", None, asked)
            answers.append(RenewAnswer(item, refusal, title, due, None, said))
        return answers

    def _title_and_due(self, item: str) -> tuple[str, dt.date | None]:
        if not self.connection.supports("17"):
            return "", None
        info = self._item_info(item)
        return info.get("AJ"), self._date(info.get("AH"))

    # ----- account ----------------------------------------------------------------------

    @_read_only
    def account(self, patron_barcode: str, now: dt.datetime) -> Account:
        """63 per category that has items, then 17 per item. Changes nothing.

        Raises:
            IlsUnavailable: no answer.
        """
        today = now.astimezone(self._tz).date()
        first = self._patron_info(patron_barcode, summary=CHARGED)
        if first.flag("BL") is False:
            return Account(patron_barcode, refusal=Refusal.UNKNOWN_PATRON)
        loans: list[AccountLoan] = []
        for item in first.all("AU"):
            title, due = self._title_and_due(item)
            if due is None:
                _log.warning("SIP2: loan of item %s has no readable due date; not listed", item)
                continue
            overdue = max(0, (today - due).days)
            loans.append(AccountLoan(item, title, "", due, overdue_days=overdue))
        ready: list[AccountHold] = []
        if first.number("hold_items_count"):
            for item in self._patron_info(patron_barcode, summary=HOLDS).all("AS"):
                ready.append(self._hold(item, ready=True))
        waiting: list[AccountHold] = []
        if first.number("unavailable_holds_count"):
            listed = self._patron_info(patron_barcode, summary=UNAVAILABLE_HOLDS).all("CD")
            waiting.extend(self._hold(item, ready=False) for item in listed)
        fines_reply = first
        if first.number("fine_items_count"):
            fines_reply = self._patron_info(patron_barcode, summary=FINES)
        on_loan = frozenset(loan.item_barcode for loan in loans)
        return Account(
            patron_barcode,
            loans=tuple(loans),
            holds_ready=tuple(ready),
            holds_waiting=tuple(waiting),
            fines=mapping.fines(fines_reply, on_loan),
        )

    def _hold(self, item: str, *, ready: bool) -> AccountHold:
        """A hold listed by barcode (AS, CD): its title and pick-up date from 17. Some ILSs
        list titles instead of barcodes; an item the ILS does not know is shown as listed."""
        if not self.connection.supports("17"):
            return AccountHold(item, ready)
        info = self._item_info(item)
        if not mapping.item_known(info):
            return AccountHold(item, ready)
        pickup = self._date(info.get("CM")) if ready else None
        return AccountHold(info.get("AJ"), ready, pickup_by=pickup)

    # ----- items ------------------------------------------------------------------------

    @_read_only
    def item_status(self, item_barcode: str) -> ItemStatus | None:
        """17: on loan (circulation status 04/05) and due when; None for an unknown item.
        SIP2 does not say who has it.

        Raises:
            IlsUnavailable: no answer.
        """
        info = self._item_info(item_barcode)
        if not mapping.item_known(info):
            return None
        on_loan = mapping.item_on_loan(info)
        due = self._date(info.get("AH")) if on_loan else None
        return ItemStatus(item_barcode, info.get("AJ"), "", on_loan=on_loan, due=due)
