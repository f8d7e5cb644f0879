"""The whole kiosk (``bootstrap.build``, its session, worker and store) lending from a real
SIP2 server: ``[ils] backend = "sip2"``, what the patron reads and what both sides store."""

from __future__ import annotations

from flows.harness import FlowKiosk
from integration.sip2.servers import ServerHandle
from integration.sip2.test_interop import loans_of

from kiosk.ils.local import demo_data as demo
from kiosk.ils.sip2.backend import Sip2Ils


def test_sign_in_and_borrow_over_sip2(kiosk: FlowKiosk, sip2_server: ServerHandle) -> None:
    assert isinstance(kiosk.ils, Sip2Ils)
    kiosk.scan(demo.SUTRISNO.barcode)
    assert kiosk.vm.screen == "borrow.pin"
    kiosk.type(demo.SUTRISNO.pin)
    assert kiosk.vm.screen == "borrow.scanning"
    assert kiosk.vm.state_texts["greeting"] == "Halo, Sutrisno"
    kiosk.scan(demo.AVAILABLE.barcode)
    [line] = kiosk.vm.lines
    assert line["title"] == demo.AVAILABLE.title
    assert line["detail"].startswith("Kembalikan paling lambat")
    assert [loan.loan.item_barcode for loan in kiosk.store.loans()] == [demo.AVAILABLE.barcode]
    assert loans_of(sip2_server, demo.AVAILABLE.barcode) == [demo.SUTRISNO.barcode]


def test_a_refusal_shows_the_ils_message(kiosk: FlowKiosk) -> None:
    kiosk.scan(demo.SUTRISNO.barcode)
    kiosk.type(demo.SUTRISNO.pin)
    kiosk.scan(demo.HELD_FOR_SITI.barcode)
    [line] = kiosk.vm.lines
    assert "dipesan oleh anggota lain" in line["detail"]
    assert "Antrean pesanan ada di meja layanan" in line["detail"]  # the ILS's own words
    assert kiosk.store.loans() == []
