"""Offline mode through the real kiosk: the ILS goes down, patrons return and borrow, it
comes back, and every transaction reaches it exactly once, in the order it was taken.

GIVEN the kiosk from ``bootstrap.build`` (real demo library, real store file, real worker
thread) with the ILS behind a switch that makes every call raise ``IlsUnreachable``,
WHEN patrons return and borrow through the screens while it is down, THEN each line says
the transaction is recorded and will be processed (a loan with its due date), the store
holds each with its outbox report, and once the ILS is back the replayer sends them in
order, once: asserted on the demo library's loans and the kiosk's store, not on calls
alone. A kill -9 of the kiosk during the replay loses and duplicates nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flows.harness import FlowKiosk
from sqlalchemy import text

from kiosk import config as config_module
from kiosk.core.model import ItemStatus, OfflineState
from kiosk.core.ports import IlsBackend, IlsUnreachable
from kiosk.core.services import recording
from kiosk.ils.local import demo_data as dd
from kiosk.storage.offline import SqlOfflineStore

TESTS = Path(__file__).resolve().parents[1]
SUTRISNO, SUTRISNO_PIN = dd.SUTRISNO.barcode, dd.SUTRISNO.pin
LOAN_DAYS = 14  # [offline] loan_days default


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "STORE_RETRY_DELAYS", (0.0, 0.0, 0.0))


class SwitchedIls:
    """The real demo library behind a switch: ``down`` makes every call raise
    ``IlsUnreachable`` (nothing reaches the library). ``sent`` lists every call that
    changed something, as (call, item), in the order the library got them."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real
        self.down = False
        self.sent: list[tuple[str, str]] = []

    def _gate(self) -> None:
        if self.down:
            raise IlsUnreachable("connection refused (test switch)")

    def check_patron(self, barcode: str, pin: str) -> Any:
        self._gate()
        return self.real.check_patron(barcode, pin)

    def checkout(self, patron: str, item: str, now: dt.datetime, *args: Any, **kw: Any) -> Any:
        self._gate()
        answer = self.real.checkout(patron, item, now, *args, **kw)
        self.sent.append(("checkout", item))
        return answer

    def checkin(self, item: str, now: dt.datetime, *args: Any, **kw: Any) -> Any:
        self._gate()
        answer = self.real.checkin(item, now, *args, **kw)
        self.sent.append(("checkin", item))
        return answer

    def item_status(self, item: str) -> ItemStatus | None:
        self._gate()
        return self.real.item_status(item)

    def __getattr__(self, name: str) -> Any:  # renew, account, close, ...
        if name != "close":
            self._gate()
        return getattr(self.real, name)


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path, wrap_ils=SwitchedIls)  # type: ignore[arg-type]
    yield kiosk
    kiosk.close()


def switch(kiosk: FlowKiosk) -> SwitchedIls:
    ils = kiosk.ils
    assert isinstance(ils, SwitchedIls)
    return ils


def sign_in(kiosk: FlowKiosk, card: str = SUTRISNO, pin: str = SUTRISNO_PIN) -> None:
    kiosk.scan(card)
    kiosk.type(pin)


def seen_online(kiosk: FlowKiosk) -> None:
    """Sutrisno signs in while the ILS answers (so the kiosk remembers him), then leaves."""
    sign_in(kiosk)
    assert kiosk.vm.screen == "borrow.scanning"
    kiosk.vm.cancel()
    kiosk.settle()
    assert kiosk.vm.screen == "idle"


def loan_of(kiosk: FlowKiosk, item: str) -> tuple[str | None, dt.date | None]:
    status = switch(kiosk).real.item_status(item)
    assert status is not None
    return (status.borrower_barcode, status.due) if status.on_loan else (None, None)


def outbox_kinds(kiosk: FlowKiosk) -> list[str]:
    return [event.kind for event in kiosk.store.pending_outbox()]


def rows(kiosk: FlowKiosk, sql: str) -> list[tuple[Any, ...]]:
    with kiosk.parts.store.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def offline_store(kiosk: FlowKiosk) -> SqlOfflineStore:
    store = kiosk.parts.replayer.desk.store
    assert isinstance(store, SqlOfflineStore)
    return store


def test_offline_returns_and_loans_reach_the_ils_once_in_order_when_it_is_back(
    kiosk: FlowKiosk,
) -> None:
    ils = switch(kiosk)
    seen_online(kiosk)
    today = kiosk.clock.now().astimezone(dt.UTC).date()  # 09:00 in Jakarta: the same day
    due = today + dt.timedelta(days=LOAN_DAYS)

    ils.down = True
    # Returns: Siti's book, and one of Dewi's late ones.
    kiosk.vm.choose("return")
    kiosk.scan(dd.LENT_TO_SITI.barcode)
    kiosk.scan(dd.OVERDUE_5_DAYS.barcode)
    assert [line["tone"] for line in kiosk.vm.lines] == ["done", "done"]
    assert all("akan diproses" in line["detail"] for line in kiosk.vm.lines)
    assert kiosk.vm.ils_offline  # the staff's mark
    kiosk.vm.cancel()
    kiosk.settle()

    # Sutrisno, seen online, signs in without the ILS and borrows two books, one of them
    # the book Siti has just returned offline: its return must reach the ILS first.
    sign_in(kiosk)
    assert kiosk.vm.screen == "borrow.scanning"
    assert "Sutrisno" not in kiosk.vm.state_texts["greeting"]
    kiosk.scan(dd.AVAILABLE.barcode)
    kiosk.scan(dd.LENT_TO_SITI.barcode)
    lines = kiosk.vm.lines
    assert [line["tone"] for line in lines] == ["done", "done"]
    shown_due = f"{due.day} "  # "Kembalikan paling lambat 5 Desember 2026"
    assert all("akan diproses" in line["detail"] and shown_due in line["detail"] for line in lines)
    kiosk.vm.finish()
    kiosk.settle()

    # Nothing reached the library; everything is in the store with its report.
    assert ils.sent == []
    assert loan_of(kiosk, dd.LENT_TO_SITI.barcode)[0] == dd.SITI.barcode
    assert loan_of(kiosk, dd.AVAILABLE.barcode) == (None, None)
    waiting = offline_store(kiosk).open_transactions()
    assert [(t.action.value, t.item_barcode) for t in waiting] == [
        ("return", dd.LENT_TO_SITI.barcode),
        ("return", dd.OVERDUE_5_DAYS.barcode),
        ("loan", dd.AVAILABLE.barcode),
        ("loan", dd.LENT_TO_SITI.barcode),
    ]
    assert outbox_kinds(kiosk).count("offline_taken") == 4
    assert kiosk.store.open_checkouts() == []  # the intents ended: the ILS never got them
    assert kiosk.store.loans() == []

    # The library system is back: one replay pass sends them, in order, once.
    ils.down = False
    result = kiosk.parts.replayer.replay_once()
    assert (result.replayed, result.disagreed, result.still_waiting) == (4, 0, 0)
    assert ils.sent == [
        ("checkin", dd.LENT_TO_SITI.barcode),
        ("checkin", dd.OVERDUE_5_DAYS.barcode),
        ("checkout", dd.AVAILABLE.barcode),
        ("checkout", dd.LENT_TO_SITI.barcode),
    ]
    assert loan_of(kiosk, dd.AVAILABLE.barcode) == (SUTRISNO, due)
    assert loan_of(kiosk, dd.LENT_TO_SITI.barcode) == (SUTRISNO, due)
    assert loan_of(kiosk, dd.OVERDUE_5_DAYS.barcode) == (None, None)
    stored = [(s.loan.item_barcode, s.loan.due) for s in kiosk.store.loans()]
    assert stored == [(dd.AVAILABLE.barcode, due), (dd.LENT_TO_SITI.barcode, due)]
    returned = rows(kiosk, "SELECT item_barcode FROM returns ORDER BY id")
    assert returned == [(dd.LENT_TO_SITI.barcode,), (dd.OVERDUE_5_DAYS.barcode,)]
    assert offline_store(kiosk).open_transactions() == []
    assert [row.state for row in offline_store(kiosk).staff_rows()] == ["replayed"] * 4
    kinds = outbox_kinds(kiosk)
    assert (kinds.count("checkout"), kinds.count("return")) == (2, 2)

    # Exactly once: another pass sends nothing; the mark is gone with the first answer.
    assert kiosk.parts.replayer.replay_once().replayed == 0
    assert len(ils.sent) == 4
    kiosk.settle()
    assert not kiosk.vm.ils_offline


def test_a_new_return_waits_behind_the_offline_ones_while_they_are_not_sent(
    kiosk: FlowKiosk,
) -> None:
    ils = switch(kiosk)
    kiosk.parts.replayer.desk.queue_wait = 0.05  # the replayer thread is not running here
    ils.down = True
    kiosk.vm.choose("return")
    kiosk.scan(dd.LENT_TO_SITI.barcode)
    ils.down = False  # back, but nothing has been replayed yet
    kiosk.scan(dd.OVERDUE_5_DAYS.barcode)  # goes behind, not straight to the ILS
    assert ils.sent == []
    assert [line["tone"] for line in kiosk.vm.lines] == ["done", "done"]
    kiosk.parts.replayer.replay_once()
    assert ils.sent == [
        ("checkin", dd.LENT_TO_SITI.barcode),
        ("checkin", dd.OVERDUE_5_DAYS.barcode),
    ]


def test_once_the_ils_answers_the_worker_lets_the_replayer_catch_up_first(
    kiosk: FlowKiosk,
) -> None:
    ils = switch(kiosk)
    replayer = kiosk.parts.replayer
    ils.down = True
    kiosk.vm.choose("return")
    kiosk.scan(dd.LENT_TO_SITI.barcode)
    ils.down = False
    replayer.desk.reachability.note(True)  # an answer to some other call: it is back
    # The worker asks the replayer for a pass and waits for the queue to empty: here that
    # request starts the replayer's thread, so the wait is certainly needed.
    replayer.desk.set_replay_wake(replayer.start)
    kiosk.scan(dd.OVERDUE_5_DAYS.barcode)
    assert ils.sent == [
        ("checkin", dd.LENT_TO_SITI.barcode),
        ("checkin", dd.OVERDUE_5_DAYS.barcode),
    ]
    [first, second] = kiosk.vm.lines
    assert "akan diproses" in first["detail"] and "akan diproses" not in second["detail"]
    assert offline_store(kiosk).open_transactions() == []


def test_a_card_not_seen_online_is_told_the_system_is_unreachable(kiosk: FlowKiosk) -> None:
    switch(kiosk).down = True
    sign_in(kiosk)
    assert kiosk.vm.screen == "error"
    assert "tidak dapat dihubungi" in kiosk.vm.error_text


def test_a_wrong_pin_offline_is_refused_and_counted(kiosk: FlowKiosk) -> None:
    seen_online(kiosk)
    switch(kiosk).down = True
    sign_in(kiosk, pin="9999")
    assert kiosk.vm.screen == "error"
    pins = kiosk.parts.circulation_log  # the wrong-PIN count is in the same store
    assert rows(kiosk, "SELECT count(*) FROM pin_failures") == [(1,)] and pins


def test_offline_loans_stop_at_the_session_limit(tmp_path: Path) -> None:
    data = config_module.schema()
    data["offline"]["session_limit"] = 1
    config = config_module.from_mapping(data, None)
    kiosk = FlowKiosk(tmp_path, config=config, wrap_ils=SwitchedIls)  # type: ignore[arg-type]
    try:
        seen_online(kiosk)
        switch(kiosk).down = True
        sign_in(kiosk)
        kiosk.scan(dd.AVAILABLE.barcode)
        kiosk.scan(dd.NEW_ITEM.barcode)
        first, second = kiosk.vm.lines
        assert (first["tone"], second["tone"]) == ("done", "refused")
        assert "tidak bisa meminjam lebih banyak" in second["detail"]
        assert [t.item_barcode for t in offline_store(kiosk).open_transactions()] == [
            dd.AVAILABLE.barcode
        ]
        refusals = rows(kiosk, "SELECT reason FROM refusals")
        assert refusals == [("offline_limit",)]
    finally:
        kiosk.close()


def test_with_loans_refused_offline_the_patron_is_told_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    data = config_module.schema()
    data["offline"]["loans"] = "refuse"
    config = config_module.from_mapping(data, None)
    kiosk = FlowKiosk(tmp_path, config=config, wrap_ils=SwitchedIls)  # type: ignore[arg-type]
    try:
        seen_online(kiosk)
        switch(kiosk).down = True
        sign_in(kiosk)
        kiosk.scan(dd.AVAILABLE.barcode)
        [line] = kiosk.vm.lines
        assert line["tone"] == "refused" and "tidak dapat dihubungi" in line["detail"]
        assert offline_store(kiosk).open_transactions() == []
        assert kiosk.store.open_checkouts() == []  # the intent ended, not lent, no refusal
        assert rows(kiosk, "SELECT count(*) FROM refusals") == [(0,)]
    finally:
        kiosk.close()


def test_replay_disagreements_are_kept_for_staff_with_a_report(kiosk: FlowKiosk) -> None:
    ils = switch(kiosk)
    seen_online(kiosk)
    ils.down = True
    sign_in(kiosk)
    kiosk.scan(dd.HELD_FOR_SITI.barcode)  # on hold for Siti: the ILS will not lend it
    kiosk.vm.finish()
    kiosk.settle()
    ils.down = False
    result = kiosk.parts.replayer.replay_once()
    assert (result.replayed, result.disagreed) == (0, 1)
    [row] = offline_store(kiosk).staff_rows()
    assert (row.state, row.reason, row.card_last4) == (
        OfflineState.DISAGREED.value,
        "on_hold_for_another",
        SUTRISNO[-4:],
    )
    [report] = [e.payload for e in kiosk.store.pending_outbox() if e.kind == "offline_disagreement"]
    assert report["reason"] == "on_hold_for_another" and SUTRISNO not in json.dumps(report)
    assert loan_of(kiosk, dd.HELD_FOR_SITI.barcode) == (None, None)


def test_a_book_already_borrowed_scanned_again_offline_is_not_a_second_loan(
    kiosk: FlowKiosk,
) -> None:
    """Patron trial: Sutrisno borrows a book online, the ILS goes down, he scans it again;
    on replay the ILS says "already yours". That is no second loan row or report in the
    store (central would count two), and staff are told: he was shown a due date that is
    not the library's."""
    ils = switch(kiosk)
    sign_in(kiosk)
    kiosk.scan(dd.AVAILABLE.barcode)  # online: lent
    kiosk.vm.finish()
    kiosk.wait(11)
    assert kiosk.vm.screen == "idle"
    ils.down = True
    sign_in(kiosk)
    kiosk.scan(dd.AVAILABLE.barcode)  # again, offline: the kiosk cannot know
    kiosk.vm.finish()
    kiosk.settle()
    ils.down = False
    result = kiosk.parts.replayer.replay_once()
    assert (result.replayed, result.disagreed) == (0, 1)
    assert [s.loan.item_barcode for s in kiosk.store.loans()] == [dd.AVAILABLE.barcode]
    assert outbox_kinds(kiosk).count("checkout") == 1
    [row] = offline_store(kiosk).staff_rows()
    assert (row.state, row.reason) == (OfflineState.DISAGREED.value, "already_yours")
    assert loan_of(kiosk, dd.AVAILABLE.barcode)[0] == SUTRISNO


# ----- kill -9 during the replay ---------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path
    from flows.harness import FlowKiosk
    from flows.test_offline import SwitchedIls
    from kiosk.core.model import OfflineReplayed

    folder, kill_at, where = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    journal = folder / "sent.jsonl"
    kiosk = FlowKiosk(folder, wrap_ils=SwitchedIls)
    ils = kiosk.ils
    calls = 0

    def sent(call, item):  # what the library did, written before anything else happens
        with journal.open("a") as out:
            out.write(json.dumps([call, item]) + "\\n")
            out.flush()
            os.fsync(out.fileno())

    real_checkout, real_checkin = ils.real.checkout, ils.real.checkin

    def counted(real, call):
        def run(item_or_patron, *args, **kw):
            global calls
            calls += 1
            if where == "before_call" and calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)  # "sending" committed, nothing sent
            answer = real(item_or_patron, *args, **kw)
            sent(call, args[0] if call == "checkout" else item_or_patron)
            return answer
        return run

    ils.real.checkout = counted(real_checkout, "checkout")
    ils.real.checkin = counted(real_checkin, "checkin")
    real_record = kiosk.store.record

    def record(outcome):
        if where == "before_store" and isinstance(outcome, OfflineReplayed) and calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)  # the library has it, the store not yet
        real_record(outcome)

    kiosk.store.record = record
    kiosk.parts.replayer.replay_once()
    """
)


def take_offline(folder: Path) -> list[tuple[str, str]]:
    """Returns and loans taken through the kiosk with the ILS down; the kiosk is closed."""
    kiosk = FlowKiosk(folder, wrap_ils=SwitchedIls)  # type: ignore[arg-type]
    try:
        seen_online(kiosk)
        switch(kiosk).down = True
        kiosk.vm.choose("return")
        kiosk.scan(dd.LENT_TO_SITI.barcode)
        kiosk.scan(dd.OVERDUE_5_DAYS.barcode)
        kiosk.vm.cancel()
        kiosk.settle()
        sign_in(kiosk)
        kiosk.scan(dd.AVAILABLE.barcode)
        kiosk.scan(dd.LENT_TO_SITI.barcode)
        kiosk.vm.finish()
        kiosk.settle()
        return [(t.action.value, t.item_barcode) for t in offline_store(kiosk).open_transactions()]
    finally:
        kiosk.close()


@pytest.mark.parametrize(
    ("kill_at", "where"),
    [(1, "before_store"), (3, "before_store"), (4, "before_store"), (2, "before_call")],
)
def test_kill_during_the_replay_loses_and_duplicates_nothing(
    tmp_path: Path, kill_at: int, where: str
) -> None:
    taken = take_offline(tmp_path)
    assert len(taken) == 4
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), str(kill_at), where],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

    kiosk = FlowKiosk(tmp_path, wrap_ils=SwitchedIls)  # the restart
    try:
        ils = switch(kiosk)
        before = offline_store(kiosk).open_transactions()
        assert before and before[0].state is OfflineState.SENDING  # cut short mid-replay
        result = kiosk.parts.replayer.replay_once()
        assert (result.disagreed, result.still_waiting) == (0, 0)
        journal = tmp_path / "sent.jsonl"
        lines = journal.read_text().splitlines() if journal.exists() else []
        in_child = [tuple(json.loads(line)) for line in lines]
        everything = [*in_child, *ils.sent]
        expected = [
            ("checkin", dd.LENT_TO_SITI.barcode),
            ("checkin", dd.OVERDUE_5_DAYS.barcode),
            ("checkout", dd.AVAILABLE.barcode),
            ("checkout", dd.LENT_TO_SITI.barcode),
        ]
        assert everything == expected  # each sent once, in order, across the kill
        due = kiosk.clock.now().date() + dt.timedelta(days=LOAN_DAYS)
        assert loan_of(kiosk, dd.AVAILABLE.barcode) == (SUTRISNO, due)
        assert loan_of(kiosk, dd.LENT_TO_SITI.barcode) == (SUTRISNO, due)
        assert loan_of(kiosk, dd.OVERDUE_5_DAYS.barcode) == (None, None)
        stored = sorted(s.loan.item_barcode for s in kiosk.store.loans())
        assert stored == sorted([dd.AVAILABLE.barcode, dd.LENT_TO_SITI.barcode])
        returned = rows(kiosk, "SELECT item_barcode FROM returns ORDER BY id")
        assert returned == [(dd.LENT_TO_SITI.barcode,), (dd.OVERDUE_5_DAYS.barcode,)]
        states = [row.state for row in offline_store(kiosk).staff_rows()]
        assert states == ["replayed"] * 4
        kinds = outbox_kinds(kiosk)
        assert (kinds.count("checkout"), kinds.count("return")) == (2, 2)
    finally:
        kiosk.close()


def test_the_replayer_probes_until_the_ils_answers_and_the_mark_goes(kiosk: FlowKiosk) -> None:
    ils = switch(kiosk)
    replayer = kiosk.parts.replayer
    ils.down = True
    sign_in(kiosk)  # not seen online: refused, and the ILS is now known to be unreachable
    kiosk.settle()
    assert kiosk.vm.ils_offline
    # Probe again almost at once (the test asserts what happens, never how long it took).
    replayer.first_backoff = replayer.max_backoff = 0.01
    replayer.start()
    assert replayer.wait_for_pass(0)
    kiosk.settle()
    assert kiosk.vm.ils_offline  # the probe found it still down
    ils.down = False
    for _ in range(100):  # a later probe gets an answer
        if replayer.desk.reachability.online or not replayer.wait_for_pass(replayer.passes):
            break
    kiosk.settle()
    assert not kiosk.vm.ils_offline


def test_kiosk_offline_lists_what_waits_and_what_was_refused_for_staff(
    kiosk: FlowKiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main

    ils = switch(kiosk)
    seen_online(kiosk)
    ils.down = True
    sign_in(kiosk)
    kiosk.scan(dd.HELD_FOR_SITI.barcode)  # refused on replay: on hold for Siti
    kiosk.scan(dd.AVAILABLE.barcode)
    kiosk.vm.finish()
    kiosk.settle()
    ils.down = False
    assert main(["offline", "--data-dir", str(tmp_path)]) == 0
    before = capsys.readouterr().out
    assert "2 waiting, 0 replayed, 0 refused" in before
    kiosk.parts.replayer.replay_once()
    assert main(["offline", "--data-dir", str(tmp_path), "--all"]) == 0
    after = capsys.readouterr().out
    assert "0 waiting, 1 replayed, 1 refused" in after
    refused = after.split("settle them at the desk):")[1].split("Replayed:")[0]
    assert dd.HELD_FOR_SITI.barcode in refused and "on_hold_for_another" in refused
    assert f"card …{SUTRISNO[-4:]}" in refused
    for shown in (before, after):
        assert SUTRISNO not in shown and "Sutrisno" not in shown
