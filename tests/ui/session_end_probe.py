"""After a session ends, is anything of its patron left in the widgets or the view-model?

A probe script like :mod:`screen_probe` (Kivy allows one window per process): it signs a
patron in on the real offscreen kiosk, borrows books, ends the session one way, then
looks for the patron's name, card number and the titles in

- every Kivy widget alive in the process (found through the garbage collector, so screens
  not shown and rows kept in a cache count too): every string, list and dict property;
- the view-model: its Kivy properties and everything reachable from its attributes
  (the driver, the session, its lines), depth-first, strings and containers.

    python tests/ui/session_end_probe.py ENDING --data DIR

It prints ``PROBE-RESULT {"ending": ..., "screen": ..., "traces": [...]}``; a trace says
which secret was found where.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screen_probe
from screen_probe import BOOKS, CARD, SCENARIOS, Probe

NAME = "Sutrisno"
TITLES = ("Laskar Pelangi", "The Little Prince")
OTHER_CARD, OTHER_PIN = "23171000000028", "2468"  # Siti, the next patron
SECRETS = (NAME, CARD, *TITLES)


def _strings(value: Any, path: str, out: list[tuple[str, str]], seen: set[int], depth: int) -> None:
    """Every string reachable from ``value`` (containers and plain objects), with its path."""
    if isinstance(value, str):
        out.append((path, value))
        return
    if depth <= 0 or id(value) in seen or value is None or isinstance(value, int | float | bytes):
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in list(value.items()):
            _strings(key, f"{path}[key]", out, seen, depth - 1)
            _strings(item, f"{path}[{key!r}]", out, seen, depth - 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(list(value)):
            _strings(item, f"{path}[{index}]", out, seen, depth - 1)
    elif type(value).__module__.startswith("kiosk"):
        names = list(getattr(value, "__dict__", {}))
        for klass in type(value).__mro__:
            names += list(getattr(klass, "__slots__", ()))
        for name in names:
            try:
                item = getattr(value, name)
            except AttributeError:
                continue
            if not callable(item):
                _strings(item, f"{path}.{name}", out, seen, depth - 1)


def traces(p: Probe, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    """Where a secret of the last patron is still found (empty: nowhere)."""
    from kivy.uix.widget import Widget

    found: list[str] = []

    def look(where: str, strings: list[tuple[str, str]]) -> None:
        for path, text in strings:
            for secret in secrets:
                if secret in text:
                    found.append(f"{where}{path}: {secret!r} in {text[:80]!r}")

    # The app freezes what start-up made (kiosk/ui/collector.py), and gc.get_objects()
    # does not list frozen objects: every screen's widgets would go unsearched.
    gc.unfreeze()
    gc.collect()
    for widget in [obj for obj in gc.get_objects() if isinstance(obj, Widget)]:
        strings: list[tuple[str, str]] = []
        for name in widget.properties():
            try:
                value = getattr(widget, name)
            except Exception:  # a property that cannot be read on this widget kind
                continue
            if isinstance(value, str | list | tuple | dict):
                _strings(value, f".{name}", strings, set(), 4)
        look(f"{type(widget).__name__}", strings)
    vm_strings: list[tuple[str, str]] = []
    for name in p.vm.properties():
        _strings(getattr(p.vm, name), f".{name}", vm_strings, set(), 6)
    _strings(p.vm, "", vm_strings, set(), 8)
    look("vm", vm_strings)
    return found


def _borrowed(p: Probe) -> None:
    p.log_in()
    for book in BOOKS:
        p.kiosk.scan(book)
    assert p.vm.screen == "borrow.scanning"
    seen = " ".join(row["title"] for row in p.vm.lines)
    assert all(title in seen for title in TITLES), seen  # the probe can see what it seeks


def _finish(p: Probe) -> Iterator[None]:
    _borrowed(p)
    yield
    p.vm.finish()  # the summary, then "Done": the rating screen
    yield
    assert p.vm.screen == "borrow.summary", p.vm.screen
    p.vm.finish()
    yield


def _timeout(p: Probe) -> Iterator[None]:
    _borrowed(p)
    yield
    p.kiosk.wait(3600)  # the warning's countdown runs out
    yield


def _cancel(p: Probe) -> Iterator[None]:
    _borrowed(p)
    yield
    p.vm.cancel()
    yield
    p.vm.cancel()  # Cancel on the summary too: back to the start
    yield


def _new_card(p: Probe) -> Iterator[None]:
    _borrowed(p)
    yield
    p.vm.finish()
    yield
    p.kiosk.scan(OTHER_CARD)  # the next patron steps up while the summary shows
    p.kiosk.type(OTHER_PIN)
    yield


def _summary_shown(p: Probe) -> Iterator[None]:
    """Not an ending: the control case, where everything must be found."""
    _borrowed(p)
    yield
    p.vm.finish()
    yield


# ----- My account and renew: Dewi's loans, fines and refused renewals on the screen ------

DEWI, DEWI_PIN = "23171000010019", "3141"
ACCOUNT_SECRETS = ("Dewi Anggraini", DEWI, "Hujan Bulan Juni", "Sang Pemimpi", "Rp 20.000")


def _account_shown(p: Probe) -> None:
    p.vm.choose("account")
    p.kiosk.type(DEWI)
    p.kiosk.type(DEWI_PIN)
    p.vm.act("renew_all")  # every row gets its answer (all refused: overdue, hold, limit)
    p.kiosk.settle()
    assert p.vm.screen == "account.overview", p.vm.screen
    seen = json.dumps(dict(p.vm.state_rows), ensure_ascii=False)
    assert all(secret in seen for secret in ("Hujan Bulan Juni", "Rp ")), seen


def _account_finish(p: Probe) -> Iterator[None]:
    _account_shown(p)
    yield
    p.vm.finish()
    yield
    assert p.vm.screen == "account.summary", p.vm.screen
    p.vm.finish()
    yield


def _account_timeout(p: Probe) -> Iterator[None]:
    _account_shown(p)
    yield
    p.kiosk.wait(3600)
    yield


def _account_cancel(p: Probe) -> Iterator[None]:
    _account_shown(p)
    yield
    p.vm.cancel()
    yield


def _account_new_card(p: Probe) -> Iterator[None]:
    _account_shown(p)
    yield
    p.kiosk.scan(OTHER_CARD)  # the next patron scans while Dewi's account is shown
    p.kiosk.type(OTHER_PIN)
    yield


def _account_overview_shown(p: Probe) -> Iterator[None]:
    """Not an ending: the control case, where everything must be found."""
    _account_shown(p)
    yield


ACCOUNT_ENDINGS: dict[str, Callable[[Probe], Iterator[None]]] = {
    "account_shown": _account_overview_shown,
    "account_finish": _account_finish,
    "account_timeout": _account_timeout,
    "account_cancel": _account_cancel,
    "account_new_card": _account_new_card,
}


ENDINGS: dict[str, Callable[[Probe], Iterator[None]]] = {
    "summary_shown": _summary_shown,
    "finish": _finish,
    "timeout": _timeout,
    "cancel": _cancel,
    "new_card": _new_card,
}


def _scenario(
    ending: Callable[[Probe], Iterator[None]], name: str, secrets: tuple[str, ...] = SECRETS
) -> Any:
    def run(p: Probe) -> Iterator[None]:
        yield from ending(p)
        yield
        yield  # two more frames: textures and recycled rows catch up
        p.found["ending"] = name
        p.found["screen"] = p.vm.screen
        p.found["traces"] = traces(p, secrets)

    return run


if __name__ == "__main__":
    for key, ending in ENDINGS.items():
        SCENARIOS[f"end-{key}"] = _scenario(ending, key)
    for key, ending in ACCOUNT_ENDINGS.items():
        SCENARIOS[f"end-{key}"] = _scenario(ending, key, ACCOUNT_SECRETS)
    screen_probe.main()
