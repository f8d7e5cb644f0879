"""The SIP2 codec's API on the recorded bytes of real servers: decode, encode, frame, check."""

from __future__ import annotations

import pytest
from unit.ils.sip2.transcripts import read_transcript

from kiosk.ils.sip2 import (
    ChecksumMismatch,
    FrameReader,
    Sip2ProtocolError,
    checksum,
    decode,
    encode,
    masked,
    request,
)

EVERGREEN_LOGIN = b"9300CNscclient|COclientpwd|CPWORKSTATION1|AY0AZEFF0\r"


def test_login_encodes_byte_for_byte_as_the_recorded_client() -> None:
    login = request(
        "93",
        [("CN", "scclient"), ("CO", "clientpwd"), ("CP", "WORKSTATION1")],
        uid_algorithm="0",
        pwd_algorithm="0",
    )
    assert encode(login, sequence=0) == EVERGREEN_LOGIN
    assert encode(request("97"), sequence=5) == b"97AZFEF5\r"


def test_every_recorded_frame_decodes() -> None:
    for name in ("evergreen-sipserver", "invenio-sip2", "pysip2"):
        reader = FrameReader()
        for exchange in read_transcript(name):
            for frame in reader.feed(exchange.wire):
                if frame.endswith(b"AZ0000"):  # the recorded corrupted request
                    with pytest.raises(ChecksumMismatch):
                        decode(frame)
                    continue
                message = decode(frame)
                assert message.code == frame[:2].decode()


def test_checksum_of_the_recorded_resend_request() -> None:
    assert checksum(b"96AZ") == "FEF6"
    with pytest.raises(ChecksumMismatch):
        decode(b"2300120261121    072611AOUWOLS|AAdjfiander|AC|AD6789|AY3AZ0000")
    assert (
        decode(b"2300120261121    072611AOUWOLS|AAx|AC|AD6789|AY3AZ0000", verify=False).get("AA")
        == "x"
    )


def test_unknown_code_and_short_fixed_part_are_protocol_errors() -> None:
    with pytest.raises(Sip2ProtocolError, match="unknown code"):
        decode(b"XX123")
    with pytest.raises(Sip2ProtocolError, match="shorter than its fixed part"):
        decode(b"6400")


def test_masked_hides_pin_and_passwords() -> None:
    shown = masked(EVERGREEN_LOGIN)
    assert "clientpwd" not in shown and "CO****" in shown and "CNscclient" in shown
    pin = masked(b"2300120261121    072611AOUWOLS|AAdjfiander|AC|AD6789|AY3AZF038\r")
    assert "6789" not in pin and "AD****|" in pin
