"""The kiosk wires its guest book's store when [guestbook] enabled, keyed by the visit key."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from kiosk import config as config_module
from kiosk.bootstrap import build
from kiosk.core.clock import ManualClock
from kiosk.core.visits import Visit, VisitKind, VisitSource
from kiosk.storage.visits import VISIT_KEY_FILE, SqlVisitLog

T0 = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)


def _config(**guestbook: object) -> config_module.Config:
    return config_module.from_mapping(
        {"ils": {"backend": "local"}, "speech": {"enabled": False}, "guestbook": guestbook},
        None,
    )


def test_the_demo_kiosk_has_a_guest_book_store(tmp_path: Path) -> None:
    kiosk = build(_config(), tmp_path, clock=ManualClock(), scanner_url="")
    try:
        assert isinstance(kiosk.visits, SqlVisitLog)
        assert kiosk.purger is not None  # started by run_kiosk: a purge now, then hourly
        assert kiosk.purger.purge_once() == 0
        assert os.stat(tmp_path / VISIT_KEY_FILE).st_mode & 0o777 == 0o600
        visit = Visit(VisitKind.MEMBER, VisitSource.KIOSK, card="23171000000010")
        assert kiosk.visits.record_visit(visit, T0).counted
        assert not kiosk.visits.record_visit(visit, T0 + dt.timedelta(minutes=1)).counted
    finally:
        kiosk.close(grace=1.0)


def test_no_guest_book_no_store_and_no_key(tmp_path: Path) -> None:
    kiosk = build(_config(enabled=False), tmp_path, clock=ManualClock(), scanner_url="")
    try:
        assert kiosk.visits is None and kiosk.purger is None
        assert not (tmp_path / VISIT_KEY_FILE).exists()
    finally:
        kiosk.close(grace=1.0)


def test_a_configured_visitor_key_makes_no_key_file(tmp_path: Path) -> None:
    kiosk = build(_config(visitor_key="v" * 32), tmp_path, clock=ManualClock(), scanner_url="")
    try:
        assert kiosk.visits is not None
        assert not (tmp_path / VISIT_KEY_FILE).exists()
    finally:
        kiosk.close(grace=1.0)
