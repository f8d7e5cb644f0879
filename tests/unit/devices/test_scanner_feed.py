"""BarcodeProtocol parsing, fed bytes directly: no thread, no port."""

from __future__ import annotations

import logging
import queue

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import codabar
from devices.events import DeviceReady, DeviceStatus
from devices.scanner import (
    BadScan,
    BarcodeProtocol,
    BarcodeRead,
    ScanEvent,
    check_scan,
    mask,
    open_scanner,
)
from devices.serial_reader import Backoff, DeviceUnavailable, SerialReader

GOOD = "30234000517861"
SECOND = "33191000105864"
WRONG_CHECK = "30234000517862"


def make_protocol(**options: object) -> tuple[BarcodeProtocol, list[ScanEvent]]:
    events: list[ScanEvent] = []
    return BarcodeProtocol(events.append, **options), events  # type: ignore[arg-type]


def test_a_valid_scan_becomes_barcode_read() -> None:
    scanner, events = make_protocol()
    scanner.data_received(GOOD.encode() + b"\r")
    assert events == [BarcodeRead(GOOD)]


def test_scans_are_normalised_before_checking() -> None:
    scanner, events = make_protocol()
    scanner.data_received(b"A" + GOOD.encode() + b"B\r\n d" + GOOD.encode() + b"c \r")
    assert events == [BarcodeRead(GOOD), BarcodeRead(GOOD)]


def test_split_frames_and_several_frames_per_feed() -> None:
    scanner, events = make_protocol()
    for chunk in (b"302340", b"00517861\r" + SECOND.encode()[:5], SECOND.encode()[5:] + b"\r"):
        scanner.data_received(chunk)
    assert events == [BarcodeRead(GOOD), BarcodeRead(SECOND)]


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
    scanner, events = make_protocol()
    scanner.data_received(stream)
    assert events == [expected]


def test_the_framer_recovers_after_a_bad_scan() -> None:
    scanner, events = make_protocol(max_length=20)
    scanner.data_received(b"x" * 500 + b"\r\x00\x00\r" + GOOD.encode() + b"\r")
    assert [type(event) for event in events] == [BadScan, BadScan, BarcodeRead]
    assert events[-1] == BarcodeRead(GOOD)


def test_without_check_digits_any_line_is_a_barcode() -> None:
    scanner, events = make_protocol(check_digits=False)
    scanner.data_received(WRONG_CHECK.encode() + b"\rB0012A\r")
    assert events == [BarcodeRead(WRONG_CHECK), BarcodeRead("0012")]


def test_blank_scans_are_ignored() -> None:
    scanner, events = make_protocol()
    scanner.data_received(b"   \rAB\r")
    assert events == []


def test_the_configured_terminator_is_used() -> None:
    scanner, events = make_protocol(terminator=b"\t")
    scanner.data_received(GOOD.encode() + b"\t")
    assert events == [BarcodeRead(GOOD)]


@pytest.mark.parametrize("hook", ["connection_lost", "connection_made"])
def test_a_partial_frame_is_dropped_when_the_connection_changes(hook: str) -> None:
    scanner, events = make_protocol()
    scanner.data_received(b"3023400051")  # the cable is pulled mid-scan
    if hook == "connection_lost":
        scanner.connection_lost(OSError(5, "Input/output error"))
    else:
        scanner.connection_made(SerialReader("loop://", lambda: scanner, lambda status: None))
    scanner.data_received(GOOD.encode() + b"\r")
    # Without the reset the framer would join both into one 24-character bad scan.
    assert events == [BarcodeRead(GOOD)]


def test_connection_made_names_the_device_in_bad_scan_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scanner, _ = make_protocol()
    scanner.connection_made(SerialReader("sim://scanner/desk-9", lambda: scanner, print))
    with caplog.at_level(logging.INFO, logger="devices.scanner"):
        scanner.data_received(b"HELLO\r")
    assert "bad scan on sim://scanner/desk-9: not a 14-digit library barcode" in caplog.text


def test_a_flood_of_bad_scans_is_one_line_a_minute_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A loose cable makes a bad scan every few ms: the log must not grow with each."""
    now = [100.0]
    events: list[object] = []
    scanner = BarcodeProtocol(events.append, monotonic=lambda: now[0])
    scanner.connection_made(SerialReader("sim://scanner/desk-9", lambda: scanner, print))
    with caplog.at_level(logging.INFO, logger="devices.scanner"):
        for _ in range(5000):
            scanner.data_received(b"HELLO\r")
        now[0] += 61
        scanner.data_received(b"HELLO\r")
    lines = [r.getMessage() for r in caplog.records if r.name == "devices.scanner"]
    assert lines == [
        "bad scan on sim://scanner/desk-9: not a 14-digit library barcode",
        "bad scan on sim://scanner/desk-9: 5000 faults in the last 61 s, latest: "
        "not a 14-digit library barcode",
    ]
    assert len(events) == 5001  # every one still reaches the kiosk


def test_check_scan_is_pure() -> None:
    assert check_scan(GOOD) == BarcodeRead(GOOD)
    assert check_scan("") is None
    assert check_scan("1" * 40).excerpt == "1" * 20  # type: ignore[union-attr]


def test_a_failing_handler_does_not_stop_parsing(caplog: pytest.LogCaptureFixture) -> None:
    received: list[ScanEvent] = []

    def handler(event: ScanEvent) -> None:
        received.append(event)
        raise RuntimeError("UI is busy")

    scanner = BarcodeProtocol(handler)
    with caplog.at_level(logging.ERROR, logger="devices.scanner"):
        scanner.data_received(GOOD.encode() + b"\r" + SECOND.encode() + b"\r")
    assert received == [BarcodeRead(GOOD), BarcodeRead(SECOND)]
    assert "handler failed" in caplog.text


def test_barcodes_are_never_logged_in_full(caplog: pytest.LogCaptureFixture) -> None:
    scanner, _ = make_protocol()
    with caplog.at_level(logging.DEBUG, logger="devices.scanner"):
        scanner.data_received(GOOD.encode() + b"\r" + WRONG_CHECK.encode() + b"\r")
    assert GOOD not in caplog.text
    assert WRONG_CHECK not in caplog.text
    assert "**********7861" in caplog.text
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not any("7861" in message or "7862" in message for message in info)


@pytest.mark.parametrize(("code", "masked"), [(GOOD, "**********7861"), ("123", "***"), ("", "")])
def test_mask(code: str, masked: str) -> None:
    assert mask(code) == masked


# -- any chunking gives the same events -------------------------------------------

scans = st.one_of(
    st.builds(codabar.make, st.integers(0, 9), st.integers(0, 9999), st.integers(0, 10**8 - 1)),
    st.just(WRONG_CHECK),
    st.text(alphabet="0123456789ABCD \x01\x7f", max_size=30),
)


@st.composite
def stream_and_cuts(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    lines = draw(st.lists(scans, max_size=8))
    ends = draw(st.lists(st.sampled_from([b"\r", b"\n", b"\r\n"]), min_size=len(lines)))
    stream = b"".join(line.encode("latin-1") + end for line, end in zip(lines, ends, strict=False))
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    return stream, cuts


@given(stream_and_cuts())
def test_any_chunking_gives_the_same_events(case: tuple[bytes, list[int]]) -> None:
    stream, cuts = case
    whole, expected = make_protocol()
    whole.data_received(stream)
    chunked, events = make_protocol()
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        chunked.data_received(stream[start:end])
    assert events == expected


# -- open_scanner builds a reader around the protocol ----------------------------------


def test_open_scanner_builds_but_does_not_start() -> None:
    events: list[ScanEvent | DeviceStatus] = []
    reader = open_scanner("loop://", events.append, backoff=Backoff(0.02, 0.1))
    assert isinstance(reader, SerialReader)
    assert reader.url == "loop://"
    assert not reader.running
    assert not reader.connected
    with pytest.raises(DeviceUnavailable):
        reader.write(b"x")
    assert events == []


def test_open_scanner_scans_over_loopback() -> None:
    """Whatever is written to loop:// is read back: a scanner talking to itself."""
    received: queue.Queue[ScanEvent | DeviceStatus] = queue.Queue()
    reader = open_scanner("loop://", received.put, terminator=b"\n")
    reader.start()
    try:
        assert received.get(timeout=5) == DeviceReady("loop://")
        reader.write(b"HELLO\n" + GOOD.encode() + b"\n")
        assert received.get(timeout=5) == BadScan("HELLO", "not a 14-digit library barcode")
        assert received.get(timeout=5) == BarcodeRead(GOOD)
    finally:
        reader.stop()
    assert received.empty()  # stop() is not a loss


@pytest.mark.parametrize(("terminator", "max_length"), [(b"", 64), (b"\r", 0)])
def test_open_scanner_refuses_bad_settings_at_once(terminator: bytes, max_length: int) -> None:
    with pytest.raises(ValueError, match="must"):
        open_scanner("loop://", print, terminator=terminator, max_length=max_length)
