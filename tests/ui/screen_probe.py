"""The real kiosk screens in this process, offscreen, driven step by step; prints findings.

Kivy allows one window per process, so tests run this module as a script in a child
process (:func:`run_probe`) and read the JSON it prints last. The kiosk is the one
``bootstrap.build`` makes (demo library, local store, worker thread) with a hand-wound
clock, as in the flow tests; the screens are the real kv files drawn by the real window.

    python tests/ui/screen_probe.py SCENARIO [--size 1280x800] [--language en] [--large]
                                             [--text-size 200] [--themes a,b] [--out DIR]

Each scenario is a generator: every ``yield`` lets the window lay out and draw two
frames before the next step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
CARD, PIN = "23171000000010", "1234"
BOOKS = ("33171000000018", "33171000000067")  # Laskar Pelangi, The Little Prince
MARKER = "PROBE-RESULT "


def run_probe(
    scenario: str, *args: str, timeout: float = 180.0, script: str = __file__
) -> dict[str, Any]:
    """Run one scenario of ``script`` (this probe by default) in a child process; its
    findings as a dict."""
    with tempfile.TemporaryDirectory(prefix="kiosk-probe-") as tmp:
        env = {**os.environ, "KIVY_HOME": str(Path(tmp) / "kivy")}
        env.pop("KIOSK_CONFIG", None)
        done = subprocess.run(
            [sys.executable, script, scenario, "--data", tmp, *args],
            capture_output=True, text=True, env=env, timeout=timeout, check=False,
        )  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            return dict(json.loads(line[len(MARKER) :]))
    raise AssertionError(f"probe {scenario} failed ({done.returncode}):\n{done.stderr[-4000:]}")


def item_barcode(serial: int) -> str:
    """A valid Codabar item barcode the demo library does not hold (type digit 3)."""
    from devices import codabar

    return codabar.make(3, 9999, 90_000_000 + serial)


class Probe:
    """The kiosk under a Kivy app, with helpers the scenarios use."""

    def __init__(self, data: Path, out: Path | None, size: tuple[int, int], language: str,
                 text_size: str, wrap_ils: Callable[[Any], Any] | None = None,
                 themes: Sequence[str] = (), config: dict[str, Any] | None = None,
                 **kiosk_options: Any) -> None:  # fmt: skip
        from kiosk import config as config_module
        from kiosk.bootstrap import prepare_kivy

        sys.path.insert(0, str(TESTS / "ui"))
        from tour_states import STAFF_PIN_HASH

        self.config = config_module.from_mapping(
            {
                "ils": {"backend": "local"},  # the demo library directly: tests stay fast
                "technician": {"pin_hash": STAFF_PIN_HASH},  # the tour's technician screen
                "display": {"width": size[0], "height": size[1]},
                "kiosk": {"language": language, "text_size": text_size},
                **(config or {}),
            },
            None,
        )
        prepare_kivy(headless=True, kivy_home=data / "kivy", config=self.config)
        sys.path.insert(0, str(TESTS))
        from flows.harness import FlowKiosk

        self.kiosk = FlowKiosk(
            data / "kiosk", config=self.config, wrap_ils=wrap_ils, **kiosk_options
        )
        self.vm = self.kiosk.vm
        self.out = out
        self.found: dict[str, Any] = {}
        self.size = size
        self.themes = tuple(themes)  # the tour's contrast check: these themes
        self.tag = f"{language}-{text_size}-{size[0]}x{size[1]}"

    # ----- helpers for scenarios ----------------------------------------------------------

    @property
    def root(self) -> Any:
        from kivy.app import App

        return App.get_running_app().root

    def widgets(self, kind: str) -> list[Any]:
        """Widgets of the current screen and the root whose class name is ``kind``."""
        return [w for w in self.root.walk(restrict=True) if type(w).__name__ == kind]

    def button(self, text: str) -> Any:
        from kivy.uix.button import Button

        found = [
            w for w in self.root.walk(restrict=True) if isinstance(w, Button) and w.text == text
        ]
        assert len(found) == 1, f"{len(found)} buttons say {text!r}"
        return found[0]

    def label(self, text: str) -> Any:
        from kivy.uix.label import Label

        found = [
            w for w in self.root.walk(restrict=True) if isinstance(w, Label) and w.text == text
        ]
        assert found, f"no label says {text!r}"
        return found[0]

    @staticmethod
    def box(widget: Any) -> list[float]:
        """Where a widget is in the window: x, y, width, height."""
        x, y = widget.to_window(widget.x, widget.y)
        return [round(x, 1), round(y, 1), round(widget.width, 1), round(widget.height, 1)]

    def tap(self, widget: Any) -> None:
        """A finger on the middle of ``widget``, the way a touch screen delivers it."""
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(*widget.to_window(*widget.center))
        touch.touch_down()
        touch.touch_up()

    def buttons(self, text: str) -> list[Any]:
        """Every enabled button that says ``text``."""
        from kivy.uix.button import Button

        return [
            w
            for w in self.root.walk(restrict=True)
            if isinstance(w, Button) and w.text == text and not w.disabled
        ]

    def log_in(self) -> None:
        self.kiosk.scan(CARD)
        self.kiosk.type(PIN)
        assert self.vm.screen == "borrow.scanning", self.vm.screen

    def shot(self, name: str, tag: str | None = None) -> None:
        if self.out is not None:
            from kivy.core.window import Window

            tag = tag or self.tag
            self.out.mkdir(parents=True, exist_ok=True)
            Window.screenshot(name=str(self.out / f"{name}-{tag}.png"))
            for made in self.out.glob(f"{name}-{tag}*.png"):  # Kivy numbers its shots
                made.replace(self.out / f"{name}-{tag}.png")

    def home(self) -> None:
        """Back to a fresh attract screen: answers applied, the session ended, Help shut,
        the clock 17 minutes on (earlier wrong PINs no longer count), Sutrisno's books
        returned."""
        self.kiosk.settle()
        self.vm.close_help()
        self.kiosk.clock.advance(1000)
        self.kiosk.session.end()
        self.vm.clear_entry()
        self.vm.refresh()
        # Every book the tour lent goes back, so each state starts with the same library.
        ils, now = self.kiosk.ils, self.kiosk.clock.now()
        for loan in ils.account(CARD, now).loans:
            ils.checkin(loan.item_barcode, now)


# ----- scenarios -------------------------------------------------------------------------


TOUR_SIZES = ((1920, 1080), (1280, 800))
TOUR_LANGUAGES = ("id", "en")
TOUR_STEPS = (0, 1, 2)  # text-size steps: 100, 150, 200 %
TOUR_THEMES = {
    (1920, 1080): ("default", "yellow_black"),
    (1280, 800): ("white_black", "black_cream"),
}
"""Colours do not depend on the window's size: each size's probe checks two themes."""
CONTRAST_LANGUAGE, CONTRAST_STEP = "id", 0


def tour(p: Probe) -> Iterator[None]:
    """Every state of ``tour_states.STATES`` at this probe's window size (``--size``;
    ``test_screenshots`` runs one probe per size): its layout in every language and text
    step (default colours), and its contrast in each of the probe's ``--themes``
    (Indonesian, 100 %).

    Theme does not change layout (same fonts, same sizes) and the text step does not
    change colour, so the two are checked apart: layout per (state, step, language, size),
    contrast per (state, theme), which keeps the tour's frames to about half of the full
    product. Contrast at a state: every text against what is drawn behind it
    (``contrast_check``), and the focus ring around the first and the last button in
    reading order (the top bar's, and one of the screen's).

    One window: each state is reached once from a fresh attract screen, then the language,
    text step and theme are switched around it. (Not the window size: the offscreen window
    keeps the framebuffer it was created with, so pictures after a resize come out torn.)
    Findings: ``visited`` (state names), ``defects`` (layout) and ``contrast`` (one line
    each: state, variant, what is wrong). With ``--out``, one PNG per state and layout
    variant, and one per state and theme. ``PROBE_STATES`` (comma-separated names) limits
    the tour, for working on one screen; ``PROBE_STEPS`` (e.g. ``2``) and
    ``PROBE_LANGUAGES`` the layout variants.
    """
    from tour_states import STATES

    wanted = set(filter(None, os.environ.get("PROBE_STATES", "").split(",")))
    states = [state for state in STATES if not wanted or state.name in wanted]
    defects: list[str] = []
    contrast: list[str] = []
    visited: list[str] = []
    p.found["defects"], p.found["visited"], p.found["contrast"] = defects, visited, contrast
    for state in states:
        p.home()
        state.reach(p)
        p.vm.refresh()
        yield
        if p.vm.screen != state.screen:
            defects.append(f"{state.name}: reached {p.vm.screen!r}, not {state.screen!r}")
            continue
        visited.append(state.name)
        for language, step in tour_variants():
            p.vm.language, p.vm.text_step = language, step
            variant = f"{language}-{p.vm.text_percent}-{p.size[0]}x{p.size[1]}"
            yield
            yield from look(p, state.name, variant, state.expect.get(language), defects)
            if state.help:
                p.vm.show_help()
                yield
                if not p.vm.help_text:
                    defects.append(f"{state.name}-help {variant}: no help text")
                yield from look(p, f"{state.name}-help", variant, None, defects)
                p.vm.close_help()
        p.vm.language, p.vm.text_step = CONTRAST_LANGUAGE, CONTRAST_STEP
        for theme in p.themes:
            p.vm.theme_name = theme
            yield
            yield from look_at_colours(p, state.name, state.help, theme, contrast)
        p.vm.theme_name = "default"


def tour_variants() -> Iterator[tuple[str, int]]:
    """(language, text step) of the layout check; ``PROBE_LANGUAGES`` / ``PROBE_STEPS``
    (comma-separated) narrow them while working on one case."""
    languages = os.environ.get("PROBE_LANGUAGES", "") or ",".join(TOUR_LANGUAGES)
    steps = os.environ.get("PROBE_STEPS", "") or ",".join(str(s) for s in TOUR_STEPS)
    for language in languages.split(","):
        for step in steps.split(","):
            yield language, int(step)


def look_at_colours(
    p: Probe, name: str, with_help: bool, theme: str, defects: list[str]
) -> Iterator[None]:
    """Contrast of every text, and of the focus ring around the first and last button."""
    from contrast_check import ring_contrast_defects, text_contrast_defects
    from kivy.metrics import dp

    from kiosk.ui.key_focus import KeyFocus

    variant = f"{theme}-{p.size[0]}x{p.size[1]}"
    found = text_contrast_defects(p.root)
    if found:  # maybe still settling after the switch: look again after one more frame
        yield
        found = text_contrast_defects(p.root)
    p.shot(name, variant)
    app = _app()
    for step in (1, -1):  # the first button in reading order, then the last
        app.key_focus.clear()
        app.key_focus.move(step)
        yield
        box = app.key_focus.ring_box()
        ring = ring_contrast_defects(box, dp(KeyFocus.BAND)) if box is not None else []
        if ring:  # the same: a layout settling moves the button under the ring
            yield
            box = app.key_focus.ring_box()
            ring = ring_contrast_defects(box, dp(KeyFocus.BAND)) if box is not None else []
        found += ring
    app.key_focus.clear()
    if with_help:
        p.vm.show_help()
        yield
        found += [f"(help) {defect}" for defect in text_contrast_defects(p.root)]
        p.vm.close_help()
    defects.extend(f"{name} {variant}: {defect}" for defect in dict.fromkeys(found))


def _scrolled_texts(root: Any) -> list[str]:
    """Texts of the screen's lists that are out of the view but reachable by its Up and Down
    buttons (at 200 % a list shows few rows; the state's proof may be scrolled away)."""
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    texts = []
    for view in (w for w in root.walk(restrict=True) if isinstance(w, ScrollView)):
        if view.viewport_size[1] <= view.height + 1:
            continue  # nothing to scroll to
        texts += [w.text for w in view.walk(restrict=True) if isinstance(w, Label)]
    return texts


def _app() -> Any:
    from kivy.app import App

    return App.get_running_app()


def look(
    p: Probe, name: str, variant: str, expected: str | None, defects: list[str]
) -> Iterator[None]:
    """Check what is drawn now (a second time after one more frame if anything is wrong,
    so a layout still settling is not a finding) and save its picture."""
    from layout_check import layout_defects

    from kiosk.ui.screen_text import visible_texts

    found = layout_defects(p.root)
    if found:
        yield
        found = layout_defects(p.root)
    defects.extend(f"{name} {variant}: {defect}" for defect in found)
    if (
        expected
        and expected not in "\n".join(visible_texts(p.root))
        and expected not in "\n".join(_scrolled_texts(p.root))
    ):
        defects.append(f"{name} {variant}: {expected!r} not on screen")
    p.shot(name, variant)


def glyphs(p: Probe) -> Iterator[None]:
    """Does the bundled font draw the PIN mask and the keypad's words (no tofu boxes)?"""
    from kivy.core.text import Label as CoreLabel

    from kiosk.ui.viewmodel import PIN_MASK_CHAR

    def pixels(text: str) -> bytes:
        label = CoreLabel(text=text, font_size=40)
        label.refresh()
        return bytes(label.texture.pixels)

    missing = pixels("\U0010fffd")  # a private-use code point no font has: the tofu box
    p.found["mask_differs_from_missing"] = pixels(PIN_MASK_CHAR) != missing
    p.found["mask_drawn"] = any(pixels(PIN_MASK_CHAR)[3::4])  # some pixel not transparent
    p.found["u25cf_differs_from_missing"] = pixels("\u25cf") != missing
    yield


def banners(p: Probe) -> Iterator[None]:
    """Where the keypad and Finish are with and without please-wait, notice and warning."""
    p.log_in()
    yield
    finish = p.button(p.vm.texts["scan.finish"])
    keys = [p.button(text) for text in ("1", "0", p.vm.texts["keypad.enter"])]

    def positions() -> list[list[float]]:
        return [p.box(finish), *(p.box(key) for key in keys)]

    p.found["plain"] = positions()
    ok = keys[-1]
    p.found["finish_ok_colours"] = [list(finish.background_color), list(ok.background_color)]
    p.found["finish_ok_gap"] = round(
        ok.to_window(ok.x, ok.y)[1] - finish.to_window(0, finish.top)[1], 1
    )
    p.found["key_words"] = [p.vm.texts[f"keypad.{k}"] for k in ("backspace", "clear", "enter")]
    p.kiosk.scan(BOOKS[0])
    p.kiosk.scan(BOOKS[0])  # already scanned: a notice shows
    yield
    p.found["notice_text"] = p.vm.notice_text
    p.found["notice"] = positions()
    p.vm.scan(BOOKS[1])  # in flight, not yet applied: after 0.3 s "please wait" shows
    p.kiosk.clock.advance(1.0)
    p.vm.refresh()
    yield
    p.found["spinner"] = p.vm.show_spinner
    p.found["busy"] = positions()
    p.kiosk.settle()
    p.kiosk.wait(60 - 10)  # idle long enough for the warning
    yield
    p.found["warning_text"] = p.vm.warning_text
    p.found["warning"] = positions()
    more = p.button(p.vm.texts["timeout.more_time"])
    p.found["more_time_box"] = p.box(more)
    p.found["more_time_font"] = more.font_size
    from kivy.tests.common import UnitTestTouch

    # A finger on "I need more time", the way a touch screen delivers it.
    x, y = more.to_window(*more.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    yield
    p.found["after_touch_warning"] = p.vm.warning_text
    p.found["after_touch_screen"] = p.vm.screen
    p.vm.type_char("3")  # half a book number typed, then the patron stands there
    p.kiosk.wait(60 - 10)
    yield
    from kivy.core.window import Window

    from kiosk.ui.app import KEY_ENTER

    p.found["warning_before_enter"] = bool(p.vm.warning_text)
    Window.dispatch("on_key_down", KEY_ENTER, 40, None, [])  # Enter on "I need more time"
    Window.dispatch("on_key_up", KEY_ENTER, 40)
    yield
    p.found["after_enter_warning"] = p.vm.warning_text
    p.found["after_enter_notice"] = p.vm.notice_text  # the "3" was not sent as a scan
    p.kiosk.wait(60 - 10)
    yield
    # A finger where Finish is, while the warning covers it: only "still here".
    x, y = finish.to_window(*finish.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    yield
    p.found["touch_on_finish_screen"] = p.vm.screen
    # Without a warning, the same finger on Finish finishes (nothing lies over it).
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    yield
    p.found["touch_on_finish_later"] = p.vm.screen


def text_size(p: Probe) -> Iterator[None]:
    """Height of a line of body text, then again after the window is resized."""
    from kivy.core.window import Window

    yield
    body = p.label(p.vm.texts["attract.type_hint"])
    p.found["body_height"] = body.texture_size[1]
    p.found["font_size"] = body.font_size
    Window.size = (1920, 1080)
    yield
    yield
    p.found["resized_body_height"] = body.texture_size[1]
    p.found["resized_font_size"] = body.font_size


def flood(p: Probe) -> Iterator[None]:
    """Many scans: does the list follow the newest line and touch only what changed?"""
    p.log_in()
    p.kiosk.scan(BOOKS[0])
    yield
    (item_list,) = p.widgets("ItemList")
    first_row = item_list.children[-1]
    first_texture = None
    count = int(os.environ.get("PROBE_FLOOD", "60"))
    for serial in range(count):
        p.vm.scan(item_barcode(serial))
        if serial % 10 == 9:
            p.kiosk.settle()
            yield
            if first_texture is None:
                # Taken once the list overflows: its Up/Down buttons then appear beside it
                # and every row is laid out once at the new width. From then on no scan
                # may touch the first row again.
                first_texture = first_row.ids.box.children[-1].texture
    p.kiosk.settle()
    yield
    yield
    (view,) = p.widgets("FollowScrollView")
    rows = [w for w in item_list.children if type(w).__name__ == "ItemRow"]
    newest = rows[0]  # children are bottom-first
    _vx, vy, _vw, vh = p.box(view)
    _nx, ny, _nw, nh = p.box(newest)
    p.found["newest_title"] = newest.title
    p.found["newest_visible"] = vy - 1 <= ny and ny + nh <= vy + vh + 1
    p.found["scroll_y"] = view.scroll_y
    p.found["bar_width"] = view.bar_width
    p.found["bar_length"] = view.vbar[1] * view.height
    p.found["bar_colour_alpha"] = [view.bar_color[3], view.bar_inactive_color[3]]
    p.found["bar_colour"] = list(view.bar_color)
    p.found["scrollable"] = item_list.height > view.height
    p.found["progress"] = p.vm.progress_text
    p.found["rows_shown"] = len(rows)
    p.found["rows_made"] = item_list.rows_made
    lists = [
        w for s in p.root.ids.screens.screens for w in s.walk() if type(w).__name__ == "ItemList"
    ]
    p.found["rows_made_everywhere"] = sum(each.rows_made for each in lists)  # every screen's
    p.found["first_row_kept"] = first_row.parent is item_list
    p.found["first_row_texture_kept"] = first_row.ids.box.children[-1].texture is first_texture
    p.found["first_row_title"] = first_row.title
    p.found["top_row_title"] = item_list.children[-1].title
    p.found["labels"] = sorted({row.label for row in rows})
    p.shot("flood")
    # One more book, lent (a refused one would push the oldest refused row into the "and
    # n more" row): the rows already there stay where they are (a new row at the bottom
    # moves none, so none lays itself out again), and only rows in sight are drawn.
    before = {id(row): tuple(row.pos) for row in rows}
    p.kiosk.scan(BOOKS[1])
    yield
    yield
    after = [w for w in item_list.children if id(w) in before]
    p.found["rows_moved_by_a_new_row"] = sum(tuple(w.pos) != before[id(w)] for w in after)
    drawn = [w for w in item_list.children if w.canvas in item_list.canvas.children]
    p.found["rows_drawn"] = len(drawn)
    p.found["newest_drawn"] = item_list.children[0] in drawn
    p.found["drawn_in_sight"] = all(
        w.y < view.top - item_list.top and w.top > view.y - item_list.top for w in drawn
    )
    # Then nothing happens for a second and a half: is anything still being drawn?
    from kivy.clock import Clock
    from kivy.core.window import Window

    flips = [0]

    def count(*_args: object) -> None:
        flips[0] += 1

    Window.bind(on_flip=count)
    begin = Clock.get_boottime()
    while Clock.get_boottime() - begin < 1.5:
        yield
    Window.unbind(on_flip=count)
    p.found["frames_while_idle"] = flips[0]
    p.found["bar_colour_idle"] = list(view._bar_color)  # what the bar is drawn in


FRAMES: dict[str, Any] = {
    "flips": 0,  # frames flipped so far (read on the ILS worker thread too)
    "row_drawn_in": None,  # the flip that first showed the scanned book's row
    "asked_after": [],  # flips done when the ILS was asked for a check-out
}


class CountingIls:
    """The demo library; each check-out notes how many frames were flipped before it."""

    def __init__(self, ils: Any) -> None:
        self._ils = ils

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ils, name)

    def checkout(self, *args: Any, **kwargs: Any) -> Any:
        FRAMES["asked_after"].append(FRAMES["flips"])
        return self._ils.checkout(*args, **kwargs)


def row_before_ils(p: Probe) -> Iterator[None]:
    """A book scanned with the UI wired as ``kiosk run`` wires it: is its "checking…" row
    drawn (flipped) before the ILS is asked to lend it?"""
    from kivy.core.window import Window

    from kiosk.ui.app import connect_driver

    p.log_in()
    yield
    connect_driver(p.kiosk.driver)  # answers and commands through the UI thread's frames
    (item_list,) = p.widgets("ItemList")

    def on_flip(*_args: object) -> None:
        FRAMES["flips"] += 1
        rows = [w for w in item_list.children if BOOKS[0] in getattr(w, "title", "")]
        drawn = rows and rows[0].canvas in item_list.canvas.children
        if drawn and FRAMES["row_drawn_in"] is None:
            FRAMES["row_drawn_in"] = FRAMES["flips"]

    Window.bind(on_flip=on_flip)
    p.vm.scan(BOOKS[0])
    p.found["status_at_scan"] = [line.status.value for line in p.kiosk.session.lines]
    for _ in range(30):  # until the answer is applied (each step is two frames)
        yield
        if not p.kiosk.session.busy:
            break
    p.found["row_drawn_in"] = FRAMES["row_drawn_in"]
    p.found["asked_after"] = FRAMES["asked_after"]
    p.found["status"] = [line.status.value for line in p.kiosk.session.lines]
    import gc

    from kiosk.ui.collector import NO_AUTOMATIC_FULL

    p.found["collector"] = [gc.get_freeze_count() > 0, gc.get_threshold()[2] == NO_AUTOMATIC_FULL]


def summary(p: Probe) -> Iterator[None]:
    """Finish with one book borrowed and one refused: every line on the summary."""
    p.log_in()
    p.kiosk.scan(BOOKS[0])
    p.kiosk.scan(item_barcode(1))
    p.vm.finish()
    yield
    rows = p.widgets("ItemRow")
    (view,) = p.widgets("FollowScrollView")
    _x, top_row_y, _w, top_row_h = p.box(rows[0])
    _x, view_y, _w, view_h = p.box(view)
    p.found["gap_above_rows"] = round(view_y + view_h - (top_row_y + top_row_h), 1)
    p.found["screen"] = p.vm.screen
    p.found["rows"] = [[row.label, row.title] for row in rows]
    (item_list,) = p.widgets("ItemList")
    p.found["drawn"] = [row.canvas in item_list.canvas.children for row in rows]
    p.shot("summary")
    # A list longer than its view is read with taps on Down, never by dragging.
    p.found["can_scroll"] = view.can_scroll
    if view.can_scroll:
        (buttons,) = [w for w in view.parent.children if type(w).__name__ == "ScrollButtons"]
        up, down = buttons.children[1], buttons.children[0]  # children are bottom-first
        p.found["scroll_buttons"] = [p.box(up), p.box(down)]
        for _tap in range(20):
            if view.scroll_y <= 0.0:
                break
            p.tap(down)
            yield
        last = rows[-1]
        _x, last_y, _w, last_h = p.box(last)
        p.found["last_row_in_sight_after_taps"] = (
            view_y - 1 <= last_y and last_y + last_h <= view_y + view_h + 1
        )
        p.shot("summary-scrolled")


def summary_long(p: Probe) -> Iterator[None]:
    """A summary longer than its view, read to its end with taps on Down: is every row
    that comes into sight drawn (not only those in sight when the list was laid out)?"""
    p.log_in()
    p.kiosk.scan(BOOKS[0])
    for serial in range(1, 9):
        p.kiosk.scan(item_barcode(serial))
    p.vm.finish()
    yield
    yield
    (view,) = p.widgets("FollowScrollView")
    (item_list,) = p.widgets("ItemList")
    p.found["can_scroll"] = view.can_scroll
    (buttons,) = [w for w in view.parent.children if type(w).__name__ == "ScrollButtons"]
    down = buttons.children[0]  # children are bottom-first
    _vx, view_y, _vw, view_h = p.box(view)
    undrawn_in_sight: list[str] = []
    for _tap in range(30):
        p.tap(down)
        yield
        for row in p.widgets("ItemRow"):
            _x, y, _w, h = p.box(row)
            in_sight = y < view_y + view_h and y + h > view_y
            if in_sight and row.canvas not in item_list.canvas.children:
                undrawn_in_sight.append(row.title)
        if view.scroll_y <= 0.0:
            break
    p.found["undrawn_in_sight"] = sorted(set(undrawn_in_sight))
    last = p.widgets("ItemRow")[-1]
    p.found["last_title"] = last.title
    p.found["last_drawn"] = last.canvas in item_list.canvas.children
    p.found["at_bottom"] = view.scroll_y <= 0.0
    p.shot("summary-long-end")


def _inside(inner: list[float], outer: list[float]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox - 1 <= x and oy - 1 <= y and x + w <= ox + ow + 1 and y + h <= oy + oh + 1


def _overlap(a: list[float], b: list[float]) -> bool:
    return (
        a[0] < b[0] + b[2] - 1
        and b[0] < a[0] + a[2] - 1
        and a[1] < b[1] + b[3] - 1
        and (b[1] < a[1] + a[3] - 1)
    )


def _texts_everywhere(p: Probe) -> str:
    """Every label's text in the window and in every screen, shown or not."""
    from kivy.uix.label import Label

    manager = p.root.ids.screens
    widgets = [*p.root.walk(restrict=True)]
    for screen in manager.screens:
        widgets.extend(screen.walk(restrict=True))
    return " ".join(w.text for w in widgets if isinstance(w, Label))


def returns(p: Probe) -> Iterator[None]:
    """The services menu, then a return of five books: sizes, overlaps, words, leftovers."""
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.label import Label

    from kiosk.ils.local import demo_data as demo

    yield
    buttons = sorted(p.widgets("MenuButton"), key=lambda b: (-b.top, b.x))
    boxes = [p.box(b) for b in buttons]
    (grid,) = p.widgets("MenuGrid")
    p.found["menu"] = [[b.service, b.label, b.hint, b.key_text] for b in buttons]
    p.found["menu_boxes"] = boxes
    p.found["menu_places"] = len(grid.children)
    p.found["menu_grid_box"] = p.box(grid)
    p.found["menu_overlaps"] = any(
        _overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
    )
    p.found["menu_text_fits"] = all(
        _inside(p.box(label), p.box(button)) and label.texture_size[0] <= label.width + 1
        for button in buttons
        for label in button.walk(restrict=True)
        if isinstance(label, Label)
    )
    hint = p.label(p.vm.texts["attract.type_hint"])
    p.found["hint_below_menu"] = p.box(hint)[1] + p.box(hint)[3] <= p.box(grid)[1] + 1
    p.shot("idle-menu")
    returning = next(b for b in buttons if b.service == "return")
    x, y = returning.to_window(*returning.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    yield
    p.found["after_touch"] = p.vm.screen
    items = (demo.OVERDUE_5_DAYS, demo.HELD_FOR_YOHANA, demo.OTHER_BRANCH_ITEM, demo.AVAILABLE)
    for item in items:
        p.kiosk.scan(item.barcode)
    p.kiosk.scan(demo.UNKNOWN_ITEM_BARCODE)
    yield
    yield
    rows = p.widgets("ItemRow")
    p.found["rows"] = [[row.label, row.title, row.detail] for row in rows]
    p.found["progress"] = p.vm.progress_text
    window = [0.0, 0.0, float(Window.width), float(Window.height)]
    controls = [
        p.button(p.vm.texts["common.cancel"]),
        p.button(p.vm.texts["return.finish"]),
        p.button(p.vm.texts["keypad.enter"]),
    ]
    control_boxes = [p.box(c) for c in controls]
    p.found["controls"] = control_boxes
    p.found["controls_inside"] = all(_inside(box, window) for box in control_boxes)
    p.found["controls_overlap"] = any(
        _overlap(a, b) for i, a in enumerate(control_boxes) for b in control_boxes[i + 1 :]
    )
    p.found["row_text_fits"] = all(
        label.texture_size[0] <= label.width + 1
        for row in rows
        for label in row.walk(restrict=True)
        if isinstance(label, Label)
    )
    p.shot("return-scanning")
    p.vm.finish()
    yield
    p.found["summary_screen"] = p.vm.screen
    p.found["summary_rows"] = [[r.label, r.title] for r in p.widgets("ItemRow")]
    p.found["summary_count"] = p.vm.state_texts["count"]
    p.shot("return-summary")
    p.vm.finish()  # Done: the rating
    yield
    p.found["after_done"] = p.vm.screen
    shown = _texts_everywhere(p)
    titles = [item.title for item in items]
    p.found["titles_left_after_done"] = [t for t in titles if t in shown]
    p.vm.finish()  # skip the rating
    yield
    # Again, ended by Cancel and by the timeout, each while the list is on screen.
    for ending in ("cancel", "timeout"):
        p.vm.choose("return")
        for item in items[:2]:
            p.kiosk.scan(item.barcode if ending == "cancel" else demo.OVERDUE_12_DAYS.barcode)
        yield
        if ending == "cancel":
            p.vm.cancel()
        else:
            p.kiosk.wait(61)
        yield
        shown = _texts_everywhere(p)
        p.found[f"screen_after_{ending}"] = p.vm.screen
        p.found[f"titles_left_after_{ending}"] = [
            t for t in (*titles, demo.OVERDUE_12_DAYS.title) if t in shown
        ]


def every_text(p: Probe) -> str:
    """The text of every label and button on every screen (shown or not) and the
    view-model's texts: where a previous patron could linger."""
    from kivy.uix.label import Label

    manager = p.root.ids.screens
    trees = [p.root, *manager.screens]
    seen = {w.text for tree in trees for w in tree.walk() if isinstance(w, Label)}
    vm = p.vm
    seen |= set(vm.state_texts.values()) | {vm.receipt_text, vm.notice_text, vm.entry_text}
    seen |= {f"{line['title']} {line['detail']}" for line in vm.lines}
    return "\n".join(sorted(seen))


def receipt(p: Probe) -> Iterator[None]:
    """The receipt on the summary (the demo's simulated printer): one tap prints it; out of
    paper, the summary comes back saying so, with Done alone."""
    from devices.sim import get_printer
    from devices.sim.escpos_decoder import Paper

    simulator = get_printer()
    p.log_in()
    p.kiosk.scan(BOOKS[0])
    p.vm.finish()
    yield
    ok = p.vm.texts["receipt.ok_mark"]  # the default says it is what OK does
    printed, none = (
        p.button(p.vm.texts["receipt.print"] + ok),
        p.button(p.vm.texts["receipt.no_print"]),
    )
    p.found["receipt_words"] = [printed.text, none.text]
    p.found["offer"] = p.vm.receipt_offer
    p.found["print_box"], p.found["none_box"] = p.box(printed), p.box(none)
    p.found["colours"] = [list(printed.background_color), list(none.background_color)]
    p.found["done_buttons"] = len(p.buttons(p.vm.texts["summary.done"]))
    p.shot("summary-receipt")
    p.tap(printed)
    yield
    p.found["after_tap"] = p.vm.screen  # the answer is applied at settle()
    p.found["printing_text"] = p.label(p.vm.state_texts["message"]).text
    p.shot("printing")
    p.kiosk.settle()
    yield
    p.found["after_print"] = p.vm.screen
    p.found["texts_after_print"] = every_text(p)
    p.found["receipts"] = [r.texts for r in simulator.wait_for_receipts(1)]
    p.vm.finish()  # skip the rating
    simulator.set_paper(Paper.OUT)
    p.log_in()
    p.kiosk.scan(BOOKS[1])
    p.vm.finish()
    yield
    p.tap(p.button(p.vm.texts["receipt.print"] + ok))
    yield
    p.kiosk.settle()
    yield
    yield
    p.found["failed_screen"] = p.vm.screen
    p.found["failed_text"] = p.vm.receipt_text
    said = p.label(p.vm.receipt_text)
    p.found["failed_text_fits"] = said.texture_size[1] <= said.height + 1 and said.height > 0
    p.found["failed_rows"] = [row.title for row in p.widgets("ItemRow")]
    p.found["print_buttons_after"] = len(
        p.buttons(p.vm.texts["receipt.print"]) + p.buttons(p.vm.texts["receipt.print"] + ok)
    )
    p.found["hidden_receipt_widths"] = [w.width for w in p.widgets("ReceiptButton")]
    done = p.button(p.vm.texts["summary.done"])
    p.found["done_box"] = p.box(done)
    p.shot("summary-not-printed")
    p.tap(done)
    yield
    p.found["after_done"] = p.vm.screen


def fee(p: Probe) -> Iterator[None]:
    """A DVD with a loan fee: the question with its two answers, then Yes pressed."""
    from kiosk.ils.local.demo_data import FEE_DVD
    from kiosk.ui.console import type_line
    from kiosk.ui.screen_text import clipped_texts, visible_texts

    p.log_in()
    for book in (*BOOKS, "33171000000034", FEE_DVD.barcode):  # typed as a wedge scanner does
        type_line(book)
    p.kiosk.settle()
    yield
    p.found["screen"] = p.vm.screen
    p.found["texts"] = visible_texts(p.root)
    p.found["clipped"] = clipped_texts(p.root)
    yes, no = p.button(p.vm.texts["fee.accept"]), p.button(p.vm.texts["fee.decline"])
    p.found["yes_box"], p.found["no_box"] = p.box(yes), p.box(no)
    p.shot("fee")
    yes.dispatch("on_release")  # buttons act on release
    p.kiosk.settle()
    yield
    p.found["after_yes_screen"] = p.vm.screen
    p.found["after_yes_texts"] = visible_texts(p.root)


def recorder_switch(p: Probe) -> Iterator[None]:
    """The headless recorder asked to capture in the frame a screen change begins."""
    from kiosk.ui.recorder import ScreenRecorder

    folder = Path(tempfile.mkdtemp(prefix="kiosk-recorder-"))
    text = folder / "current-screen.txt"
    recorder = ScreenRecorder(p.vm, p.root, folder)
    recorder.capture()  # the attract screen, saved
    yield
    p.kiosk.scan(CARD)  # idle -> borrow.pin: the old screen leaves at the next frame
    (manager,) = p.widgets("ScreenManager")
    p.found["screens_during_switch"] = sorted(screen.name for screen in manager.children)
    recorder.capture()  # e.g. its timer fires in this very frame
    p.found["text_at_switch"] = text.read_text(encoding="utf-8")
    for _frame in range(100):  # the recorder's timer (0.15 s) fires within these frames
        yield
        if "screen: borrow.pin" in text.read_text(encoding="utf-8"):
            break
    p.found["text_after"] = text.read_text(encoding="utf-8")
    from kivy.core.window import Window

    # A frame drawn and shown (buffers swapped) just before a capture: the buffer Kivy
    # reads back then still holds the frame before it (Indonesian, here).
    p.vm.toggle_language()
    Window.dispatch("on_draw")
    Window.flip()
    recorder.capture()
    saved = (folder / "current-screen.png").read_bytes()
    Window.dispatch("on_draw")  # the screen as it is now, read back
    reference = Path(Window.screenshot(name=str(folder / "reference.png")))
    p.found["png_is_the_screen"] = saved == reference.read_bytes()


def recorder_first_visit(p: Probe) -> Iterator[None]:
    """The recorder's timer firing in the tick a screen first shown gets its place.

    At 150 % the strip at the bottom is taller, so the screen manager sits higher
    than a screen never shown yet (at 0, 0). The screen gets its place when the switch
    completes, but Kivy moves its drawing (a kv canvas expression) only before the next
    frame: a picture drawn in between showed the screen a strip's height too low, cut off
    at the bottom by the screen manager's clipping (the patron tester's 04 and 07).
    """
    from kivy.core.window import Window

    from kiosk.ui.recorder import ScreenRecorder

    folder = Path(tempfile.mkdtemp(prefix="kiosk-recorder-"))
    p.vm.text_step = 1  # 150 %
    yield
    recorder = ScreenRecorder(p.vm, p.root, folder, echo=None)
    for _frame in range(30):  # the first capture (the attract screen) is done
        yield
    p.kiosk.scan(CARD)  # idle -> borrow.pin, a screen not shown before
    (manager,) = p.widgets("ScreenManager")
    manager.transition.stop()  # the switch completes in this tick: the screen is placed
    p.found["placed"] = list(manager.current_screen.pos) == list(manager.pos)
    recorder._trigger.cancel()  # (the scan's own capture would come later and hide it)
    recorder._trigger.get_callback()()  # the recorder's timer fires in this same tick
    for _frame in range(3):
        yield
    saved = (folder / "current-screen.png").read_bytes()
    Window.dispatch("on_draw")  # the screen as it is now, read back
    reference = Path(Window.screenshot(name=str(folder / "reference.png")))
    p.found["png_is_the_screen"] = saved == reference.read_bytes()
    p.found["text"] = (folder / "current-screen.txt").read_text(encoding="utf-8")


def layout_faults(p: Probe) -> Iterator[None]:
    """Labels made to be wrong, one of each kind: does the tour's check see each?"""
    from kivy.uix.label import Label
    from layout_check import layout_defects

    yield
    p.found["clean"] = layout_defects(p.root)
    faults = [
        Label(text="cut short by an ellipsis", shorten=True, text_size=(60, None),
              font_size=30, size_hint=(None, None), size=(60, 40), pos=(10, 10)),
        Label(text="taller than its box\nsecond line\nthird line", font_size=30,
              size_hint=(None, None), size=(400, 20), pos=(10, 200)),
        Label(text="one on top", font_size=30, size_hint=(None, None), size=(300, 50),
              pos=(500, 300)),
        Label(text="of the other", font_size=30, size_hint=(None, None), size=(300, 50),
              pos=(520, 310)),
        Label(text="half off the window", font_size=30, size_hint=(None, None),
              size=(400, 50), pos=(p.root.width - 200, 600)),
    ]  # fmt: skip
    for label in faults:
        p.root.add_widget(label)
    yield
    p.found["faults"] = layout_defects(p.root)
    for label in faults:
        p.root.remove_widget(label)
    # Buttons of the screen: one half under the notice strip (a notice showing), one half
    # off the window's right edge, one whose words touch its border.
    from kivy.uix.button import Button

    (manager,) = p.widgets("ScreenManager")
    screen = manager.current_screen
    p.kiosk.scan("33171000000018")  # a book on the attract screen: a notice shows
    yield
    assert p.vm.notice_text, "no notice to cover anything"
    bottom = manager.y - screen.y  # the screen's bottom edge, in the screen's coordinates
    buttons = [
        Button(text="under the strip", size_hint=(None, None), size=(300, 80),
               pos=(40, bottom - 40)),
        Button(text="off the right edge", size_hint=(None, None), size=(300, 80),
               pos=(screen.width - 150, bottom + 200)),
        Button(text="touching its border", font_size=30, size_hint=(None, None),
               size=(258, 80), pos=(400, bottom + 100)),
    ]  # fmt: skip
    for button in buttons:
        screen.add_widget(button)
    yield
    p.found["button_faults"] = layout_defects(p.root)


def overlay_drawing(p: Probe) -> Iterator[None]:
    """Is a hidden overlay left out of the drawing, and drawn on top once shown?"""
    from kivy.core.window import Window

    yield
    root = p.root
    help_panel, warning = root.ids.help_panel, root.ids.timeout_warning
    main = root.children[-1]  # the top bar, the screens and the notice strip

    def drawn(widget: Any) -> int:
        children = root.canvas.children
        return children.index(widget.canvas) if widget.canvas in children else -1

    p.found["hidden"] = [drawn(help_panel), drawn(warning)]
    p.vm.show_help()
    yield
    p.found["help_shown"] = [drawn(main), drawn(help_panel), drawn(warning)]
    p.vm.close_help()
    yield
    p.found["help_closed"] = drawn(help_panel)
    p.found["clear_colour"] = list(Window.clearcolor)
    p.found["background"] = list(p.vm.theme.background)


def account(p: Probe) -> Iterator[None]:
    """My account and renew: Dewi's loans and fines, a Renew tapped, Renew all, a long list
    paged (Rizki's five loans), the summary; sizes of every control and clipped text."""
    from kivy.tests.common import UnitTestTouch

    from kiosk.ui.screen_text import clipped_texts, visible_texts

    def tap(widget: Any) -> None:
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()

    def loan_rows() -> dict[str, Any]:
        return {row.title: row for row in p.widgets("ActionRow") if row.action_name == "renew"}

    p.vm.choose("account")
    p.kiosk.type("23171000010019")
    p.kiosk.type("3141")
    yield
    yield
    p.shot("account")
    rows = loan_rows()
    p.found["loan_titles"] = sorted(rows)
    p.found["renew_buttons"] = [p.box(row.ids.button) for row in rows.values()]
    p.found["controls"] = {
        name: p.box(p.button(p.vm.texts[key]))
        for name, key in (("renew_all", "account.renew_all"), ("finish", "account.finish"),
                          ("cancel", "common.cancel"))
    }  # fmt: skip
    p.found["visible"] = visible_texts(p.root)
    tap(rows["Hujan Bulan Juni"].ids.button)  # the first row: in view at every size
    p.kiosk.settle()
    yield
    p.found["first_after_tap"] = loan_rows()["Hujan Bulan Juni"].label
    tap(p.button(p.vm.texts["account.renew_all"]))
    p.kiosk.settle()
    yield
    yield
    p.shot("account-renewed")
    p.found["clipped"] = clipped_texts(p.root)
    p.found["labels_after_all"] = sorted({row.label for row in loan_rows().values()})
    (loan_panel,) = [w for w in p.widgets("RowPanel") if w.rows and w.rows[0]["action_name"]]
    p.found["loans_scroll"] = loan_panel.can_scroll
    p.found["loans_bar"] = [
        loan_panel.view.bar_width,
        list(loan_panel.view.bar_color),
        list(loan_panel.view.bar_inactive_color),
    ]
    if loan_panel.can_scroll:  # long texts: read with the Down button, a tap
        (buttons,) = [w for w in loan_panel.children if type(w).__name__ == "ScrollButtons"]
        up, down = buttons.children[1], buttons.children[0]  # children are bottom-first
        p.found["scroll_buttons"] = [p.box(up), p.box(down)]
        before = loan_panel.view.scroll_y
        tap(down)
        yield
        p.found["scrolled_by_tap"] = loan_panel.view.scroll_y < before
    p.vm.finish()
    yield
    p.shot("account-summary")
    p.found["summary_screen"] = p.vm.screen
    p.found["summary_clipped"] = clipped_texts(p.root)
    p.vm.cancel()
    p.vm.choose("account")
    p.kiosk.type("23171000000051")  # Rizki: five loans, two pages
    p.kiosk.type("5555")
    yield
    yield
    p.shot("account-pages")
    next_page = p.root.walk(restrict=True)
    (next_button,) = [w for w in next_page if getattr(w, "text", None) == p.vm.texts[
        "account.page_next"] and type(w).__name__ != "Label"]  # fmt: skip
    p.found["page_next"] = p.box(next_button)
    p.found["page_before"] = p.vm.state_texts["page"]
    tap(next_button)
    yield
    p.found["page_after"] = p.vm.state_texts["page"]
    p.found["pages_clipped"] = clipped_texts(p.root)


def ring_follows(p: Probe) -> Iterator[None]:
    """The focus ring on the return screen's Cancel at 150 %, then 200 % and other colours:
    the notice strip grows and the screen above it moves, while Cancel keeps its size and
    its place within the screen. Is the ring still around it, in the new theme's colours?
    Findings: the ringed button's box and the ring's inner band box in window coordinates,
    before and after, and the bands' colours after."""
    from kivy.graphics import Color, Rectangle

    app = _app()
    p.vm.choose("return")
    p.vm.text_step = 1
    yield
    cancel = p.button(p.vm.texts["common.cancel"])
    while app.key_focus.target is not cancel:
        app.key_focus.move(1)
    yield

    def drawn() -> dict[str, Any]:
        parts = app.key_focus._ring.children
        rects = [r for r in parts if isinstance(r, Rectangle)]
        colours = [list(c.rgba) for c in parts if isinstance(c, Color)]
        # The inner band's four sides: below, above, left, right (KeyFocus._draw).
        below, above = rects[0], rects[1]
        band = [
            below.pos[0],
            below.pos[1],
            above.pos[0] + above.size[0],
            above.pos[1] + above.size[1],
        ]
        return {"button": list(app.key_focus.ring_box() or []), "band": band, "colours": colours}

    p.found["before"] = drawn()
    p.vm.cycle_text_size()  # 200 %
    p.vm.cycle_theme()
    for _frame in range(3):
        yield
    p.found["after"] = drawn()
    p.found["theme"] = {"focus": list(p.vm.theme.focus), "edge": list(p.vm.theme.focus_edge)}


def f_keys(p: Probe) -> Iterator[None]:
    """F3 and F4 pressed on the window: text size and colours as the top bar shows them."""
    from kivy.core.window import Window

    from kiosk.ui.app import KEY_F3, KEY_F4

    seen = []
    for key in (KEY_F3, KEY_F3, KEY_F4, KEY_F3):
        Window.dispatch("on_key_down", key, 0, None, [])
        Window.dispatch("on_key_up", key, 0)  # let go: a key held down counts once
        yield
        seen.append([p.vm.text_percent, p.vm.theme.name, p.button(p.vm.text_size_label).text])
    p.found["seen"] = seen


def keys(p: Probe) -> Iterator[None]:
    """Keys only: Tab to a button, Enter to press it, through a return and an account."""
    from kivy.app import App
    from kivy.core.window import Window

    from kiosk.ui.app import KEY_ENTER, KEY_TAB

    app_focus = App.get_running_app().key_focus

    def ring_to(wanted: str) -> bool:
        for _ in range(40):
            Window.dispatch("on_key_down", KEY_TAB, 0, None, [])
            Window.dispatch("on_key_up", KEY_TAB, 0)
            target = app_focus.target
            said = getattr(target, "text", "") or getattr(target, "label", "")
            if said == wanted:
                return True
        return False

    def enter() -> None:
        Window.dispatch("on_key_down", KEY_ENTER, 0, None, [])
        Window.dispatch("on_key_up", KEY_ENTER, 0)

    yield
    p.found["ringed_return"] = ring_to(p.vm.texts["menu.return"])
    enter()
    yield
    p.found["after_menu"] = p.vm.screen
    p.kiosk.scan(BOOKS[0])  # Laskar Pelangi is on the shelf: "not on loan"
    yield
    p.found["ringed_finish"] = ring_to(p.vm.texts["return.finish"])
    enter()
    yield
    p.found["after_finish"] = p.vm.screen
    p.found["ringed_done"] = ring_to(p.vm.texts["receipt.no_print"])
    enter()
    yield
    p.found["after_no_receipt"] = p.vm.screen
    p.vm.finish()  # skip the rating
    yield
    p.vm.choose("account")
    p.kiosk.scan("23171000010027")  # Yohana: Negeri Para Bedebah can be renewed
    p.kiosk.type("2718")
    p.kiosk.settle()
    yield
    p.found["account_screen"] = p.vm.screen
    p.found["ringed_renew_all"] = ring_to(p.vm.texts["account.renew_all"])
    enter()
    p.kiosk.settle()
    yield
    p.found["renewed_count"] = p.vm.state_texts.get("counts", "")
    # Renew all is disabled once pressed: no ring left promising that Enter does something.
    p.found["ring_on_a_dead_button"] = app_focus.shown and app_focus.target is None
    p.shot("keys-account")


SCENARIOS: dict[str, Callable[[Probe], Iterator[None]]] = {
    "account": account,
    "tour": tour,
    "layout_faults": layout_faults,
    "overlay_drawing": overlay_drawing,
    "glyphs": glyphs,
    "banners": banners,
    "text_size": text_size,
    "flood": flood,
    "row_before_ils": row_before_ils,
    "summary": summary,
    "summary_long": summary_long,
    "returns": returns,
    "keys": keys,
    "ring_follows": ring_follows,
    "f_keys": f_keys,
    "receipt": receipt,
    "fee": fee,
    "recorder_switch": recorder_switch,
    "recorder_first_visit": recorder_first_visit,
}


def main(
    scenarios: dict[str, Callable[[Probe], Iterator[None]]] | None = None,
    make_probe: Callable[[argparse.Namespace], Probe] | None = None,
) -> None:
    """Run the scenario named on the command line (of ``scenarios``, this module's by
    default) in a real window and print its findings."""
    scenarios = SCENARIOS if scenarios is None else scenarios
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(scenarios))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--language", default="id")
    parser.add_argument("--large", action="store_true", help="--text-size 150")
    parser.add_argument("--text-size", default="100", choices=("100", "150", "200"))
    parser.add_argument("--themes", default="", help="the tour checks contrast in these")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    args.width, args.height = width, height
    if make_probe is not None:
        probe = make_probe(args)
    else:
        wrap_ils = None
        if args.scenario == "tour":
            from tour_states import TourIls

            wrap_ils = TourIls
        elif args.scenario == "row_before_ils":
            wrap_ils = CountingIls
        text_size = "150" if args.large else args.text_size
        themes = [name for name in args.themes.split(",") if name]
        probe = Probe(
            args.data, args.out, (width, height), args.language, text_size, wrap_ils, themes
        )

    from kivy.clock import Clock

    from kiosk.ui.app import KioskApp

    steps = scenarios[args.scenario](probe)
    failure: list[BaseException] = []

    def step(frames_left: int, app: KioskApp) -> None:
        if frames_left:
            Clock.schedule_once(lambda _dt: step(frames_left - 1, app), 0)
            return
        try:
            next(steps)
        except StopIteration:
            app.stop()
            return
        except BaseException as err:  # reported after the window closes
            failure.append(err)
            app.stop()
            return
        step(2, app)

    app = KioskApp(probe.vm, probe.kiosk.parts.navigation.screens,
                   on_first_frame=lambda app: step(2, app),
                   voice_guide=probe.kiosk.parts.voice_guide)  # fmt: skip
    try:
        app.run()
    finally:
        probe.kiosk.close()
    if failure:
        raise failure[0]
    print(MARKER + json.dumps(probe.found), flush=True)


if __name__ == "__main__":
    main()
