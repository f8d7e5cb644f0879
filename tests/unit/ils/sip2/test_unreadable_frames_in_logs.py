"""Frames that do not parse reach log lines by their shape only: no card number, PIN or
name, on the server's side and the client's (attacker trial, issue 9 finding 1)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from unit.ils.sip2.server_support import served
from unit.ils.sip2_client.fake_acs import FakeAcs, standard

from kiosk.core.ports import IlsUnavailable
from kiosk.ils.sip2.codec import Message, masked, request
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options

CARD_START = "2317100"  # the card number's first digits: never in a log line
SHORT_PATRON_REQUEST = b"63AA23171000000010|AD1234|\r"  # shorter than 63's fixed part
FAKE_PATRON_REPLY = b"64AA23171000000010|AESutrisno Rahasia|\r"


@pytest.mark.parametrize(
    "frame",
    [
        SHORT_PATRON_REQUEST,
        FAKE_PATRON_REPLY,
        b"99AA23171000000010|AD1234|AESutrisno Rahasia",  # 99 too short as well
        b"ZZAA23171000000010|AD1234|AESutrisno Rahasia",  # unknown code
        b"63" + b"AA23171000000010|AD1234|AESutrisno Rahasia" + b" " * 40,  # | in fixed part
    ],
)
def test_an_unreadable_frame_is_masked_to_its_shape(frame: bytes) -> None:
    for shown in (masked(frame), masked(frame, log_safe=True)):
        assert CARD_START not in shown and "1234" not in shown and "Sutrisno" not in shown
        assert "Rahasia" not in shown and "AA" not in shown[2:]


def test_the_server_logs_a_too_short_request_without_card_or_pin(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with served(tmp_path) as running:
        client = running.connect()
        client.login()
        client.send(SHORT_PATRON_REQUEST)
        assert client.raw() == b"96\r"  # asked to resend, as before
    warnings = [r.getMessage() for r in caplog.records if "not a SIP2 message" in r.getMessage()]
    assert warnings and "63?[16|6|0]" in warnings[0]
    assert CARD_START not in caplog.text and "AD1234" not in caplog.text


def test_the_client_logs_a_fake_short_reply_without_card_or_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    def fake(message: Message, raw: bytes, number: int) -> bytes:
        if message.code in ("63", "97"):
            return FAKE_PATRON_REPLY
        return standard(message, raw, number)

    server = FakeAcs(fake)
    connection = Sip2Connection(
        Sip2Options(server.host, server.port, user="kiosk", password="pw", keepalive=0.0),
        keepalive_thread=False,
    )
    patron = request(
        "63",
        [("AO", "3171"), ("AA", "23171000000010"), ("AD", "1234")],
        language="000", transaction_date="20261121    120000", summary=" " * 10,
    )  # fmt: skip
    try:
        with pytest.raises(IlsUnavailable) as raised:
            connection.request(patron)
    finally:
        connection.close()
        server.close()
    logging.getLogger("kiosk.ils.sip2").warning("%s", raised.value)  # as the backend logs it
    for text in (str(raised.value), caplog.text):
        assert CARD_START not in text and "Sutrisno" not in text and "Rahasia" not in text
        assert "1234" not in text
