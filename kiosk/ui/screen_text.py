"""What is on the screen, as text: for the headless demo, field diagnosis and tests."""

from __future__ import annotations

from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget


def visible_texts(root: Widget) -> list[str]:
    """Texts of the labels and buttons currently shown, top to bottom, left to right.

    Hidden widgets (zero opacity, zero size, disabled-and-empty) are left out, as are the
    screens a ScreenManager is not showing (they are not in the widget tree).
    """
    found: list[tuple[float, float, str]] = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip():
            continue
        if widget.opacity == 0 or widget.width <= 0 or widget.height <= 0:
            continue
        if any(parent.opacity == 0 for parent in _parents(widget)):
            continue
        x, y = widget.to_window(widget.x, widget.y)
        text = " ".join(widget.text.split())
        if isinstance(widget, Button):
            text = f"[{text}]"
        found.append((-(y + widget.height), x, text))
    return [text for _top, _x, text in sorted(found)]


def _parents(widget: Widget) -> list[Widget]:
    chain = []
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        chain.append(parent)
        parent = parent.parent
    return chain


def clipped_texts(root: Widget, tolerance: float = 1.0) -> list[str]:
    """Texts that do not fit: larger than their label or button, or outside the window.

    Text inside a ScrollView may run past the window (the patron scrolls), but never past
    its own widget. Used by the headless recorder and the large-print tests.
    """
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView

    clipped = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip() or widget.opacity == 0:
            continue
        widget.texture_update()
        text_w, text_h = widget.texture_size
        too_big = text_w > widget.width + tolerance or text_h > widget.height + tolerance
        x, y = widget.to_window(widget.x, widget.y)
        scrolls = any(isinstance(parent, ScrollView) for parent in _parents(widget))
        outside = not scrolls and (
            x < -tolerance
            or y < -tolerance
            or x + widget.width > Window.width + tolerance
            or y + widget.height > Window.height + tolerance
        )
        if too_big or outside:
            clipped.append(" ".join(widget.text.split()))
    return clipped
