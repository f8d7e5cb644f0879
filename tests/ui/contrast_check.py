"""Text a patron cannot tell from what is drawn behind it, read from the rendered picture.

Runs inside the probe's Kivy process, after a frame is drawn. The window's pixels are
read back (``glReadPixels``, what ``Window.screenshot`` saves), and for every visible
label with text (the labels :mod:`layout_check` finds: an open overlay hides what is under
it, a scroll view hides what is out of its sight; a disabled one is drawn, and checked, in
its ``disabled_color``):

* **text**: the label's text colour against the background actually drawn behind its
  words, taken as the most common pixel colour in the boxes of its lines of text once the
  pixels of the text colour itself (and within :data:`GLYPH_TOLERANCE` of it) are set
  aside; below :data:`TEXT_RATIO` (7:1, WCAG AAA) is a finding. No text is exempt as
  "large decorative": every text on the kiosk tells the patron something.

And for the focus ring (``kiosk.ui.key_focus``) around a ringed button, in the middle of
each of its four sides:

* **ring**: the colour of the ring's inner band against the button's own pixels just
  inside it, and of its outer band against the pixels just outside the ring; below
  :data:`RING_RATIO` (3:1) is a finding.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from accessibility.themes import contrast_ratio

TEXT_RATIO = 7.0
RING_RATIO = 3.0
GLYPH_TOLERANCE = 24  # per channel, 0..255: anti-aliased edges of the glyphs themselves

Pixel = tuple[int, int, int]


class Picture:
    """The window's pixels as drawn now (rows bottom-up, as Kivy's y)."""

    def __init__(self) -> None:
        from kivy.core.window import Window
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

        self.width, self.height = (int(n) for n in Window.size)
        self.data = glReadPixels(0, 0, self.width, self.height, GL_RGB, GL_UNSIGNED_BYTE)

    def at(self, x: float, y: float) -> Pixel | None:
        xi, yi = int(x), int(y)
        if not (0 <= xi < self.width and 0 <= yi < self.height):
            return None
        i = (yi * self.width + xi) * 3
        return (self.data[i], self.data[i + 1], self.data[i + 2])

    def most_common(self, box: tuple[float, float, float, float], unlike: Pixel) -> Pixel | None:
        """The most common colour in ``box`` (x, y, right, top) not close to ``unlike``."""
        counts: Counter[Pixel] = Counter()
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(self.width, int(box[2])), min(self.height, int(box[3]))
        step = max(1, (x1 - x0) * (y1 - y0) // 4000)  # a few thousand samples at most
        for index in range(0, max(0, x1 - x0) * max(0, y1 - y0), step):
            y, x = divmod(index, x1 - x0)
            pixel = self.at(x0 + x, y0 + y)
            if pixel is not None and not _close(pixel, unlike):
                counts[pixel] += 1
        return counts.most_common(1)[0][0] if counts else None


def _close(a: Pixel, b: Pixel) -> bool:
    return all(abs(p - q) <= GLYPH_TOLERANCE for p, q in zip(a, b, strict=True))


def _rgba(pixel: Pixel) -> tuple[float, float, float, float]:
    return (pixel[0] / 255, pixel[1] / 255, pixel[2] / 255, 1.0)


def _pixel(colour: Any) -> Pixel:
    r, g, b = (round(float(c) * 255) for c in list(colour)[:3])
    return (r, g, b)


def text_contrast_defects(root: Any, picture: Picture | None = None) -> list[str]:
    """Every visible text under ``root`` below :data:`TEXT_RATIO` against its background."""
    from layout_check import _intersect, _labels, text_boxes

    picture = picture or Picture()
    shown_overlays = {id(overlay) for _l, overlay, _c in _labels(root) if overlay is not None}
    defects = []
    for label, overlay, clip in _labels(root):
        if shown_overlays and overlay is None:
            continue  # under an open overlay's dimming
        boxes = text_boxes(label)
        if clip is not None:
            boxes = [b for b in (_intersect(b, clip) for b in boxes) if b is not None]
        if not boxes:
            continue
        colour = list(label.disabled_color if label.disabled else label.color)
        ink = _pixel(colour)
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        behind = picture.most_common((x0, y0, x1, y1), unlike=ink)
        if behind is None:
            continue
        alpha = float(colour[3]) * float(label.opacity)  # a translucent text is blended
        shown = tuple(round(alpha * i + (1 - alpha) * b) for i, b in zip(ink, behind, strict=True))
        ratio = contrast_ratio(_rgba(shown), _rgba(behind))  # type: ignore[arg-type]
        if ratio < TEXT_RATIO:
            text = " ".join(label.text.split())
            defects.append(
                f"contrast: {text!r} is {ratio:.2f}:1 (#{_hex(shown)} on #{_hex(behind)}), "
                f"needs {TEXT_RATIO:g}:1"
            )
    return defects


def ring_contrast_defects(
    box: tuple[float, float, float, float], band: float, picture: Picture | None = None
) -> list[str]:
    """The focus ring around the button at ``box`` (x, y, width, height), whose two bands
    are ``band`` pixels wide each, against the pixels just inside and just outside it."""
    picture = picture or Picture()
    x, y, w, h = box
    # The button's outermost pixels (Kivy's fractional positions round to pixel edges).
    left, right, bottom, top = round(x), round(x + w) - 1, round(y), round(y + h) - 1
    cx, cy = (left + right) // 2, (bottom + top) // 2
    sides = {  # per side: its edge pixel and the direction out of the button
        "left": ((left, cy), (-1, 0)),
        "right": ((right, cy), (1, 0)),
        "bottom": ((cx, bottom), (0, -1)),
        "top": ((cx, top), (0, 1)),
    }
    span = round(band)
    defects = []
    for side, ((px, py), (dx, dy)) in sides.items():

        def at(out: int, px: int = px, py: int = py, dx: int = dx, dy: int = dy) -> Pixel | None:
            return picture.at(px + dx * out, py + dy * out)

        # Kivy places the ring to a fraction of a pixel: find where it starts, within a
        # pixel of the button's edge, by its two boundaries (button -> ring -> beyond).
        # A band the colour of its neighbour shows no boundary: then the nominal place.
        def bounded(o: int) -> bool:
            return at(o) != at(o + 1) and at(o + 2 * span) != at(o + 2 * span + 1)

        start = next((o for o in (0, -1, 1) if bounded(o)), 0)
        inside, inner = at(start), at(start + 1)
        outer, outside = at(start + 2 * span), at(start + 2 * span + 1)
        for name, ring, neighbour in (("inside", inner, inside), ("outside", outer, outside)):
            if ring is None or neighbour is None:
                continue  # the window's edge
            ratio = contrast_ratio(_rgba(ring), _rgba(neighbour))
            if ratio < RING_RATIO:
                defects.append(
                    f"ring: {side} band #{_hex(ring)} against #{_hex(neighbour)} {name} is "
                    f"{ratio:.2f}:1, needs {RING_RATIO:g}:1"
                )
    return defects


def _hex(pixel: Pixel) -> str:
    return "".join(f"{c:02x}" for c in pixel)
