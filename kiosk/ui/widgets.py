"""Widgets the kv files cannot express alone: the item list that grows row by row, the
services menu whose choices come from the view-model."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.graphics import Translate
from kivy.properties import (
    AliasProperty,
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.relativelayout import RelativeLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

ROW_FIELDS = ("title", "detail", "status", "tone", "label")


class ItemRow(RelativeLayout):
    """One scanned item: a word for its state (Borrowed, Not borrowed, ...), its title and,
    below, the due date or why it was refused. Drawn in its ``tone``'s colour.

    Relative, so that moving a row (every older row moves when one is added) is one
    translation, not a new layout of its labels."""

    title = StringProperty("")
    detail = StringProperty("")
    status = StringProperty("")
    tone = StringProperty("pending")  # done, refused, info, pending
    label = StringProperty("")
    tone_colour = ListProperty([0.0, 0.0, 0.0, 1.0])  # set by the kv rule from the theme


class ItemList(RelativeLayout):
    """The scanned items, one row each, in scan order, top down.

    ``lines`` is the view-model's list of row dicts. A change touches only the rows that
    changed: a row dict that is the same object as before is left alone, a new key gets a
    new widget, a vanished key loses its widget. A session of a thousand scans therefore
    costs one widget per new line, not a thousand per scan.

    Rows are placed from the list's top edge down (their ``y`` is negative, measured from
    the top; the canvas and the coordinate methods translate to the top), so a row added
    at the bottom moves no other row, and a scroll moves only the list's translation. A
    BoxLayout measures from the bottom: every row moved, and laid itself out again, for
    every new row and every scroll step (half a second a scan at 500 rows).
    """

    lines = ListProperty([])
    empty_text = StringProperty("")
    rows_made = NumericProperty(0)  # ItemRow widgets created so far (for tests and benches)
    right_gap = NumericProperty(0)  # room on the right for the scroll bar

    def __init__(self, **kwargs: Any) -> None:
        self._widgets: dict[Hashable, tuple[dict[str, Any], ItemRow]] = {}
        self._empty: Widget | None = None
        self._hidden: set[Widget] = set()  # rows out of sight, not drawn (_cull)
        super().__init__(**kwargs)
        self.size_hint_y = None
        with self.canvas.before:  # after RelativeLayout's translation to the bottom left
            self._to_top = Translate(0, 0)
        self._cull_later = Clock.create_trigger(self._cull, -1)  # before the next frame
        self.bind(height=self._move_top, right_gap=self._trigger_layout)
        self.bind(pos=self._cull_later, height=self._cull_later)  # scrolled, grown
        self.bind(parent=self._watch_view)
        self.bind(lines=self._update, empty_text=self._update)
        self._update()

    def _watch_view(self, _instance: object, view: Widget | None) -> None:
        # The view moving or changing size changes what is in sight, while our own
        # position (in the view's coordinates) may stay the same.
        if view is not None:
            # A ScrollView scrolls by a canvas translation, not by moving its content:
            # our position stays the same, so its scroll_y is what says we moved.
            view.bind(pos=self._cull_later, size=self._cull_later, scroll_y=self._cull_later)

    def _move_top(self, *_args: object) -> None:
        self._to_top.xy = (0, self.height)

    def do_layout(self, *_args: object) -> None:
        """Stack the rows from the top down; set the list's height to theirs."""
        width = self.width - self.right_gap
        top = 0.0
        for child in reversed(self.children):  # Kivy keeps them bottom-first
            child.width = width
            top += child.height
            child.pos = (0, -top)
        self.height = top
        self._cull_later()

    def _cull(self, *_args: object) -> None:
        """Draw only the rows in the scroll view's sight.

        Kivy draws every widget in the tree, clipped or not: at 500 rows that was the
        frame's main cost. A row out of sight has its canvas taken out of the list's; a
        row coming into sight gets it back (rows never overlap, so order is free).
        """
        view = self.parent
        if view is None:
            return
        # The view's bottom and top in our coordinates (measured from our top edge),
        # through window coordinates: a ScrollView's children are placed in its own
        # coordinates, not in those of the view's parent, where view.y is.
        _, our_top = self.to_window(*self.to_parent(0, 0))
        _, view_bottom = view.to_window(view.x, view.y)
        low = view_bottom - our_top
        high = low + view.height
        hidden = self._hidden
        for child in self.children:
            seen = child.y < high and child.top > low
            if seen and child in hidden:
                hidden.discard(child)
                self.canvas.add(child.canvas)
            elif not seen and child not in hidden:
                hidden.add(child)
                self.canvas.remove(child.canvas)

    def remove_widget(self, widget: Widget, *args: Any, **kwargs: Any) -> None:
        self._hidden.discard(widget)
        super().remove_widget(widget, *args, **kwargs)

    def to_parent(self, x: float, y: float, **kwargs: Any) -> tuple[float, float]:
        return x + self.x, y + self.top

    def to_local(self, x: float, y: float, **kwargs: Any) -> tuple[float, float]:
        return x - self.x, y - self.top

    def _update(self, *_args: object) -> None:
        keys = [row["key"] for row in self.lines]
        wanted = set(keys)
        for key in [key for key in self._widgets if key not in wanted]:
            self.remove_widget(self._widgets.pop(key)[1])
        self._show_empty(not self.lines)
        for position, row in enumerate(self.lines):
            known = self._widgets.get(row["key"])
            if known is None:
                widget = ItemRow(**{name: row[name] for name in ROW_FIELDS})
                self.rows_made += 1
            else:
                old_row, widget = known
                if old_row is not row:
                    for name in ROW_FIELDS:
                        setattr(widget, name, row[name])
            self._widgets[row["key"]] = (row, widget)
            self._place(widget, position)

    def _place(self, widget: Widget, position: int) -> None:
        """Put ``widget`` at ``position`` from the top, moving it only if it is elsewhere."""
        children = self.children  # Kivy keeps them bottom-first
        index = len(children) - 1 - position
        if widget.parent is self:
            if 0 <= index < len(children) and children[index] is widget:
                return
            self.remove_widget(widget)
        self.add_widget(widget, index=len(self.children) - position)

    def _show_empty(self, empty: bool) -> None:
        self._empty = show_empty_row(self, self._empty, empty, self.empty_text)


class MenuButton(ButtonBehavior, BoxLayout):
    """One big choice of the services menu: its name, what it is for, and its key."""

    service = StringProperty("")
    label = StringProperty("")
    hint = StringProperty("")
    key_text = StringProperty("")
    ink = ListProperty([1.0, 1.0, 1.0, 1.0])  # its text colour, set by the kv rule


MENU_FIELDS = ("service", "label", "hint", "key_text")


class MenuGrid(GridLayout):
    """The services menu: one :class:`MenuButton` per entry of ``entries`` (the
    view-model's ``menu``), in a grid of ``slots`` places. Empty places keep their room,
    so the screen looks the same with three services as with four (the guest book)."""

    entries = ListProperty([])
    slots = NumericProperty(4)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(entries=self._update, slots=self._update)
        self._update()

    def _update(self, *_args: object) -> None:
        self.clear_widgets()
        for entry in self.entries:
            self.add_widget(MenuButton(**{name: entry[name] for name in MENU_FIELDS}))
        for _free in range(max(0, int(self.slots) - len(self.entries))):
            self.add_widget(Widget())


MIN_BAR_FRACTION = 0.15
"""The scroll bar is at least this part of the list's height, so it is seen and grabbed."""


def show_empty_row(list_: Widget, row: Widget | None, empty: bool, text: str) -> Widget | None:
    """Add, update or remove a list's "nothing here" row (an ``EmptyRow``); returns the row
    the list now has, or None. Both kinds of list (items, rows) use it."""
    if empty and row is None:
        row = Factory.EmptyRow(text=text)
        list_.add_widget(row)
    elif empty and row is not None:
        row.text = text
    elif not empty and row is not None:
        list_.remove_widget(row)
        row = None
    return row


def tap_scroll(view: ScrollView, direction: int) -> None:
    """Scroll ``view`` one tap up (+1) or down (-1): by most of its height, so the line at
    the edge stays in sight. The Up and Down buttons of every list use it."""
    hidden = view.viewport_size[1] - view.height
    if hidden <= 0:
        return
    step = 0.8 * view.height / hidden
    view.scroll_y = min(1.0, max(0.0, view.scroll_y + direction * step))


class FollowScrollView(ScrollView):
    """A scroll view that shows its newest (bottom) content whenever a row is added.

    It follows while the patron has not scrolled away; a patron who scrolls up to read
    an earlier line is left there until the next line arrives. With ``follow`` off (the
    summary, read from the top once scanning is over) it stays at the top.

    ``can_scroll`` says its content is taller than it: the kv rule then shows large Up and
    Down buttons beside it (:meth:`scroll_step`), so every line can be read with taps,
    never by dragging.
    """

    follow = BooleanProperty(True)
    can_scroll = BooleanProperty(False)

    def _get_vbar(self) -> tuple[float, float]:
        # Kivy's bar shrinks with the content down to 1 % of the view: a 10 px sliver in a
        # long session, which a patron does not notice. It never gets shorter than this.
        viewport = self._viewport
        if viewport is None or viewport.height <= self.height:
            return 0.0, 1.0
        size = max(MIN_BAR_FRACTION, self.height / float(viewport.height))
        return (1.0 - size) * min(1.0, max(0.0, self.scroll_y)), size

    vbar = AliasProperty(
        _get_vbar, bind=("scroll_y", "_viewport", "viewport_size", "height"), cache=True
    )

    def _bind_inactive_bar_color(self, *_args: object) -> None:
        # Kivy fades the bar to ``bar_inactive_color`` half a second after each scroll,
        # over half a second: some 30 frames, each a full redraw (~20 ms in software) that
        # takes the processor from the next scan's frame and from the ILS call. The bar
        # keeps its colour instead (a patron taps to scroll; a fade tells them nothing).
        pass

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._follow = Clock.create_trigger(self._to_newest, -1)
        self._content_height = 0.0
        # Laid out again (the Up/Down buttons beside it come and go): place anew.
        self.bind(size=lambda *_args: self._follow())
        self.bind(height=self._check_overflow, viewport_size=self._check_overflow)

    def _check_overflow(self, *_args: object) -> None:
        self.can_scroll = self.viewport_size[1] > self.height + 1

    def scroll_step(self, direction: int) -> None:
        """One tap's scroll: up (+1) or down (-1); see :func:`tap_scroll`."""
        tap_scroll(self, direction)

    def add_widget(self, widget: Widget, *args: Any, **kwargs: Any) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.bind(height=self._content_grew)

    def _content_grew(self, _widget: Widget, height: float) -> None:
        if height > self._content_height:
            self._follow()
        self._content_height = height

    def _to_newest(self, *_args: object) -> None:
        content = self._viewport
        if self.follow and content is not None and content.height > self.height:
            self.scroll_y = 0.0  # bottom: rows are in scan order, newest last
        else:
            self.scroll_y = 1.0  # everything fits: keep it at the top, not sunk to the bottom


class Overlay(FloatLayout):
    """A layer over the whole screen that exists for touches and drawing only while ``shown``.

    (A disabled or transparent widget would still take every touch that lands on it,
    which for a full-screen layer means every touch on the kiosk. It would also still be
    drawn: Kivy applies opacity in the shader, so a hidden layer is a full-screen blend on
    every frame, about 20 ms a frame at 1920x1080 with a software renderer. While hidden,
    its canvas is therefore taken out of its parent's.)
    """

    shown = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Widget.add_widget sets ``parent`` before it adds the canvas: look after it.
        self._attach_later = Clock.create_trigger(self._attach, -1)
        self.bind(shown=self._attach, parent=self._attach_later)

    def _attach(self, *_args: object) -> None:
        """Put the canvas into the parent's (in widget order) when shown, out when not."""
        parent = self.parent
        if parent is None:
            return
        drawn = parent.canvas.children
        if not self.shown:
            if self.canvas in drawn:
                parent.canvas.remove(self.canvas)
            return
        if self.canvas in drawn:
            return
        # After the canvas of the nearest sibling below this one that is drawn.
        index = 0
        for sibling in reversed(parent.children):  # bottom-first: the drawing order
            if sibling is self:
                break
            if sibling.canvas in drawn:
                index = drawn.index(sibling.canvas) + 1
        parent.canvas.insert(index, self.canvas)

    def on_touch_down(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_up(touch))


class Face(Widget):
    """A face drawn with lines, from frowning (score 1) to smiling (score 5).

    Drawn rather than taken from a font: the bundled font has no emoji, and a drawn face
    scales with the text size. Its meaning is always given by the text label beside it.
    """

    score = NumericProperty(3)
    ink = ListProperty([0.0, 0.0, 0.0, 1.0])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, score=self._draw, ink=self._draw)

    def _draw(self, *_args: object) -> None:
        from kivy.graphics import Color, Ellipse, Line

        self.canvas.clear()
        r = min(self.width, self.height) / 2 - 2
        if r <= 0:
            return
        cx, cy = self.center
        bend = (self.score - 3) / 2 * r * 0.35  # -: frown, +: smile
        mouth_y = cy - r * 0.35
        eye = max(r * 0.12, 2)
        with self.canvas:
            Color(*self.ink)
            Line(circle=(cx, cy, r), width=max(1.5, r * 0.07))
            Ellipse(pos=(cx - r * 0.4 - eye, cy + r * 0.2 - eye), size=(eye * 2, eye * 2))
            Ellipse(pos=(cx + r * 0.4 - eye, cy + r * 0.2 - eye), size=(eye * 2, eye * 2))
            Line(
                bezier=(
                    cx - r * 0.45, mouth_y + bend / 2,
                    cx, mouth_y - bend,
                    cx + r * 0.45, mouth_y + bend / 2,
                ),
                width=max(1.5, r * 0.07),
            )  # fmt: skip
