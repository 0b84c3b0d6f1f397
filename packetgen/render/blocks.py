"""Small flowable builders shared by the handout and the consent form.

Every string goes through `markup.to_markup` here, exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, TableStyle

from ..markup import to_markup
from .flowables import BulletList, BulletMark, Panel
from .styles import Styles


class _Paragraph(Paragraph):
    """A Paragraph that remembers its line breaks: platypus wraps most paragraphs twice at the
    same width, and most text is the same in every packet, so lines are broken once per process."""

    blPara: Any  # noqa: N815 - ReportLab's attribute names
    width: float
    height: float
    _wrapWidths: list[float]  # noqa: N815

    cacheable = False
    """Set by `paragraph()` only: the pieces ReportLab makes when it splits a paragraph across
    pages are also _Paragraphs, but hold only part of the text and must be laid out afresh."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if not self.cacheable:
            return super().wrap(avail_width, avail_height)  # type: ignore[no-any-return]
        key = (self.text, self.style, avail_width)  # styles are made once per layout (styles.make_styles)
        laid = _LINES.get(key)
        if laid is None:
            super().wrap(avail_width, avail_height)
            if len(_LINES) >= _CACHE_SIZE:  # patients' own lines never recur: keep the cache bounded
                _LINES.clear()
            _LINES[key] = (self.blPara, self.height, self._wrapWidths)
            return self.width, self.height
        self.width = avail_width
        self.blPara, self.height, self._wrapWidths = laid
        return self.width, self.height


_CACHE_SIZE = 2048
_LINES: dict[tuple[str, ParagraphStyle, float], tuple[Any, float, list[float]]] = {}


def paragraph(markup: str, style: ParagraphStyle, recurring: bool = True) -> Paragraph:
    """A Paragraph whose markup is parsed once per process: most text is the same in every packet.

    Text that is one patient's own (`recurring=False`: names, MRNs, their instructions) never
    recurs, so it stays out of the caches, which then hold only the content's text and do not
    grow with the batch.
    """
    if not recurring:
        return _Paragraph(markup, style)
    frags, bullet = _parsed(markup, style)
    para = _Paragraph(markup, style, bulletText=bullet, frags=frags)
    para.cacheable = True
    return para


@lru_cache(maxsize=_CACHE_SIZE)
def _parsed(markup: str, style: ParagraphStyle) -> tuple[list[Any], Any]:
    parsed = Paragraph(markup, style)  # parses; its fragments are only read when laid out and drawn
    return parsed.frags, parsed.bulletText


class Blocks:
    """Builds paragraphs, lists and boxes in one layout's styles."""

    def __init__(self, styles: Styles, width: float, max_height: float) -> None:
        self.s = styles
        self.width = width
        self.max_height = max_height

    def mark(self, text: str) -> str:
        """Plain text as escaped Paragraph markup with font fallback."""
        return to_markup(text, self.s.fonts)

    def para(self, text: str, style: ParagraphStyle | None = None, recurring: bool = True) -> Paragraph:
        """A paragraph of plain text; `recurring=False` for a patient's own text (see `paragraph`)."""
        return paragraph(self.mark(text), style or self.s.body, recurring)

    def labelled(self, label: str, text: str, style: ParagraphStyle | None = None, recurring: bool = True) -> Paragraph:
        """`Label: text` with the label in bold."""
        return paragraph(f"<b>{self.mark(label)}:</b> {self.mark(text)}", style or self.s.body, recurring)

    def facility(self, name: str, address: tuple[str, ...]) -> list[Flowable]:
        """The facility's name and address, as the first lines of each form."""
        return [self.para(name, self.s.facility), self.para(", ".join(address), self.s.small)]

    def heading(self, text: str, bookmark: tuple[str, str] | None = None) -> Paragraph:
        para = self.para(text, self.s.heading)
        if bookmark:
            para._bookmark = bookmark  # read by PacketDoc.afterFlowable
        return para

    def bullets(self, items: Sequence[str], style: ParagraphStyle | None = None, recurring: bool = True) -> BulletList:
        """A bulleted list, each item its own paragraph."""
        body = style or self.s.bullet
        mark = BulletMark("\u2022", self.s.fonts.regular, body.fontSize, self.s.accent, 18, self.s.fonts)
        return BulletList([self.para(item, body, recurring) for item in items], mark, space_after=body.fontSize * 0.4)

    def table_style(self, commands: list[tuple[object, ...]]) -> TableStyle:
        """A TableStyle in the layout's font (ReportLab's default would pull in Helvetica)."""
        return TableStyle([("FONTNAME", (0, 0), (-1, -1), self.s.fonts.regular), *commands])

    def box(self, children: Sequence[Flowable]) -> Panel:
        """Content in a tinted box with an accent border (callouts, the appointment panel)."""
        return Panel(children, self.s.callout, self.s.accent, self.max_height)
