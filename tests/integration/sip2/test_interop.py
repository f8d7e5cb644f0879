"""The SIP2 client against real SIP2 servers in their own processes (``sip2_server``).

Each test talks to the server through the whole client stack (Sip2Ils over
Sip2Connection) and checks what the patron would see and what the library stored (the demo
library's file behind the server).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from integration.sip2.servers import FaultProxy, ServerHandle
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kiosk.core.model import Refusal, SortBin
from kiosk.core.ports import IlsUnavailable, IlsUnreachable
from kiosk.ils.local import demo_data as demo
from kiosk.ils.local.schema import FineRow, ItemRow, LoanRow, PatronRow
from kiosk.ils.sip2.backend import Sip2Ils, Sip2Policy
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options

TZ = ZoneInfo("Asia/Jakarta")
USER, PASSWORD = "kiosk", "kiosk-demo"
INSTITUTION = str(demo.INSTITUTION)


def make_ils(host: str, port: int, trace: list[str] | None = None, **options: object) -> Sip2Ils:
    settings = {
        "user": USER,
        "password": PASSWORD,
        "keepalive": 0.0,
        "timeout": 10.0,
        "backoff_first": 0.01,
        "backoff_max": 0.05,
        **options,
    }
    connection = Sip2Connection(
        Sip2Options(host, port, **settings),  # type: ignore[arg-type]
        trace=(lambda way, text: trace.append(f"{way} {text}")) if trace is not None else None,
    )
    return Sip2Ils(connection, Sip2Policy(institution=INSTITUTION, location="KIOSK-1"), TZ)


@pytest.fixture
def trace() -> list[str]:
    return []


@pytest.fixture
def ils(sip2_server: ServerHandle, trace: list[str]) -> Iterator[Sip2Ils]:
    client = make_ils(sip2_server.host, sip2_server.port, trace)
    yield client
    client.close()


def now() -> dt.datetime:
    return dt.datetime.now(TZ)


def loans_of(server: ServerHandle, item: str) -> list[str]:
    """Patron barcodes holding ``item`` in the library's own file."""
    engine = create_engine(f"sqlite:///{server.library_path}")
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(PatronRow.barcode)
                .join(LoanRow, LoanRow.patron_id == PatronRow.id)
                .join(ItemRow, LoanRow.item_id == ItemRow.id)
                .where(ItemRow.barcode == item)
            ).all()
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def fines_count(server: ServerHandle, card: str) -> int:
    engine = create_engine(f"sqlite:///{server.library_path}")
    try:
        with Session(engine) as session:
            query = (
                select(func.count())
                .select_from(FineRow)
                .join(PatronRow, FineRow.patron_id == PatronRow.id)
                .where(PatronRow.barcode == card)
            )
            return int(session.scalar(query) or 0)
    finally:
        engine.dispose()


def test_login_and_status(ils: Sip2Ils, trace: list[str]) -> None:
    status = ils.connection.connect()
    assert status.code == "98"
    assert status.flag("online_status") is True
    assert ils.connection.supports("11") and ils.connection.supports("17")
    assert trace[0].startswith(">>> 93") and "CO****" in trace[0]
    assert trace[1].startswith("<<< 941")


def test_wrong_login_is_unreachable(sip2_server: ServerHandle) -> None:
    client = make_ils(sip2_server.host, sip2_server.port, password="not-the-password")
    with pytest.raises(IlsUnreachable, match="refused the login of user 'kiosk'"):
        client.check_patron(demo.SUTRISNO.barcode, demo.SUTRISNO.pin)
    client.close()


def test_patron_with_right_and_wrong_pin(ils: Sip2Ils) -> None:
    right = ils.check_patron(demo.SUTRISNO.barcode, demo.SUTRISNO.pin)
    assert right.ok and right.patron is not None
    assert right.patron.name == "Sutrisno"
    assert right.patron.loan_limit == demo.LOAN_LIMIT
    wrong = ils.check_patron(demo.SUTRISNO.barcode, "0000")
    assert (wrong.patron, wrong.refusal) == (None, Refusal.WRONG_PIN)
    unknown = ils.check_patron(demo.UNKNOWN_PATRON_BARCODE, "1234")
    assert (unknown.patron, unknown.refusal) == (None, Refusal.UNKNOWN_PATRON)


def test_blocked_patrons_with_the_ils_message(ils: Sip2Ils) -> None:
    blocked = ils.check_patron(demo.HENDRA.barcode, demo.HENDRA.pin)
    assert blocked.refusal is Refusal.PATRON_BLOCKED
    assert blocked.screen_message == demo.BLOCKED_MESSAGE
    fines = ils.check_patron(demo.MADE.barcode, demo.MADE.pin)
    assert fines.refusal is Refusal.FINES_OVER_LIMIT
    assert fines.patron is not None and fines.patron.name == demo.MADE.name


def test_item_information(ils: Sip2Ils) -> None:
    available = ils.item_status(demo.AVAILABLE.barcode)
    assert available is not None and not available.on_loan
    assert available.title == demo.AVAILABLE.title
    lent = ils.item_status(demo.LENT_TO_SITI.barcode)
    assert lent is not None and lent.on_loan and lent.due is not None
    assert ils.item_status(demo.UNKNOWN_ITEM_BARCODE) is None


def test_checkout_renew_and_checkin(ils: Sip2Ils, sip2_server: ServerHandle) -> None:
    card, item = demo.SUTRISNO.barcode, demo.AVAILABLE.barcode
    lent = ils.checkout(card, item, now())
    assert lent.loan is not None and lent.loan.title == demo.AVAILABLE.title
    assert lent.loan.due == now().date() + dt.timedelta(days=demo.LOAN_DAYS)
    assert loans_of(sip2_server, item) == [card]
    again = ils.checkout(card, item, now())
    assert again.refusal is Refusal.ALREADY_YOURS and again.due == lent.loan.due
    renewed = ils.renew(card, item, now())
    assert renewed.ok and renewed.due == lent.loan.due + dt.timedelta(days=demo.LOAN_DAYS)
    returned = ils.checkin(item, now())
    assert returned.ok and returned.sort is SortBin.SHELF and returned.fine == 0
    assert loans_of(sip2_server, item) == []
    assert ils.checkin(item, now()).refusal is Refusal.NOT_ON_LOAN
    assert ils.renew(card, item, now()).refusal is Refusal.NOT_ON_LOAN


def test_checkout_refusals_are_classified(ils: Sip2Ils) -> None:
    card = demo.SUTRISNO.barcode
    assert ils.checkout(card, demo.UNKNOWN_ITEM_BARCODE, now()).refusal is Refusal.UNKNOWN_ITEM
    assert ils.checkout(card, demo.REFERENCE.barcode, now()).refusal is Refusal.NOT_LOANABLE
    held = ils.checkout(card, demo.HELD_FOR_SITI.barcode, now())
    assert held.refusal is Refusal.ON_HOLD_FOR_ANOTHER and held.screen_message
    other = ils.checkout(card, demo.LENT_TO_SITI.barcode, now())
    assert other.refusal is Refusal.ON_LOAN_TO_ANOTHER
    blocked = ils.checkout(demo.HENDRA.barcode, demo.NEW_ITEM.barcode, now())
    assert blocked.refusal is Refusal.PATRON_BLOCKED
    assert blocked.screen_message == demo.BLOCKED_MESSAGE


def test_loan_fee_is_asked_then_charged(ils: Sip2Ils, sip2_server: ServerHandle) -> None:
    card, item = demo.SUTRISNO.barcode, demo.FEE_DVD.barcode
    asked = ils.checkout(card, item, now())
    assert (asked.refusal, asked.fee) == (Refusal.FEE_REQUIRED, demo.FEE_DVD.loan_fee)
    assert loans_of(sip2_server, item) == []
    lent = ils.checkout(card, item, now(), fee_acknowledged=True)
    assert lent.loan is not None and lent.fee == demo.FEE_DVD.loan_fee
    assert loans_of(sip2_server, item) == [card]
    assert fines_count(sip2_server, card) == 1


def test_renew_all(ils: Sip2Ils) -> None:
    card = demo.SUTRISNO.barcode
    for item in (demo.AVAILABLE.barcode, demo.NEW_ITEM.barcode):
        assert ils.checkout(card, item, now()).ok
    answers = {answer.item_barcode: answer for answer in ils.renew_all(card, now())}
    assert set(answers) == {demo.AVAILABLE.barcode, demo.NEW_ITEM.barcode}
    assert all(answer.ok and answer.due is not None for answer in answers.values())
    assert answers[demo.AVAILABLE.barcode].title == demo.AVAILABLE.title


def test_renew_all_refusals_are_classified(ils: Sip2Ils, trace: list[str]) -> None:
    """Rizki's loans are all late: none renewed, each says why; the patron asked once."""
    answers = ils.renew_all(demo.RIZKI.barcode, now())
    assert {answer.item_barcode for answer in answers} == {i.barcode for i in demo.LENT_TO_RIZKI}
    assert {answer.refusal for answer in answers} == {Refusal.ITEM_OVERDUE}
    after = [line[4:6] for line in trace if line.startswith(">>>")]
    after = after[after.index("65") :]
    assert after.count("63") == 1 and after.count("17") == len(answers)
    assert ils.renew_all(demo.UNKNOWN_PATRON_BARCODE, now()) == []


def test_account_and_holds_and_fines(ils: Sip2Ils) -> None:
    account = ils.account(demo.SITI.barcode, now())
    assert [loan.item_barcode for loan in account.loans] == [demo.LENT_TO_SITI.barcode]
    assert [hold.title for hold in account.holds_ready] == [demo.HELD_FOR_SITI.title]
    assert account.fines_total == demo.SITI.fines
    unknown = ils.account(demo.UNKNOWN_PATRON_BARCODE, now())
    assert unknown.refusal is Refusal.UNKNOWN_PATRON


def test_checkin_sorts_hold_and_transit(ils: Sip2Ils) -> None:
    held = ils.checkin(demo.HELD_FOR_YOHANA.barcode, now())
    assert held.sort is SortBin.HOLD_SHELF
    transit = ils.checkin(demo.OTHER_BRANCH_ITEM.barcode, now())
    assert (transit.sort, transit.destination) == (SortBin.TRANSIT, demo.OTHER_BRANCH)


def test_end_session(ils: Sip2Ils) -> None:
    assert ils.end_session(demo.SUTRISNO.barcode) is True


def test_corrupted_reply_checksum_is_asked_again(sip2_server: ServerHandle) -> None:
    proxy = FaultProxy(lambda: (sip2_server.host, sip2_server.port))
    trace: list[str] = []
    client = make_ils(proxy.host, proxy.port, trace)
    try:
        client.connection.connect()
        proxy.corrupt_replies(1)
        check = client.check_patron(demo.SUTRISNO.barcode, demo.SUTRISNO.pin)
        assert check.ok
        sent = [line[:6] for line in trace if line.startswith(">>>")]
        assert sent[-2:] == [">>> 63", ">>> 97"]
        proxy.corrupt_replies(10)  # stays broken: given up after the resend limit
        with pytest.raises(IlsUnavailable, match="unreadable after 3 resends"):
            client.item_status(demo.AVAILABLE.barcode)
    finally:
        client.close()
        proxy.close()


def test_corrupted_request_checksum_is_sent_again(
    sip2_server: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace: list[str] = []
    client = make_ils(sip2_server.host, sip2_server.port, trace)
    connection = client.connection
    connection.connect()
    original = connection._send  # the one place a request's bytes pass
    corrupted: list[bytes] = []

    def corrupt_once(frame: bytes, code: str) -> None:
        if code == "17" and not corrupted:
            corrupted.append(frame)
            frame = frame[:-5] + b"0000\r"  # AZ0000: the server cannot read it
        original(frame, code)

    monkeypatch.setattr(connection, "_send", corrupt_once)
    try:
        status = client.item_status(demo.AVAILABLE.barcode)
        assert status is not None and status.title == demo.AVAILABLE.title
        assert any(line.startswith("<<< 96") for line in trace)
    finally:
        client.close()


def test_dropped_connection_reconnects(sip2_server: ServerHandle) -> None:
    proxy = FaultProxy(lambda: (sip2_server.host, sip2_server.port))
    trace: list[str] = []
    client = make_ils(proxy.host, proxy.port, trace)
    try:
        assert client.check_patron(demo.SUTRISNO.barcode, demo.SUTRISNO.pin).ok
        proxy.drop()  # as an idle timeout: the next request logs in again first
        assert client.item_status(demo.AVAILABLE.barcode) is not None
        assert sum(line.startswith(">>> 93") for line in trace) == 2
    finally:
        client.close()
        proxy.close()


def test_server_down_is_unreachable_then_back(sip2_server: ServerHandle) -> None:
    client = make_ils(sip2_server.host, sip2_server.port)
    try:
        assert client.item_status(demo.AVAILABLE.barcode) is not None
        sip2_server.kill()
        with pytest.raises(IlsUnavailable):
            client.item_status(demo.AVAILABLE.barcode)
        with pytest.raises(IlsUnreachable):  # refused: certainly not sent
            client.item_status(demo.AVAILABLE.barcode)
        sip2_server.restart()
        assert eventually(lambda: client.item_status(demo.AVAILABLE.barcode)) is not None
    finally:
        client.close()


def test_server_killed_during_checkout_lends_once(sip2_server: ServerHandle) -> None:
    """The 12 is lost: the server lent the item, then died before answering, and came back.
    The client asks about the item (17) on a new connection instead of lending it again."""
    proxy = FaultProxy(lambda: (sip2_server.host, sip2_server.port))
    trace: list[str] = []
    client = make_ils(proxy.host, proxy.port, trace)
    card, item = demo.SUTRISNO.barcode, demo.AVAILABLE.barcode
    try:
        client.connection.connect()
        proxy.on_reply("12", sip2_server.restart)  # SIGKILL, then start on the same port
        answer = client.checkout(card, item, now())
        assert answer.loan is not None, answer
        assert answer.loan.due == now().date() + dt.timedelta(days=demo.LOAN_DAYS)
        assert loans_of(sip2_server, item) == [card]
        sent = [line[4:6] for line in trace if line.startswith(">>>")]
        assert sent.count("11") == 1 and "17" in sent[sent.index("11") :]
        assert sent[sent.index("11") + 1] == "93"  # logged in again after the drop
    finally:
        client.close()
        proxy.close()


def eventually(call, attempts: int = 200):  # type: ignore[no-untyped-def]
    """``call()`` once the client's backoff lets it through (IlsUnreachable meanwhile)."""
    import time

    for _ in range(attempts):
        try:
            return call()
        except IlsUnreachable:
            time.sleep(0.02)
    return call()
