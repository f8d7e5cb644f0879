"""The real kiosk screens in this process, offscreen, driven step by step; prints findings.

Kivy allows one window per process, so tests run this module as a script in a child
process (:func:`run_probe`) and read the JSON it prints last. The kiosk is the one
``bootstrap.build`` makes (demo library, local store, worker thread) with a hand-wound
clock, as in the flow tests; the screens are the real kv files drawn by the real window.

    python tests/ui/screen_probe.py SCENARIO [--size 1280x800] [--language en] [--large]
                                             [--out DIR]

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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
CARD, PIN = "23171000000010", "1234"
BOOKS = ("33171000000018", "33171000000067")  # Laskar Pelangi, The Little Prince
MARKER = "PROBE-RESULT "


def run_probe(scenario: str, *args: str, timeout: float = 180.0) -> dict[str, Any]:
    """Run one scenario in a child process; its findings as a dict."""
    with tempfile.TemporaryDirectory(prefix="kiosk-probe-") as tmp:
        env = {**os.environ, "KIVY_HOME": str(Path(tmp) / "kivy")}
        env.pop("KIOSK_CONFIG", None)
        done = subprocess.run(
            [sys.executable, __file__, scenario, "--data", tmp, *args],
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
                 large: bool) -> None:  # fmt: skip
        from kiosk import config as config_module
        from kiosk.bootstrap import prepare_kivy

        self.config = config_module.from_mapping(
            {
                "display": {"width": size[0], "height": size[1]},
                "kiosk": {"language": language, "text_size": "large" if large else "normal"},
            },
            None,
        )
        prepare_kivy(headless=True, kivy_home=data / "kivy", config=self.config)
        sys.path.insert(0, str(TESTS))
        from flows.harness import FlowKiosk

        self.kiosk = FlowKiosk(data / "kiosk", config=self.config)
        self.vm = self.kiosk.vm
        self.out = out
        self.found: dict[str, Any] = {}
        self.tag = f"{language}-{'large' if large else 'normal'}-{size[0]}x{size[1]}"

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

    def log_in(self) -> None:
        self.kiosk.scan(CARD)
        self.kiosk.type(PIN)
        assert self.vm.screen == "borrow.scanning", self.vm.screen

    def shot(self, name: str) -> None:
        if self.out is not None:
            from kivy.core.window import Window

            self.out.mkdir(parents=True, exist_ok=True)
            Window.screenshot(name=str(self.out / f"{name}-{self.tag}.png"))
            for made in self.out.glob(f"{name}-{self.tag}*.png"):  # Kivy numbers its shots
                made.replace(self.out / f"{name}-{self.tag}.png")


# ----- scenarios -------------------------------------------------------------------------


def tour(p: Probe) -> Iterator[None]:
    """Every screen state worth looking at, saved as PNG in --out."""
    p.vm.type_char("2")
    yield
    p.shot("idle")
    p.vm.clear_entry()
    p.kiosk.scan(CARD)
    for digit in "12":
        p.vm.type_char(digit)
    yield
    p.shot("pin-typed")
    p.vm.clear_entry()
    p.kiosk.type(PIN)
    for book in BOOKS:
        p.kiosk.scan(book)
    p.kiosk.scan(BOOKS[0])  # already scanned: a notice
    for serial in range(12):
        p.kiosk.scan(item_barcode(serial))
    p.kiosk.scan("33171000000034")  # reference only
    yield
    p.shot("scanning-many")
    p.kiosk.wait(60 - 10)
    yield
    p.shot("scanning-warning")
    p.vm.touched()
    p.vm.finish()
    yield
    p.shot("summary")


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
    first_texture = first_row.children[-1].texture
    count = int(os.environ.get("PROBE_FLOOD", "60"))
    for serial in range(count):
        p.vm.scan(item_barcode(serial))
        if serial % 10 == 9:
            p.kiosk.settle()
            yield
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
    p.found["scrollable"] = item_list.height > view.height
    p.found["progress"] = p.vm.progress_text
    p.found["rows_shown"] = len(rows)
    p.found["rows_made"] = item_list.rows_made
    p.found["first_row_kept"] = first_row.parent is item_list
    p.found["first_row_texture_kept"] = first_row.children[-1].texture is first_texture
    p.found["first_row_title"] = first_row.title
    p.found["top_row_title"] = item_list.children[-1].title
    p.found["labels"] = sorted({row.label for row in rows})
    p.shot("flood")


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
    p.shot("summary")


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


SCENARIOS: dict[str, Callable[[Probe], Iterator[None]]] = {
    "account": account,
    "tour": tour,
    "glyphs": glyphs,
    "banners": banners,
    "text_size": text_size,
    "flood": flood,
    "summary": summary,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--language", default="id")
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    probe = Probe(args.data, args.out, (width, height), args.language, args.large)

    from kivy.clock import Clock

    from kiosk.ui.app import KioskApp

    steps = SCENARIOS[args.scenario](probe)
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
                   on_first_frame=lambda app: step(2, app))  # fmt: skip
    try:
        app.run()
    finally:
        probe.kiosk.close()
    if failure:
        raise failure[0]
    print(MARKER + json.dumps(probe.found), flush=True)


if __name__ == "__main__":
    main()
