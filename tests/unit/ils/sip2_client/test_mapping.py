"""SIP2 replies in the kiosk's terms (kiosk.ils.sip2.mapping): refusals from the patron
flags, amounts, dates, sort bins, fines."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.model import Fine, FineReason, Refusal, SortBin
from kiosk.ils.sip2 import mapping
from kiosk.ils.sip2.codec import Message, decode

TZ = ZoneInfo("Asia/Jakarta")
TODAY = dt.date(2026, 11, 21)


def patron(flags: str = "", **fields: str) -> Message:
    status = "".join("Y" if str(i) in flags.split(",") else " " for i in range(14))
    extra = "".join(f"{code}{value}|" for code, value in fields.items())
    return decode(f"24{status}00020261121    120000AO1|AA2|AEX|{extra}".encode())


@pytest.mark.parametrize(
    ("flags", "fields", "expected"),
    [
        ("", {"BL": "Y", "CQ": "Y"}, None),
        ("0,1,2,3", {"BL": "N"}, Refusal.UNKNOWN_PATRON),
        ("", {"BL": "Y", "CQ": "N"}, Refusal.WRONG_PIN),
        ("0,4", {"BL": "Y", "PA": "20990101"}, Refusal.PATRON_BLOCKED),
        ("0,1", {"PA": "20261120"}, Refusal.CARD_EXPIRED),
        ("0,1,10", {}, Refusal.FINES_OVER_LIMIT),
        ("0,11", {}, Refusal.FINES_OVER_LIMIT),
        ("0", {}, Refusal.PATRON_BLOCKED),
        ("5", {}, Refusal.TOO_MANY_ITEMS),
        ("6", {}, None),
    ],
)
def test_patron_refusal_for_a_loan(flags: str, fields: dict[str, str], expected: object) -> None:
    assert mapping.patron_refusal(patron(flags, **fields), TODAY, TZ, verify_pin=True) == expected


def test_pin_and_renewal_rules() -> None:
    wrong = patron("", BL="Y", CQ="N")
    assert mapping.patron_refusal(wrong, TODAY, TZ, verify_pin=False) is None
    at_limit = patron("5")
    assert mapping.patron_refusal(at_limit, TODAY, TZ, verify_pin=True, borrowing=False) is None
    denied = patron("1")
    assert mapping.patron_refusal(denied, TODAY, TZ, verify_pin=True, borrowing=False) is (
        Refusal.PATRON_BLOCKED
    )
    renewals = patron("7")
    assert mapping.patron_refusal(renewals, TODAY, TZ, verify_pin=True, borrowing=False) is (
        Refusal.RENEWAL_LIMIT
    )


@pytest.mark.parametrize(
    ("text", "rupiah"),
    [("5000.00", 5000), (" 12000", 12000), ("2500.50", 2501), ("7,49", 7), ("", 0), ("x", 0)],
)
def test_amounts_are_whole_rupiah(text: str, rupiah: int) -> None:
    assert mapping.amount(text) == rupiah


def test_due_dates_are_the_library_s_dates() -> None:
    assert mapping.local_date("20261205    235959", TZ) == dt.date(2026, 12, 5)
    assert mapping.local_date("20261205   Z180000", TZ) == dt.date(2026, 12, 6)  # 01:00 WIB
    assert mapping.local_date("2026-12-05", TZ) == dt.date(2026, 12, 5)
    assert mapping.local_date("", TZ) is None


@pytest.mark.parametrize(
    "text", ["20261345    000000", "20261205    250000", "２０２６1205    235959"]
)
def test_unreadable_local_dates_stay_unreadable_when_read_again(text: str) -> None:
    # The usual local form is read once and remembered: what was unreadable stays so.
    assert [mapping.local_date(text, TZ) for _ in range(2)] == [None, None]


def test_a_remembered_local_date_is_the_same_in_every_zone() -> None:
    # A blank zone is the library's local time: its calendar date is the text's own.
    text = "20261205    003000"
    assert mapping.local_date(text, TZ) == dt.date(2026, 12, 5)
    assert mapping.local_date(text, ZoneInfo("America/Los_Angeles")) == dt.date(2026, 12, 5)
    assert mapping.local_date(text[:8] + "   Z" + text[12:], TZ) == dt.date(2026, 12, 5)


def checkin(alert: str = "N", **fields: str) -> Message:
    extra = "".join(f"{code}{value}|" for code, value in fields.items())
    return decode(f"101YN{alert}20261121    120000AO1|AB3|AQMain|{extra}".encode())


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (checkin(), (SortBin.SHELF, "")),
        (checkin(CL="SHELF"), (SortBin.SHELF, "")),
        (checkin("Y", CL="HOLD"), (SortBin.HOLD_SHELF, "")),
        (checkin("Y", CL="TRANSIT", CT="Cabang"), (SortBin.TRANSIT, "Cabang")),
        (checkin("Y", CL="TRANSIT"), (SortBin.TRANSIT, "Main")),
        (checkin("Y", CL="7", CT="Cabang"), (SortBin.TRANSIT, "Cabang")),
        (checkin("Y", CL="7", CT="KIOSK-1"), (SortBin.HOLD_SHELF, "")),
        (checkin("Y"), (SortBin.HOLD_SHELF, "")),
    ],
)
def test_checkin_sort(message: Message, expected: tuple[SortBin, str]) -> None:
    assert mapping.checkin_sort(message, "KIOSK-1") == expected


def item(status: str, **fields: str) -> Message:
    extra = "".join(f"{code}{value}|" for code, value in fields.items())
    return decode(f"18{status}000120261121    120000AB3|{extra}".encode())


def test_item_status_reading() -> None:
    assert not mapping.item_known(item("01", AJ=""))
    assert mapping.item_known(item("01", AJ="Kamus"))
    assert mapping.item_on_loan(item("04", AJ="x")) and mapping.item_on_loan(item("05", AJ="x"))
    assert not mapping.item_on_loan(item("03", AJ="x"))
    assert mapping.item_held(item("08", AJ="x")) and mapping.item_held(item("03", AJ="x", CF="2"))
    assert not mapping.item_held(item("03", AJ="x", CF="0"))


def test_fines_itemised_accruing_and_the_rest() -> None:
    reply = decode(
        b"64              00020261121    1200000000000000000000030000000000AO1|AA2|AEX|"
        b"BV80500.00|AV- 65000.00 07 Kubah|AV- 10500.00 04 Edensor|"
        b"AV31710000010012 12000.00 04 Hujan Bulan Juni|AVsomething odd|"
    )
    fines = mapping.fines(reply, frozenset({"31710000010012"}))
    assert fines == (
        Fine(FineReason.LOST_ITEM, 65000, "Kubah"),
        Fine(FineReason.OVERDUE, 10500, "Edensor"),
        Fine(FineReason.OVERDUE, 12000, "Hujan Bulan Juni", accruing=True),
        Fine(FineReason.OTHER, 5000),  # BV owes 5000 more than the charged items listed
    )
    only_total = decode(
        b"64              00020261121    120000" + b"0" * 24 + b"AO1|AA2|AEX|BV3000|"
    )
    assert mapping.fines(only_total, frozenset()) == (Fine(FineReason.OTHER, 3000),)
