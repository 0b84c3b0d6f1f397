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

from .styles import Styles

_BONE = "#f3ead8"
_BONE_EDGE = "#8a7553"
_DISK = "#9cc3d8"
_NERVE = "#d9a400"
_FRACTURE = "#c0392b"


_UNITS_W, _UNITS_H = 400.0, 200.0
"""The drawing is made in these units, then scaled to the width asked for."""


Words = tuple[tuple[str, str], ...]
"""A drawing's label texts, as (label key, text) pairs in the packet's language (see labels.py)."""


def vertebral_compression(target_width: float, styles: Styles, words: Words) -> Drawing:
    """Side view of a lumbar spine segment: five vertebrae, disks, cord, nerves; the middle one compressed."""
    scale = target_width / _UNITS_W
    width, height = _UNITS_W, _UNITS_H
    d = Drawing(width, height)
    body_x, body_w = width * 0.28, width * 0.2
    heights = [30, 30, 14, 30, 30]  # the middle vertebra is crushed
    y = height * 0.06
    centres = []
    for index, h in enumerate(heights):
        crushed = index == 2
        _vertebra(d, body_x, y, body_w, h, crushed)
        centres.append(y + h / 2)
        y += h
        if index < len(heights) - 1:
            d.add(
                Rect(body_x + 2, y, body_w - 4, 8, rx=3, ry=3, fillColor=_DISK, strokeColor=_BONE_EDGE, strokeWidth=0.6)
            )
            y += 8
    cord_x = body_x + body_w + 10
    d.add(Rect(cord_x, height * 0.04, 12, y - height * 0.02, fillColor="#fbe7a1", strokeColor=_NERVE, strokeWidth=0.8))
    for centre in centres:
        _posterior(d, cord_x + 12, centre, width)
        d.add(
            PolyLine(
                [cord_x + 6, centre + 10, cord_x + 40, centre + 18, cord_x + 70, centre + 16],
                strokeColor=_NERVE,
                strokeWidth=1.4,
            )
        )
    _labels(d, body_x, body_w, centres, width, styles, scale, dict(words))
    d.scale(scale, scale)
    d.width, d.height = width * scale, height * scale
    return d


def _vertebra(d: Drawing, x: float, y: float, w: float, h: float, crushed: bool) -> None:
    if not crushed:
        d.add(Rect(x, y, w, h, rx=4, ry=4, fillColor=_BONE, strokeColor=_BONE_EDGE, strokeWidth=0.9))
        return
    # A wedge: the front collapses more than the back, as in most compression fractures.
    d.add(
        Polygon(
            [x, y, x + w, y, x + w, y + h + 6, x, y + h - 2],
            fillColor="#f6d5cf",
            strokeColor=_FRACTURE,
            strokeWidth=1.2,
        )
    )
    crack = Path(strokeColor=_FRACTURE, strokeWidth=1.1, fillColor=None)
    crack.moveTo(x + 3, y + h * 0.5)
    for step, dy in enumerate((3, -2, 4, -3, 2, -1, 3)):
        crack.lineTo(x + 3 + (step + 1) * (w - 6) / 7, y + h * 0.5 + dy)
    d.add(crack)


def _posterior(d: Drawing, x: float, centre: float, width: float) -> None:
    spine = width * 0.13
    d.add(
        Polygon(
            [x, centre + 8, x + spine, centre + 2, x + spine + 4, centre - 6, x, centre - 6],
            fillColor=_BONE,
            strokeColor=_BONE_EDGE,
            strokeWidth=0.8,
        )
    )


def _labels(
    d: Drawing,
    x: float,
    w: float,
    centres: list[float],
    width: float,
    styles: Styles,
    scale: float,
    words: dict[str, str],
) -> None:
    # Labels keep the layout's small type size on paper, whatever the drawing's scale.
    font, size, colour = styles.fonts.regular, max(styles.small.fontSize, 9) / scale, styles.text
    left = x - 6

    def label(text: str, at_y: float, to_x: float, to_y: float) -> None:
        d.add(String(left, at_y, text, fontName=font, fontSize=size, fillColor=colour, textAnchor="end"))
        d.add(Line(left + 2, at_y + size * 0.35, to_x, to_y, strokeColor=styles.muted, strokeWidth=0.6))

    label(words["figure_vertebra"], centres[0] - 3, x + 4, centres[0])
    label(words["figure_disk"], (centres[0] + centres[1]) / 2 - 3, x + 4, (centres[0] + centres[1]) / 2)
    label(words["figure_compression"], centres[2] + 2, x + 4, centres[2])
    label(words["figure_fracture"], centres[2] - size, x + 4, centres[2])
    right = x + w + 88
    d.add(String(right, centres[3] + 12, words["figure_nerve"], fontName=font, fontSize=size, fillColor=colour))
    d.add(Line(right - 2, centres[3] + 15, x + w + 70, centres[3] + 16, strokeColor=styles.muted, strokeWidth=0.6))
    d.add(String(right, centres[4] - 4, words["figure_cord"], fontName=font, fontSize=size, fillColor=colour))
    d.add(Line(right - 2, centres[4] - 1, x + w + 16, centres[4] - 1, strokeColor=styles.muted, strokeWidth=0.6))


DRAWINGS: dict[str, Callable[[float, Styles, Words], Drawing]] = {"vertebral_compression": vertebral_compression}


_FONT_ONLY = re.compile(r"BT /\S+ [\d.]+ Tf [\d.]+ TL ET")


class Figure(Flowable):
    """A built-in drawing at a given width: cached shapes, then live text labels."""

    def __init__(self, name: str, width: float, styles: Styles, words: Words) -> None:
        super().__init__()
        self.drawing, self.code = _prepared(name, width, styles, words)
        self.fonts = styles.fonts
        self.width, self.height = self.drawing.width, self.drawing.height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv._code.extend(self.code)  # balanced q … Q: leaves the canvas state as it was
        canv.saveState()
        canv.transform(*self.drawing.transform)
        for label in self.drawing.contents:  # real text, with per-character font fallback
            if isinstance(label, String):
                canv.setFillColor(label.fillColor)
                self.fonts.draw(canv, label.x, label.y, label.text, label.fontName, label.fontSize, label.textAnchor)
        canv.restoreState()


@lru_cache(maxsize=32)
def _prepared(name: str, width: float, styles: Styles, words: Words) -> tuple[Drawing, tuple[str, ...]]:
    """The drawing, and its shapes (every node but the text) as PDF operators to replay into any
    document. A built-in drawing may therefore use no fonts, images or graphics states for its
    shapes: those are named resources of the document they were drawn in."""
    drawing = DRAWINGS[name](width, styles, words)
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
