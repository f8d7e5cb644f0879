"""Offline mode against a real SIP2 server that really goes away (kill -9) and comes back.

The flow tests take the ILS down with a switch in front of the demo library; here nothing is
simulated: the kiosk (``bootstrap.build``, ``[ils] backend = "sip2"``) talks to a SIP2 server
process, the server is killed with SIGKILL, patrons return and borrow, the server is started
again on the same library file and port, and the replay must reach it: each transaction
exactly once, in order, nothing lost. Asserted on the library's own file (who holds each
book, due when) and the kiosk's store, not on calls.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from flows.harness import FlowKiosk
from integration.sip2.servers import ServerHandle
from integration.sip2.test_interop import loans_of

from kiosk.core.services import recording
from kiosk.ils.local import demo_data as demo
from kiosk.storage.offline import SqlOfflineStore

LOAN_DAYS = 14  # [offline] loan_days default
REPLAY_WAIT = 90.0  # the client's reconnect backoff doubles up to 60 s while it is down


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "STORE_RETRY_DELAYS", (0.0, 0.0, 0.0))


def offline_store(kiosk: FlowKiosk) -> SqlOfflineStore:
    store = kiosk.parts.replayer.desk.store
    assert isinstance(store, SqlOfflineStore)
    return store


def test_a_killed_server_means_offline_and_its_return_gets_every_transaction_once(
    kiosk: FlowKiosk, sip2_server: ServerHandle
) -> None:
    # Online: Sutrisno signs in (so the kiosk remembers his card and PIN) and borrows.
    kiosk.scan(demo.SUTRISNO.barcode)
    kiosk.type(demo.SUTRISNO.pin)
    assert kiosk.vm.screen == "borrow.scanning"
    kiosk.scan(demo.AVAILABLE.barcode)
    assert kiosk.vm.lines[0]["tone"] == "done"
    kiosk.vm.finish()
    kiosk.wait(11)  # the summary's timeout
    assert kiosk.vm.screen == "idle"
    assert loans_of(sip2_server, demo.AVAILABLE.barcode) == [demo.SUTRISNO.barcode]

    sip2_server.kill()  # SIGKILL: no goodbye on the socket

    # Returns while it is gone: his book and Siti's. The client sees the dead connection
    # before sending (the peer's close is readable), so nothing is left unsure.
    kiosk.vm.choose("return")
    kiosk.scan(demo.AVAILABLE.barcode)
    kiosk.scan(demo.LENT_TO_SITI.barcode)
    details = [line["detail"] for line in kiosk.vm.lines]
    assert len(details) == 2 and all("akan diproses" in d for d in details), details
    kiosk.settle()
    assert kiosk.vm.ils_offline  # the staff's mark
    kiosk.vm.cancel()
    kiosk.settle()

    # He signs in without the library system and borrows Siti's book, returned offline.
    kiosk.scan(demo.SUTRISNO.barcode)
    kiosk.type(demo.SUTRISNO.pin)
    assert kiosk.vm.screen == "borrow.scanning"
    kiosk.scan(demo.LENT_TO_SITI.barcode)
    [line] = kiosk.vm.lines
    assert line["tone"] == "done" and "akan diproses" in line["detail"]
    kiosk.vm.finish()
    kiosk.settle()

    # Nothing reached the library yet; all three wait in the store, in order.
    assert loans_of(sip2_server, demo.AVAILABLE.barcode) == [demo.SUTRISNO.barcode]
    assert loans_of(sip2_server, demo.LENT_TO_SITI.barcode) == [demo.SITI.barcode]
    waiting = [(t.action.value, t.item_barcode) for t in offline_store(kiosk).open_transactions()]
    assert waiting == [
        ("return", demo.AVAILABLE.barcode),
        ("return", demo.LENT_TO_SITI.barcode),
        ("loan", demo.LENT_TO_SITI.barcode),
    ]

    sip2_server.restart()  # the same library file, the same port

    deadline = time.monotonic() + REPLAY_WAIT
    replayed = 0
    while replayed < 3 and time.monotonic() < deadline:
        replayed += kiosk.parts.replayer.replay_once().replayed
        time.sleep(0.2)
    assert replayed == 3
    assert offline_store(kiosk).open_transactions() == []
    assert [row.state for row in offline_store(kiosk).staff_rows()] == ["replayed"] * 3

    # The library has them: his book back, Siti's returned and lent to him, due when shown.
    assert loans_of(sip2_server, demo.AVAILABLE.barcode) == []
    assert loans_of(sip2_server, demo.LENT_TO_SITI.barcode) == [demo.SUTRISNO.barcode]
    today = kiosk.clock.now().astimezone(dt.UTC).date()
    stored = [(s.loan.item_barcode, s.loan.due) for s in kiosk.store.loans()]
    assert stored[-1] == (demo.LENT_TO_SITI.barcode, today + dt.timedelta(days=LOAN_DAYS))
    # Once: another pass sends nothing, and the library still has one loan of each.
    assert kiosk.parts.replayer.replay_once().replayed == 0
    assert loans_of(sip2_server, demo.LENT_TO_SITI.barcode) == [demo.SUTRISNO.barcode]
