"""Figures from files: an SVG drawn as vectors with live-text labels, or a PNG, with its caption.

The file was read and checked when the library loaded (`render.figure_files`): an SVG arrives as PDF
drawing operators, cut where each of its texts goes, so a packet only replays them, scaled to the
figure's width, and draws each text in the layout's fonts (a font subset belongs to one document) with
the same per-character fallback as any text. Everything drawn is the content of the `Figure` structure
element, whose alternative text (`/Alt`) is the block's description; the caption follows as its own
paragraph, and the two stay on one page.
"""

from __future__ import annotations

import io

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer

from ..models import packet as p
from ..models.figure import FigureFile, Label
from . import tags
from .blocks import Blocks
from .flowables import Together
from .fonts import FontSet


class Figure(Flowable):
    """A figure from its file at `width` points (its height in proportion): an SVG's recorded shapes,
    scaled, with its labels drawn as live text in the layout's fonts where the drawing has them; or a
    PNG. Centred in the text column."""

    role = "Figure"

    def __init__(self, figure: FigureFile, width: float, fonts: FontSet, description: str) -> None:
        super().__init__()
        self.figure, self.fonts = figure, fonts
        self.description = description
        """Its alternative text, for a reader who cannot see it (`/Alt`)."""
        self.scale = width / figure.width
        self.width, self.height = width, figure.height * self.scale
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803 - ReportLab's names
        x = self._hAlignAdjust(x, _sW)
        element = tags.element_of(self)
        element.alt = self.description
        element.bbox = (x, y, x + self.width, y + self.height)  # placed by the frame: page coordinates
        super().drawOn(canvas, x, y, 0)

    def draw(self) -> None:
        canv, figure = self.canv, self.figure
        with tags.content(canv, tags.element_of(self)):
            if figure.kind == "png":
                canv.drawImage(_image(figure), 0, 0, self.width, self.height)
                return
            canv.saveState()
            canv.scale(self.scale, self.scale)
            for index, segment in enumerate(figure.segments):  # balanced q … Q, taken together
                if segment:
                    canv._code.append(segment.decode("ascii"))
                if index < len(figure.labels):
                    self._label(figure.labels[index])
            canv.restoreState()

    def _label(self, label: Label) -> None:
        """One text of the drawing, where the drawing has it, in the layout's regular or bold font."""
        canv, fonts = self.canv, self.fonts
        canv.saveState()
        canv.setFillColorRGB(*label.colour)
        font = fonts.bold if label.bold else fonts.regular
        fonts.draw(canv, label.x, label.y, label.text, font, label.size, label.anchor)
        canv.restoreState()


_IMAGES: dict[str, ImageReader] = {}


def _image(figure: FigureFile) -> ImageReader:
    """A PNG figure's pixels, decoded once per process."""
    if figure.digest not in _IMAGES:
        _IMAGES[figure.digest] = ImageReader(io.BytesIO(figure.data))
    return _IMAGES[figure.digest]


def figure_flowables(block: p.Figure, b: Blocks) -> list[Flowable]:
    """A figure at its share of the text column, then its caption, kept together on one page."""
    drawing = Figure(block.file, b.width * block.width, b.s.fonts, block.description)
    return [Together([Spacer(1, 4), drawing, b.para(block.caption, b.s.caption), Spacer(1, 6)])]
