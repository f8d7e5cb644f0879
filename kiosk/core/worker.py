"""One background thread that runs jobs in order, and can be replaced when a job hangs.

The kiosk talks to its ILS from a single worker thread, so calls never overlap and keep
their order. A call that hangs (a dead network peer, a locked database) must not hold
back the next patron: :meth:`Worker.replace_stuck_thread` retires the thread that is
stuck (it ends as soon as its job returns, and takes no further job) and starts a fresh
one on the same queue. Threads are daemons, so a job that never returns cannot keep the
process alive at exit; :meth:`Worker.shutdown` waits a bounded time for the job in hand.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], None]


class WorkerClosed(RuntimeError):
    """A job was submitted after :meth:`Worker.shutdown`."""


class Worker:
    """Runs submitted jobs one at a time on a daemon thread.

    Args:
        name: thread name prefix, e.g. ``"ils-worker"``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: deque[Job] = deque()
        self._cond = threading.Condition()
        self._generation = 0
        self._closed = False
        self._thread = self._spawn()

    @property
    def thread_name(self) -> str:
        """Name of the thread that takes the next job."""
        return self._thread.name

    def submit(self, job: Job) -> None:
        """Queue ``job``; it runs after every job submitted before it.

        Jobs must catch their own exceptions; one that escapes is logged and the worker
        goes on.

        Raises:
            WorkerClosed: after :meth:`shutdown`.
        """
        with self._cond:
            if self._closed:
                raise WorkerClosed(f"worker {self.name} is shut down")
            self._jobs.append(job)
            self._cond.notify_all()

    def replace_stuck_thread(self) -> None:
        """Give up on the job in hand: queued jobs go to a new thread from now on."""
        with self._cond:
            if self._closed:
                return
            self._generation += 1
            stuck = self._thread
            self._thread = self._spawn()
            self._cond.notify_all()
        log.warning("%s is stuck in a call; continuing on %s", stuck.name, self._thread.name)

    def shutdown(self, timeout: float) -> bool:
        """Stop taking jobs, drop queued ones, and wait up to ``timeout`` for the one in hand.

        Returns:
            True when the worker finished in time; False when a job is still running (its
            daemon thread is left to the end of the process).
        """
        with self._cond:
            self._closed = True
            dropped = len(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()
            thread = self._thread
        if dropped:
            log.info("%s: %d queued job(s) dropped at shutdown", self.name, dropped)
        if thread is threading.current_thread():
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("%s still busy after %.1f s; exiting without it", thread.name, timeout)
            return False
        return True

    def _spawn(self) -> threading.Thread:
        generation = self._generation
        thread = threading.Thread(
            target=self._loop,
            args=(generation,),
            name=f"{self.name}-{generation}",
            daemon=True,
        )
        thread.start()
        return thread

    def _loop(self, generation: int) -> None:
        while True:
            with self._cond:
                while True:
                    if generation != self._generation:
                        return  # retired while stuck; a newer thread owns the queue
                    if self._jobs:
                        job = self._jobs.popleft()
                        break
                    if self._closed:
                        return
                    self._cond.wait()
            try:
                job()
            except Exception:
                log.exception("%s: a job failed", threading.current_thread().name)
