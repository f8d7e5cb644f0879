"""SerialScanner parsing, driven through feed() with no thread and no port."""

from __future__ import annotations

import logging

import pytest

from devices.scanner import (
    BadScan,
    BarcodeRead,
    ScannerError,
    ScannerEvent,
    SerialScanner,
    check_scan,
    mask,
)

GOOD = "30234000517861"
WRONG_CHECK = "30234000517862"


def make_scanner(**options: object) -> tuple[SerialScanner, list[ScannerEvent]]:
    events: list[ScannerEvent] = []
    return SerialScanner("loop://", events.append, **options), events  # type: ignore[arg-type]


def test_a_valid_scan_becomes_barcode_read() -> None:
    scanner, events = make_scanner()
    scanner.feed(GOOD.encode() + b"\r")
    assert events == [BarcodeRead(GOOD)]


def test_scans_are_normalised_before_checking() -> None:
    scanner, events = make_scanner()
    scanner.feed(b"A" + GOOD.encode() + b"B\r\n d" + GOOD.encode() + b"c \r")
    assert events == [BarcodeRead(GOOD), BarcodeRead(GOOD)]


def test_split_frames_and_several_frames_per_feed() -> None:
    scanner, events = make_scanner()
    second = "33191000105864"
    for chunk in (b"302340", b"00517861\r" + second.encode()[:5], second.encode()[5:] + b"\r"):
        scanner.feed(chunk)
    assert events == [BarcodeRead(GOOD), BarcodeRead(second)]


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (WRONG_CHECK.encode() + b"\r", BadScan(WRONG_CHECK, "check digit does not match")),
        (b"12345\r", BadScan("12345", "not a 14-digit library barcode")),
        (b"HELLO\r", BadScan("HELLO", "not a 14-digit library barcode")),
        (b"\x01\x02\x03\r", BadScan("\\x01\\x02\\x03", "unreadable characters (line noise)")),
        (b"9" * 65 + b"\r", BadScan("9" * 16 + "…", "line longer than 64 characters")),
    ],
)
def test_bad_scans_say_why(stream: bytes, expected: BadScan) -> None:
    scanner, events = make_scanner()
    scanner.feed(stream)
    assert events == [expected]


def test_the_framer_recovers_after_a_bad_scan() -> None:
    scanner, events = make_scanner(max_length=20)
    scanner.feed(b"x" * 500 + b"\r\x00\x00\r" + GOOD.encode() + b"\r")
    assert [type(event) for event in events] == [BadScan, BadScan, BarcodeRead]
    assert events[-1] == BarcodeRead(GOOD)


def test_without_check_digits_any_line_is_a_barcode() -> None:
    scanner, events = make_scanner(check_digits=False)
    scanner.feed(WRONG_CHECK.encode() + b"\rB0012A\r")
    assert events == [BarcodeRead(WRONG_CHECK), BarcodeRead("0012")]


def test_blank_scans_are_ignored() -> None:
    scanner, events = make_scanner()
    scanner.feed(b"   \rAB\r")
    assert events == []


def test_the_configured_terminator_is_used() -> None:
    scanner, events = make_scanner(terminator=b"\t")
    scanner.feed(GOOD.encode() + b"\t")
    assert events == [BarcodeRead(GOOD)]


def test_check_scan_is_pure() -> None:
    assert check_scan(GOOD) == BarcodeRead(GOOD)
    assert check_scan("") is None
    assert check_scan("1" * 40).excerpt == "1" * 20  # type: ignore[union-attr]


def test_a_failing_handler_does_not_stop_parsing(caplog: pytest.LogCaptureFixture) -> None:
    received: list[ScannerEvent] = []

    def handler(event: ScannerEvent) -> None:
        received.append(event)
        raise RuntimeError("UI is busy")

    scanner = SerialScanner("loop://", handler)
    with caplog.at_level(logging.ERROR, logger="devices.scanner"):
        scanner.feed(GOOD.encode() + b"\r" + GOOD.encode() + b"\r")
    assert received == [BarcodeRead(GOOD), BarcodeRead(GOOD)]
    assert "handler failed" in caplog.text


def test_barcodes_are_never_logged_in_full(caplog: pytest.LogCaptureFixture) -> None:
    scanner, _ = make_scanner()
    with caplog.at_level(logging.DEBUG, logger="devices.scanner"):
        scanner.feed(GOOD.encode() + b"\r" + WRONG_CHECK.encode() + b"\r")
    assert GOOD not in caplog.text
    assert WRONG_CHECK not in caplog.text
    assert "**********7861" in caplog.text
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not any("7861" in message or "7862" in message for message in info)


@pytest.mark.parametrize(("code", "masked"), [(GOOD, "**********7861"), ("123", "***"), ("", "")])
def test_mask(code: str, masked: str) -> None:
    assert mask(code) == masked


def test_start_on_a_missing_device_says_what_to_check() -> None:
    url = "/dev/does-not-exist-scanner"
    scanner, events = make_scanner()
    scanner.url = url
    with pytest.raises(ScannerError) as caught:
        scanner.start()
    message = str(caught.value)
    assert url in message
    assert "check" in message
    assert "\n" not in message
    assert not scanner.running
    scanner.stop()  # harmless when never started
    assert events == []


def test_an_unknown_url_scheme_is_a_scanner_error() -> None:
    scanner = SerialScanner("nosuch://x", lambda event: None)
    with pytest.raises(ScannerError, match="nosuch://x"):
        scanner.start()
