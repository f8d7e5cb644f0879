"""Guest names kept no longer than the library allows: a purge at start, then every hour.

:class:`NamePurger` is a :class:`~kiosk.core.passes.PassThread` over
:meth:`kiosk.core.ports.VisitLog.purge_names`: the store erases names older than
``[guestbook] retention_days`` from its rows and outbox payloads, overwrites them in the
file and truncates the WAL. The kiosk runs one (:func:`kiosk.bootstrap.run_kiosk`); the gate
daemon may run its own on its store. A failed pass is one log line and is tried again at
the next hour, so a disk that was briefly full does not keep names for ever.
"""

from __future__ import annotations

import logging

from kiosk.core.passes import PassThread
from kiosk.core.ports import Clock, StorageFailed, VisitLog

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0
"""Seconds between purges: a name outlives its retention by at most an hour."""


class NamePurger(PassThread):
    """Erases old guest names on its own daemon thread.

    Args:
        visits: the store of visits.
        clock: the time ``now`` the retention counts back from.
        every: seconds between purges.
    """

    def __init__(self, visits: VisitLog, clock: Clock, every: float = PURGE_EVERY) -> None:
        super().__init__("name-purger")
        self._visits = visits
        self._clock = clock
        self._every = every
        self.erased = 0
        """Names erased since start (tests and the log read it)."""

    def purge_once(self) -> int:
        """One purge on the calling thread; returns how many visits lost a name.

        Raises:
            StorageFailed: the store could not erase them.
        """
        erased = self._visits.purge_names(self._clock.now())
        self.erased += erased
        return erased

    def _run_pass(self) -> float:
        try:
            self.purge_once()
        except StorageFailed as err:
            log.error("guest names not erased, tried again in an hour: %s", err)
        except Exception as err:  # a bug; the next pass tries again
            log.error("guest-name purge failed: %s: %s", type(err).__name__, err)
        return self._every
