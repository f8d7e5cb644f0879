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

And for every visible button and label of the screen (their whole box, not only the
words: half a button is as bad as half a word):

* **cut**: it is not entirely inside the window, or not inside the screen manager, which
  clips the screen to the space between the top bar and the notice strip (a list's rows
  in a scroll view are meant to be cut by the view and are not counted);
* **covered**: a widget drawn after it (a sibling of it or of one of its parents that
  draws something, e.g. the notice strip) lies over it;
* **cramped**: a button's words come within :data:`MARGIN` pixels of its edge;

and for every scroll view of a list whose rows do not all fit:

* **short list**: it is less than :data:`LIST_ROWS` rows high (its rows' median height)
  and less than :data:`LIST_SHARE` of the window high (the screen gives the list the
  room that is left, which must be enough to read it).

"Visible" follows the drawing: a zero opacity anywhere up the tree hides, and text in a
scroll view counts only for the part inside the view. A shown ``Overlay`` (Help, the
idle warning) covers what is beneath it, so its texts are compared with each other only.
"""

from __future__ import annotations

from typing import Any

Box = tuple[float, float, float, float]  # x, y, right, top in window coordinates
TOLERANCE = 1.0  # pixels: rounding of texture sizes and positions
MARGIN = 12.0  # pixels: a button's words keep this far from its edges (a border is 3)
LIST_ROWS = 1.8  # an overflowing list shows at least this many (median) rows ...
LIST_SHARE = 0.24  # ... or at least this share of the window's height (very tall rows)


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
    defects += _widget_defects(root, window)
    for index, (text, overlay, boxes) in enumerate(placed):
        for other_text, other_overlay, other_boxes in placed[index + 1 :]:
            if overlay is not other_overlay:
                continue
            if any(_intersect(a, b) for a in boxes for b in other_boxes):
                defects.append(f"overlap: {text!r} and {other_text!r}")
    return defects


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _draws(widget: Any) -> bool:
    """The widget's own canvas draws something (a spacer ``Widget`` or a plain layout
    does not; a label, a button or a strip with a background does)."""
    from kivy.uix.label import Label

    if isinstance(widget, Label):
        return bool(widget.text.strip())
    canvas = widget.canvas
    parts = [canvas.before, canvas, canvas.after] if canvas is not None else []
    for part in parts:
        for ins in part.children:
            name = type(ins).__name__
            if name in ("Rectangle", "Line", "Ellipse", "RoundedRectangle", "BorderImage"):
                return True
    return False


def _covering(widget: Any, chain: list[Any]) -> list[Any]:
    """Widgets drawn after ``widget`` that may lie over it: later siblings of it and of
    each of its parents (Kivy draws ``children`` last-first) that draw something, and
    every widget inside those."""
    from kiosk.ui.widgets import Overlay

    found = []
    for node in [widget, *chain[:-1]]:
        parent = node.parent
        if parent is None:
            break
        siblings = list(parent.children)
        for later in siblings[: siblings.index(node)]:  # drawn after ``node``
            if isinstance(later, Overlay) or later.opacity == 0:
                continue  # a shown overlay covers on purpose; the check handles it apart
            found.extend(w for w in later.walk(restrict=True) if _draws(w) and w.opacity)
    return found


def _drawn_box(widget: Any) -> Box | None:
    """Where ``widget`` is drawn in the window: its box clipped by every stencil above it
    (a scroll view, the screen manager); None when nothing of it is in sight."""
    from kivy.uix.screenmanager import ScreenManager
    from kivy.uix.stencilview import StencilView

    box: Box | None = _window_box(widget)
    for clip in (w for w in _chain(widget) if isinstance(w, (StencilView, ScreenManager))):
        box = _intersect(box, _window_box(clip)) if box is not None else None
    return box


def _widget_defects(root: Any, window: Box) -> list[str]:
    """Cut, covered and cramped buttons and labels; lists too short for their window."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.screenmanager import ScreenManager
    from kivy.uix.scrollview import ScrollView

    from kiosk.ui.widgets import FollowScrollView, Overlay

    defects: list[str] = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip():
            continue
        chain = _chain(widget)
        if any(w.opacity == 0 for w in [widget, *chain]) or widget.width <= 0:
            continue
        if any(isinstance(w, (ScrollView, Overlay)) for w in chain):
            continue  # rows cut by their view; overlays are checked by their texts
        text = " ".join(widget.text.split())
        box = _window_box(widget)
        inside = _intersect(box, window)
        if inside is None or _area(inside) < _area(box) - 2 * TOLERANCE * box_size(box):
            defects.append(f"cut by the window: {text!r}")
            continue
        for manager in (w for w in chain if isinstance(w, ScreenManager)):
            room = _window_box(manager)
            inside = _intersect(box, room)
            if inside is None or _area(inside) < _area(box) - 2 * TOLERANCE * box_size(box):
                defects.append(f"cut by the screen's edge: {text!r}")
        for cover in _covering(widget, chain):
            drawn = _drawn_box(cover)
            if drawn is not None and _intersect(box, drawn) is not None:
                name = getattr(cover, "text", "") or type(cover).__name__
                defects.append(f"covered: {text!r} under {' '.join(str(name).split())!r}")
                break
        for button in (w for w in chain if isinstance(w, ButtonBehavior)):
            room = _window_box(button)
            if any(_intersect(line, room) != line for line in text_boxes(widget)):
                defects.append(f"cut by its button: {text!r}")
                break
        if isinstance(widget, Button):
            # A button's words are centred in it (the lines' own x is not offset for
            # centred text): the margin is half of what its widest line leaves.
            widths = [line.w for line in getattr(widget._label, "_cached_lines", [])]
            gap = (widget.width - max(widths, default=0)) / 2
            if widths and gap < MARGIN:
                defects.append(f"cramped: {text!r} is {gap:.0f} px from its edge")
    for view in (w for w in root.walk(restrict=True) if isinstance(w, FollowScrollView)):
        if any(w.opacity == 0 for w in [view, *_chain(view)]) or not view.children:
            continue
        rows = sorted(row.height for row in view.children[0].children if row.height > 0)
        if not rows or view.viewport_size[1] <= view.height + TOLERANCE:
            continue  # every row in sight
        wanted = min(LIST_ROWS * rows[len(rows) // 2], LIST_SHARE * (window[3] - window[1]))
        if view.height < wanted - TOLERANCE:
            defects.append(
                f"short list: {view.height:.0f} px high, its rows {rows[len(rows) // 2]:.0f}"
            )
    return defects


def box_size(box: Box) -> float:
    """Half the perimeter of ``box``: an area tolerance of a pixel along its edges."""
    return (box[2] - box[0]) + (box[3] - box[1])
