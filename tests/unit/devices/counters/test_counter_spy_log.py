"""rx_chunks: the device's reads out of a pyserial spy:// log, hex dump or raw."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from serial.urlhandler.protocol_spy import FormatHexdump

from devices.sim.spy_log import rx_chunks


@given(st.lists(st.binary(min_size=1, max_size=70), max_size=6))
def test_every_read_of_a_real_hexdump_comes_back_whole_and_tx_is_skipped(
    reads: list[bytes],
) -> None:
    log = io.StringIO()
    spy = FormatHexdump(log, color=False)
    for data in reads:
        spy.rx(data)
        spy.tx(b"?\r\n")
        spy.control("CTS", "active")
    spy.rx(b"")  # a read that timed out
    assert [data for _, data in rx_chunks(log.getvalue())] == reads


def test_raw_log_is_one_chunk_and_garbage_lines_do_not_raise() -> None:
    assert rx_chunks("$IN=1,OUT=0*2F47\r\n") == [(0.0, b"$IN=1,OUT=0*2F47\r\n")]
    assert rx_chunks("000001.500 RX   0000  zz zz\n000002.000 RX   0000  41 42\n") == [(2.0, b"AB")]


@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    rx_chunks(text)
