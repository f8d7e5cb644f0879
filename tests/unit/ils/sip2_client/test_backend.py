"""Sip2Ils against a scripted server: the policies ([sip2] patron_verification, fees), the
lost check-out answer, and ILSs that omit fields real ones omit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from unit.ils.sip2_client.fake_acs import (
    CLOSE,
    FakeAcs,
    checkout_reply,
    item_reply,
    patron_reply,
    reply,
    standard,
    status_reply,
)

from kiosk.core.clock import ManualClock
from kiosk.core.model import Refusal
from kiosk.core.ports import IlsUnavailable, IlsUnreachable
from kiosk.ils.sip2.backend import Sip2Ils, Sip2Policy
from kiosk.ils.sip2.codec import Message, decode, request
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options

TZ = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=TZ)
CARD, ITEM = "23171000000010", "33171000000018"


def make(server: FakeAcs, **policy: object) -> Sip2Ils:
    connection = Sip2Connection(
        Sip2Options(
            server.host,
            server.port,
            user="kiosk",
            password="pw",
            keepalive=0.0,
            timeout=2.0,
            backoff_first=0.01,
        )
    )
    settings = {"institution": "3171", **policy}
    return Sip2Ils(connection, Sip2Policy(**settings), TZ, ManualClock(NOW))  # type: ignore[arg-type]


def sent(server: FakeAcs, code: str) -> list[Message]:
    return [decode(frame) for frame in server.received if frame.startswith(code.encode())]


def test_pin_is_sent_and_checked_only_with_pin_verification() -> None:
    server = FakeAcs(lambda m, raw, n: reply(patron_reply(pin_ok=False), m)
                     if m.code == "63" else standard(m, raw, n))  # fmt: skip
    try:
        checked = make(server)
        assert checked.check_patron(CARD, "2468").refusal is Refusal.WRONG_PIN
        assert sent(server, "63")[-1].get("AD") == "2468"
        trusting = make(server, verify_pin=False)
        assert trusting.check_patron(CARD, "2468").ok
        assert not sent(server, "63")[-1].has("AD")
    finally:
        server.close()


def test_no_cq_is_not_a_right_pin() -> None:
    no_cq = request(
        "64", [("AO", "3171"), ("AA", CARD), ("AE", "Sutrisno"), ("BL", "Y")],
        patron_status=" " * 14, language="000", transaction_date="20261121    120000",
        hold_items_count="0000", overdue_items_count="0000", charged_items_count="0000",
        fine_items_count="0000", recall_items_count="0000", unavailable_holds_count="0000",
    )  # fmt: skip
    server = FakeAcs(lambda m, raw, n: reply(no_cq, m) if m.code == "63" else standard(m, raw, n))
    try:
        assert make(server).check_patron(CARD, "1234").refusal is Refusal.WRONG_PIN
    finally:
        server.close()


def fee_reply() -> Message:
    return request(
        "12",
        [("AO", "3171"), ("AA", CARD), ("AB", ITEM), ("AJ", "DVD"), ("AH", ""), ("BT", "06"),
         ("BH", "IDR"), ("BV", "5000.00"), ("AF", "Biaya sewa DVD")],
        ok="0", renewal_ok="N", magnetic_media="N", desensitize="N",
        transaction_date="20261121    120000",
    )  # fmt: skip


@pytest.mark.parametrize(("fees", "refusal"), [("ask", Refusal.FEE_REQUIRED),
                                               ("refuse", Refusal.ILS_REFUSED)])  # fmt: skip
def test_fee_policy(fees: str, refusal: Refusal) -> None:
    server = FakeAcs(lambda m, raw, n: reply(fee_reply(), m) if m.code == "11"
                     else standard(m, raw, n))  # fmt: skip
    try:
        answer = make(server, fees=fees).checkout(CARD, ITEM, NOW)
        assert answer.refusal is refusal and answer.screen_message == "Biaya sewa DVD"
        assert answer.fee == (5000 if fees == "ask" else 0)
        make(server, fees=fees).checkout(CARD, ITEM, NOW, fee_acknowledged=True)
        acknowledged = [m.get("BO") for m in sent(server, "11")]
        assert acknowledged == (["N", "Y"] if fees == "ask" else ["N", "N"])
    finally:
        server.close()


def test_checkout_sends_a_due_date_unless_blank_is_asked_for() -> None:
    server = FakeAcs()
    try:
        make(server).checkout(CARD, ITEM, NOW)
        assert sent(server, "11")[-1].fixed["nb_due_date"] == "20261205    235959"
        make(server, nb_due_date="blank").checkout(CARD, ITEM, NOW)
        assert sent(server, "11")[-1].fixed["nb_due_date"] == " " * 18
        make(server).checkout(CARD, ITEM, NOW, no_block_due=dt.date(2026, 11, 28))
        replay = sent(server, "11")[-1]
        assert replay.fixed["no_block"] == "Y" and replay.get("BO") == "Y"
        assert replay.fixed["nb_due_date"] == "20261128    235959"
    finally:
        server.close()


def test_the_default_due_date_moves_with_the_library_day() -> None:
    server = FakeAcs()
    clock = ManualClock(NOW)
    connection = Sip2Connection(Sip2Options(server.host, server.port, keepalive=0.0))
    ils = Sip2Ils(connection, Sip2Policy(institution="3171"), TZ, clock)
    try:
        ils.checkout(CARD, ITEM, clock.now())
        clock.advance(11 * 3600)  # 23:00 in Jakarta: still the 21st
        ils.checkout(CARD, ITEM, clock.now())
        clock.advance(3600)  # midnight in Jakarta (17:00 UTC): the 22nd
        ils.checkout(CARD, ITEM, clock.now())
        clock.advance(-1)  # the system clock set back a second: the 21st again
        ils.checkout(CARD, ITEM, clock.now())
        due_dates = [m.fixed["nb_due_date"] for m in sent(server, "11")]
        assert due_dates == ["20261205    235959"] * 2 + ["20261206    235959"] + [
            "20261205    235959"
        ]
    finally:
        connection.close()
        server.close()


def test_lost_answer_is_settled_by_item_information() -> None:
    def lose_first_checkout(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "11" and number == 1:
            return CLOSE  # done, but the answer never comes
        if message.code == "17":  # it was lent: charged, with its due date
            return reply(item_reply(ITEM, "04", due="20261205    235959"), message)
        return standard(message, raw, number)

    server = FakeAcs(lose_first_checkout)
    try:
        answer = make(server).checkout(CARD, ITEM, NOW)
        assert answer.loan is not None and answer.loan.due == dt.date(2026, 12, 5)
        assert [code for code in server.codes() if code in ("11", "17")] == ["11", "17"]
    finally:
        server.close()


def test_lost_answer_without_item_information_is_left_unsure() -> None:
    def no_17(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "99":
            bx = status_reply()
            fields = tuple((c, "Y" * 10 + "N" + "Y" * 5 if c == "BX" else v) for c, v in bx.fields)
            return reply(Message("98", bx.fixed, fields), message)
        if message.code == "11":
            return CLOSE
        return standard(message, raw, number)

    server = FakeAcs(no_17)
    try:
        with pytest.raises(IlsUnavailable) as unsure:
            make(server).checkout(CARD, ITEM, NOW)
        assert not isinstance(unsure.value, IlsUnreachable)  # it may have been lent
        assert server.codes().count("11") == 1
    finally:
        server.close()


def test_item_not_lent_after_a_lost_answer_is_asked_again_once() -> None:
    def lose_then_lend(message: Message, raw: bytes, number: int) -> bytes:
        if message.code == "11" and number == 1:
            return CLOSE  # the connection broke before the server did anything
        return standard(message, raw, number)

    server = FakeAcs(lose_then_lend)
    try:
        assert make(server).checkout(CARD, ITEM, NOW).loan is not None
        assert [c for c in server.codes() if c in ("11", "17")] == ["11", "17", "11"]
        assert checkout_reply().code == "12"
    finally:
        server.close()


def test_an_empty_pin_is_never_a_right_pin() -> None:
    """An ILS that skips the PIN check for an empty AD (and so sends no CQ) does not let a
    card in without its PIN while the kiosk checks PINs."""
    no_cq = request(
        "64", [("AO", "3171"), ("AA", CARD), ("AE", "Sutrisno"), ("BL", "Y")],
        patron_status=" " * 14, language="000", transaction_date="20261121    120000",
        hold_items_count="0000", overdue_items_count="0000", charged_items_count="0000",
        fine_items_count="0000", recall_items_count="0000", unavailable_holds_count="0000",
    )  # fmt: skip
    server = FakeAcs(lambda m, raw, n: reply(no_cq, m) if m.code == "63" else standard(m, raw, n))
    try:
        check = make(server).check_patron(CARD, "")
        assert (check.patron, check.refusal) == (None, Refusal.WRONG_PIN)
        assert sent(server, "63")[-1].has("AD")  # asked with the (empty) PIN, not without
    finally:
        server.close()


def test_a_lost_answer_to_a_read_may_go_offline_but_one_to_a_checkout_may_not() -> None:
    """Patron trial: a hung ILS made the first patron's sign-in fail before offline mode
    began. A read (sign-in 63, item 17) that gets no answer changed nothing, so it is
    IlsUnreachable (the kiosk may act offline); a check-out that gets none may have lent."""

    def lose(message: Message, raw: bytes, number: int) -> bytes:
        if message.code in ("63", "17", "11"):
            return CLOSE
        return standard(message, raw, number)

    server = FakeAcs(lose)
    try:
        ils = make(server)
        with pytest.raises(IlsUnreachable):
            ils.check_patron(CARD, "1234")
        with pytest.raises(IlsUnreachable):
            ils.item_status(ITEM)
        with pytest.raises(IlsUnavailable) as unsure:
            ils.checkout(CARD, ITEM, NOW)
        assert not isinstance(unsure.value, IlsUnreachable)
    finally:
        server.close()
