"""The kiosk's garbage-collection policy (``kiosk.ui.collector``), on this interpreter's
own collector: no full collection during a session, one between sessions."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.ui.collector import Collector


class Node:
    """An object that can be part of a reference cycle and be watched with a weakref."""

    def __init__(self) -> None:
        self.other: Any = None


@pytest.fixture
def collector() -> Iterator[Collector]:
    made = Collector()
    before = gc.get_threshold()
    yield made
    made.stop()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """The generation of each collection that ran while the test did (2 = full)."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


def test_what_start_up_made_is_frozen(collector: Collector) -> None:
    """GIVEN objects made before the first frame WHEN the policy starts THEN they are
    frozen (no later collection walks them)."""
    collector.start()
    assert gc.get_freeze_count() > 0


def test_no_full_collection_during_a_session(
    collector: Collector, full_collections: list[int]
) -> None:
    """GIVEN the policy started WHEN a session makes many lasting objects (rows of a long
    list) THEN young collections run but no full one (it would hold up a scan's frame)."""
    collector.start()
    full_collections.clear()  # start's own collection
    kept = [[n] for n in range(300_000)]
    assert kept and 0 in full_collections and 2 not in full_collections


def test_a_full_collection_between_sessions_frees_old_cycles(
    collector: Collector, full_collections: list[int]
) -> None:
    """GIVEN a cycle that lived long enough to reach the oldest generation WHEN the
    session ends (between_sessions) THEN a full collection frees it."""
    collector.start()
    full_collections.clear()
    a, b = Node(), Node()
    a.other, b.other = b, a
    gc.collect(1)  # survivors of generation 1 move to generation 2
    watch = weakref.ref(a)
    del a, b
    gc.collect(1)
    assert watch() is not None  # only a full collection can free it now
    collector.between_sessions()
    assert watch() is None and 2 in full_collections
