"""Light flowables: a bulleted list, a tinted panel, a signature block, and KeepTogether
without its frame copies.

ReportLab's ListFlowable and Table can draw the same, but at several times the
cost per packet; these lay out in one pass, which matters when a batch draws
thousands of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable, KeepTogether

from ..models.packet import Signer
from .fonts import FontSet
from .styles import Styles


class Together(KeepTogether):
    """KeepTogether, measured without ReportLab's deep copy of the frame.

    KeepTogether copies the current frame on every measurement, for flowables
    that add generated content to it while measured (CondPageBreak and the like).
    A packet has none, and platypus wraps every heading with what follows it:
    the copies were a twentieth of each packet's build.
    """

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        doc = getattr(self.canv, "_doctemplate", None)
        frame = getattr(doc, "frame", None)
        if doc is None or frame is None:
            return super().wrap(avail_width, avail_height)  # type: ignore[no-any-return]
        doc.frame = None
        try:
            return super().wrap(avail_width, avail_height)  # type: ignore[no-any-return]
        finally:
            doc.frame = frame


class BulletList(Flowable):
    """A bulleted list: each item a paragraph, indented past its bullet.

    ReportLab's ListFlowable builds the same page through nested containers
    (item, bullet drawer, indenters) that cost a tenth of each packet's build;
    this measures in one pass. Splits between items, or inside an item's
    paragraph, whose continuation then carries no bullet.
    """

    def __init__(
        self,
        items: Sequence[Flowable],
        mark: BulletMark,
        space_after: float,
        bulleted: Sequence[bool] | None = None,
    ) -> None:
        super().__init__()
        self.items = list(items)
        self.mark = mark
        self.bulleted = list(bulleted) if bulleted is not None else [True] * len(self.items)
        self.spaceAfter = space_after
        self._heights: list[float] = []

    def detach_first(self) -> tuple[BulletList, BulletList] | None:
        """The first item and the rest as two lists that lay out exactly as this one."""
        if len(self.items) < 2:
            return None
        first = BulletList(self.items[:1], self.mark, self._gap(self.items[0]), self.bulleted[:1])
        return first, BulletList(self.items[1:], self.mark, self.spaceAfter, self.bulleted[1:])

    def _gap(self, item: Flowable) -> float:
        return float(item.getSpaceAfter())

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        inner = avail_width - self.mark.indent
        self._heights = [item.wrapOn(self.canv, inner, avail_height)[1] for item in self.items]
        gaps = sum(self._gap(item) for item in self.items[:-1])
        self.width, self.height = avail_width, sum(self._heights) + gaps
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        used, fit = 0.0, 0
        for item, h in zip(self.items, self._heights, strict=True):
            if used + h > avail_height:
                break
            used += h + self._gap(item)
            fit += 1
        if fit == len(self.items):
            return [self]
        head, head_marks = self.items[:fit], self.bulleted[:fit]
        tail, tail_marks = self.items[fit:], self.bulleted[fit:]
        parts = tail[0].splitOn(self.canv, avail_width - self.mark.indent, avail_height - used)
        if len(parts) > 1:  # the item itself breaks across the pages; its rest has no bullet
            head, head_marks = [*head, parts[0]], [*head_marks, tail_marks[0]]
            tail, tail_marks = [*parts[1:], *tail[1:]], [False] * (len(parts) - 1) + tail_marks[1:]
        if not head:
            return []
        return [BulletList(head, self.mark, 0.0, head_marks), BulletList(tail, self.mark, self.spaceAfter, tail_marks)]

    def draw(self) -> None:
        canv, mark = self.canv, self.mark
        canv.setFillColor(mark.colour)
        y = self.height
        for item, h, bulleted in zip(self.items, self._heights, self.bulleted, strict=True):
            if bulleted:  # on the first line's baseline, as Paragraph places its own first line
                mark.fonts.draw(canv, 0, y - _first_font_size(item), mark.text, mark.font, mark.size)
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


def _first_font_size(item: Flowable) -> float:
    """How far below its top a paragraph puts its first baseline (rl_config.paraFontSizeHeightOffset)."""
    lines = getattr(getattr(item, "blPara", None), "lines", None)
    if lines and hasattr(lines[0], "fontSize"):
        return float(lines[0].fontSize)
    return float(item.style.fontSize)


class Panel(Flowable):
    """Flowables in a tinted box with a border; kept on one page unless taller than a page."""

    def __init__(self, children: Sequence[Flowable], background: Color, border: Color, max_height: float) -> None:
        super().__init__()
        self.children = list(children)
        self.background, self.border = background, border
        self.max_height = max_height
        self.padding = 8.0
        self._laid: list[tuple[Flowable, float, float]] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        inner = avail_width - 2 * self.padding
        self._laid = []
        total = 0.0
        for index, child in enumerate(self.children):
            _w, h = child.wrapOn(self.canv, inner, self.max_height)
            after = child.getSpaceAfter() if index < len(self.children) - 1 else 0.0
            self._laid.append((child, h, after))
            total += h + after
        self.width, self.height = avail_width, total + 2 * self.padding
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        if self.height > self.max_height:  # cannot fit any page: let the contents flow unboxed
            return list(self.children)
        return []  # move whole to the next page

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setFillColor(self.background)
        canv.setStrokeColor(self.border)
        canv.setLineWidth(1.2)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        canv.restoreState()
        y = self.height - self.padding
        for child, h, after in self._laid:
            y -= h
            child.drawOn(canv, self.padding, y)
            y -= after


class SignatureBlock(Flowable):
    """Signature, date and time lines, printed name, check-box choices and extra lines for one signer."""

    def __init__(self, signer: Signer, labels: dict[str, str], styles: Styles) -> None:
        super().__init__()
        self.signer, self.labels, self.s = signer, labels, styles
        self.gap: float = styles.body.fontSize * 2.0  # room to write above each line
        self.label_size: float = styles.small.fontSize
        self.row_height = self.gap + self.label_size + 4
        self.spaceAfter = styles.body.fontSize * 1.2
        self.heading_lines: list[list[str]] = []

    def heading_layout(self, width: float) -> list[list[str]]:
        """The role, then each check-box choice, flowed into lines that fit `width`."""
        fonts, font, size = self.s.fonts, self.s.fonts.bold, self.s.label.fontSize
        lines: list[list[str]] = [[self.signer.role]]
        used = fonts.width(self.signer.role, font, size)
        for choice in self.signer.choices:  # U+2610 BALLOT BOX: a real glyph that prints and extracts as text
            text = f"\u2610 {choice}"
            needed = fonts.width(text, font, size) + 14
            if used + needed > width:
                lines.append([])
                used = 0.0
            lines[-1].append(text)
            used += needed
        return lines

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.heading_lines = self.heading_layout(avail_width)
        rows = 2 + len(self.signer.extra)
        self.height = len(self.heading_lines) * self.s.label.fontSize * 1.3 + self.s.label.fontSize * 0.3
        self.height += rows * self.row_height
        return avail_width, self.height

    def draw(self) -> None:
        canv, s = self.canv, self.s
        size = s.label.fontSize
        y = self.height - size
        canv.setFillColor(s.text)
        for line in self.heading_lines:
            x = 0.0
            for part in line:
                s.fonts.draw(canv, x, y, part, s.fonts.bold, size)
                x += s.fonts.width(part, s.fonts.bold, size) + 14
            y -= size * 1.3
        y += size * 0.7
        wide, narrow = self.width * 0.56, self.width * 0.22
        y = self._row(
            y,
            [
                (0, wide, self.labels["signature"]),
                (wide, narrow, self.labels["signed_date"]),
                (wide + narrow, narrow, self.labels["signed_time"]),
            ],
        )
        y = self._row(y, [(0, self.width, self.labels["printed_name"])])
        for extra in self.signer.extra:
            y = self._row(y, [(0, self.width, extra.label)], extra.value)

    def _row(self, y: float, cells: list[tuple[float, float, str]], value: str = "") -> float:
        """A row of lines to write on, each with its label below; `value` already written on the first."""
        canv, s = self.canv, self.s
        line_y = y - self.gap
        if value:
            canv.setFillColor(s.text)
            s.fonts.draw(canv, cells[0][0] + 2, line_y + 3, value, s.fonts.regular, s.body.fontSize)
        canv.setStrokeColor(s.text)
        canv.setLineWidth(0.8)
        canv.setFillColor(s.muted)
        for x, width, label in cells:
            canv.line(x, line_y, x + width - 12, line_y)
            s.fonts.draw(canv, x, line_y - self.label_size - 1, label, s.fonts.regular, self.label_size)
        return line_y - self.label_size - 4


class LabelBox(Flowable):
    """An empty dashed box the size of a chart label (patient sticker), its purpose in small print."""

    def __init__(self, width: float, height: float, caption: str, styles: Styles) -> None:
        super().__init__()
        self.width, self.height, self.caption, self.styles = width, height, caption, styles

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        s, canv = self.styles, self.canv
        canv.setStrokeColor(s.muted)
        canv.setLineWidth(0.6)
        canv.setDash(3, 2)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        canv.setDash()
        canv.setFillColor(s.muted)
        size = s.small.fontSize
        s.fonts.draw(canv, self.width / 2, self.height / 2 - size / 3, self.caption, s.fonts.regular, size, "middle")
