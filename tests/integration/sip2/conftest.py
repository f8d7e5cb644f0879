"""Fixtures of the SIP2 interop suite: a real SIP2 server in its own process, the client.

``sip2_server`` is parametrized by server; each param gives the same small handle
(:class:`~integration.sip2.servers.ServerHandle`: host, port, library_path, kill(),
restart()) so one suite runs against every server. "pysip2" is the independent server
from PyPI with our handlers (``pysip2_acs.py``); "own" is ours, ``kiosk sip2-server``
(``own_server.py``), both in their own processes on a fresh demo library.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk
from integration.sip2.own_server import start_own_server
from integration.sip2.servers import ServerHandle

from kiosk import config as config_module
from kiosk.ils.local import LocalIls
from kiosk.ils.local import demo_data as demo

SERVERS = ["pysip2", "own"]
USER, PASSWORD = "kiosk", "kiosk-demo"  # both servers' demo login


def start_server(name: str, work: Path) -> ServerHandle:
    """Start server ``name`` on a fresh demo library in ``work``."""
    if name == "own":
        return start_own_server(work)  # type: ignore[return-value]  # the same handle shape
    library = work / "demo-library.sqlite3"
    LocalIls.open(library).close()  # seeded here, so the test can read it as it starts
    if name == "pysip2":
        return ServerHandle(library, work).start()
    raise ValueError(f"unknown SIP2 test server {name!r}")


@pytest.fixture(params=SERVERS)
def sip2_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerHandle]:
    handle = start_server(request.param, tmp_path)
    try:
        yield handle
    finally:
        handle.kill()


@pytest.fixture
def kiosk(sip2_server: ServerHandle, tmp_path: Path) -> Iterator[FlowKiosk]:
    """The whole kiosk (``bootstrap.build``) with ``[ils] backend = "sip2"`` on ``sip2_server``."""
    config = config_module.from_mapping(
        {
            "ils": {"backend": "sip2"},
            "sip2": {
                "host": sip2_server.host,
                "port": sip2_server.port,
                "user": USER,
                "password": PASSWORD,
                "institution": str(demo.INSTITUTION),
                "keepalive": 0,
            },
        },
        source=None,
    )
    flow = FlowKiosk(tmp_path / "kiosk", config=config)
    yield flow
    flow.close()
