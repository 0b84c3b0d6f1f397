"""Light flowables: a tinted panel, a signature block, ruled lines, a label box, right-to-left text,
and KeepTogether without its frame copies (lists: `lists.py`).

ReportLab's ListFlowable and Table can draw the same, but at several times the
cost per packet; these lay out in one pass, which matters when a batch draws
thousands of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable, KeepTogether

from ..language.labels import Labels
from ..models.packet import Signer
from . import tags
from .fonts import FontSet
from .styles import Styles


class Together(KeepTogether):
    """KeepTogether, measured without ReportLab's deep copy of the frame, that may nest, and that
    lets a heading take the start of a breakable paragraph, list or table with it.

    KeepTogether copies the current frame on every measurement, for flowables
    that add generated content to it while measured (CondPageBreak and the like).
    A packet has none, and platypus wraps every heading with what follows it:
    the copies were a twentieth of each packet's build.
    """

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Measures the content as KeepTogether does (spaces merged, none before the first), except
        that a Together inside counts its real height, not the impossible one KeepTogether reports
        to force its own split."""
        total, after = 0.0, 0.0
        heights = []
        for index, flowable in enumerate(self._content):
            _w, h = flowable.wrapOn(self.canv, avail_width, 0xFFFFFFF)
            if isinstance(flowable, KeepTogether):
                h = flowable._H
            heights.append(h)
            if index:
                total += max(flowable.getSpaceBefore() - after, 0)
            after = flowable.getSpaceAfter()
            total += h + after
        self._H = total - after
        self._H0 = heights[0] if heights else 0
        self._wrapInfo = avail_width, avail_height
        return avail_width, 0xFFFFFF  # as KeepTogether: force `split`, which decides

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        """What does not fit here: a heading (and lead line) stays with the start of what follows it,
        which breaks as it allows (a paragraph between sentences, a list after two items, a table
        between rows); when it will not break, all of it moves on, as KeepTogether does. A group
        that comes first is opened: platypus places a split's first part as it is, and a group never
        fits as it is (it measures as too tall, to be split)."""
        parts = self._split(avail_width, avail_height)
        while parts and isinstance(parts[0], KeepTogether):
            parts = [*parts[0]._content, *parts[1:]]
        return parts

    def _split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        *lead, last = self._content
        # All of it fits here (a paragraph split where it need not be breaks its line after a sentence),
        # or a group that must stay whole: all here, or all on.
        if avail_height >= self._H or isinstance(last, KeepTogether):
            return super().split(avail_width, avail_height)  # type: ignore[no-any-return]
        used = 0.0
        for index, flowable in enumerate(lead):
            used += flowable.wrapOn(self.canv, avail_width, avail_height)[1] + flowable.getSpaceAfter()
            if index:
                used += flowable.getSpaceBefore()
        room = avail_height - used - last.getSpaceBefore()
        if lead and room > 0:
            parts = last.splitOn(self.canv, avail_width, room)
            if len(parts) >= 2:
                return [*lead, *parts]
        return super().split(avail_width, avail_height)  # type: ignore[no-any-return]


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
        with tags.artifact(canv):
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


_HEADING_DROP = 0.4
"""How far a signer's heading is set below the top of its block, in ems: clear of the captions above it and
nearer what it heads (the room comes from under the heading, so the block is no taller)."""


_LEAST_SIGNATURE = 144.0
"""The shortest signature line, in points (two inches), where the other lines of its row take their captions'
widths (large print)."""
_LEAST_DATE = 90.0
_LEAST_TIME = 66.0
"""The shortest date and time lines there, in points (a date and a time written by hand)."""


class SignatureBlock(Flowable):
    """One signer's block: role and check-box choices, what they attest to, then lines to write on,
    each with its caption below: signature, printed name, date and time on one row, and the
    signer's further lines (relationship, language, ...) on the next, up to three a row."""

    def __init__(self, signer: Signer, labels: Labels, styles: Styles, attestation: Flowable | None = None) -> None:
        super().__init__()
        self.signer, self.labels, self.s = signer, labels, styles
        self.attestation = attestation
        """What the signer attests to, between the heading and the lines."""
        self._attestation_height = 0.0
        self.gap: float = max(18.0, styles.body.fontSize * 4 / 3)  # room to write above each line (1/4 to 1/3 inch)
        self.label_size: float = styles.small.fontSize
        self.row_height = self.gap + self.label_size + 3
        self.spaceAfter = styles.body.fontSize * 0.4
        self.keepWithNext = False
        self.heading_lines: list[list[str]] = []

    def rows(self, width: float) -> list[list[tuple[float, float, str, str]]]:
        """Each row's cells: (x, width, caption, value already written)."""
        labels = self.labels
        first = [
            (0.42, labels.signature, ""),
            (0.32, labels.printed_name, ""),
            (0.14, labels.signed_date, ""),
            (0.12, labels.signed_time, ""),
        ]
        # Large type: the printed name, date and time each as long as its caption, the signature the rest,
        # where that leaves it two inches at least; else the signature and printed name on one row, the date
        # and time under them.
        least = (0.0, _LEAST_DATE, _LEAST_TIME)  # room to write a date or a time by hand
        needs = [max(self._caption_width(c), low) for (_s, c, _v), low in zip(first[1:], least, strict=True)]
        signature = width - sum(needs)
        if all(self._fits(caption, share * width) for share, caption, _value in first):
            rows = [_cells(width, first)]
        elif signature >= max(_LEAST_SIGNATURE, self._caption_width(labels.signature)):
            shares = [signature / width, *(need / width for need in needs)]
            cells = [(share, caption, "") for share, (_s, caption, _v) in zip(shares, first, strict=True)]
            rows = [_cells(width, cells)]
        else:
            rows = [
                _cells(width, [(0.55, labels.signature, ""), (0.45, labels.printed_name, "")]),
                _cells(width, [(0.3, labels.signed_date, ""), (0.25, labels.signed_time, "")]),
            ]
        extra = list(self.signer.extra)
        while extra:
            for count in (3, 2, 1):  # as many to a row as leave each caption room
                chunk = extra[:count]
                needs = [self._caption_width(line.label) for line in chunk]
                if max(needs) <= width / len(chunk) or count == 1:
                    shares = [1 / len(chunk)] * len(chunk)  # equal lines where every caption fits its share
                    break
                if sum(needs) <= width:  # else each line as long as its caption, the room left shared out
                    spare = (width - sum(needs)) / len(chunk)
                    shares = [(need + spare) / width for need in needs]
                    break
            extra = extra[len(chunk) :]
            cells = [(share, line.label, line.value) for share, line in zip(shares, chunk, strict=True)]
            rows.append(_cells(width, cells))
        return rows

    def _caption_width(self, caption: str) -> float:
        """The least width of a line whose caption is `caption` (the line ends 10 pt before the next begins)."""
        return float(self.s.fonts.width(caption, self.s.fonts.regular, self.label_size)) + 12

    def _fits(self, caption: str, width: float) -> bool:
        """A caption fits under its line (the line ends 10 pt before the next begins)."""
        return bool(self.s.fonts.width(caption, self.s.fonts.regular, self.label_size) + 12 <= width)

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
        self.height = len(self.heading_lines) * self.s.label.fontSize * 1.3 + self.s.label.fontSize * 0.3
        if self.attestation is not None:
            self._attestation_height = self.attestation.wrapOn(self.canv, avail_width, avail_height)[1] + 2
        self.height += self._attestation_height + len(self.rows(avail_width)) * self.row_height
        return avail_width, self.height

    def draw(self) -> None:
        canv, s = self.canv, self.s
        size = s.label.fontSize
        y = self.height - size
        canv.setFillColor(s.text)
        role, choices = tags.Element("H3"), tags.Element("P")  # the signer, then the boxes to tick
        # The heading set lower in its room, nearer its own text than the previous signer's captions.
        y -= size * _HEADING_DROP
        for row, line in enumerate(self.heading_lines):
            x = 0.0
            for column, part in enumerate(line):
                with tags.content(canv, role if row == column == 0 else choices):
                    s.fonts.draw(canv, x, y, part, s.fonts.bold, size)
                x += s.fonts.width(part, s.fonts.bold, size) + 14
            y -= size * 1.3
        y += size * (0.7 + _HEADING_DROP)
        if self.attestation is not None:
            y -= size * 0.3
            self.attestation.drawOn(canv, 0, y - self._attestation_height + 2)
            y -= self._attestation_height - size * 0.3
        for cells in self.rows(self.width):
            y = self._row(y, cells)

    def _row(self, y: float, cells: list[tuple[float, float, str, str]]) -> float:
        """A row of lines to write on, each with its caption below (and any value already written on it)."""
        canv, s = self.canv, self.s
        line_y = y - self.gap
        for x, width, label, value in cells:
            cell = tags.Element("P")  # what is written on the line, then what the line is for
            if value:
                canv.setFillColor(s.text)
                with tags.content(canv, cell):
                    s.fonts.draw(canv, x + 2, line_y + 3, value, s.fonts.regular, s.body.fontSize)
            with tags.artifact(canv):
                canv.setStrokeColor(s.text)
                canv.setLineWidth(0.8)
                canv.line(x, line_y, x + width - 10, line_y)
            canv.setFillColor(s.muted)
            with tags.content(canv, cell):
                s.fonts.draw(canv, x, line_y - self.label_size - 1, label, s.fonts.regular, self.label_size)
        return line_y - self.label_size - 3


def _cells(width: float, parts: list[tuple[float, str, str]]) -> list[tuple[float, float, str, str]]:
    x, cells = 0.0, []
    for share, label, value in parts:
        cells.append((x, width * share, label, value))
        x += width * share
    return cells


class LabelBox(Flowable):
    """An empty dashed box the size of a chart label (patient sticker), its purpose in small print."""

    def __init__(self, width: float, height: float, caption: str, styles: Styles) -> None:
        super().__init__()
        self.width, self.height, self.caption, self.styles = width, height, caption, styles

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        s, canv = self.styles, self.canv
        with tags.artifact(canv):
            canv.setStrokeColor(s.muted)
            canv.setLineWidth(0.6)
            canv.setDash(3, 2)
            canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)
            canv.setDash()
        canv.setFillColor(s.muted)
        size = s.small.fontSize
        lines = s.fonts.lines(self.caption, s.fonts.regular, size, self.width - size)  # inside the box
        leading = size * 1.15
        first = self.height / 2 - size / 3 + (len(lines) - 1) * leading / 2  # the lines centred in the box
        with tags.content(canv, tags.element_of(self)):
            for n, line in enumerate(lines):
                s.fonts.draw(canv, self.width / 2, first - n * leading, line, s.fonts.regular, size, "middle")


class RuledLines(Flowable):
    """Lines to write on by hand (questions, a physician's notes), `gap` apart."""

    def __init__(self, count: int, gap: float, colour: Color) -> None:
        super().__init__()
        self.count, self.gap, self.colour = count, gap, colour
        self.spaceAfter = gap / 2

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, self.count * self.gap
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        with tags.artifact(canv):
            canv.setStrokeColor(self.colour)
            canv.setLineWidth(0.6)
            for n in range(self.count):
                y = self.height - (n + 1) * self.gap
                canv.line(0, y, self.width, y)


class RightToLeft(Flowable):
    """A right-to-left paragraph (an Arabic, Urdu or Persian tagline): broken into lines in reading
    order first, then each line put in drawing order (`direction.visual`, via `FontSet.draw`) and
    set flush right, so a wrapped sentence reads from the top line down."""

    def __init__(
        self, text: str, font: str, size: float, leading: float, colour: Color, fonts: FontSet, lang: str | None = None
    ) -> None:
        super().__init__()
        self.lang = lang
        """Its language (a `P` with `/Lang`)."""
        self.text = text
        self.font, self.size, self.leading, self.colour, self.fonts = font, size, leading, colour, fonts
        self.lines: list[str] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.lines = self.fonts.lines(self.text, self.font, self.size, avail_width)
        self.width, self.height = avail_width, len(self.lines) * self.leading
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setFillColor(self.colour)
        element = tags.element_of(self)
        element.actual_text = self.text  # the lines are drawn in visual order: read them as written
        with tags.content(self.canv, element):
            for n, line in enumerate(self.lines):
                baseline = self.height - n * self.leading - self.size
                self.fonts.draw(self.canv, self.width, baseline, line, self.font, self.size, "end")
