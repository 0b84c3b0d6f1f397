"""Built-in illustrations, drawn with ReportLab graphics (real vectors and text, no images).

A drawing is described once as a ReportLab `Drawing`; `Figure` places it on a page.
ReportLab's renderer walks a drawing node by node, which cost more than any other
single part of a packet, so `Figure` renders the shapes to PDF operators once per
process and reuses them; the labels are drawn as real text in each document, as
font subsets belong to one document.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import lru_cache

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Line, Path, Polygon, PolyLine, Rect, String
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from ..language.labels import Labels
from . import tags
from .styles import Styles

_BONE = "#f3ead8"
_BONE_EDGE = "#8a7553"
_DISK = "#9cc3d8"
_DISK_EDGE = "#4f7f99"
_CORD = "#fbe7a1"
_NERVE = "#c98f00"
_FRACTURE = "#c0392b"
_CRUSHED = "#f6d5cf"
_CEMENT = "#9e9e9e"
_CEMENT_EDGE = "#5f5f5f"
_STEEL = "#4a4f55"
_LEADER = 0.6
"""Width of the lines from a label to what it names (the only lines a label may touch)."""


class _Spine:
    """Geometry of one side view of a run of vertebrae, in points: `u` scales the anatomy."""

    def __init__(self, x: float, y: float, u: float, heights: tuple[float, ...]) -> None:
        self.x, self.y, self.u = x, y, u
        self.body_w, self.disk_h = 58 * u, 9 * u
        self.heights = tuple(h * u for h in heights)
        self.cord_x = x + self.body_w + 4 * u
        self.cord_w = 13 * u
        self.arch_x = self.cord_x + self.cord_w + 2 * u
        self.arch_w = 46 * u
        self.bottoms: list[float] = []
        level = y
        for h in self.heights:
            self.bottoms.append(level)
            level += h + self.disk_h
        self.top = level - self.disk_h

    @property
    def width(self) -> float:
        return self.arch_x + self.arch_w - self.x

    def centre(self, index: int) -> float:
        return self.bottoms[index] + self.heights[index] / 2

    def disk_centre(self, index: int) -> float:
        """The disk above vertebra `index`."""
        return self.bottoms[index] + self.heights[index] + self.disk_h / 2


def _draw_spine(d: Drawing, spine: _Spine, crushed: int, cement: bool) -> None:
    """Vertebral bodies in front (left), disks between, the spinal cord behind the bodies, then each
    vertebra's arch (pedicle, lamina, spinous process) with a nerve root leaving at every disk."""
    u = spine.u
    d.add(
        Rect(
            spine.cord_x,
            spine.y - 4 * u,
            spine.cord_w,
            spine.top - spine.y + 8 * u,
            rx=4 * u,
            ry=4 * u,
            fillColor=_CORD,
            strokeColor=_NERVE,
            strokeWidth=0.8,
        )
    )
    for index, (bottom, h) in enumerate(zip(spine.bottoms, spine.heights, strict=True)):
        x, w = spine.x, spine.body_w
        if index == crushed and not cement:  # a wedge: the front collapses more than the back
            d.add(
                Polygon(
                    [x, bottom, x + w, bottom, x + w, bottom + h, x, bottom + h * 0.55],
                    fillColor=_CRUSHED,
                    strokeColor=_FRACTURE,
                    strokeWidth=1.2,
                )
            )
            crack = Path(strokeColor=_FRACTURE, strokeWidth=1.0, fillColor=None)
            crack.moveTo(x + 3 * u, bottom + h * 0.4)
            for step, dy in enumerate((2, -1.5, 2.5, -2, 1.5, -1, 2)):
                crack.lineTo(x + 3 * u + (step + 1) * (w - 6 * u) / 7, bottom + h * 0.45 + dy * u)
            d.add(crack)
        else:
            fill, edge = (_CRUSHED, _FRACTURE) if index == crushed else (_BONE, _BONE_EDGE)
            d.add(Rect(x, bottom, w, h, rx=4 * u, ry=4 * u, fillColor=fill, strokeColor=edge, strokeWidth=0.9))
        if index == crushed and cement:
            blob = Path(fillColor=_CEMENT, strokeColor=_CEMENT_EDGE, strokeWidth=0.8)
            cx, cy, rx, ry = x + w * 0.52, bottom + h / 2, w * 0.34, h * 0.3
            blob.moveTo(cx - rx, cy)
            blob.curveTo(cx - rx, cy + ry * 1.2, cx - rx * 0.2, cy + ry * 1.1, cx + rx * 0.3, cy + ry)
            blob.curveTo(cx + rx * 1.1, cy + ry * 0.9, cx + rx * 1.1, cy - ry * 0.8, cx + rx * 0.2, cy - ry)
            blob.curveTo(cx - rx * 0.5, cy - ry * 1.2, cx - rx, cy - ry * 0.9, cx - rx, cy)
            blob.closePath()
            d.add(blob)
        # The arch behind the cord: lamina and the spinous process pointing back and a little down,
        # level with its body (a crushed body's arch keeps its height: the fracture is in front).
        ax, aw = spine.arch_x, spine.arch_w
        centre, span = bottom + h / 2, 34 * u
        d.add(
            Polygon(
                [
                    ax,
                    centre + 0.3 * span,
                    ax + aw * 0.35,
                    centre + 0.28 * span,
                    ax + aw,
                    centre - 0.08 * span,
                    ax + aw * 0.96,
                    centre - 0.28 * span,
                    ax + aw * 0.35,
                    centre - 0.2 * span,
                    ax,
                    centre - 0.3 * span,
                ],
                fillColor=_BONE,
                strokeColor=_BONE_EDGE,
                strokeWidth=0.8,
            )
        )
        if index < len(spine.heights) - 1:  # a disk above, and the nerve root leaving beside it
            top = bottom + h
            d.add(
                Rect(
                    x + 2 * u,
                    top,
                    spine.body_w - 4 * u,
                    spine.disk_h,
                    rx=3 * u,
                    ry=3 * u,
                    fillColor=_DISK,
                    strokeColor=_DISK_EDGE,
                    strokeWidth=0.6,
                )
            )
            mid = top + spine.disk_h / 2
            d.add(
                PolyLine(
                    [
                        spine.cord_x + spine.cord_w * 0.6,
                        mid + 2 * u,
                        ax + aw * 0.35,
                        mid,
                        ax + aw * 0.75,
                        mid - 3 * u,
                    ],
                    strokeColor=_NERVE,
                    strokeWidth=1.4,
                )
            )


def vertebral_compression(target_width: float, styles: Styles, labels: Labels) -> Drawing:
    """Two side views of the spine, labelled in the packet's language: a compression fracture of one
    vertebra (the spinal cord behind the bodies, disks between them, nerve roots leaving), and the
    procedure, a needle through the arch into that body, filling it with cement. Side by side where
    the page is wide enough, else one above the other; always the width of the text column, with
    labels in the layout's small type that never cross a shape."""
    fonts, font, size = styles.fonts, styles.fonts.regular, styles.small.fontSize

    def wide(*texts: str) -> float:
        return max(fonts.width(text, font, size) for text in texts)

    left_a = wide(labels.figure_vertebra, labels.figure_disk, labels.figure_compression, labels.figure_fracture) + 10
    left_b = wide(labels.figure_cement) + 10
    gap = wide(labels.figure_nerve) + 14  # the nerve's label, right of the first view
    needle = 26.0  # the needle's handle, behind (right of) the arch, at u = 1
    anatomy = 123.0  # a spine's width at u = 1
    # Side by side where each view keeps nine tenths of its full size at least; else one above the other.
    beside = (target_width - left_a - left_b - gap) / (2 * anatomy + needle)
    side_by_side = beside >= 0.9
    line = size * 1.25
    a_heights, b_heights = (34.0, 34.0, 18.0, 34.0), (34.0, 20.0, 34.0)
    if side_by_side:
        u = min(1.6, beside)
        split_at = left_a + anatomy * u + gap
        title_a = fonts.lines(labels.figure_before, font, size, split_at - 6)
        title_b = fonts.lines(labels.figure_after, font, size, target_width - split_at - 2)
        rows = max(len(title_a), len(title_b))
        above_a = above_b = rows * line + line + 6  # titles, then a row for the needle's label
    else:
        u = min(1.3, (target_width - left_b) / (anatomy + needle), (target_width - left_a - gap) / anatomy)
        title_a = fonts.lines(labels.figure_before, font, size, target_width)
        title_b = fonts.lines(labels.figure_after, font, size, target_width)
        above_a, above_b = len(title_a) * line + 6, len(title_b) * line + line + 6
    below = 4 * u + size * 1.1 + 5  # under each view: the cord's label
    view_a, view_b = (sum(a_heights) + 27) * u, (sum(b_heights) + 18) * u
    if side_by_side:
        height = below + max(view_a + above_a, view_b + above_b)
        spine_a = _Spine(left_a, below, u, a_heights)
        spine_b = _Spine(left_a + spine_a.width + gap + left_b, below, u, b_heights)
        tops = (height, height)
    else:
        lower = below + view_b + above_b
        height = lower + gap + below + view_a + above_a
        spine_b = _Spine(left_b, below, u, b_heights)
        spine_a = _Spine(left_a, lower + gap + below, u, a_heights)
        tops = (height, lower)
    d = Drawing(target_width, height)
    _draw_spine(d, spine_a, crushed=2, cement=False)
    _draw_spine(d, spine_b, crushed=1, cement=True)
    _needle(d, spine_b)
    text = _Text(d, font, size, styles)
    # View A: what a compression fracture is.
    for n, title in enumerate(title_a):
        text.title(spine_a.x - left_a + 2, tops[0] - (n + 1) * line + size * 0.2, title)
    text.left(spine_a, spine_a.centre(0), labels.figure_vertebra, spine_a.x + 6 * u)
    text.left(spine_a, spine_a.disk_centre(0), labels.figure_disk, spine_a.x + 8 * u)
    text.left(
        spine_a,
        spine_a.centre(2) + size * 0.6,
        labels.figure_compression,
        spine_a.x + 5 * u,
        second=labels.figure_fracture,
    )
    cord_end = spine_a.y - 4 * u
    text.under(spine_a.cord_x + spine_a.cord_w / 2, cord_end - 3 - size * 0.8, cord_end, labels.figure_cord)
    nerve = spine_a.disk_centre(len(a_heights) - 2) - 3 * u
    end = spine_a.arch_x + spine_a.arch_w * 0.75
    text.right(spine_a.arch_x + spine_a.arch_w + 4, nerve, labels.figure_nerve, end)
    # View B: the procedure.
    for n, title in enumerate(title_b):
        text.title(spine_b.x - left_b + 2, tops[1] - (n + 1) * line + size * 0.2, title)
    text.left(spine_b, spine_b.centre(1), labels.figure_cement, spine_b.x + spine_b.body_w * 0.3)
    hub_x, hub_y, _tip_x, _tip_y = _needle_path(spine_b)
    label_w = fonts.width(labels.figure_needle, font, size)
    at = min(hub_x + 4 * u, target_width - label_w / 2)  # centred over the handle, inside the drawing
    text.over(at, spine_b.top + line * 0.4, hub_y + 4 * u, labels.figure_needle, leader_x=hub_x + 4 * u)
    return d


def _needle_path(spine: _Spine) -> tuple[float, float, float, float]:
    """(hub x, hub y, tip x, tip y): from behind, through the pedicle beside the cord, into the body."""
    u = spine.u
    tip_x, tip_y = spine.x + spine.body_w * 0.45, spine.centre(1)
    hub_x = spine.arch_x + spine.arch_w + 14 * u
    return hub_x, tip_y + (hub_x - tip_x) * 0.16, tip_x, tip_y


def _needle(d: Drawing, spine: _Spine) -> None:
    """The pedicle of the treated vertebra (bone beside the cord, seen from the side), and the needle
    through it, its tip in the cement."""
    u = spine.u
    hub_x, hub_y, tip_x, tip_y = _needle_path(spine)
    at = (spine.cord_x + spine.cord_w / 2 - tip_x) * 0.16 + tip_y
    d.add(
        Rect(
            spine.x + spine.body_w - 3 * u,
            at - 5 * u,
            spine.arch_x - spine.x - spine.body_w + 6 * u,
            10 * u,
            rx=3 * u,
            ry=3 * u,
            fillColor=_BONE,
            strokeColor=_BONE_EDGE,
            strokeWidth=0.8,
        )
    )
    d.add(Line(hub_x, hub_y, tip_x, tip_y, strokeColor=_STEEL, strokeWidth=2.2 * u))
    d.add(
        Rect(
            hub_x - 2 * u,
            hub_y - 4 * u,
            12 * u,
            8 * u,
            rx=2 * u,
            ry=2 * u,
            fillColor="#d0d4d8",
            strokeColor=_STEEL,
            strokeWidth=0.8,
        )
    )


class _Text:
    """Labels as live text, each with a thin leader to what it names, placed clear of every shape."""

    def __init__(self, d: Drawing, font: str, size: float, styles: Styles) -> None:
        self.d, self.font, self.size, self.colour, self.muted = d, font, size, styles.text, styles.muted
        self.heading = styles.heading_colour

    def _string(self, x: float, y: float, text: str, anchor: str = "start", colour: object = None) -> None:
        self.d.add(
            String(
                x, y, text, fontName=self.font, fontSize=self.size, fillColor=colour or self.colour, textAnchor=anchor
            )
        )

    def _leader(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.d.add(Line(x0, y0, x1, y1, strokeColor=self.muted, strokeWidth=_LEADER))

    def title(self, x: float, y: float, text: str) -> None:
        self._string(x, y, text, colour=self.heading)

    def left(self, spine: _Spine, y: float, text: str, to_x: float, second: str | None = None) -> None:
        """A label in the column left of the bodies, its leader running right into the shape named."""
        right = spine.x - 6
        self._string(right, y - self.size * 0.35, text, "end")
        if second:
            self._string(right, y - self.size * 1.55, second, "end")
        self._leader(right + 2, y, to_x, y)

    def right(self, x: float, y: float, text: str, to_x: float) -> None:
        """A label right of the drawing, its leader running left to what it names."""
        self._string(x, y - self.size * 0.35, text)
        self._leader(to_x, y, x - 2, y)

    def under(self, x: float, y: float, to_y: float, text: str) -> None:
        self._string(x, y, text, "middle")
        self._leader(x, y + self.size * 0.8 + 1, x, to_y)

    def over(self, x: float, y: float, to_y: float, text: str, leader_x: float | None = None) -> None:
        """A label above what it names, its leader running down (from under the label to `leader_x`)."""
        self._string(x, y, text, "middle")
        self._leader(
            x if leader_x is None else leader_x, y - self.size * 0.3, x if leader_x is None else leader_x, to_y
        )


DRAWINGS: dict[str, Callable[[float, Styles, Labels], Drawing]] = {"vertebral_compression": vertebral_compression}
"""The built-in drawings by name (a content's `figure.drawing`): each drawn at a width, in a layout's
styles, its words the packet's `figure_*` labels."""


_FONT_ONLY = re.compile(r"BT /\S+ [\d.]+ Tf [\d.]+ TL ET")


class Figure(Flowable):
    """A built-in drawing at a given width: cached shapes, then live text labels."""

    role = "Figure"

    def __init__(self, name: str, width: float, styles: Styles, labels: Labels, description: str = "") -> None:
        super().__init__()
        self.drawing, self.code = _prepared(name, width, styles, labels)
        self.fonts = styles.fonts
        self.width, self.height = self.drawing.width, self.drawing.height
        self.description = description
        """Its alternative text, for a reader who cannot see it (`/Alt`)."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803 - ReportLab's names
        element = tags.element_of(self)
        element.alt = self.description
        element.bbox = (x, y, x + self.width, y + self.height)  # placed by the frame: page coordinates
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        canv = self.canv
        with tags.content(canv, tags.element_of(self)):
            canv._code.extend(self.code)  # balanced q … Q: leaves the canvas state as it was
            canv.saveState()
            canv.transform(*self.drawing.transform)
            for label in self.drawing.contents:  # real text, with per-character font fallback
                if isinstance(label, String):
                    canv.setFillColor(label.fillColor)
                    self.fonts.draw(
                        canv, label.x, label.y, label.text, label.fontName, label.fontSize, label.textAnchor
                    )
            canv.restoreState()


@lru_cache(maxsize=32)
def _prepared(name: str, width: float, styles: Styles, labels: Labels) -> tuple[Drawing, tuple[str, ...]]:
    """The drawing, and its shapes (every node but the text) as PDF operators to replay into any
    document. A built-in drawing may therefore use no fonts, images or graphics states for its
    shapes: those are named resources of the document they were drawn in."""
    drawing = DRAWINGS[name](width, styles, labels)
    shapes = Drawing(drawing.width, drawing.height, transform=drawing.transform)
    for node in drawing.contents:
        if not isinstance(node, String):
            shapes.add(node)
    scratch = Canvas(io.BytesIO())
    start = len(scratch._code)
    renderPDF.draw(shapes, scratch, 0, 0)
    # The renderer sets its default font before drawing anything; shapes never use it.
    code = tuple(op for op in scratch._code[start:] if not _FONT_ONLY.fullmatch(op))
    if any("/" in op for op in code) or code.count("q") != code.count("Q"):
        raise ValueError(f"drawing {name!r} uses a named PDF resource for its shapes; it cannot be replayed")
    return drawing, code
