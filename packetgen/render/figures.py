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
from .blocks import Blocks, paragraph
from .flowables import Together
from .fonts import FontSet


class Figure(Flowable):
    """A figure from its file at `width` points (its height in proportion): an SVG's recorded shapes,
    scaled, with its labels drawn as live text in the layout's fonts where the drawing has them; or a
    PNG. Centred in the text column."""

    role = "Figure"

    def __init__(
        self, figure: FigureFile, width: float, fonts: FontSet, description: str, min_size: float = 0.0
    ) -> None:
        super().__init__()
        self.figure, self.fonts = figure, fonts
        self.min_size = min_size
        """The smallest a label of the drawing is printed at, in points on the page (the layout's small print)."""
        self.description = description
        """Its alternative text, for a reader who cannot see it (`/Alt`)."""
        self.scale = width / figure.width
        self.width, self.height = width, figure.height * self.scale
        self.hAlign = "CENTER"
        self.keyed = figure.kind == "svg" and any(self._printed(label) < min_size - 0.01 for label in figure.labels)
        """Its labels would print smaller than `min_size` (large print): each is a number at `min_size`
        where the drawing has it, and the words are in a key under the drawing (`key`), as large print
        transcribes a figure whose words do not fit."""

    def _printed(self, label: Label) -> float:
        """A label's size on the page, in points."""
        return label.size * self.scale * label.scale

    def numbers(self) -> list[int]:
        """Each label's number in the key: a label on the line under the one before it, as the drawing
        sets a long label ("Compression" / "fracture"), continues it and has no number of its own (0)."""
        numbers: list[int] = []
        count, before = 0, None
        for label in self.figure.labels:
            continues = before is not None and (
                (label.x, label.anchor, label.bold, label.colour)
                == (before.x, before.anchor, before.bold, before.colour)
                and 0 < before.y - label.y <= 1.5 * label.size
            )
            if not continues:
                count += 1
            numbers.append(0 if continues else count)
            before = label
        return numbers

    def key(self) -> list[tuple[int, str]]:
        """(number, words) of each numbered label, in the drawing's order (keyed figures only)."""
        entries: list[tuple[int, str]] = []
        for number, label in zip(self.numbers(), self.figure.labels, strict=True):
            if number:
                entries.append((number, label.text))
            elif entries:
                entries[-1] = (entries[-1][0], f"{entries[-1][1]} {label.text}")
        return entries if self.keyed else []

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
            numbers = self.numbers()
            for index, segment in enumerate(figure.segments):  # balanced q … Q, taken together
                if segment:
                    canv._code.append(segment.decode("ascii"))
                if index < len(figure.labels):
                    self._label(figure.labels[index], numbers[index])
            canv.restoreState()

    def _label(self, label: Label, number: int) -> None:
        """One text of the drawing, where the drawing has it, in the layout's regular or bold font; in a
        keyed figure its number instead, bold, on a white ground."""
        canv, fonts = self.canv, self.fonts
        if self.keyed and not number:  # a keyed label's second line: in the key, with its first
            return
        canv.saveState()
        if self.keyed:
            text, font = str(number), fonts.bold
            size = self.min_size / (self.scale * label.scale)  # the drawing is scaled: its labels with it
            width = fonts.width(text, font, size)
            x = label.x - {"start": 0.0, "middle": width / 2, "end": width}[label.anchor]
            canv.setFillColorRGB(1, 1, 1)
            canv.rect(x - size * 0.15, label.y - size * 0.2, width + size * 0.3, size * 0.95, stroke=0, fill=1)
        else:
            text, font, size = label.text, fonts.bold if label.bold else fonts.regular, label.size
        canv.setFillColorRGB(*label.colour)
        fonts.draw(canv, label.x, label.y, text, font, size, label.anchor)
        canv.restoreState()


_IMAGES: dict[str, ImageReader] = {}


def _image(figure: FigureFile) -> ImageReader:
    """A PNG figure's pixels, decoded once per process."""
    if figure.digest not in _IMAGES:
        _IMAGES[figure.digest] = ImageReader(io.BytesIO(figure.data))
    return _IMAGES[figure.digest]


def figure_flowables(block: p.Figure, b: Blocks) -> list[Flowable]:
    """A figure at its share of the text column, then its caption, kept together on one page."""
    # Large print (its small print the body's size) prints no label smaller than its small print.
    least = b.s.small.fontSize if b.s.small.fontSize >= b.s.body.fontSize else 0.0
    drawing = Figure(block.file, b.width * block.width, b.s.fonts, block.description, least)
    # The key in the caption's type, each number in bold as the drawing has it.
    entries = " · ".join(f"<b>{n}</b>\u00a0{b.mark(words)}" for n, words in drawing.key())
    key = [paragraph(entries, b.s.caption)] if entries else []
    caption = b.para(block.caption, b.s.caption)
    return [Together([Spacer(1, 4), drawing, *key, caption, Spacer(1, 6)])]
