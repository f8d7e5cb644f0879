"""Our SIP2 server answers every message per the mapping, for the demo library's cards and
items (kiosk/ils/local/demo_data.py), over a real socket, read back with the codec."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from unit.ils.sip2.server_support import (
    NOW,
    TODAY,
    Client,
    Served,
    checkin,
    checkout,
    end_session,
    hold,
    item_information,
    patron_information,
    patron_status,
    renew,
    renew_all,
    served,
    sip_day,
    status,
)

from kiosk.core.model import FineReason
from kiosk.ils.local import demo_data as demo
from kiosk.ils.local.backend import HELD_MESSAGE
from kiosk.ils.sip2 import Message
from kiosk.ils.sip2.server.demo import HOLD_REFUSED_MESSAGE


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Served]:
    with served(tmp_path) as running:
        yield running


@pytest.fixture
def machine(library: Served) -> Iterator[Client]:
    client = library.connect()
    assert client.login().fixed["ok"] == "1"
    yield client
    client.close()


def flags(reply: Message) -> set[int]:
    return {i for i, char in enumerate(reply.fixed["patron_status"]) if char == "Y"}


def due_of(library: Served, barcode: str) -> dt.date:
    item = library.ils.item_status(barcode)
    assert item is not None and item.due is not None
    return item.due


# ----- 99 / 98 ---------------------------------------------------------------------------


def test_status_says_what_the_server_supports(machine: Client) -> None:
    reply = machine.ask(status())
    assert reply.code == "98"
    assert reply.fixed["online_status"] == "Y"
    assert reply.fixed["checkout_ok"] == "Y" and reply.fixed["checkin_ok"] == "Y"
    assert reply.fixed["protocol_version"] == "2.00"
    assert reply.fixed["date_time_sync"] == NOW  # the library's clock, Jakarta, blank zone
    assert reply.get("AO") == "3171"
    assert reply.get("AM") == "Perpustakaan Uji"
    assert reply.get("BX") == "YYYNYYYYYNYNNYYY"


# ----- 23 / 24 ---------------------------------------------------------------------------


def test_patron_status_with_the_right_pin(machine: Client) -> None:
    reply = machine.ask(patron_status(demo.SUTRISNO.barcode, "1234"))
    assert reply.code == "24"
    assert (reply.get("BL"), reply.get("CQ")) == ("Y", "Y")
    assert reply.get("AE") == "Sutrisno"
    assert flags(reply) == set()
    assert reply.get("PA") == "20991231"
    assert (reply.get("BV"), reply.get("BH")) == ("0.00", "IDR")


def test_a_wrong_pin_is_told_and_nothing_else(machine: Client) -> None:
    reply = machine.ask(patron_status(demo.SUTRISNO.barcode, "0000"))
    assert (reply.get("BL"), reply.get("CQ")) == ("Y", "N")
    assert reply.get("AE") == ""
    assert not reply.has("PA") and not reply.has("BV")


def test_an_unknown_card(machine: Client) -> None:
    reply = machine.ask(patron_status(demo.UNKNOWN_PATRON_BARCODE, "1234"))
    assert reply.get("BL") == "N"
    assert reply.get("CQ") == "N"
    assert reply.get("AE") == ""
    assert flags(reply) == {0, 1, 2, 3}


@pytest.mark.parametrize(
    ("patron", "expected"),
    [
        (demo.MADE, {0, 1, 10}),  # fines over the limit
        (demo.RUTH, {0, 1}),  # expired (PA in the past)
        (demo.RIZKI, {5}),  # at the loan limit: renewals still allowed
        (demo.HENDRA, {0, 1}),  # blocked by the library, with its message
        (demo.SITI, set()),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_patron_flags(machine: Client, patron: demo.DemoPatron, expected: set[int]) -> None:
    reply = machine.ask(patron_status(patron.barcode, patron.pin))
    assert flags(reply) == expected
    assert reply.get("CQ") == "Y"
    assert reply.get("PA") == patron.expires.strftime("%Y%m%d")
    assert reply.get("BV") == f"{patron.fines}.00"
    said = demo.BLOCKED_MESSAGE if patron.blocked else ""
    assert reply.text("AF") == said


def test_without_a_pin_nothing_is_checked(machine: Client) -> None:
    reply = machine.ask(patron_status(demo.SUTRISNO.barcode))
    assert reply.get("BL") == "Y" and not reply.has("CQ")
    assert reply.get("AE") == "Sutrisno"


# ----- 63 / 64 ---------------------------------------------------------------------------


def test_patron_information_lists_loans_overdue_and_fines(machine: Client, library: Served) -> None:
    reply = machine.ask(patron_information(demo.DEWI.barcode, "3141", "YYYY      "))
    assert reply.code == "64"
    dewi_loans = {
        demo.OVERDUE_5_DAYS.barcode,
        demo.OVERDUE_12_DAYS.barcode,
        demo.HELD_FOR_YOHANA.barcode,
        demo.AT_RENEWAL_LIMIT.barcode,
    }
    assert set(reply.all("AU")) == dewi_loans
    assert set(reply.all("AT")) == {demo.OVERDUE_5_DAYS.barcode, demo.OVERDUE_12_DAYS.barcode}
    assert reply.fixed["charged_items_count"] == "0004"
    assert reply.fixed["overdue_items_count"] == "0002"
    assert reply.get("CB") == "5"
    assert (reply.get("BV"), reply.get("CC")) == ("3000.00", "50000.00")
    assert sorted(reply.all("AV")) == sorted(
        [
            "- 3000.00 04 Bulan",
            f"{demo.OVERDUE_5_DAYS.barcode} 5000.00 04 Sang Pemimpi",
            f"{demo.OVERDUE_12_DAYS.barcode} 12000.00 04 Hujan Bulan Juni",
        ]
    )
    assert reply.fixed["fine_items_count"] == "0003"
    account = library.ils.account(demo.DEWI.barcode, library.clock.now())
    assert len(account.fines) == 3 and account.fines_total == 20_000  # the same fines


def test_patron_information_lists_holds_ready_and_waiting(machine: Client) -> None:
    reply = machine.ask(patron_information(demo.YOHANA.barcode, "2718", "Y    Y    "))
    assert reply.all("AS") == [demo.READY_FOR_YOHANA.barcode]
    assert reply.all("CD") == [demo.HELD_FOR_YOHANA.barcode]
    assert reply.fixed["hold_items_count"] == "0001"
    assert reply.fixed["unavailable_holds_count"] == "0001"
    assert not reply.has("AU")  # not asked for in the summary


def test_patron_information_honours_the_range(machine: Client) -> None:
    everything = machine.ask(patron_information(demo.DEWI.barcode, "3141", "  Y       "))
    some = machine.ask(patron_information(demo.DEWI.barcode, "3141", "  Y       ", BP="2", BQ="3"))
    assert some.all("AU") == everything.all("AU")[1:3]


def test_patron_information_with_a_wrong_pin_tells_nothing(machine: Client) -> None:
    reply = machine.ask(patron_information(demo.DEWI.barcode, "0000", "YYYYYY    "))
    assert reply.get("CQ") == "N"
    assert reply.get("AE") == ""
    assert reply.fixed["charged_items_count"] == "0000"
    assert not any(reply.has(code) for code in ("AS", "AT", "AU", "AV", "CD", "BV"))


# ----- 17 / 18 ---------------------------------------------------------------------------


def test_item_information(machine: Client, library: Served) -> None:
    shelf = machine.ask(item_information(demo.AVAILABLE.barcode))
    assert shelf.fixed["circulation_status"] == "03"
    assert shelf.get("AJ") == "Laskar Pelangi" and not shelf.has("AH")
    assert shelf.get("CF") == "0"
    lent = machine.ask(item_information(demo.LENT_TO_SITI.barcode))
    assert lent.fixed["circulation_status"] == "04"
    assert lent.get("AH") == sip_day(due_of(library, demo.LENT_TO_SITI.barcode))
    waiting = machine.ask(item_information(demo.READY_FOR_YOHANA.barcode))
    assert waiting.fixed["circulation_status"] == "08"
    assert waiting.get("CF") == "1"
    assert waiting.get("CM") == sip_day(TODAY + dt.timedelta(days=demo.HOLD_PICKUP_DAYS))
    queued = machine.ask(item_information(demo.HELD_FOR_YOHANA.barcode))
    assert (queued.fixed["circulation_status"], queued.get("CF")) == ("04", "2")


def test_item_information_unknown_reference_fee_and_branch(machine: Client) -> None:
    unknown = machine.ask(item_information(demo.UNKNOWN_ITEM_BARCODE))
    assert unknown.fixed["circulation_status"] == "01" and unknown.get("AJ") == ""
    assert unknown.get("AB") == demo.UNKNOWN_ITEM_BARCODE
    reference = machine.ask(item_information(demo.REFERENCE.barcode))
    assert reference.fixed["circulation_status"] == "01"
    assert reference.get("AJ") == demo.REFERENCE.title  # known, but does not circulate
    dvd = machine.ask(item_information(demo.FEE_DVD.barcode))
    assert dvd.fixed["fee_type"] == "06"
    assert (dvd.get("BV"), dvd.get("BH")) == ("5000.00", "IDR")
    branch = machine.ask(item_information(demo.OTHER_BRANCH_ITEM.barcode))
    assert branch.get("AQ") == demo.OTHER_BRANCH


# ----- 11 / 12 ---------------------------------------------------------------------------


def test_checkout_lends_with_its_due_date(machine: Client, library: Served) -> None:
    reply = machine.ask(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode))
    assert reply.code == "12" and reply.fixed["ok"] == "1"
    assert reply.get("AJ") == "Laskar Pelangi"
    assert reply.get("AH") == sip_day(TODAY + dt.timedelta(days=demo.LOAN_DAYS))
    assert due_of(library, demo.AVAILABLE.barcode) == TODAY + dt.timedelta(days=demo.LOAN_DAYS)


@pytest.mark.parametrize(
    ("card", "item", "said"),
    [
        (demo.SUTRISNO.barcode, demo.UNKNOWN_ITEM_BARCODE, ""),
        (demo.SUTRISNO.barcode, demo.REFERENCE.barcode, ""),
        (demo.SUTRISNO.barcode, demo.HELD_FOR_SITI.barcode, HELD_MESSAGE),
        (demo.SUTRISNO.barcode, demo.LENT_TO_SITI.barcode, ""),
        (demo.RIZKI.barcode, demo.AVAILABLE.barcode, ""),  # loan limit
        (demo.MADE.barcode, demo.AVAILABLE.barcode, ""),  # fines
        (demo.RUTH.barcode, demo.AVAILABLE.barcode, ""),  # expired
        (demo.HENDRA.barcode, demo.AVAILABLE.barcode, ""),  # blocked
        (demo.UNKNOWN_PATRON_BARCODE, demo.AVAILABLE.barcode, ""),
    ],
)
def test_checkout_refusals_lend_nothing(
    machine: Client, library: Served, card: str, item: str, said: str
) -> None:
    before = library.ils.item_status(item)
    reply = machine.ask(checkout(card, item))
    assert reply.fixed["ok"] == "0"
    assert reply.get("AH") == ""
    assert reply.text("AF") == said
    assert library.ils.item_status(item) == before


def test_an_item_already_yours_says_its_due_date(machine: Client, library: Served) -> None:
    reply = machine.ask(checkout(demo.SITI.barcode, demo.LENT_TO_SITI.barcode))
    assert reply.fixed["ok"] == "0"
    assert reply.get("AH") == sip_day(due_of(library, demo.LENT_TO_SITI.barcode))


def test_a_loan_fee_is_asked_then_lent_with_bo(machine: Client, library: Served) -> None:
    asked = machine.ask(checkout(demo.SUTRISNO.barcode, demo.FEE_DVD.barcode))
    assert asked.fixed["ok"] == "0"
    assert (asked.get("BT"), asked.get("BV"), asked.get("BH")) == ("06", "5000.00", "IDR")
    assert not library.ils.item_status(demo.FEE_DVD.barcode).on_loan  # type: ignore[union-attr]
    lent = machine.ask(checkout(demo.SUTRISNO.barcode, demo.FEE_DVD.barcode, fee=True))
    assert lent.fixed["ok"] == "1"
    assert lent.get("AH") == sip_day(TODAY + dt.timedelta(days=demo.NEW_ITEM_LOAN_DAYS))
    account = library.ils.account(demo.SUTRISNO.barcode, library.clock.now())
    assert [(f.reason, f.amount) for f in account.fines] == [(FineReason.LOAN_FEE, 5_000)]


def test_checkout_with_a_wrong_pin_lends_nothing(machine: Client, library: Served) -> None:
    reply = machine.ask(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode, pin="0000"))
    assert reply.fixed["ok"] == "0"
    assert not library.ils.item_status(demo.AVAILABLE.barcode).on_loan  # type: ignore[union-attr]
    right = machine.ask(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode, pin="1234"))
    assert right.fixed["ok"] == "1"


def test_a_no_block_checkout_keeps_its_due_date(machine: Client, library: Served) -> None:
    due = "20261125    235959"
    reply = machine.ask(checkout(demo.SUTRISNO.barcode, demo.FEE_DVD.barcode, no_block=due))
    assert reply.fixed["ok"] == "1"  # lent offline: its fee is charged unasked
    assert reply.get("AH") == due
    assert due_of(library, demo.FEE_DVD.barcode) == dt.date(2026, 11, 25)


# ----- 09 / 10 ---------------------------------------------------------------------------


def test_checkin_to_transit_names_the_branch(machine: Client) -> None:
    reply = machine.ask(checkin(demo.OTHER_BRANCH_ITEM.barcode))
    assert reply.code == "10" and reply.fixed["ok"] == "1"
    assert reply.fixed["alert"] == "Y"
    assert (reply.get("CL"), reply.get("CT")) == ("TRANSIT", demo.OTHER_BRANCH)
    assert reply.get("AQ") == demo.OTHER_BRANCH


def test_checkin_to_the_hold_shelf(machine: Client) -> None:
    reply = machine.ask(checkin(demo.HELD_FOR_YOHANA.barcode))
    assert (reply.fixed["ok"], reply.fixed["alert"], reply.get("CL")) == ("1", "Y", "HOLD")
    assert not reply.has("CT")


def test_a_late_return_is_charged(machine: Client) -> None:
    reply = machine.ask(checkin(demo.OVERDUE_12_DAYS.barcode))
    assert (reply.fixed["ok"], reply.fixed["alert"], reply.get("CL")) == ("1", "N", "SHELF")
    assert (reply.get("BT"), reply.get("BV"), reply.get("BH")) == ("04", "12000.00", "IDR")
    assert reply.get("AJ") == "Hujan Bulan Juni"


def test_checkin_refusals_and_the_items_note(machine: Client) -> None:
    unknown = machine.ask(checkin(demo.UNKNOWN_ITEM_BARCODE))
    assert (unknown.fixed["ok"], unknown.get("AJ")) == ("0", "")
    not_lent = machine.ask(checkin(demo.AVAILABLE.barcode))
    assert (not_lent.fixed["ok"], not_lent.get("AJ")) == ("0", "Laskar Pelangi")
    machine.ask(checkout(demo.SUTRISNO.barcode, demo.FEE_DVD.barcode, fee=True))
    dvd = machine.ask(checkin(demo.FEE_DVD.barcode))
    assert dvd.fixed["ok"] == "1"
    assert dvd.text("AF") == "Periksa: cakram DVD ada di dalam kotaknya."


def test_a_no_block_return_is_dated_when_it_happened(machine: Client) -> None:
    # Returned offline 4 days ago, 1 day late then: 1 day's fine, not the 5 of today.
    reply = machine.ask(checkin(demo.OVERDUE_5_DAYS.barcode, returned="20261117    100000"))
    assert reply.fixed["ok"] == "1"
    assert reply.get("BV") == f"{demo.FINE_PER_DAY}.00"


# ----- 29 / 30, 65 / 66 ------------------------------------------------------------------


def test_renew(machine: Client, library: Served) -> None:
    before = due_of(library, demo.OTHER_BRANCH_ITEM.barcode)
    reply = machine.ask(renew(demo.YOHANA.barcode, demo.OTHER_BRANCH_ITEM.barcode))
    assert reply.code == "30" and reply.fixed["ok"] == "1"
    assert reply.fixed["renewal_ok"] == "Y"
    after = before + dt.timedelta(days=demo.LOAN_DAYS)
    assert reply.get("AH") == sip_day(after)
    assert due_of(library, demo.OTHER_BRANCH_ITEM.barcode) == after


@pytest.mark.parametrize("item", [demo.AT_RENEWAL_LIMIT, demo.OVERDUE_5_DAYS, demo.HELD_FOR_YOHANA])
def test_renew_refused_keeps_the_due_date(
    machine: Client, library: Served, item: demo.DemoItem
) -> None:
    before = due_of(library, item.barcode)
    reply = machine.ask(renew(demo.DEWI.barcode, item.barcode))
    assert reply.fixed["ok"] == "0"
    assert reply.get("AH") == sip_day(before)
    assert due_of(library, item.barcode) == before


def test_renew_all(machine: Client) -> None:
    dewi = machine.ask(renew_all(demo.DEWI.barcode, "3141"))
    assert dewi.code == "66" and dewi.fixed["ok"] == "1"
    assert (dewi.fixed["renewed_count"], dewi.fixed["unrenewed_count"]) == ("0000", "0004")
    assert len(dewi.all("BN")) == 4 and not dewi.has("BM")
    yohana = machine.ask(renew_all(demo.YOHANA.barcode))
    assert yohana.all("BM") == [demo.OTHER_BRANCH_ITEM.barcode]
    assert yohana.fixed["renewed_count"] == "0001"
    nobody = machine.ask(renew_all(demo.UNKNOWN_PATRON_BARCODE))
    assert nobody.fixed["ok"] == "0"
    wrong = machine.ask(renew_all(demo.YOHANA.barcode, "0000"))
    assert wrong.fixed["ok"] == "0" and not wrong.has("BM")


# ----- 15 / 16, 35 / 36 ------------------------------------------------------------------


def test_hold_is_refused_with_the_librarys_words(machine: Client) -> None:
    reply = machine.ask(hold(demo.SUTRISNO.barcode, demo.LENT_TO_SITI.barcode))
    assert reply.code == "16"
    assert (reply.fixed["ok"], reply.fixed["available"]) == ("0", "N")
    assert reply.text("AF") == HOLD_REFUSED_MESSAGE


def test_end_session(machine: Client) -> None:
    reply = machine.ask(end_session(demo.SUTRISNO.barcode))
    assert reply.code == "36" and reply.fixed["end_session"] == "Y"
    assert reply.get("AA") == demo.SUTRISNO.barcode
