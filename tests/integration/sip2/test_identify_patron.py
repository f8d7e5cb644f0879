"""`identify_patron` over SIP2: 63 without a PIN against our own SIP2 server on loopback.

GIVEN the kiosk's ``demo`` backend (the demo library served by our SIP2 server on a free
loopback port, the kiosk's SIP2 client logged in to it), WHEN the guest book asks who
holds a card without a PIN, THEN a known card answers with the patron's name, an unknown
card (BL N) with UNKNOWN_PATRON, an expired one with CARD_EXPIRED and the name; nothing
counts as a wrong PIN, and the local demo library answers the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import config as config_module
from kiosk.bootstrap import ILS_BACKENDS
from kiosk.core.clock import ManualClock
from kiosk.core.model import Refusal
from kiosk.core.ports import IlsBackend
from kiosk.ils.local import demo_data as demo

UNKNOWN = "23171990000012"


@pytest.fixture(params=["demo", "local"])
def ils(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IlsBackend]:
    config = config_module.from_mapping({"ils": {"backend": request.param}}, None)
    backend = ILS_BACKENDS[request.param](config, tmp_path, ManualClock())
    yield backend
    backend.close()  # type: ignore[attr-defined]


def test_a_known_card_gives_the_name_without_a_pin(ils: IlsBackend) -> None:
    check = ils.identify_patron(demo.SITI.barcode)
    assert check.ok and check.patron is not None
    assert (check.patron.barcode, check.patron.name) == (demo.SITI.barcode, "Siti Nurhaliza")


def test_an_unknown_card_is_unknown(ils: IlsBackend) -> None:
    check = ils.identify_patron(UNKNOWN)
    assert (check.patron, check.refusal) == (None, Refusal.UNKNOWN_PATRON)


def test_an_expired_card_is_expired_with_its_holder(ils: IlsBackend) -> None:
    check = ils.identify_patron(demo.RUTH.barcode)
    assert check.refusal is Refusal.CARD_EXPIRED
    assert check.patron is not None and check.patron.name == demo.RUTH.name


def test_a_block_for_borrowing_is_no_refusal_here(ils: IlsBackend) -> None:
    # Fines over the limit or the loan limit keep a patron from borrowing, not from
    # being a member who visits.
    for patron in (demo.MADE, demo.RIZKI, demo.HENDRA):
        check = ils.identify_patron(patron.barcode)
        assert check.patron is not None and check.patron.name == patron.name


def test_identifying_never_counts_a_wrong_pin(ils: IlsBackend) -> None:
    for _ in range(5):
        ils.identify_patron(demo.SUTRISNO.barcode)
    assert ils.check_patron(demo.SUTRISNO.barcode, demo.SUTRISNO.pin).ok
