"""Every button by keys: Tab or an arrow moves a ring from button to button, Enter presses.

A patron without touch (a keyboard, a keypad with arrows, later a blind patron guided by
voice) reaches every button the screen shows: Tab, Down or Right ring the next one in
reading order (top to bottom, then left to right), Shift-Tab, Up or Left the one before;
Enter presses the ringed button. While a layer covers the screen (Help, "I need more
time") only its buttons are in the ring's round.

Why not Kivy's ``FocusBehavior``: it gives each widget its own keyboard focus and key
handling, which would need every button rule in every kv file to opt in; one ring over
the window, driven by the app's own key handler, works for every screen, including a
service added later, without touching its kv.

The ring is drawn on the window's ``canvas.after``, so it is over everything and never
moves a widget: two bands 2 dp wide each around the button, the inner one in the theme's
ring colour that contrasts with the button's fill, the outer one in the one that contrasts
with what lies around the button (``Theme.ring_band``: the screen's background, or the
``backdrop`` of the nearest widget that declares one, such as the top bar or a row), so
it reaches 3:1 against both on every surface of every theme. It goes when the screen
changes, when Help opens or closes, and at any touch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kivy.core.window import Window
from kivy.graphics import Color, InstructionGroup, Rectangle
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.ui.widgets import Overlay


def _box(widget: Widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, widget.width, widget.height


def _visible(widget: Widget) -> bool:
    """Shown on the window: every ancestor opaque, not disabled, with a size."""
    if widget.disabled or widget.width < 2 or widget.height < 2:
        return False
    node: Any = widget
    while node is not None and node is not Window:
        if getattr(node, "opacity", 1) <= 0:
            return False
        node = node.parent
    return True


def buttons(root: Widget) -> list[Widget]:
    """The buttons a patron can press now, in reading order.

    Args:
        root: the kiosk's root widget.

    Returns:
        Every visible, enabled button of the screen shown, or of the topmost layer shown
        over it (only the layer's buttons can be pressed then).
    """
    found = reachable(root, lambda w: isinstance(w, ButtonBehavior))
    return sorted(found, key=_reading_order)


def _reading_order(widget: Widget) -> tuple[float, float]:
    x, y, _w, h = _box(widget)
    return (-round(y + h), round(x))


def reachable(root: Widget, wanted: Callable[[Widget], bool]) -> list[Widget]:
    """The visible widgets ``wanted`` picks, of the topmost layer shown (Help, the idle
    warning) or, with none shown, of the screen outside the hidden layers."""
    layers = [w for w in root.walk(restrict=True) if isinstance(w, Overlay) and w.shown]
    scope = layers[-1] if layers else root
    found = [w for w in scope.walk(restrict=True) if w is not scope and wanted(w) and _visible(w)]
    if not layers:  # a hidden layer's widgets are not the screen's
        hidden = [w for w in root.walk(restrict=True) if isinstance(w, Overlay)]
        found = [w for w in found if not any(_inside(w, layer) for layer in hidden)]
    return found


def _inside(widget: Widget, ancestor: Widget) -> bool:
    node: Any = widget.parent
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent if node is not Window else None
    return False


class KeyFocus:
    """The ring and the button it rings.

    Args:
        root: the kiosk's root widget (its buttons are searched each time a key moves the
            ring, so screens and rows that appear later are included).
        theme: the current theme (``ring_band``, ``background``), read at each drawing.
    """

    BAND = 2.0  # dp: each of the ring's two bands (4 dp in all: inside a top bar's padding)

    def __init__(self, root: Widget, theme: Callable[[], Any]) -> None:
        self._root = root
        self._theme = theme
        self._target: Widget | None = None
        self._watched: list[Widget] = []  # the target and its ancestors (_ring_around)
        self._ring = InstructionGroup()
        Window.canvas.after.add(self._ring)

    @property
    def target(self) -> Widget | None:
        """The ringed button, if it can still be pressed."""
        target = self._target
        if target is None or target not in buttons(self._root):
            return None
        return target

    def move(self, step: int) -> None:
        """Ring the next (``step`` 1) or previous (-1) button; the first or last when none is."""
        found = buttons(self._root)
        if not found:
            self.clear()
            return
        target = self._target
        if target in found:
            index = (found.index(target) + step) % len(found)
        elif target is not None and target.disabled and target.parent is not None:
            # Waiting for its own work (Test print): move on from where it stands.
            after = [w for w in found if _reading_order(w) > _reading_order(target)]
            if step > 0:
                index = found.index(after[0]) if after else 0
            else:
                index = (found.index(after[0]) if after else len(found)) - 1
        else:
            index = 0 if step > 0 else len(found) - 1
        self.ring(found[index])

    def press(self) -> bool:
        """Press the ringed button. False when no button is ringed (Enter means OK then)."""
        target = self.target
        if target is None:
            if self._target is None or not self._target.disabled:
                self.clear()  # a disabled one is kept: its ring comes back when it works
            return False
        target.trigger_action(duration=0)
        return True

    @property
    def shown(self) -> bool:
        """Whether a ring is drawn."""
        return bool(self._ring.children)

    def clear(self, *_args: object) -> None:
        """No button ringed (the screen changed, a touch, Help, the button was disabled)."""
        if self._target is not None:
            self._target.unbind(disabled=self._disabled)
        for node in self._watched:
            node.unbind(pos=self._draw, size=self._draw)
        self._watched = []
        self._target = None
        self._ring.clear()

    def _disabled(self, _widget: Widget, disabled: bool) -> None:
        # A ring on a button that does not work now would promise that Enter does
        # something: hide it. The button is still remembered: one that works again (Test
        # print, disabled while it prints) gets its ring back, and a key moves on from it
        # instead of from the first button of the screen; Renew all, pressed once, never
        # comes back and the next key starts from where it was.
        if disabled:
            self._ring.clear()
        elif self.target is not None:
            self._draw()

    def ring(self, widget: Widget) -> None:
        """Ring ``widget`` (a key moved there, or a finger explored it in voice mode)."""
        self.clear()
        self._target = widget
        for node in _ancestors(widget):
            if isinstance(node, ScrollView):
                node.scroll_to(widget, padding=dp(8), animate=False)
                break
        widget.bind(disabled=self._disabled)
        # The button and every widget above it: a screen (a RelativeLayout) that moves, as
        # when the text size changes the top bar's height, moves the button in the window
        # without changing its own position, and the ring must follow.
        self._watched = [widget, *_ancestors(widget)]
        for node in self._watched:
            node.bind(pos=self._draw, size=self._draw)
        self._draw()

    def redraw(self, *_args: object) -> None:
        """Draw the ring again (the theme changed: its bands follow the new colours)."""
        self._draw()

    def _draw(self, *_args: object) -> None:
        self._ring.clear()
        if self._target is None or self._target.disabled:
            return
        target = self._target
        theme = self._theme()
        x, y, width, height = _box(target)
        band = dp(self.BAND)
        inner = theme.ring_band(_fill(target, theme))
        outer = theme.ring_band(_backdrop(target, theme))
        for offset, colour in ((0.0, inner), (band, outer)):
            self._ring.add(Color(*colour))
            left, bottom = x - offset - band, y - offset - band
            side_w, side_h = width + 2 * (offset + band), height + 2 * (offset + band)
            for pos, size in (
                ((left, bottom), (side_w, band)),  # below
                ((left, bottom + side_h - band), (side_w, band)),  # above
                ((left, bottom + band), (band, side_h - 2 * band)),  # left
                ((left + side_w - band, bottom + band), (band, side_h - 2 * band)),  # right
            ):
                self._ring.add(Rectangle(pos=pos, size=size))

    def ring_box(self) -> tuple[float, float, float, float] | None:
        """The ringed button's box in the window (x, y, width, height), or None; the
        bands lie just outside it."""
        return _box(self._target) if self._target is not None else None


def _fill(button: Widget, theme: Any) -> Sequence[float]:
    """The colour at a button's edge, next to the ring: its ``edge`` (a drawn border), its
    ``fill`` (buttons that draw their own), its ``background_color`` (Button), else the
    surface."""
    for name in ("edge", "fill", "background_color"):
        colour = getattr(button, name, None)
        if colour is not None and len(colour) == 4 and colour[3] > 0:
            return tuple(colour)
    return tuple(theme.surface)


def _backdrop(button: Widget, theme: Any) -> Sequence[float]:
    """What lies around a button: the ``backdrop`` of its nearest ancestor that declares
    one (the top bar, a row, an overlay's card), else the screen's background."""
    for node in _ancestors(button):
        colour = getattr(node, "backdrop", None)
        if colour is not None and len(colour) == 4:
            return tuple(colour)
    return tuple(theme.background)


def _ancestors(widget: Widget) -> list[Widget]:
    found = []
    node: Any = widget.parent
    while node is not None and node is not Window:
        found.append(node)
        node = node.parent
    return found
