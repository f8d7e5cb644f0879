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
