"""A return or renewal the ILS made is never lost by the kiosk: intents and reconciliation.

GIVEN the kiosk from ``bootstrap.build`` (real demo library, real store file, real worker
thread), WHEN the process is killed between the ILS's commit and the store's, the ILS's
answer is lost, or the store fails, THEN the patron is told the truth, and after a
restart or a failure the return or renewal and its outbox event are in the store, once;
a return the ILS did not make is never invented.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flows.harness import FlowKiosk

from kiosk.core.model import (
    CheckinAnswer,
    ItemAction,
    Renewal,
    RenewAnswer,
    Return,
)
from kiosk.core.ports import IlsBackend, IlsUnavailable, StorageFailed
from kiosk.core.services import recording
from kiosk.ils.local import demo_data as demo
from kiosk.ils.local.demo_data import DemoItem, DemoLibrary, DemoLoan
from kiosk.storage import SqlCirculationLog, open_store, recorders

LATE_5 = demo.OVERDUE_5_DAYS.barcode  # Dewi's, 5 days late
ON_SHELF = demo.AVAILABLE.barcode  # nobody has it
YOHANA, YOHANA_PIN = demo.YOHANA.barcode, demo.YOHANA.pin
NEGERI = "33171000010058"  # Yohana's, renewable
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "STORE_RETRY_DELAYS", (0.0, 0.0, 0.0))


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    yield kiosk
    kiosk.close()


def table(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(data_dir / "kiosk.sqlite3")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def kinds(kiosk: FlowKiosk) -> list[str]:
    return [event.kind for event in kiosk.store.pending_outbox()]


def start_return(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("return")
    assert kiosk.vm.screen == "return.scanning"


def open_account(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("account")
    kiosk.type(YOHANA)
    kiosk.type(YOHANA_PIN)
    assert kiosk.vm.screen == "account.overview"


def renew_one(kiosk: FlowKiosk, item: str) -> dict[str, Any]:
    kiosk.vm.act("renew", item)
    kiosk.settle()
    [row] = [row for row in kiosk.vm.state_rows["loans"] if row["key"] == item]
    return row


class LostAnswerIls:
    """The real demo library, but answers to returns and renewals are lost after commit."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def checkin(self, item: str, now: dt.datetime) -> CheckinAnswer:
        self.real.checkin(item, now)
        raise IlsUnavailable("connection reset after the request was sent")

    def renew(self, card: str, item: str, now: dt.datetime) -> RenewAnswer:
        self.real.renew(card, item, now)
        raise IlsUnavailable("connection reset after the request was sent")


# ----- the intent, committed before the ILS is asked -------------------------------------


class IntentCheckingIls:
    """The demo library noting, at each return, the open intents another connection sees."""

    def __init__(self, real: IlsBackend, store: Path) -> None:
        self.real = real
        self.store = store
        self.seen: list[tuple[str, str, bool, dt.date | None]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def checkin(self, item: str, now: dt.datetime) -> CheckinAnswer:
        other = SqlCirculationLog(open_store(self.store), "observer")
        self.seen += [
            (i.action.value, i.item_barcode, i.on_loan_before, i.due_before)
            for i in other.open_items()
        ]
        return self.real.checkin(item, now)


def test_return_intent_is_committed_before_the_ils_is_asked(tmp_path: Path) -> None:
    holder: list[IntentCheckingIls] = []

    def wrap(real: IlsBackend) -> IlsBackend:
        holder.append(IntentCheckingIls(real, tmp_path / "kiosk.sqlite3"))
        return holder[0]  # type: ignore[return-value]

    kiosk = FlowKiosk(tmp_path, wrap_ils=wrap)
    try:
        due = kiosk.ils.item_status(LATE_5).due  # type: ignore[union-attr]
        start_return(kiosk)
        kiosk.scan(LATE_5)
        kiosk.scan(ON_SHELF)
        assert holder[0].seen == [
            ("return", LATE_5, True, due),
            ("return", ON_SHELF, False, None),  # what the kiosk knew: it was not on loan
        ]
        # The return resolved its intent with its row; the refusal resolved its own.
        assert kiosk.store.open_items() == []
        assert table(tmp_path, "SELECT resolution FROM item_intents ORDER BY id") == [
            ("done",),
            ("not_done",),
        ]
        assert kinds(kiosk) == ["return", "refusal"]
    finally:
        kiosk.close()


def test_no_return_intent_no_ils_call(kiosk: FlowKiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the intent cannot be stored the ILS is not asked: nothing is returned unrecorded."""

    def full(*_args: object, **_kwargs: object) -> object:
        raise StorageFailed("database or disk is full")

    monkeypatch.setattr(kiosk.store, "begin_items", full)
    start_return(kiosk)
    kiosk.scan(LATE_5)
    [line] = kiosk.vm.lines
    assert line["label"] == "Tidak dikembalikan" and "meja layanan" in line["detail"]
    status = kiosk.ils.item_status(LATE_5)
    assert status is not None and status.on_loan  # still Dewi's: the ILS was not asked


# ----- kill -9 between the ILS's commit and the store's ----------------------------------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from flows.harness import FlowKiosk
    from kiosk.core.model import Renewal, Return

    kiosk = FlowKiosk(Path(sys.argv[1]))
    real_record = kiosk.store.record

    def record(outcome):
        if isinstance(outcome, (Return, Renewal)):  # the ILS has committed it
            os.kill(os.getpid(), signal.SIGKILL)
        real_record(outcome)

    kiosk.store.record = record
    if sys.argv[2] == "return":
        kiosk.vm.choose("return")
        kiosk.scan(sys.argv[3])
    else:
        kiosk.vm.choose("account")
        kiosk.type(sys.argv[4])
        kiosk.type(sys.argv[5])
        kiosk.vm.act("renew", sys.argv[3])
        kiosk.settle()
    """
)


def killed_child(data_dir: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), *args],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]


def test_kill_after_the_ils_took_a_return_is_repaired_at_restart(tmp_path: Path) -> None:
    killed_child(tmp_path, "return", LATE_5)
    kiosk = FlowKiosk(tmp_path)  # the restart
    try:
        status = kiosk.ils.item_status(LATE_5)
        assert status is not None and not status.on_loan  # the ILS took it back
        assert table(tmp_path, "SELECT * FROM returns") == []  # ... the kiosk has no record
        [intent] = kiosk.store.open_items()
        kiosk.parts.reconciler.start()
        assert kiosk.parts.reconciler.wait_for_pass(0)
        assert kiosk.store.open_items() == []
        [(item, title, returned_at)] = table(
            tmp_path, "SELECT item_barcode, title, returned_at FROM returns"
        )
        assert (item, title) == (LATE_5, "Sang Pemimpi")
        assert dt.datetime.fromisoformat(returned_at) == intent.created_at
        [event] = kiosk.store.pending_outbox()
        assert event.kind == "return" and event.payload["item_barcode"] == LATE_5
    finally:
        kiosk.close()


def test_kill_after_the_ils_renewed_is_repaired_at_restart(tmp_path: Path) -> None:
    killed_child(tmp_path, "renewal", NEGERI, YOHANA, YOHANA_PIN)
    kiosk = FlowKiosk(tmp_path)
    try:
        status = kiosk.ils.item_status(NEGERI)
        assert status is not None and status.due is not None
        [intent] = kiosk.store.open_items()
        assert intent.action is ItemAction.RENEWAL and intent.patron_barcode == YOHANA
        assert intent.due_before is not None and status.due > intent.due_before  # renewed
        assert kiosk.parts.reconciler.reconcile_once().renewed == 1
        assert table(tmp_path, "SELECT item_barcode, due FROM renewals") == [
            (NEGERI, status.due.isoformat())
        ]
        assert kinds(kiosk) == ["renewal"]
        assert kiosk.parts.reconciler.reconcile_once().settled == 0  # once only
    finally:
        kiosk.close()


# ----- the ILS's answer lost -------------------------------------------------------------


def test_lost_return_answer_is_reconciled_soon_after(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path, wrap_ils=LostAnswerIls)  # type: ignore[arg-type]
    reconciler = kiosk.parts.reconciler
    try:
        reconciler.period = 3600.0  # only the failure may start the next pass
        reconciler.start()
        assert reconciler.wait_for_pass(0)
        start_return(kiosk)
        kiosk.scan(LATE_5)
        [line] = kiosk.vm.lines
        assert line["label"] == "Tidak dikembalikan"  # the kiosk cannot know: not "returned"
        assert reconciler.wait_for_pass(1)
        assert [row[0] for row in table(tmp_path, "SELECT item_barcode FROM returns")] == [LATE_5]
        assert kinds(kiosk) == ["return"]
    finally:
        kiosk.close()


def test_lost_renewal_answer_is_reconciled(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path, wrap_ils=LostAnswerIls)  # type: ignore[arg-type]
    try:
        open_account(kiosk)
        row = renew_one(kiosk, NEGERI)
        assert row["label"] != "Diperpanjang"  # not claimed: the answer never came
        assert kiosk.parts.reconciler.reconcile_once().renewed == 1
        status = kiosk.ils.item_status(NEGERI)
        assert status is not None and status.due is not None
        assert table(tmp_path, "SELECT item_barcode, due FROM renewals") == [
            (NEGERI, status.due.isoformat())
        ]
        assert kinds(kiosk) == ["renewal"]
    finally:
        kiosk.close()


# ----- the store failing after the ILS did it --------------------------------------------


def test_return_the_store_could_not_take_is_stored_by_reconciliation_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiosk = FlowKiosk(tmp_path)
    try:
        broken = dict(recorders.RECORDERS)

        def fails(*_args: object) -> object:
            raise RuntimeError("sqlite3.Connection is closed")

        broken[Return] = (fails, "return")
        monkeypatch.setattr(recorders, "RECORDERS", broken)
        start_return(kiosk)
        kiosk.scan(LATE_5)
        [line] = kiosk.vm.lines
        assert line["label"] == "Dikembalikan" and "pustakawan" in line["detail"]
        monkeypatch.undo()
        assert kiosk.parts.reconciler.reconcile_once().returned == 1
        assert kiosk.parts.reconciler.reconcile_once().settled == 0
        assert len(table(tmp_path, "SELECT id FROM returns")) == 1
        assert kinds(kiosk) == ["return"]
    finally:
        kiosk.close()


def test_worker_and_reconciliation_recording_the_same_return_store_it_once(
    kiosk: FlowKiosk, tmp_path: Path
) -> None:
    at = kiosk.clock.now()
    [intent] = kiosk.store.begin_items(ItemAction.RETURN, [(LATE_5, True, None)], at)
    returned = Return(LATE_5, "Sang Pemimpi", at, 5000, intent_id=intent.intent_id)
    kiosk.store.record(returned)
    kiosk.store.record(returned)  # the second (reconciliation's) adds nothing
    assert table(tmp_path, "SELECT fine FROM returns") == [(5000,)]
    assert kinds(kiosk) == ["return"]


# ----- never invented --------------------------------------------------------------------


def test_an_item_still_on_loan_or_never_lent_is_not_recorded_returned(
    kiosk: FlowKiosk, tmp_path: Path
) -> None:
    at = kiosk.clock.now()
    kiosk.store.begin_items(
        ItemAction.RETURN, [(LATE_5, True, None), (ON_SHELF, False, None)], at
    )  # two calls that never happened: Dewi still has hers, the other is on the shelf
    kiosk.clock.advance(kiosk.parts.reconciler.settle_after)
    result = kiosk.parts.reconciler.reconcile_once()
    assert (result.returned, result.not_done) == (0, 2)
    assert table(tmp_path, "SELECT * FROM returns") == []
    assert kinds(kiosk) == []


def test_a_renewal_whose_due_date_did_not_move_is_not_recorded(
    kiosk: FlowKiosk, tmp_path: Path
) -> None:
    status = kiosk.ils.item_status(NEGERI)
    assert status is not None and status.due is not None
    at = kiosk.clock.now()
    kiosk.store.begin_items(ItemAction.RENEWAL, [(NEGERI, True, status.due)], at, YOHANA)
    kiosk.clock.advance(kiosk.parts.reconciler.settle_after)
    assert kiosk.parts.reconciler.reconcile_once().not_done == 1
    assert table(tmp_path, "SELECT * FROM renewals") == []


class ForgetfulRenewAll:
    """The demo library, whose Renew All answer leaves the first loan out."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def renew_all(self, card: str, now: dt.datetime) -> list[RenewAnswer]:
        return self.real.renew_all(card, now)[1:]


def test_a_loan_left_out_of_renew_all_is_settled_by_asking(tmp_path: Path) -> None:
    kiosk = FlowKiosk(tmp_path, wrap_ils=ForgetfulRenewAll)  # type: ignore[arg-type]
    try:
        open_account(kiosk)
        kiosk.vm.act("renew_all", "")
        kiosk.settle()
        [left_out] = kiosk.store.open_items()
        assert left_out.answered  # nothing runs for it: reconciliation may ask at once
        result = kiosk.parts.reconciler.reconcile_once()
        assert result.settled == 1 and kiosk.store.open_items() == []
    finally:
        kiosk.close()


def test_renew_all_after_renewing_one_renews_only_the_others_each_with_its_intent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN Yohana renewed one loan WHEN she presses Renew all THEN only her other loan is
    renewed (the ILS's own Renew All would renew the first again, using up a renewal she
    did not ask for), and it has its intent: a store that fails (as a kill would) between
    the ILS's commit and the store's loses nothing."""
    kiosk = FlowKiosk(tmp_path)
    try:
        second = DemoItem(demo.item_barcode(990_001), "Pulang", "Tere Liye")
        due = demo.SEED_DATE + dt.timedelta(days=10)
        loan = DemoLoan(second.barcode, YOHANA, demo.SEED_DATE, due)
        kiosk.ils.add(DemoLibrary(patrons=(), items=(second,), loans=(loan,), holds=()))  # type: ignore[attr-defined]
        open_account(kiosk)
        assert renew_one(kiosk, NEGERI)["label"] == "Diperpanjang"
        negeri_due = kiosk.ils.item_status(NEGERI).due  # type: ignore[union-attr]
        broken = dict(recorders.RECORDERS)

        def fails(*_args: object) -> object:
            raise RuntimeError("disk I/O error")

        broken[Renewal] = (fails, "renewal")
        monkeypatch.setattr(recorders, "RECORDERS", broken)
        kiosk.vm.act("renew_all", "")
        kiosk.settle()
        monkeypatch.undo()
        assert kiosk.ils.item_status(NEGERI).due == negeri_due  # type: ignore[union-attr]
        kiosk.clock.advance(kiosk.parts.reconciler.settle_after)
        assert kiosk.parts.reconciler.reconcile_once().renewed == 1
        status = kiosk.ils.item_status(second.barcode)
        assert status is not None and status.due is not None and status.due > due
        assert table(tmp_path, "SELECT item_barcode, due FROM renewals ORDER BY id") == [
            (NEGERI, negeri_due.isoformat()),  # type: ignore[union-attr]
            (second.barcode, status.due.isoformat()),
        ]
        assert kiosk.store.open_items() == []
        assert kinds(kiosk) == ["renewal"] * 2
    finally:
        kiosk.close()


def test_renewal_the_ils_granted_carries_no_card_to_central(kiosk: FlowKiosk) -> None:
    open_account(kiosk)
    assert renew_one(kiosk, NEGERI)["label"] == "Diperpanjang"
    [event] = kiosk.store.pending_outbox()
    assert event.kind == "renewal" and YOHANA not in str(event.payload)


# ----- a damaged store -------------------------------------------------------------------


def test_an_unreadable_intent_row_is_left_aside_and_the_others_are_settled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN an open return intent and, next to it, rows damaged by hand or by a disk
    (an unknown action, a date that is no date) WHEN the kiosk starts THEN it starts, the
    good intent is settled, and one technician line per bad row names its table and id."""
    kiosk = FlowKiosk(tmp_path)
    at = kiosk.clock.now()
    kiosk.store.begin_items(ItemAction.RETURN, [(LATE_5, True, None)], at)
    kiosk.store.begin_items(ItemAction.RETURN, [(ON_SHELF, False, None)], at)
    kiosk.store.begin_checkout(YOHANA, NEGERI, at)
    kiosk.close()
    db = sqlite3.connect(tmp_path / "kiosk.sqlite3")
    db.execute("UPDATE item_intents SET action = 'bogus' WHERE item_barcode = ?", (ON_SHELF,))
    db.execute("UPDATE checkout_intents SET created_at = 'yesterday'")
    db.commit()
    db.close()

    kiosk = FlowKiosk(tmp_path)  # starts: one bad row does not stop the kiosk
    try:
        [good] = kiosk.store.open_items()
        assert good.item_barcode == LATE_5
        assert kiosk.store.open_checkouts() == []
        lines = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
        assert len(lines) == 2, lines  # once per row, however often they are listed
        assert any(line.startswith("item_intents row id=2 ") for line in lines)
        assert any(line.startswith("checkout_intents row id=1 ") for line in lines)
        assert all("DELETE FROM" in line and "\n" not in line for line in lines)
        kiosk.clock.advance(kiosk.parts.reconciler.settle_after)
        assert kiosk.parts.reconciler.reconcile_once().not_done == 1  # Dewi still has hers
    finally:
        kiosk.close()


class SecondRenewalLost:
    """The demo library; the second renewal of a request is sent but its answer lost."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.renewals = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def renew(self, card: str, item: str, now: dt.datetime) -> RenewAnswer:
        self.renewals += 1
        answer = self.real.renew(card, item, now)
        if self.renewals == 3:  # renew one, then renew all: its second call
            raise IlsUnavailable("connection reset after the request was sent")
        return answer


def test_an_answer_lost_halfway_through_renewing_keeps_the_answers_before_it(
    tmp_path: Path,
) -> None:
    kiosk = FlowKiosk(tmp_path, wrap_ils=SecondRenewalLost)  # type: ignore[arg-type]
    try:
        items = [DemoItem(demo.item_barcode(990_010 + n), f"Buku {n}", "Penulis") for n in (1, 2)]
        due = demo.SEED_DATE + dt.timedelta(days=10)
        loans = tuple(DemoLoan(item.barcode, YOHANA, demo.SEED_DATE, due) for item in items)
        kiosk.ils.add(DemoLibrary(patrons=(), items=tuple(items), loans=loans, holds=()))  # type: ignore[attr-defined]
        open_account(kiosk)
        assert renew_one(kiosk, NEGERI)["label"] == "Diperpanjang"
        kiosk.vm.act("renew_all", "")  # Buku 1 answered, Buku 2's answer lost
        kiosk.settle()
        rows = {row["key"]: row for row in kiosk.vm.state_rows["loans"]}
        assert rows[items[0].barcode]["label"] == "Diperpanjang"
        assert rows[items[1].barcode]["label"] == "Tidak diperpanjang"  # not claimed
        assert len(table(tmp_path, "SELECT id FROM renewals")) == 2
        [unknown] = kiosk.store.open_items()
        assert unknown.item_barcode == items[1].barcode and unknown.answered
        assert kiosk.parts.reconciler.reconcile_once().renewed == 1  # the ILS did renew it
        assert len(table(tmp_path, "SELECT id FROM renewals")) == 3
    finally:
        kiosk.close()


class FirstCheckinFails:
    """The demo library, unreachable for the first return only (nothing done)."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def checkin(self, item: str, now: dt.datetime) -> CheckinAnswer:
        self.calls += 1
        if self.calls == 1:
            raise IlsUnavailable("database is locked")
        return self.real.checkin(item, now)


def test_a_return_scanned_again_after_an_unsure_one_is_recorded_once(tmp_path: Path) -> None:
    """GIVEN a return the ILS did not answer (it did nothing) WHEN the patron scans the book
    again, as the screen says, and it is returned THEN reconciliation of the first, unsure
    intent does not record the same return a second time."""
    kiosk = FlowKiosk(tmp_path, wrap_ils=FirstCheckinFails)  # type: ignore[arg-type]
    try:
        start_return(kiosk)
        kiosk.scan(LATE_5)
        assert kiosk.vm.lines[0]["label"] == "Tidak dikembalikan"
        kiosk.clock.advance(1.0)
        kiosk.scan(LATE_5)
        assert kiosk.vm.lines[0]["label"] == "Dikembalikan"
        result = kiosk.parts.reconciler.reconcile_once()
        assert (result.returned, result.not_done) == (0, 1)
        assert len(table(tmp_path, "SELECT id FROM returns")) == 1
        assert kinds(kiosk) == ["return"]
    finally:
        kiosk.close()
