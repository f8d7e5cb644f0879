"""Decoding what three real SIP2 servers sent into every field the kiosk and server use.

The transcripts (tests/data/sip2/) are raw bytes recorded on loopback from Evergreen's
SIPServer (CR, checksums, a re-numbered 97 resend, a broken accent), invenio-sip2 (numbers
padded with spaces, one AG per character, a 97 reply missing its CR with the next reply
glued to it) and pysip2 (strict), with CRLF sessions.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from unit.ils.sip2.transcripts import read_transcript

from kiosk.ils.sip2 import (
    ChecksumMismatch,
    FrameReader,
    Message,
    decode,
    encode,
    parse_datetime,
)

TZ = ZoneInfo("Asia/Jakarta")


def session(name: str) -> list[tuple[str, bool, Message]]:
    """Every frame of a transcript, framed by FrameReader and decoded, in order.

    The deliberately corrupted requests (``AZ0000``) are checked to fail and left out.
    """
    decoded: list[tuple[str, bool, Message]] = []
    reader = FrameReader()
    for exchange in read_transcript(name):
        for frame in reader.feed(exchange.wire):
            if frame.endswith(b"AZ0000"):
                with pytest.raises(ChecksumMismatch):
                    decode(frame)
                continue
            decoded.append((exchange.section, exchange.sent_by_client, decode(frame)))
    assert reader.pending() == 0
    return decoded


def replies(name: str, code: str, section: str = "A") -> list[Message]:
    return [m for s, client, m in session(name) if s == section and not client and m.code == code]


def requests(name: str, code: str, section: str = "A") -> list[Message]:
    return [m for s, client, m in session(name) if s == section and client and m.code == code]


# --- Evergreen SIPServer ---------------------------------------------------------------


def test_evergreen_login_and_status() -> None:
    (login,) = replies("evergreen-sipserver", "94")
    assert login.flag("ok") is True and login.sequence == 0
    (status,) = replies("evergreen-sipserver", "98")
    assert status.flag("online_status") is True
    assert status.flag("checkin_ok") is False and status.flag("checkout_ok") is False
    assert status.number("timeout_period") == 600 and status.number("retries_allowed") == 3
    assert status.fixed["protocol_version"] == "2.00"
    assert status.get("AO") == "UWOLS" and status.get("BX") == "YYYYYYYYYNYNYYYY"
    assert parse_datetime(status.fixed["date_time_sync"], TZ) == dt.datetime(
        2026, 11, 21, 7, 26, 11, tzinfo=TZ
    )
    (bad_login,) = replies("evergreen-sipserver", "94", section="C")
    assert bad_login.flag("ok") is False and bad_login.sequence is None


def test_evergreen_patron_information_right_and_wrong_pin() -> None:
    right, wrong = replies("evergreen-sipserver", "64")
    assert right.fixed["patron_status"] == "  Y           "
    assert right.fixed["patron_status"][2] == "Y"  # recall denied; charging allowed
    assert right.fixed["patron_status"][0] == " "
    assert right.number("charged_items_count") == 0 and right.number("fine_items_count") == 1
    assert right.number("hold_items_count") == 0 and right.number("overdue_items_count") == 0
    assert right.get("AA") == "djfiander" and right.get("AE") == "David J. Fiander"
    assert right.flag("BL") is True and right.flag("CQ") is True
    assert wrong.flag("BL") is True and wrong.flag("CQ") is False
    # Extensions Evergreen sends (card expiry PA) are kept, in wire order.
    assert parse_datetime(right.get("PA"), TZ) == dt.datetime(2050, 12, 31, tzinfo=TZ)
    assert [code for code, _ in right.fields][-5:] == ["PA", "PB", "PC", "PI", "XI"]
    assert right.all("AU") == [] and right.text("AF") == ""


def test_evergreen_patron_status_and_unknown_patron() -> None:
    known, unknown = replies("evergreen-sipserver", "24")
    assert known.flag("BL") is True and known.flag("CQ") is True
    assert known.fixed["language"] == "001"
    assert unknown.fixed["patron_status"].startswith("YYYY")
    assert unknown.flag("BL") is False and unknown.get("AE") == "" and unknown.has("AE")
    assert unknown.flag("CQ") is None  # not sent at all


def test_evergreen_item_information_before_and_after_checkout() -> None:
    before, after, spanish = replies("evergreen-sipserver", "18")
    assert before.fixed["circulation_status"] == "03"  # available
    assert before.get("AJ") == "Perl 5 desktop reference" and before.get("AH") == ""
    assert after.fixed["circulation_status"] == "04"  # charged
    assert parse_datetime(after.get("AH"), TZ) == dt.datetime(2026, 12, 5, 7, 26, 11, tzinfo=TZ)
    assert spanish.get("AJ") == "Harry Potter y el c?liz de fuego"  # ASCII mode strips accents


def test_evergreen_checkout_renew_checkin() -> None:
    lent, refused = replies("evergreen-sipserver", "12")
    assert lent.flag("ok") is True and lent.flag("renewal_ok") is False
    assert lent.flag("desensitize") is True
    assert lent.get("AB") == "1565921879" and lent.get("AJ") == "Perl 5 desktop reference"
    assert parse_datetime(lent.get("AH"), TZ) == dt.datetime(2026, 12, 5, 7, 26, 11, tzinfo=TZ)
    assert refused.flag("ok") is False and refused.flag("magnetic_media") is None  # "U"
    assert refused.text("AF") == "Invalid Item" and refused.get("AJ") == ""
    assert parse_datetime(refused.get("AH"), TZ) is None
    (renewed,) = replies("evergreen-sipserver", "30")
    assert renewed.flag("ok") is True and renewed.flag("renewal_ok") is True
    assert renewed.get("AO") == "UWOLS"  # sent last, after AH: order is free
    (checkin,) = replies("evergreen-sipserver", "10")
    assert checkin.flag("ok") is True and checkin.flag("alert") is False
    assert checkin.get("AQ") == "" and checkin.get("CL") == ""
    assert checkin.get("AA") == "djfiander"


def test_evergreen_resends_and_end_session() -> None:
    resends = replies("evergreen-sipserver", "96")
    assert len(resends) == 2 and all(m.fields == () for m in resends)
    first, again = replies("evergreen-sipserver", "36")
    assert first.flag("end_session") is True
    assert first.text("AF") == "Thank you for using Evergreen!"
    # The answer to 97 is the last reply again, re-numbered: same message, sequence 0.
    assert again.sequence == 0 and first.sequence == 4
    assert (again.fixed, again.fields) == (first.fixed, first.fields)


def test_evergreen_crlf_session_without_error_detection() -> None:
    sent = [m for s, client, m in session("evergreen-sipserver") if s == "B" and client]
    assert [m.code for m in sent] == ["93", "99", "17", "63"]
    assert all(m.sequence is None for m in sent)
    (status,) = replies("evergreen-sipserver", "98", section="B")
    assert status.number("timeout_period") == 0 and status.get("AO") == "LPL"
    (item,) = replies("evergreen-sipserver", "18", section="B")
    # The server's replacement character for a byte it could not encode, read as sent.
    assert item.get("AJ") == "Harry Potter y el c\ufffdliz de fuego"
    (patron,) = replies("evergreen-sipserver", "64", section="B")
    assert patron.get("AE") == "Mike Rylander" and patron.flag("CQ") is True


# --- invenio-sip2 ------------------------------------------------------------------------


def test_invenio_numbers_padded_with_spaces() -> None:
    (status,) = replies("invenio-sip2", "98")
    assert status.fixed["timeout_period"] == " 10" and status.number("timeout_period") == 10
    assert status.number("retries_allowed") == 10
    assert status.get("AM") == "Name of the library"


def test_invenio_patron_information_with_holds() -> None:
    (patron,) = replies("invenio-sip2", "64")
    assert patron.number("hold_items_count") == 2
    assert patron.all("AS") == ["item_pid_1", "item_pid_2"]
    assert patron.get("BH") == "EUR" and patron.flag("CQ") is True
    assert patron.flag("BL") is None  # invenio leaves valid-patron out


def test_invenio_one_print_line_per_character_and_the_glued_reply() -> None:
    first, glued = replies("invenio-sip2", "24")
    for message in (first, glued):
        assert message.text("AG") == "message on one line"
        assert len(message.all("AG")) == 19
    assert first.sequence == 3 and glued.sequence == 9
    assert glued.fixed["transaction_date"] == "20261121    072904"
    # The 97 reply that arrived without its CR, before the glued 24: the 36 again.
    ends = replies("invenio-sip2", "36")
    assert len(ends) == 2 and ends[0] == ends[1] and ends[1].sequence == 8


def test_invenio_item_checkout_renew_checkin() -> None:
    (item,) = replies("invenio-sip2", "18")
    assert item.fixed["circulation_status"] == "01" and item.number("CF") == 0
    assert item.get("AQ") == "permanent_location" and item.get("AP") == "current_location"
    (checkout,) = replies("invenio-sip2", "12")
    assert checkout.flag("ok") is False and checkout.flag("desensitize") is None
    assert checkout.get("BT") == "01"
    (renew,) = replies("invenio-sip2", "30")
    assert renew.flag("ok") is False
    (checkin,) = replies("invenio-sip2", "10")
    assert checkin.flag("ok") is False and checkin.flag("alert") is False
    assert checkin.flag("magnetic_media") is None  # "U"


# --- pysip2 ------------------------------------------------------------------------------


def test_pysip2_session() -> None:
    (status,) = replies("pysip2", "98")
    assert status.get("AM") == "Perpustakaan Demo" and status.number("timeout_period") == 30
    empty, one_loan = replies("pysip2", "64")
    assert empty.all("AU") == [] and empty.get("AE") == "Siti Aminah"
    assert one_loan.number("charged_items_count") == 1 and one_loan.all("AU") == ["B0001"]
    lent, refused = replies("pysip2", "12")
    assert lent.flag("ok") is True and lent.get("AJ") == "Laskar Pelangi"
    assert parse_datetime(lent.get("AH"), TZ) == dt.datetime(2026, 12, 5, 7, 25, 46, tzinfo=TZ)
    assert refused.flag("ok") is False and refused.text("AF") == "Patron blocked / item unavailable"
    (renew,) = replies("pysip2", "30")
    assert parse_datetime(renew.get("AH"), TZ) == dt.datetime(2026, 12, 19, 7, 25, 46, tzinfo=TZ)
    (checkin,) = replies("pysip2", "10")
    assert checkin.flag("ok") is True and checkin.get("AQ") == "Rak Umum"
    end = replies("pysip2", "36")
    assert all(m.text("AF") == "Terima kasih" for m in end) and len(end) == 3


# --- what clients sent: the server's side, and our writing ---------------------------------


def test_requests_decode_into_what_the_server_needs() -> None:
    (checkout,) = requests("evergreen-sipserver", "11")[:1]
    assert checkout.flag("sc_renewal_policy") is False and checkout.flag("no_block") is False
    assert checkout.fixed["nb_due_date"] == " " * 18
    assert checkout.get("AA") == "djfiander" and checkout.get("AB") == "1565921879"
    assert checkout.get("AD") == "6789" and checkout.flag("BO") is False
    (info,) = requests("evergreen-sipserver", "63")[:1]
    assert info.fixed["summary"] == "Y         " and info.fixed["language"] == "001"
    (checkin,) = requests("evergreen-sipserver", "09")
    assert checkin.get("AP") == "MAIN" and checkin.fixed["return_date"] == "20261121    072611"
    (login,) = requests("pysip2", "93", section="B")
    assert (login.get("CN"), login.get("CO"), login.get("CP")) == ("kiosk1", "secret", "LOBBY")
    (unterminated,) = requests("pysip2", "93", section="C")
    assert unterminated.get("CP") == "LOBBY"  # the last field without its "|"


@pytest.mark.parametrize("name", ["evergreen-sipserver", "invenio-sip2", "pysip2"])
def test_canonical_recorded_frames_encode_back_byte_for_byte(name: str) -> None:
    checked = 0
    for exchange in read_transcript(name):
        wire = exchange.wire
        body = wire.rstrip(b"\r\n")
        terminator = wire[len(body) :] or b"\r"
        if b"AZ0000" in body or not (body.endswith(b"|") or b"|AY" in body or b"AZ" in body):
            continue  # corrupted on purpose, or not canonical (no final "|")
        for frame in FrameReader().feed(wire if wire != body else wire + b"\r"):
            message = decode(frame)
            has_checksum = frame[-6:-4] == b"AZ"
            sequence = message.sequence
            if sequence is None and has_checksum:  # 96/97 carry AZ alone
                sequence = 0
            assert (
                encode(message, sequence=sequence, checksum=has_checksum, terminator=terminator)
                == frame + terminator
            )
            checked += 1
    assert checked >= 8
