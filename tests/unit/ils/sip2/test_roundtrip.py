"""Strict, canonical writing: every message of SIP2 2.00 written and read back unchanged."""

from __future__ import annotations

import pytest
from unit.ils.sip2.transcripts import read_transcript

from kiosk.ils.sip2 import (
    BLANK_DATE,
    LAYOUTS,
    FrameReader,
    Message,
    checksum,
    decode,
    encode,
    request,
)

DATE = "20261121    072611"


def sample(code: str) -> Message:
    """A message of ``code`` with every field of its layout, repeatable ones twice."""
    layout = LAYOUTS[code]
    fixed = {
        name: DATE if width == 18 else ("Y" * width if width < 3 else "0" * width)
        for name, width in layout.fixed
    }
    fields: list[tuple[str, str]] = []
    for spec in layout.fields:
        fields.append((spec.code, f"{spec.name} Ñandú"))
        if spec.repeatable:
            fields.append((spec.code, "again"))
    return request(code, fields, **fixed)


@pytest.mark.parametrize("code", sorted(LAYOUTS))
@pytest.mark.parametrize(
    ("sequence", "with_checksum", "terminator", "encoding"),
    [
        (3, True, b"\r", "utf-8"),
        (9, False, b"\r", "utf-8"),
        (None, True, b"\r\n", "latin-1"),
        (12, True, b"\n", "cp850"),
    ],
)
def test_every_message_round_trips(
    code: str, sequence: int | None, with_checksum: bool, terminator: bytes, encoding: str
) -> None:
    message = sample(code)
    wire = encode(
        message,
        sequence=sequence,
        checksum=with_checksum,
        terminator=terminator,
        encoding=encoding,
    )
    assert wire.endswith(terminator)
    frames = FrameReader().feed(wire)
    assert len(frames) == 1
    back = decode(frames[0], encoding=encoding)
    assert back.code == message.code
    assert back.fixed == message.fixed
    assert back.fields == message.fields
    expected_sequence = None if sequence is None or code in ("96", "97") else sequence % 10
    assert back.sequence == expected_sequence


def test_canonical_form_every_field_ends_with_a_bar() -> None:
    message = request("17", [("AO", "PERPUS"), ("AB", "B0001"), ("AC", "")], transaction_date=DATE)
    body = encode(message, sequence=4)
    assert body == b"17" + DATE.encode() + b"AOPERPUS|ABB0001|AC|AY4AZ" + body[-5:]
    assert body[-5:-1].decode() == checksum(body[:-5]) and body.endswith(b"\r")
    assert encode(message) == b"17" + DATE.encode() + b"AOPERPUS|ABB0001|AC|\r"
    assert encode(message, sequence=4, checksum=False) == (
        b"17" + DATE.encode() + b"AOPERPUS|ABB0001|AC|AY4\r"
    )


def test_bars_and_line_ends_inside_values() -> None:
    message = request(
        "36",
        [("AO", "A|B"), ("AA", "1"), ("AF", "line one\r\nline two")],
        end_session="Y",
        transaction_date=DATE,
    )
    wire = encode(message, sequence=1)
    assert b"AOA&#124;B|" in wire and b"AFline one  line two|" in wire
    assert wire.count(b"\r") == 1
    back = decode(wire[:-1])
    assert back.get("AO") == "A|B" and back.get("AF") == "line one  line two"


def test_characters_the_encoding_lacks_become_question_marks() -> None:
    message = request("36", [("AO", "X"), ("AA", "1"), ("AF", "Rp 5.000 – ✓")],
                      end_session="Y", transaction_date=DATE)  # fmt: skip
    assert b"AFRp 5.000 ? ?|" in encode(message, encoding="latin-1")
    assert b"AFRp 5.000 \xe2\x80\x93 \xe2\x9c\x93|" in encode(message)


def test_blank_date_and_checkout_request_as_the_kiosk_writes_it() -> None:
    message = request(
        "11",
        [("AO", "PERPUS"), ("AA", "12345"), ("AB", "B0001"), ("AC", ""), ("AD", "1234")],
        sc_renewal_policy="Y",
        no_block="N",
        transaction_date=DATE,
        nb_due_date=BLANK_DATE,
    )
    assert encode(message, sequence=5)[:42] == b"11YN" + DATE.encode() + b" " * 18 + b"AO"


@pytest.mark.parametrize(
    ("code", "fields", "fixed", "complaint"),
    [
        ("12x", [], {}, "not one of SIP2"),
        ("17", [("AO", "X"), ("AB", "1")], {}, "needs fixed field transaction_date"),
        ("17", [("AO", "X"), ("AB", "1")], {"transaction_date": "2026"}, "must be 18"),
        ("17", [("AO", "X"), ("AB", "1")], {"transaction_date": DATE, "ok": "1"}, "no fixed"),
        ("17", [("AO", "X")], {"transaction_date": DATE}, "needs field AB"),
        ("17", [("AO", "X"), ("AB", "1"), ("AB", "2")], {"transaction_date": DATE}, "only once"),
        ("17", [("AO", "X"), ("AB", "1"), ("AY", "2")], {"transaction_date": DATE}, "AY and AZ"),
        ("17", [("AO", "X"), ("AB", "1"), ("a|", "2")], {"transaction_date": DATE}, "capitals"),
    ],
)
def test_request_refuses_what_the_layout_forbids(
    code: str, fields: list[tuple[str, str]], fixed: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        request(code, fields, **fixed)


def test_request_keeps_extensions_and_repeats_and_orders_fixed_fields() -> None:
    message = request(
        "64",
        [("AO", "X"), ("AA", "1"), ("AE", "Siti"), ("AU", "B1"), ("AU", "B2"), ("PA", "20501231")],
        unavailable_holds_count="0000",
        patron_status=" " * 14,
        language="001",
        transaction_date=DATE,
        hold_items_count="0000",
        overdue_items_count="0000",
        charged_items_count="0002",
        fine_items_count="0000",
        recall_items_count="0000",
    )
    assert list(message.fixed) == [name for name, _ in LAYOUTS["64"].fixed]
    assert message.all("AU") == ["B1", "B2"] and message.get("PA") == "20501231"
    assert encode(message)[2:16] == b" " * 14


def test_client_requests_recorded_against_pysip2_are_what_we_write() -> None:
    """The pysip2 session was driven by a client writing exactly our canonical form."""
    written = [
        exchange.wire
        for exchange in read_transcript("pysip2")
        if exchange.sent_by_client and exchange.section == "A"
    ]
    for wire in written:
        if b"AZ0000" in wire:
            continue
        message = decode(wire[:-1])
        assert encode(message, sequence=message.sequence if message.code != "97" else 0) == wire


def test_a_shape_checked_once_still_has_its_widths_checked_every_time() -> None:
    fields = [("AO", "X"), ("AB", "B1")]
    assert request("17", fields, transaction_date=DATE).get("AB") == "B1"
    with pytest.raises(ValueError, match="transaction_date must be 18"):
        request("17", fields, transaction_date=DATE[:-1])
    for _ in range(2):  # a refused shape is refused again, not remembered as good
        with pytest.raises(ValueError, match="needs field AB"):
            request("17", [("AO", "X")], transaction_date=DATE)


def test_a_hand_built_message_without_a_fixed_field_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="lacks fixed field 'no_block'"):
        encode(Message("09", {"transaction_date": DATE, "return_date": DATE}, (("AO", "X"),)))


def test_the_repr_of_a_message_masks_pin_and_passwords() -> None:
    login = request(
        "93", [("CN", "kiosk1"), ("CO", "secret")], uid_algorithm="0", pwd_algorithm="0"
    )
    status = request(
        "23",
        [("AO", "X"), ("AA", "12345"), ("AC", "term"), ("AD", "6789")],
        language="001",
        transaction_date=DATE,
    )
    for message, secrets in ((login, ["secret"]), (status, ["term", "6789"])):
        shown = repr(message)
        assert all(secret not in shown for secret in secrets)
        assert shown.startswith(f"Message(code='{message.code}'") and "'****'" in shown
    assert "'12345'" in repr(status)  # only secrets are masked
