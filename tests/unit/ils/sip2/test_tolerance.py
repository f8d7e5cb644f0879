"""Tolerant reading: what real servers send that the specification does not quite allow."""

from __future__ import annotations

import logging

import pytest

from kiosk.ils.sip2 import (
    ChecksumMismatch,
    Sip2ProtocolError,
    checksum,
    decode,
    masked,
)

DATE = "20261121    072611"


def with_checksum(body: str) -> bytes:
    raw = body.encode("utf-8") + b"AZ"
    return raw + checksum(raw).encode()


def test_unknown_field_codes_are_kept_in_order_but_change_nothing() -> None:
    message = decode(f"24{' ' * 14}001{DATE}AOX|AA1|XXodd|AEName|ZZ|BLY|".encode())
    assert message.fields == (
        ("AO", "X"),
        ("AA", "1"),
        ("XX", "odd"),
        ("AE", "Name"),
        ("ZZ", ""),
        ("BL", "Y"),
    )
    assert message.flag("BL") is True and message.get("AE") == "Name"


def test_repeated_screen_messages_and_print_lines_are_joined() -> None:
    message = decode(f"36Y{DATE}AOX|AA1|AFFirst line|AFsecond line|AGa|AGb|AG |AGc|".encode())
    assert message.text("AF") == "First line second line"
    assert message.text("AG") == "ab c"
    assert message.all("AF") == ["First line", "second line"]
    assert message.text("AJ") == ""


def test_numbers_padded_with_spaces() -> None:
    status = decode(f"98YYYYYY 10  3{DATE}2.00AOX|BXYYYY|".encode())
    assert status.number("timeout_period") == 10 and status.number("retries_allowed") == 3
    assert decode(f"98YYYYYY   000{DATE}2.00AOX|BXY|".encode()).number("timeout_period") is None
    item = decode(f"18030001{DATE}CF 2|ABB1|AJT|".encode())
    assert item.number("CF") == 2 and item.number("BR") is None
    assert item.number("fee_type") == 1


def test_encoded_bar_in_values() -> None:
    message = decode(f"18030001{DATE}ABB1|AJCats &#124; Dogs&#124;|".encode())
    assert message.get("AJ") == "Cats | Dogs|"


@pytest.mark.parametrize("ending", [b"", b"\r", b"\r\n", b"\n"])
def test_line_endings_left_on_a_frame_are_ignored(ending: bytes) -> None:
    frame = with_checksum(f"36Y{DATE}AOX|AA1|AY4") + ending
    message = decode(frame)
    assert message.sequence == 4 and message.get("AA") == "1"


def test_no_bar_before_the_trailer_or_at_the_end() -> None:
    glued = decode(with_checksum(f"36Y{DATE}AOX|AA1AY2"))
    assert glued.get("AA") == "1" and glued.sequence == 2
    open_end = decode(f"36Y{DATE}AOX|AA1".encode())
    assert open_end.get("AA") == "1" and open_end.sequence is None
    bar_then_trailer = decode(f"36Y{DATE}AOX|AA1|AY7|".encode())
    assert bar_then_trailer.sequence == 7 and bar_then_trailer.fields == (("AO", "X"), ("AA", "1"))


def test_checksum_is_verified_over_the_bytes_up_to_az() -> None:
    good = with_checksum(f"36Y{DATE}AOX|AA1|AFTerima kasih — sampai jumpa|AY0")
    assert decode(good).text("AF") == "Terima kasih — sampai jumpa"
    assert decode(good[:-4] + good[-4:].lower()).sequence == 0  # lower-case hex
    corrupted = good.replace(b"AA1", b"AA2")
    with pytest.raises(ChecksumMismatch, match="checksum wrong"):
        decode(corrupted)
    assert decode(corrupted, verify=False).get("AA") == "2"
    assert issubclass(ChecksumMismatch, Sip2ProtocolError)


def test_a_resend_request_with_its_checksum() -> None:
    assert decode(b"96AZFEF6").code == "96"
    with pytest.raises(ChecksumMismatch):
        decode(b"96AZFEF7")


@pytest.mark.parametrize(
    ("frame", "complaint"),
    [
        (b"", "unknown code"),
        (b"\r\n", "unknown code"),
        (b"9", "unknown code"),
        (b"42YYYY", "unknown code"),
        (b"\xff\xfe", "unknown code"),
        (b"64  Y   ", "shorter than its fixed part"),
        (b"12", "shorter than its fixed part"),
        (f"12{DATE}".encode(), "shorter than its fixed part"),
    ],
)
def test_what_is_not_sip2_is_one_protocol_error_line(frame: bytes, complaint: str) -> None:
    with pytest.raises(Sip2ProtocolError, match=complaint) as raised:
        decode(frame)
    assert "\n" not in str(raised.value) and "\r" not in str(raised.value)


def test_protocol_errors_mask_the_pin_and_the_card_number() -> None:
    with pytest.raises(ChecksumMismatch) as raised:
        decode(b"2300120261121    072611AOUWOLS|AAdjfiander|AC|AD6789|AY3AZ0000")
    text = str(raised.value)
    assert "6789" not in text and "djfiander" not in text and "AA…nder" in text


def test_undecodable_bytes_become_replacement_characters_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = f"64              001{DATE}{'0' * 24}AOX|AA0123456789|AD4321|AECafé|".encode("latin-1")
    frame = frame.replace(b"AOX", b"AO\xe9\xe8")
    with caplog.at_level(logging.DEBUG, logger="kiosk.ils.sip2"):
        message = decode(frame)
    assert message.get("AE") == "Caf\ufffd" and message.get("AO") == "\ufffd\ufffd"
    records = [r for r in caplog.records if r.name == "kiosk.ils.sip2"]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    line = records[0].getMessage()
    assert "\n" not in line and "utf-8" in line
    assert "4321" not in line and "AD****" in line  # PIN masked
    assert "0123456789" not in line and "…6789" in line  # card: last 4 only
    assert "Caf" not in line  # the patron's name never in a log
    assert decode(frame, encoding="latin-1").get("AE") == "Café"


def test_masked_for_traces_and_for_logs() -> None:
    login = b"9300CNkiosk1|COsecret|CPLOBBY|AY0AZF455\r"
    assert masked(login) == r"9300CNkiosk1|CO****|CPLOBBY|AY0AZF455\r"
    assert masked(login.decode()) == masked(login)
    pin_last = b"2300120261121    072611AOPERPUS|AA12345|AC|AD1234AY7AZF2A4"
    assert masked(pin_last) == "2300120261121    072611AOPERPUS|AA12345|AC****|AD****AY7AZF2A4"
    terminal = masked(b"1720261121    072546AOPERPUS|ABB0002|ACterm|\r\n")
    assert "term" not in terminal and terminal.endswith(r"AC****|\r\n")
    patron = (
        b"64              00020261121    072546000000000000000000000000"
        b"AOPERPUS|AA12345|AESiti Aminah|BEsiti@example.org|"
    )
    assert "Siti" in masked(patron)  # a technician's trace shows the patron
    logged = masked(patron, log_safe=True)
    assert "Siti" not in logged and "siti@" not in logged and "AA…2345" in logged
    assert masked(b"garbage AD1234|\xff") == "???[12|4]"  # not SIP2: only its shape
    assert "1234" not in masked(b"garbage|AD1234|")


def test_log_lines_show_items_and_flags_but_nothing_that_may_name_a_patron() -> None:
    evergreen = (
        b"64  Y           00020261121    072611000000000000000100000000AOUWOLS|AAdjfiander|"
        b"AEDavid J. Fiander|BD2 Meadowvale Dr.|BLY|CQY|PA20501231|XIdjfiander|"
        b"AFWelcome back, David|AUB0001|AY2AZBB53"
    )
    logged = masked(evergreen, log_safe=True)
    for private in ("djfiander", "David", "Meadowvale", "20501231"):
        assert private not in logged
    assert "AA…nder|" in logged and "XI****|" in logged and "AF****|" in logged
    assert "AOUWOLS|" in logged and "BLY|" in logged and "AUB0001|" in logged
    assert logged.endswith("AY2AZBB53")
    assert "David J. Fiander" in masked(evergreen)  # the technician's own trace
