"""Text that a patron cannot read whole: clipped, shortened, overlapping or off the window.

Runs inside the probe's Kivy process on the live widget tree. A label's *text boxes* are
where its lines of glyphs are drawn, in window coordinates: Kivy lays the text out in
lines (``Label._label._cached_lines``, each with its x, y, width and height inside the
texture) and draws the texture centred on the widget. Boxes, not widgets, are compared,
because a label's widget is often much wider than its words (text wrapped to the column
width) and two widgets may touch while their words are far apart.

Checked, for every visible label and button with text:

* **clipped**: the text is larger than its widget, so part of it is cut off or drawn
  over a neighbour;
* **shortened**: Kivy replaced part of the text by an ellipsis (``shorten``);
* **outside**: a text box is not entirely inside the window;
* **overlap**: the text boxes of two different labels intersect.

"Visible" follows the drawing: a zero opacity anywhere up the tree hides, and text in a
scroll view counts only for the part inside the view. A shown ``Overlay`` (Help, the
idle warning) covers what is beneath it, so its texts are compared with each other only.
"""

from __future__ import annotations

from typing import Any

Box = tuple[float, float, float, float]  # x, y, right, top in window coordinates
TOLERANCE = 1.0  # pixels: rounding of texture sizes and positions


def _chain(widget: Any) -> list[Any]:
    chain = []
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        chain.append(parent)
        parent = parent.parent
    return chain


def _window_box(widget: Any) -> Box:
    x, y = widget.to_window(widget.x, widget.y)
    return (x, y, x + widget.width, y + widget.height)


def _intersect(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    if box[2] - box[0] <= TOLERANCE or box[3] - box[1] <= TOLERANCE:
        return None
    return box


def text_boxes(label: Any) -> list[Box]:
    """Where ``label``'s lines of text are drawn, in window coordinates."""
    core = label._label  # Kivy keeps the laid-out lines only here
    label.texture_update()
    tex_w, tex_h = label.texture_size
    # Label draws its texture centred on itself (kivy/data/style.kv, <Label>).
    left = int(label.center_x - tex_w / 2.0)
    bottom = int(label.center_y - tex_h / 2.0)
    origin_x, origin_y = label.to_window(left, bottom)
    top = origin_y + tex_h
    boxes = []
    for line in getattr(core, "_cached_lines", []):
        if not line.w or not any(word.text.strip() for word in line.words):
            continue
        x = origin_x + line.x
        y_top = top - line.y
        boxes.append((x, y_top - line.h, x + line.w, y_top))
    return boxes


def _labels(root: Any) -> list[tuple[Any, Any, Box | None]]:
    """Visible labels with text: (label, the shown overlay above it or None, clip box)."""
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    from kiosk.ui.widgets import Overlay

    found = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip():
            continue
        chain = [widget, *_chain(widget)]
        if any(w.opacity == 0 for w in chain) or widget.width <= 0 or widget.height <= 0:
            continue
        overlays = [w for w in chain if isinstance(w, Overlay)]
        if overlays and not overlays[0].shown:
            continue
        clip: Box | None = None
        for view in (w for w in chain if isinstance(w, ScrollView)):
            box = _window_box(view)
            clip = box if clip is None else _intersect(clip, box)
            if clip is None:
                break
        if any(isinstance(w, ScrollView) for w in chain) and clip is None:
            continue  # scrolled out of sight
        found.append((widget, overlays[0] if overlays else None, clip))
    return found


def layout_defects(root: Any) -> list[str]:
    """Every clipped, shortened, off-window or overlapping text under ``root``."""
    from kivy.core.window import Window

    window: Box = (0.0, 0.0, float(Window.width), float(Window.height))
    defects: list[str] = []
    placed: list[tuple[str, Any, list[Box]]] = []
    for label, overlay, clip in _labels(root):
        text = " ".join(label.text.split())
        label.texture_update()
        tex_w, tex_h = label.texture_size
        if tex_w > label.width + TOLERANCE or tex_h > label.height + TOLERANCE:
            defects.append(
                f"clipped: {text!r} needs {tex_w:.0f}x{tex_h:.0f}, "
                f"has {label.width:.0f}x{label.height:.0f}"
            )
        if getattr(label._label, "is_shortened", False):
            defects.append(f"shortened: {text!r}")
        boxes = text_boxes(label)
        if clip is not None:
            boxes = [b for b in (_intersect(b, clip) for b in boxes) if b is not None]
        else:
            for box in boxes:
                inside = _intersect(box, window)
                if inside is None or _area(inside) < _area(box) - 1:
                    defects.append(f"outside the window: {text!r}")
                    break
        placed.append((text, overlay, boxes))
    for index, (text, overlay, boxes) in enumerate(placed):
        for other_text, other_overlay, other_boxes in placed[index + 1 :]:
            if overlay is not other_overlay:
                continue
            if any(_intersect(a, b) for a in boxes for b in other_boxes):
                defects.append(f"overlap: {text!r} and {other_text!r}")
    return defects


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])
