"""pyserial spy:// logs -> the bytes the device sent (devices.sim.spy_log).

The logs are written by pyserial itself (its spy:// port over a pty, and its hexdump
formatter), so the parser is held to the real format, not to our idea of it.
"""

from __future__ import annotations

import io
from pathlib import Path

import serial
from hypothesis import given
from hypothesis import strategies as st
from serial.urlhandler.protocol_spy import FormatHexdump

from devices.sim import PtyScannerSimulator
from devices.sim.spy_log import parse, rx_chunks


def hexdump_of(reads: list[bytes], *, color: bool = False, tx: bytes = b"") -> str:
    out = io.StringIO()
    formatter = FormatHexdump(out, color)
    formatter.control("Q-RX", "reset_input_buffer")
    for data in reads:
        formatter.rx(data)
        if tx:
            formatter.tx(tx)
    return out.getvalue()


def test_a_real_capture_of_a_pty_scanner_gives_each_read_back(tmp_path: Path) -> None:
    log = tmp_path / "spy.log"
    sent = [b"30234000517861\r", b"]E09789793062792\r" * 3, b"\x00\xff noise\r"]
    with PtyScannerSimulator() as simulator:
        port = serial.serial_for_url(f"spy://{simulator.port_path}?file={log}", timeout=2)
        for data in sent:
            simulator.send_raw(data)
            assert port.read(len(data)) == data  # one read per chunk (the pty keeps them)
        port.close()
    chunks = rx_chunks(log.read_text(encoding="latin-1"))
    assert b"".join(data for _, data in chunks) == b"".join(sent)
    times = [at for at, _ in chunks]
    assert times == sorted(times)


def test_colour_codes_tx_and_control_lines_are_left_out() -> None:
    text = hexdump_of([b"ABC\r", bytes(range(40))], color=True, tx=b"\x1b@")
    assert [data for _, data in rx_chunks(text)] == [b"ABC\r", bytes(range(40))]


def test_empty_reads_and_broken_lines_are_reported_not_raised() -> None:
    good = hexdump_of([b"30234000517861\r"])
    broken = good.replace("33 30", "3G 30", 1)
    log = parse(broken + "000001.000 RX   <empty>\n")
    assert log.chunks == []
    assert log.problems and log.problems[0][0] == 2
    assert "hex" in log.problems[0][1]


def test_a_raw_log_is_one_chunk_and_colour_tells_rx_from_tx() -> None:
    assert rx_chunks("30234000517861\r33191000105864\r") == [
        (0.0, b"30234000517861\r33191000105864\r")
    ]
    coloured = "\x1b[31m\x1b@\x1b[32m3023400051\x1b[31mX\x1b[32m7861\r"
    log = parse(coloured)
    assert log.raw
    assert log.chunks == [(0.0, b"30234000517861\r")]


@given(st.lists(st.binary(min_size=1, max_size=70), max_size=8))
def test_any_reads_round_trip_through_pyserials_hexdump(reads: list[bytes]) -> None:
    log = parse(hexdump_of(reads))
    assert [data for _, data in log.chunks] == reads
    assert log.problems == []


@given(st.text(max_size=300))
def test_any_text_parses_without_an_exception(text: str) -> None:
    log = parse(text)
    assert all(isinstance(data, bytes) for _, data in log.chunks)
