"""Every simulator closes at the end of its ``with`` block, however the block ends."""

from __future__ import annotations

import socket

import pytest

from devices.sim.scanner_tcp import TcpScannerSimulator
from devices.sim.terminal import ClosedOnExit


def test_a_simulator_without_close_cannot_be_made() -> None:
    class Forgetful(ClosedOnExit):
        pass

    with pytest.raises(TypeError):
        Forgetful()  # type: ignore[abstract]


def test_leaving_the_block_by_an_error_still_frees_the_port() -> None:
    with pytest.raises(RuntimeError), TcpScannerSimulator() as sim:
        port = sim.port
        raise RuntimeError("the test failed half way")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
