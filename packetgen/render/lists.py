"""Lists: bulleted, check-box and numbered, laid out in one pass and split between items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable

from . import tags
from .fonts import FontSet

MIN_ITEMS = 2
"""A list never leaves fewer items than this alone on a page (nor its heading with fewer)."""


class BulletList(Flowable):
    """A bulleted list, or a numbered one: each item a paragraph, indented past its bullet or number.

    ReportLab's ListFlowable builds the same page through nested containers
    (item, bullet drawer, indenters) that cost a tenth of each packet's build;
    this measures in one pass. Splits between items, or inside an item's
    paragraph, whose continuation then carries no bullet.

    Tagged as `L` (a numbered list with `/ListNumbering /Decimal`), each item an `LI` of its bullet or
    number (`Lbl`) and its paragraph (`LBody`); the parts of a split list are one `L`, an item broken
    across pages one `LI`.
    """

    role = "L"

    def __init__(
        self,
        items: Sequence[Flowable],
        mark: BulletMark,
        space_after: float,
        marks: Sequence[str] | None = None,
        max_height: float = 1e6,
    ) -> None:
        super().__init__()
        self.items = list(items)
        for item in self.items:
            item.role = "LBody"
        self.mark = mark
        self.marks = list(marks) if marks is not None else [mark.text] * len(self.items)
        """Each item's bullet or number ("" for the rest of an item continued from the page before)."""
        self.spaceAfter = space_after
        self.max_height = max_height
        """A page's body height: a list taller than that must break wherever it can."""
        self._heights: list[float] = []

    def _part(self, start: int, end: int, space_after: float) -> BulletList:
        return BulletList(self.items[start:end], self.mark, space_after, self.marks[start:end], self.max_height)

    def detach_first(self, count: int = MIN_ITEMS) -> tuple[BulletList, BulletList] | None:
        """The first `count` items and the rest as two lists that lay out exactly as this one; None where the
        rest would be fewer than `MIN_ITEMS` (it could then stand alone at the top of a page)."""
        if len(self.items) < count + MIN_ITEMS:
            return None
        head, tail = tags.inherit(
            [
                self._part(0, count, self._gap(self.items[count - 1])),
                self._part(count, len(self.items), self.spaceAfter),
            ],
            self,
        )
        return head, tail

    def _gap(self, item: Flowable) -> float:
        return float(item.getSpaceAfter())

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        inner = avail_width - self.mark.indent
        self._heights = [item.wrapOn(self.canv, inner, avail_height)[1] for item in self.items]
        gaps = sum(self._gap(item) for item in self.items[:-1])
        self.width, self.height = avail_width, sum(self._heights) + gaps
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        """Between items only, at least `MIN_ITEMS` on each page; a list taller than a page breaks
        wherever it must."""
        return tags.inherit(self._split(avail_width, avail_height), self)

    def _split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        used, fit = self._fitting(avail_height)
        if fit == len(self.items):
            return [self]
        kept = min(fit, len(self.items) - MIN_ITEMS)
        if kept >= MIN_ITEMS:
            return [self._part(0, kept, 0.0), self._part(kept, len(self.items), self.spaceAfter)]
        if self.height <= self.max_height:
            return []  # the whole list moves on
        return self._split_anywhere(avail_width, avail_height, used, fit)

    def _fitting(self, avail_height: float) -> tuple[float, int]:
        """The height of the items that fit in `avail_height`, and how many they are."""
        used, fit = 0.0, 0
        for item, h in zip(self.items, self._heights, strict=True):
            if used + h > avail_height:
                break
            used += h + self._gap(item)
            fit += 1
        return used, fit

    def _split_anywhere(self, avail_width: float, avail_height: float, used: float, fit: int) -> list[Flowable]:
        head, head_marks = self.items[:fit], self.marks[:fit]
        tail, tail_marks = self.items[fit:], self.marks[fit:]
        parts = tail[0].splitOn(self.canv, avail_width - self.mark.indent, avail_height - used)
        if len(parts) > 1:  # the item itself breaks across the pages; its rest has no bullet
            head, head_marks = [*head, parts[0]], [*head_marks, tail_marks[0]]
            tail, tail_marks = [*parts[1:], *tail[1:]], [""] * (len(parts) - 1) + tail_marks[1:]
        if not head:
            return []
        return [
            BulletList(head, self.mark, 0.0, head_marks, self.max_height),
            BulletList(tail, self.mark, self.spaceAfter, tail_marks, self.max_height),
        ]

    def draw(self) -> None:
        canv, mark = self.canv, self.mark
        y = self.height
        element = tags.element_of(self)
        if mark.numbered:
            element.list_numbering = "Decimal"
        # A number ends where a bullet would start its gap: "9." and "10." line up on their full stops.
        x, anchor = (mark.indent - mark.size * 0.4, "end") if mark.numbered else (0.0, "start")
        with tags.within(canv, element):
            for item, h, text in zip(self.items, self._heights, self.marks, strict=True):
                with tags.within(canv, tags.item_of(item)):
                    if text:  # on the first line's baseline, as Paragraph places its own first line
                        canv.setFillColor(mark.colour)
                        with tags.content(canv, tags.Element("Lbl")):
                            baseline = y - _first_font_size(item)
                            mark.fonts.draw(canv, x, baseline, text, mark.font, mark.size, anchor)
                    y -= h
                    item.drawOn(canv, mark.indent, y)
                    y -= self._gap(item)


@dataclass(frozen=True)
class BulletMark:
    """How a list's bullets look: the character, its font, size and colour, and the items' indent."""

    text: str
    font: str
    size: float
    colour: Color
    indent: float
    fonts: FontSet
    numbered: bool = False
    """Numbers (each item's own, `BulletList.marks`), set flush right before the indent."""


def _first_font_size(item: Flowable) -> float:
    """How far below its top a paragraph puts its first baseline (rl_config.paraFontSizeHeightOffset)."""
    lines = getattr(getattr(item, "blPara", None), "lines", None)
    if lines and hasattr(lines[0], "fontSize"):
        return float(lines[0].fontSize)
    return float(item.style.fontSize)
