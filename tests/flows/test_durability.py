"""A loan the ILS made is never lost by the kiosk: intents, retries and reconciliation.

GIVEN the kiosk from ``bootstrap.build`` (real demo library, real store file, real worker
thread; the reconciler's real thread where a test starts it), WHEN the process is killed
between the ILS's commit and the store's, the ILS's answer is lost, or the store fails,
THEN the patron is told the truth (borrowed, or "tell a librarian"; never "the library
system is unavailable" for a book that was lent), and after a restart or a failure the
loan and its outbox event are in the store, once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from kiosk.core.model import CheckoutAnswer, CheckoutConfirmed, ItemStatus, Outcome
from kiosk.core.ports import IlsBackend, IlsUnavailable, StorageFailed
from kiosk.core.services import recording
from kiosk.storage import SqlCirculationLog, open_store, recorders

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
LASKAR_PELANGI = "33171000000018"
KAMUS = "33171000000034"  # reference only: refused
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "STORE_RETRY_DELAYS", (0.0, 0.0, 0.0))


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    yield kiosk
    kiosk.close()


def sign_in(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    assert kiosk.vm.screen == "borrow.scanning"


def stored(kiosk: FlowKiosk) -> tuple[list[str], int, int]:
    """(items of the stored loans, outbox events, open intents)."""
    log = kiosk.store
    items = [loan.loan.item_barcode for loan in log.loans()]
    return items, len(log.pending_outbox()), len(log.open_checkouts())


class LostAnswerIls:
    """The real demo library, but the answer to a check-out is lost after it committed."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.reachable = True

    def identify_patron(self, barcode: str) -> object:
        return self.real.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> object:
        return self.real.check_patron(barcode, pin)

    def checkout(self, patron: str, item: str, now: object) -> CheckoutAnswer:
        self.real.checkout(patron, item, now)  # type: ignore[arg-type]
        raise IlsUnavailable("connection reset after the request was sent")

    def item_status(self, item: str) -> ItemStatus | None:
        if not self.reachable:
            raise IlsUnavailable("connection refused")
        return self.real.item_status(item)


# ----- the intent ------------------------------------------------------------------------


class IntentCheckingIls:
    """The real demo library that notes, at each check-out, which intents another
    connection to the store sees committed."""

    def __init__(self, real: IlsBackend, store: Path) -> None:
        self.real = real
        self.store = store
        self.seen: list[tuple[str, str]] = []

    def identify_patron(self, barcode: str) -> object:
        return self.real.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> object:
        return self.real.check_patron(barcode, pin)

    def checkout(self, patron: str, item: str, now: object) -> CheckoutAnswer:
        other = SqlCirculationLog(open_store(self.store), "observer")
        self.seen += [(i.patron_barcode, i.item_barcode) for i in other.open_checkouts()]
        return self.real.checkout(patron, item, now)  # type: ignore[arg-type]

    def item_status(self, item: str) -> ItemStatus | None:
        return self.real.item_status(item)


def test_intent_is_committed_before_the_ils_is_asked(tmp_path: Path) -> None:
    holder: list[IntentCheckingIls] = []

    def wrap(real: IlsBackend) -> IlsBackend:
        holder.append(IntentCheckingIls(real, tmp_path / "kiosk.sqlite3"))
        return holder[0]  # type: ignore[return-value]

    kiosk = FlowKiosk(tmp_path, wrap_ils=wrap)
    try:
        sign_in(kiosk)
        kiosk.scan(LASKAR_PELANGI)
        kiosk.scan(KAMUS)
        assert holder[0].seen == [(SUTRISNO, LASKAR_PELANGI), (SUTRISNO, KAMUS)]
        # The loan resolved its intent with the loan row; the refusal resolved its own
        # and went to the outbox as a refusal report (no patron in it).
        assert stored(kiosk) == ([LASKAR_PELANGI], 2, 0)
        kinds = sorted(event.kind for event in kiosk.store.pending_outbox())
        assert kinds == ["checkout", "refusal"]
    finally:
        kiosk.close()


# ----- kill -9 between the ILS's commit and the store's ----------------------------------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from flows.harness import FlowKiosk
    from kiosk.core.model import CheckoutConfirmed

    kiosk = FlowKiosk(Path(sys.argv[1]))
    real_record = kiosk.store.record

    def record(outcome):
        if isinstance(outcome, CheckoutConfirmed):  # the ILS has committed the loan
            os.kill(os.getpid(), signal.SIGKILL)
        real_record(outcome)

    kiosk.store.record = record
    kiosk.scan(sys.argv[2])
    kiosk.type(sys.argv[3])
    kiosk.scan(sys.argv[4])
    """
)


def test_kill_between_ils_commit_and_store_commit_is_repaired_at_restart(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), SUTRISNO, SUTRISNO_PIN, LASKAR_PELANGI],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

    kiosk = FlowKiosk(tmp_path)  # the restart
    try:
        status = kiosk.ils.item_status(LASKAR_PELANGI)
        assert status is not None and status.borrower_barcode == SUTRISNO  # the ILS lent it
        assert stored(kiosk) == ([], 0, 1)  # ... and the kiosk has only the open intent
        kiosk.parts.reconciler.start()
        assert kiosk.parts.reconciler.wait_for_pass(0)
        assert stored(kiosk) == ([LASKAR_PELANGI], 1, 0)
        [loan] = kiosk.store.loans()
        assert loan.loan.due == status.due and loan.loan.patron_barcode == SUTRISNO
    finally:
        kiosk.close()


# ----- the ILS's answer lost -------------------------------------------------------------


def test_lost_answer_is_reconciled_soon_after_the_failure(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path, wrap_ils=LostAnswerIls)  # type: ignore[arg-type]
    reconciler = kiosk.parts.reconciler
    try:
        reconciler.period = 3600.0  # only the failure may start the next pass
        reconciler.start()
        assert reconciler.wait_for_pass(0)  # the start-up pass: nothing open
        sign_in(kiosk)
        kiosk.scan(LASKAR_PELANGI)
        [line] = kiosk.vm.lines
        assert line["status"] == "refused"  # the kiosk cannot know; the patron is told so
        assert reconciler.wait_for_pass(1)
        assert stored(kiosk) == ([LASKAR_PELANGI], 1, 0)
    finally:
        kiosk.close()


def test_intent_stays_open_while_the_ils_is_unreachable(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path, wrap_ils=LostAnswerIls)  # type: ignore[arg-type]
    ils: LostAnswerIls = kiosk.ils  # type: ignore[assignment]
    try:
        sign_in(kiosk)
        kiosk.scan(LASKAR_PELANGI)
        ils.reachable = False
        result = kiosk.parts.reconciler.reconcile_once()
        assert (result.settled, result.still_open) == (0, 1)
        assert stored(kiosk) == ([], 0, 1)
        ils.reachable = True  # the next pass (periodic) finds the library back
        assert kiosk.parts.reconciler.reconcile_once().lent == 1
        assert stored(kiosk) == ([LASKAR_PELANGI], 1, 0)
    finally:
        kiosk.close()


def test_call_in_flight_is_left_alone_until_it_is_old(kiosk: FlowKiosk) -> None:
    """An intent whose call may still be running is not settled behind its back."""
    intent = kiosk.store.begin_checkout(SUTRISNO, LASKAR_PELANGI, kiosk.clock.now())
    reconciler = kiosk.parts.reconciler
    assert reconciler.reconcile_once().still_open == 1
    kiosk.clock.advance(reconciler.settle_after)
    assert reconciler.reconcile_once().not_lent == 1  # hung for good: the ILS has no loan
    assert kiosk.store.open_checkouts() == [] and intent.intent_id


# ----- the store failing after the ILS lent ----------------------------------------------


class FlakyStore:
    """Fails to store a confirmed loan ``failures`` times with ``error``, then works."""

    def __init__(self, log: SqlCirculationLog, failures: int, error: Exception) -> None:
        self.log = log
        self.failures = failures
        self.error = error
        self.real_record = log.record

    def record(self, outcome: Outcome) -> None:
        if isinstance(outcome, CheckoutConfirmed) and self.failures > 0:
            self.failures -= 1
            raise self.error
        self.real_record(outcome)


def test_store_write_is_retried(kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(kiosk)
    flaky = FlakyStore(kiosk.store, 2, StorageFailed("database is locked"))
    monkeypatch.setattr(kiosk.store, "record", flaky.record)
    kiosk.scan(LASKAR_PELANGI)
    [line] = kiosk.vm.lines
    assert line["status"] == "done" and "pustakawan" not in line["detail"]
    assert stored(kiosk) == ([LASKAR_PELANGI], 1, 0)


def test_unexpected_store_exception_shows_borrowed_and_tell_a_librarian(
    kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(kiosk)

    def broken(*_args: object) -> object:
        # Not a SQLAlchemyError: a fault the store's own error handling does not expect.
        raise RuntimeError("sqlite3.Connection is closed")

    broken_recorders = dict(recorders.RECORDERS)
    broken_recorders[CheckoutConfirmed] = (broken, "check-out")
    monkeypatch.setattr(recorders, "RECORDERS", broken_recorders)
    kiosk.scan(LASKAR_PELANGI)
    [line] = kiosk.vm.lines
    assert line["status"] == "done"  # the ILS lent it: the patron takes the book
    assert "kios gagal menyimpan buktinya" in line["detail"]  # ... and tells a librarian
    assert "Sistem perpustakaan" not in line["detail"]
    assert "Terjadi gangguan" not in line["detail"]
    [technician] = [r for r in caplog.records if "not stored after" in r.getMessage()]
    assert "RuntimeError" in technician.getMessage() and "\n" not in technician.getMessage()
    assert technician.exc_info is None  # one line, no traceback

    monkeypatch.undo()  # the store works again: reconciliation repairs the record
    assert stored(kiosk) == ([], 0, 1)
    assert kiosk.parts.reconciler.reconcile_once().lent == 1
    assert stored(kiosk) == ([LASKAR_PELANGI], 1, 0)


def test_no_intent_no_ils_call(kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the intent cannot be stored the ILS is not asked: nothing is lent unrecorded."""
    sign_in(kiosk)

    def full(*_args: object) -> object:
        raise StorageFailed("database or disk is full")

    monkeypatch.setattr(kiosk.store, "begin_checkout", full)
    kiosk.scan(LASKAR_PELANGI)
    [line] = kiosk.vm.lines
    assert line["status"] == "refused" and "meja layanan" in line["detail"]
    status = kiosk.ils.item_status(LASKAR_PELANGI)
    assert status is not None and not status.on_loan
