"""The ILS worker: one thread, jobs in order, a stuck thread replaced, a bounded shutdown.

GIVEN a :class:`Worker` and jobs that record which thread ran them (some blocked on an
event the test opens), WHEN jobs are submitted, one fails, the thread is replaced while a
job hangs, or the worker is shut down, THEN the recorded order and threads show what the
kiosk relies on: calls never overlap, keep their order, and a hung call neither holds
back the next patron nor keeps the process from ending.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator

import pytest

from kiosk.core.worker import Worker, WorkerClosed

WAIT = 5.0  # seconds any single wait may take before the test fails (never a speed target)


class Gate:
    """A job that reports when it started, then blocks until the test opens the gate."""

    def __init__(self) -> None:
        self.started: queue.Queue[threading.Thread] = queue.Queue()
        self.opened = threading.Event()
        self.finished = threading.Event()

    def job(self) -> None:
        self.started.put(threading.current_thread())
        assert self.opened.wait(30), "the test never opened the gate"
        self.finished.set()

    def open(self) -> None:
        self.opened.set()


class Record:
    """What ran, in which order, on which thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs: list[tuple[str, str]] = []
        self.done: queue.Queue[str] = queue.Queue()

    def job(self, label: str) -> Callable[[], None]:
        def run() -> None:
            with self._lock:
                self.runs.append((label, threading.current_thread().name))
            self.done.put(label)

        return run

    def wait_for(self, label: str) -> None:
        """Block until the job ``label`` has run (jobs run in order, so all before it too)."""
        while self.done.get(timeout=WAIT) != label:
            pass

    def labels(self) -> list[str]:
        with self._lock:
            return [label for label, _thread in self.runs]

    def threads(self) -> set[str]:
        with self._lock:
            return {thread for _label, thread in self.runs}


@pytest.fixture
def gates() -> Iterator[list[Gate]]:
    """Gates made by a test; all opened at the end so no job stays blocked."""
    made: list[Gate] = []
    yield made
    for gate in made:
        gate.open()


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker("test-worker")
    yield w
    w.shutdown(1.0)


def new_gate(gates: list[Gate]) -> Gate:
    gate = Gate()
    gates.append(gate)
    return gate


def test_jobs_run_in_submission_order_on_one_thread(worker: Worker) -> None:
    """GIVEN a worker
    WHEN ten jobs are submitted from the test thread
    THEN they run in submission order, all on the worker's one thread (not the caller's)."""
    record = Record()
    labels = [f"job-{n}" for n in range(10)]
    for label in labels:
        worker.submit(record.job(label))
    record.wait_for(labels[-1])

    assert record.labels() == labels
    assert record.threads() == {worker.thread_name}
    assert worker.thread_name != threading.current_thread().name


def test_a_job_that_raises_is_logged_and_the_next_job_still_runs(
    worker: Worker, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a worker
    WHEN a job raises, and another job is submitted after it
    THEN the error is logged with its traceback and the next job runs on the same thread."""
    record = Record()

    def broken() -> None:
        raise ValueError("a bug in a job")

    with caplog.at_level(logging.ERROR, logger="kiosk.core.worker"):
        worker.submit(broken)
        worker.submit(record.job("after"))
        record.wait_for("after")

    assert record.runs == [("after", worker.thread_name)]
    [failure] = [r for r in caplog.records if r.name == "kiosk.core.worker"]
    assert failure.levelno == logging.ERROR
    assert failure.exc_info is not None and isinstance(failure.exc_info[1], ValueError)
    assert str(failure.exc_info[1]) == "a bug in a job"


def test_replacing_a_stuck_thread_lets_queued_jobs_run_while_the_old_job_hangs(
    worker: Worker, gates: list[Gate]
) -> None:
    """GIVEN job 1 blocked inside the worker, and job 2 queued behind it
    WHEN the stuck thread is replaced and job 3 is submitted
    THEN jobs 2 and 3 run in order on the new thread while job 1 is still blocked; once job
    1 is released its old thread ends without taking a job that is still queued."""
    record = Record()
    hung = new_gate(gates)
    worker.submit(hung.job)
    old_thread = hung.started.get(timeout=WAIT)
    worker.submit(record.job("job-2"))

    worker.replace_stuck_thread()
    worker.submit(record.job("job-3"))
    record.wait_for("job-3")

    new_name = worker.thread_name
    assert new_name != old_thread.name
    assert record.runs == [("job-2", new_name), ("job-3", new_name)]
    assert old_thread.is_alive() and not hung.finished.is_set()  # job 1 still hangs

    # Keep the new thread busy and queue job 4 behind it: when the old thread is released,
    # job 4 is there for the taking. It must not take it.
    busy = new_gate(gates)
    worker.submit(busy.job)
    assert busy.started.get(timeout=WAIT).name == new_name
    worker.submit(record.job("job-4"))

    hung.open()
    old_thread.join(WAIT)
    assert not old_thread.is_alive()
    assert hung.finished.is_set()
    assert record.labels() == ["job-2", "job-3"]  # job 4 is still queued, untouched

    busy.open()
    record.wait_for("job-4")
    assert record.runs[-1] == ("job-4", new_name)


def test_shutdown_of_an_idle_worker_returns_true_and_ends_its_thread(worker: Worker) -> None:
    """GIVEN a worker that has run a job and is now idle
    WHEN it is shut down
    THEN shutdown returns True and the worker's thread has ended."""
    threads: queue.Queue[threading.Thread] = queue.Queue()
    worker.submit(lambda: threads.put(threading.current_thread()))
    thread = threads.get(timeout=WAIT)

    assert worker.shutdown(timeout=WAIT) is True
    assert not thread.is_alive()


def test_shutdown_with_a_hung_job_gives_up_and_drops_queued_jobs(
    worker: Worker, gates: list[Gate]
) -> None:
    """GIVEN a job hung inside the worker and another job queued behind it
    WHEN the worker is shut down with a short timeout
    THEN shutdown returns False (after a bounded join), the queued job never runs, even
    after the hung job returns, and a job submitted afterwards is refused."""
    record = Record()
    hung = new_gate(gates)
    worker.submit(hung.job)
    thread = hung.started.get(timeout=WAIT)
    worker.submit(record.job("queued"))

    results: queue.Queue[bool] = queue.Queue()
    stopper = threading.Thread(target=lambda: results.put(worker.shutdown(timeout=0.2)))
    stopper.start()
    assert results.get(timeout=WAIT) is False  # returned although the job still hangs
    assert thread.is_alive()

    hung.open()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert record.runs == []  # the queued job was dropped, not run late

    with pytest.raises(WorkerClosed):
        worker.submit(record.job("too late"))
    assert record.runs == []


def test_submit_after_shutdown_raises_worker_closed(worker: Worker) -> None:
    """GIVEN a worker that was shut down
    WHEN a job is submitted
    THEN WorkerClosed is raised and the job never runs."""
    assert worker.shutdown(timeout=WAIT)
    ran = threading.Event()

    with pytest.raises(WorkerClosed, match="test-worker"):
        worker.submit(ran.set)
    assert not ran.is_set()


def test_worker_threads_are_daemons_also_after_a_replacement(
    worker: Worker, gates: list[Gate]
) -> None:
    """GIVEN a worker, and its replacement thread after a job hung
    WHEN jobs run on them
    THEN both threads are daemons, so a job that never returns cannot keep the kiosk alive."""
    hung = new_gate(gates)
    worker.submit(hung.job)
    first = hung.started.get(timeout=WAIT)
    worker.replace_stuck_thread()
    threads: queue.Queue[threading.Thread] = queue.Queue()
    worker.submit(lambda: threads.put(threading.current_thread()))
    second = threads.get(timeout=WAIT)

    assert first is not second
    assert first.daemon and second.daemon
