"""PINs and passwords never reach a log line or a trace, even at DEBUG (issue 9, security)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from integration.sip2.servers import ServerHandle
from integration.sip2.test_interop import PASSWORD, TZ, make_ils

from kiosk.ils.local import demo_data as demo


def test_sign_in_and_checkout_at_debug_leak_no_pin_or_password(
    sip2_server: ServerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    trace: list[str] = []
    ils = make_ils(sip2_server.host, sip2_server.port, trace)
    patron = demo.SITI  # PIN 2468: no card, item or date here contains it
    try:
        assert ils.check_patron(patron.barcode, patron.pin).patron is not None
        wrong = ils.check_patron(patron.barcode, "9753")
        assert wrong.refusal is not None
        lent = ils.checkout(patron.barcode, demo.AVAILABLE.barcode, dt.datetime.now(TZ))
        assert lent.ok
    finally:
        ils.close()
    logged = caplog.text
    traced = "\n".join(trace)
    assert "AD****" in traced and "CO****" in traced
    for secret in (patron.pin, "9753", PASSWORD):
        assert secret not in logged
        assert secret not in traced
    assert any(record.name.startswith("kiosk.ils.sip2") for record in caplog.records)
