"""An independent SIP2 server for the interop tests: pysip2 (PyPI) serving the demo library.

Run as a script in its own process (so a test can SIGKILL it)::

    python tests/integration/sip2/pysip2_acs.py LIBRARY.sqlite3 PORT_FILE [--port N]

It opens the demo library (LocalIls) at LIBRARY, serves it on 127.0.0.1 (an ephemeral port
unless --port) and writes the port to PORT_FILE once it listens. The handlers below are
ours; pysip2 does the framing, checksums, 96/97 and login gating, strictly: CR only, no
blank dates, every field ends with "|". They follow the mapping of the demo library onto
SIP2 (docs/architecture.md, "SIP2"), as far as pysip2's models allow (no PA, no CL/CT: the
check-in's sort bin goes in AF only when it is a transit or hold).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from pysip2 import (
    CHECKIN,
    CHECKOUT,
    END_PATRON_SESSION,
    ITEM_INFORMATION,
    LOGIN,
    PATRON_INFORMATION,
    PATRON_STATUS,
    RENEW,
    RENEW_ALL,
    SC_STATUS,
    CheckinResponse,
    CheckoutResponse,
    EndSessionResponse,
    ItemInformationResponse,
    LoginResponse,
    PatronInformationResponse,
    PatronStatusResponse,
    RenewAllResponse,
    RenewResponse,
    SIP2Server,
)
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core.model import Refusal, SortBin
from kiosk.ils.local import LocalIls, demo_data, rules
from kiosk.ils.local.schema import HoldRow, ItemRow, LoanRow, PatronRow

USER, PASSWORD = "kiosk", "kiosk-demo"
INSTITUTION = str(demo_data.INSTITUTION)
TZ = ZoneInfo("Asia/Jakarta")
FLAGS = {
    Refusal.PATRON_BLOCKED: (0, 1),
    Refusal.CARD_EXPIRED: (0, 1),
    Refusal.FINES_OVER_LIMIT: (0, 1, 10),
    Refusal.TOO_MANY_ITEMS: (5,),
}


SORT_BINS = {SortBin.SHELF: "SHELF", SortBin.HOLD_SHELF: "HOLD", SortBin.TRANSIT: "TRANSIT"}


def sip_date(value: dt.datetime | dt.date) -> str:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=TZ)
    value = value.astimezone(TZ)
    return value.strftime("%Y%m%d") + "    " + value.strftime("%H%M%S")


def parse_date(text: str) -> dt.datetime | None:
    text = text.strip()
    if len(text) != 18:
        return None
    return dt.datetime.strptime(text[:8] + text[12:], "%Y%m%d%H%M%S").replace(tzinfo=TZ)


def money(amount: int) -> str:
    return f"{amount}.00"


class Library:
    """The demo library's file, read directly for what LocalIls does not answer without a PIN."""

    def __init__(self, path: Path) -> None:
        self.ils = LocalIls.open(path)
        engine = create_engine(f"sqlite:///{path}")
        self.sessions = sessionmaker(engine)

    def today(self) -> dt.date:
        return dt.datetime.now(TZ).date()

    def patron(self, session: Session, card: str) -> PatronRow | None:
        return session.scalar(select(PatronRow).where(PatronRow.barcode == card))

    def item(self, session: Session, barcode: str) -> ItemRow | None:
        return session.scalar(select(ItemRow).where(ItemRow.barcode == barcode))


def build(library: Library) -> SIP2Server:
    app = SIP2Server(
        encoding="utf-8",
        institution_id=INSTITUTION,
        library_name="Perpustakaan Kota (demo)",
        login_required=True,
    )

    @app.route(LOGIN)
    def login(req: Any, ctx: Any) -> LoginResponse:
        ok = req.login_user_id == USER and req.login_password == PASSWORD
        return LoginResponse(ok="1" if ok else "0")

    @app.route(SC_STATUS)
    def status(req: Any, ctx: Any) -> Any:
        return app.build_acs_status(req)

    def patron_fields(card: str, pin: str | None) -> dict[str, Any]:
        """What 23 and 64 share: flags, BL, CQ, name, fees, AF, and the patron row's facts."""
        out: dict[str, Any] = {"flags": [" "] * 14, "known": False, "name": "", "said": ()}
        check = library.ils.check_patron(card, pin) if pin else None
        with library.sessions() as session:
            row = library.patron(session, card)
            if row is None:
                out["flags"][0:4] = ["Y"] * 4
                out["valid"], out["cq"] = "N", ("N" if pin else None)
                return out
            out["known"] = True
            out["valid"] = "Y"
            out["cq"] = None if pin is None else ("N" if check and not check.patron else "Y")
            if out["cq"] == "N":
                return out
            out["name"] = row.name
            reason = rules.block_reason(session, row, library.today())
            for flag in FLAGS.get(reason, ()) if reason else ():
                out["flags"][flag] = "Y"
            if reason is Refusal.PATRON_BLOCKED:
                out["said"] = (demo_data.BLOCKED_MESSAGE,)
            out["fees"] = rules.charged(session, row.id)
            out["count"] = rules.loans_count(session, row.id)
            out["limit"] = row.loan_limit
            out["id"] = row.id
        return out

    @app.route(PATRON_STATUS)
    def patron_status(req: Any, ctx: Any) -> PatronStatusResponse:
        info = patron_fields(req.patron_identifier, req.patron_password or None)
        return PatronStatusResponse(
            patron_status="".join(info["flags"]),
            language="000",
            transaction_date=ctx.now_18(),
            institution_id=INSTITUTION,
            patron_identifier=req.patron_identifier,
            personal_name=info["name"],
            valid_patron=info["valid"],
            valid_patron_password=info["cq"],
            currency_type="IDR" if "fees" in info else None,
            fee_amount=money(info["fees"]) if "fees" in info else None,
            screen_message=info["said"],
        )

    @app.route(PATRON_INFORMATION)
    def patron_information(req: Any, ctx: Any) -> PatronInformationResponse:
        card = req.patron_identifier
        info = patron_fields(card, req.patron_password or None)
        lists: dict[str, list[str]] = {"AS": [], "AT": [], "AU": [], "AV": [], "CD": []}
        counts = {"holds": 0, "overdue": 0, "charged": 0, "fines": 0, "unavailable": 0}
        if info["known"] and info["cq"] != "N":
            today = library.today()
            with library.sessions() as session:
                for loan, item in rules.patron_loans(session, info["id"]):
                    lists["AU"].append(item.barcode)
                    late = rules.overdue_days(loan.due, today)
                    if late:
                        lists["AT"].append(item.barcode)
                        amount = late * demo_data.FINE_PER_DAY
                        lists["AV"].append(f"{item.barcode} {money(amount)} 04 {item.title}")
                holds = session.execute(
                    select(HoldRow, ItemRow)
                    .join(ItemRow, HoldRow.item_id == ItemRow.id)
                    .where(HoldRow.patron_id == info["id"])
                ).all()
                for hold, item in holds:
                    (lists["AS"] if hold.ready_until else lists["CD"]).append(item.barcode)
            account = library.ils.account(card, dt.datetime.now(TZ))
            codes = {"overdue": "04", "loan_fee": "06", "lost_item": "07"}
            for fine in account.fines:
                if not fine.accruing:
                    code = codes.get(fine.reason.value, "01")
                    lists["AV"].append(f"- {money(fine.amount)} {code} {fine.title}")
            counts = {
                "holds": len(lists["AS"]),
                "overdue": len(lists["AT"]),
                "charged": len(lists["AU"]),
                "fines": len(lists["AV"]),
                "unavailable": len(lists["CD"]),
            }
        wanted = req.summary

        def listed(position: int, code: str) -> tuple[str, ...]:
            return tuple(lists[code]) if wanted[position] == "Y" else ()

        return PatronInformationResponse(
            patron_status="".join(info["flags"]),
            language="000",
            transaction_date=ctx.now_18(),
            hold_items_count=f"{counts['holds']:04d}",
            overdue_items_count=f"{counts['overdue']:04d}",
            charged_items_count=f"{counts['charged']:04d}",
            fine_items_count=f"{counts['fines']:04d}",
            recall_items_count="0000",
            unavailable_holds_count=f"{counts['unavailable']:04d}",
            institution_id=INSTITUTION,
            patron_identifier=card,
            personal_name=info["name"],
            charged_items_limit=f"{info['limit']:04d}" if "limit" in info else None,
            valid_patron=info["valid"],
            valid_patron_password=info["cq"],
            currency_type="IDR" if "fees" in info else None,
            fee_amount=money(info["fees"]) if "fees" in info else None,
            fee_limit=money(demo_data.FINES_LIMIT),
            hold_items=listed(0, "AS"),
            overdue_items=listed(1, "AT"),
            charged_items=listed(2, "AU"),
            fine_items=listed(3, "AV"),
            unavailable_hold_items=listed(5, "CD"),
            screen_message=info["said"],
        )

    @app.route(ITEM_INFORMATION)
    def item_information(req: Any, ctx: Any) -> ItemInformationResponse:
        barcode = req.item_identifier
        with library.sessions() as session:
            item = library.item(session, barcode)
            if item is None:
                return ItemInformationResponse(
                    circulation_status="01", security_marker="00", fee_type="01",
                    transaction_date=ctx.now_18(), item_identifier=barcode, title_identifier="",
                )  # fmt: skip
            loan = session.scalar(select(LoanRow).where(LoanRow.item_id == item.id))
            first = rules.first_hold(session, item.id)
            queue = session.scalar(
                select(func.count()).select_from(HoldRow).where(HoldRow.item_id == item.id)
            )
            status = "03"
            if item.reference:
                status = "01"
            elif loan is not None:
                status = "04"
            elif first is not None:
                status = "08"
            return ItemInformationResponse(
                circulation_status=status,
                security_marker="00",
                fee_type="06" if item.loan_fee else "01",
                transaction_date=ctx.now_18(),
                hold_queue_length=str(queue or 0),
                due_date=sip_date(loan.due) if loan is not None else None,
                hold_pickup_date=sip_date(first.ready_until)
                if first is not None and first.ready_until
                else None,
                item_identifier=barcode,
                title_identifier=item.title,
                currency_type="IDR" if item.loan_fee else None,
                fee_amount=money(item.loan_fee) if item.loan_fee else None,
                permanent_location=item.home_branch or "Perpustakaan Kota (demo)",
            )

    @app.route(CHECKOUT)
    def checkout(req: Any, ctx: Any) -> CheckoutResponse:
        when = parse_date(req.transaction_date) or dt.datetime.now(TZ)
        nb_due = parse_date(req.nb_due_date) if req.no_block == "Y" else None
        answer = library.ils.checkout(
            req.patron_identifier,
            req.item_identifier,
            when,
            fee_acknowledged=req.fee_acknowledged == "Y",
            no_block_due=nb_due.date() if nb_due else None,
        )
        ok = answer.loan is not None
        due = ""
        if answer.loan is not None:
            due = sip_date(answer.loan.due)
        elif answer.refusal is Refusal.ALREADY_YOURS and answer.due is not None:
            due = sip_date(answer.due)
        fee = answer.fee
        return CheckoutResponse(
            ok="1" if ok else "0",
            renewal_ok="N",
            magnetic_media="N",
            desensitize="Y" if ok else "N",
            transaction_date=ctx.now_18(),
            institution_id=INSTITUTION,
            patron_identifier=req.patron_identifier,
            item_identifier=req.item_identifier,
            title_identifier=answer.title,
            due_date=due,
            fee_type="06" if fee else None,
            currency_type="IDR" if fee else None,
            fee_amount=money(fee) if fee else None,
            screen_message=(answer.screen_message,) if answer.screen_message else (),
        )

    @app.route(CHECKIN)
    def checkin(req: Any, ctx: Any) -> CheckinResponse:
        when = parse_date(req.return_date) or dt.datetime.now(TZ)
        answer = library.ils.checkin(req.item_identifier, when, no_block=req.no_block == "Y")
        said = [answer.screen_message] if answer.screen_message else []
        return CheckinResponse(
            ok="1" if answer.ok else "0",
            resensitize="Y" if answer.ok else "N",
            magnetic_media="N",
            alert="Y" if answer.sort in (SortBin.HOLD_SHELF, SortBin.TRANSIT) else "N",
            transaction_date=ctx.now_18(),
            institution_id=INSTITUTION,
            item_identifier=req.item_identifier,
            permanent_location=answer.destination or "Perpustakaan Kota (demo)",
            title_identifier=answer.title or None,
            sort_bin=SORT_BINS.get(answer.sort) if answer.sort else None,
            screen_message=tuple(said),
        )

    @app.route(RENEW)
    def renew(req: Any, ctx: Any) -> RenewResponse:
        when = parse_date(req.transaction_date) or dt.datetime.now(TZ)
        answer = library.ils.renew(req.patron_identifier, req.item_identifier or "", when)
        return RenewResponse(
            ok="1" if answer.ok else "0",
            renewal_ok="Y" if answer.ok else "N",
            magnetic_media="N",
            desensitize="N",
            transaction_date=ctx.now_18(),
            institution_id=INSTITUTION,
            patron_identifier=req.patron_identifier,
            item_identifier=req.item_identifier or "",
            title_identifier=answer.title,
            due_date=sip_date(answer.due) if answer.due else "",
        )

    @app.route(RENEW_ALL)
    def renew_all(req: Any, ctx: Any) -> RenewAllResponse:
        answers = library.ils.renew_all(req.patron_identifier, dt.datetime.now(TZ))
        renewed = tuple(a.item_barcode for a in answers if a.ok)
        unrenewed = tuple(a.item_barcode for a in answers if not a.ok)
        return RenewAllResponse(
            ok="1" if answers else "0",
            renewed_count=f"{len(renewed):04d}",
            unrenewed_count=f"{len(unrenewed):04d}",
            transaction_date=ctx.now_18(),
            institution_id=INSTITUTION,
            renewed_items=renewed,
            unrenewed_items=unrenewed,
        )

    @app.route(END_PATRON_SESSION)
    def end_session(req: Any, ctx: Any) -> EndSessionResponse:
        return EndSessionResponse(
            end_session="Y",
            transaction_date=ctx.now_18(),
            institution_id=INSTITUTION,
            patron_identifier=req.patron_identifier,
            screen_message=("Terima kasih",),
        )

    return app


async def serve(library: Library, port: int, port_file: Path) -> None:
    app = build(library)
    async with app.start(host="127.0.0.1", port=port) as bound:
        tmp = port_file.with_suffix(".tmp")
        tmp.write_text(str(bound))
        os.replace(tmp, port_file)
        await anyio.sleep_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("library", type=Path)
    parser.add_argument("port_file", type=Path)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    anyio.run(serve, Library(args.library), args.port, args.port_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
