"""A daemon thread that runs passes over the ILS and the store: the reconciler's and the
offline replayer's.

One pass at start, then another when :meth:`PassThread.request` wakes it (any thread) or
when the delay the last pass chose has passed. A pass never touches the session, so the
one-thread rule holds by construction; a failing pass is logged and the next one tries
again. Tests wait for passes with :meth:`PassThread.wait_for_pass`.
"""

from __future__ import annotations

import abc
import threading


class PassThread(abc.ABC):
    """The thread and its wake-up, stop and pass counting; subclasses say what a pass is.

    Args:
        name: the thread's name (it shows in logs and ``py-spy``).
    """

    def __init__(self, name: str) -> None:
        self._thread_name = name
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._done = threading.Condition()
        self._passes = 0
        self._thread: threading.Thread | None = None

    @property
    def passes(self) -> int:
        """Passes finished so far (tests wait on it with :meth:`wait_for_pass`)."""
        with self._done:
            return self._passes

    def request(self) -> None:
        """Ask for a pass now (any thread)."""
        self._wake.set()

    def start(self) -> None:
        """Start the daemon thread: a pass now, then on request or after each pass's delay."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name=self._thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the thread, waiting at most ``timeout`` for a pass in progress."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_for_pass(self, after: int, timeout: float = 10.0) -> bool:
        """Wait until more than ``after`` passes have finished (tests). True if they have."""
        with self._done:
            return self._done.wait_for(lambda: self._passes > after, timeout)

    def _before_first_pass(self) -> None:  # noqa: B027  (a hook: doing nothing is its default)
        """Work done once on the thread before its first pass (nothing by default)."""

    @abc.abstractmethod
    def _run_pass(self) -> float:
        """One pass; never raises. Returns the seconds to wait before the next one."""

    def _loop(self) -> None:
        self._before_first_pass()
        while not self._stopping.is_set():
            self._wake.clear()
            delay = self._run_pass()
            with self._done:
                self._passes += 1
                self._done.notify_all()
            self._wake.wait(delay)  # a request cuts the wait short
