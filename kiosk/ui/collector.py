"""When Python's cyclic garbage collector runs: between sessions, not during a scan.

A full collection (generation 2) walks every object the process holds: Kivy, SQLAlchemy
and the catalogues (~270,000 objects once started) plus ~2,000 per row of the item list
(its widgets, properties and kv bindings). At a few hundred rows that took 100-260 ms on
a two-core kiosk, and CPython starts one whenever enough objects have survived, so it
landed on a random scan and held that scan's row off the screen. Hence:

* after the first frame everything made at start-up is collected once and frozen
  (``gc.freeze``): it lives as long as the process, and no later collection walks it (a
  start-up object that later ends up in a garbage cycle, such as a menu button rebuilt
  for another language, is never freed: a bounded, one-time cost);
* automatic full collections are off; the young generations still collect as usual, so
  short-lived cycles (most garbage) go at once;
* a full collection runs when a session has ended and the attract screen is up, when no
  patron waits for a frame. A session is bounded by its timeouts, so what waits for it is
  too.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)

NO_AUTOMATIC_FULL = 1_000_000_000
"""Generation 2's threshold (young collections between full ones): never reached."""


class Collector:
    """The kiosk's collection policy. :meth:`start` once drawn, :meth:`between_sessions`
    at each return to the attract screen, :meth:`stop` when the app ends."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Freeze what start-up made; stop automatic full collections."""
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        gc.collect()
        gc.freeze()
        young, middle, _full = self._saved
        gc.set_threshold(young, middle, NO_AUTOMATIC_FULL)
        log.info("garbage collector: %d start-up objects frozen", gc.get_freeze_count())

    def between_sessions(self) -> None:
        """A full collection of what the sessions since the last one left behind."""
        if self._saved is None:
            return
        began = time.perf_counter()
        found = gc.collect()
        spent = (time.perf_counter() - began) * 1000
        log.debug("full collection: %d unreachable objects, %.0f ms", found, spent)

    def stop(self) -> None:
        """Back to CPython's own policy (the frozen objects are walked again)."""
        if self._saved is None:
            return
        gc.unfreeze()
        gc.set_threshold(*self._saved)
        self._saved = None
