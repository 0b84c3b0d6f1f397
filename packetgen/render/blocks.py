"""Small flowable builders shared by the handout and the consent form.

Every string goes through `markup.to_markup` here, exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable, Paragraph, TableStyle

from ..markup import to_markup
from . import tags
from .flowables import Panel, RuledLines
from .lists import BulletList, BulletMark
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
    breakable: Breakable | None = None
    """Set by `Blocks.para`: where this paragraph may break across pages."""
    role = "P"
    """Its structure element's role (`H1`, `H2`, `LBody` …)."""
    lang: str | None = None
    """Its language, where it is not the document's (a tagline)."""

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if self.breakable is not None:
            parts = self.breakable.split(self, avail_width, avail_height)
            if parts is not None:
                return tags.inherit(parts, self)
        return tags.inherit(super().split(avail_width, avail_height), self)

    def draw(self) -> None:
        with tags.content(self.canv, tags.element_of(self)):
            super().draw()

    def beginText(self, x: float, y: float) -> PDFTextObject:  # noqa: N802 - ReportLab's name
        return _SpacedLines(self.canv, x, y)

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


class _SpacedLines(PDFTextObject):
    """A paragraph's text object whose lines end with the space they were broken at. In tagged PDF
    a word break is a character, also at the end of a line (ISO 32000-1 §14.8.2.5): a screen reader
    reads the text, not where the lines sit, and would run the last word of one line into the first
    of the next. The space is drawn after the line's last glyph and so cannot be seen. Our styles
    break lines only at spaces (no hyphenation, `embeddedHyphenation` off), so every line end is
    one, except where ReportLab cuts a word too long for a whole line: its two pieces then read
    as two words."""

    def _textOut(self, text: str, TStar: int = 0) -> None:  # noqa: N802, N803 - ReportLab's names
        super()._textOut(text if not TStar or text.endswith(" ") else text + " ", TStar)


_CACHE_SIZE = 2048
_LINES: dict[tuple[str, ParagraphStyle, float], tuple[Any, float, list[float]]] = {}

_SENTENCE_END = re.compile(
    r"(?<!\bDr)(?<!\bDra)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bSt)(?<!\be\.g)(?<!\bi\.e)(?<=[.!?:;])\s+"
)
"""Where a paragraph may break across pages: after a sentence (or a clause ended by `:` or `;`), never
after a title such as `Dr.`."""


class Breakable:
    """How a paragraph may be split across pages: only between sentences, keeping at least two lines
    on each page (no widow, no orphan); `whole`: never (consent text, signature captions)."""

    def __init__(self, text: str, mark: Callable[[str], str], whole: bool, max_height: float) -> None:
        self.text, self.mark, self.whole, self.max_height = text, mark, whole, max_height

    @property
    def sentences(self) -> list[str]:
        """The text's sentences (found only for the few paragraphs that reach a page's foot)."""
        return [part for part in _SENTENCE_END.split(self.text) if part]

    def split(self, para: Paragraph, avail_width: float, avail_height: float) -> list[Flowable] | None:
        """The two paragraphs to put on this page and the next, [] to move it whole, or None: a
        paragraph taller than a page must be split by ReportLab, wherever it can."""
        height = para.wrap(avail_width, self.max_height)[1]
        sentences = [] if self.whole else self.sentences
        if len(sentences) < 2:
            return None if height > self.max_height else []
        for cut in range(len(sentences) - 1, 0, -1):
            head = _Paragraph(self.mark(" ".join(sentences[:cut])), para.style)
            if head.wrap(avail_width, avail_height)[1] > avail_height or _lines(head) < 2:
                continue
            tail = _Paragraph(self.mark(" ".join(sentences[cut:])), para.style)
            tail.wrap(avail_width, self.max_height)
            if _lines(tail) >= 2:
                head.style = _no_space_after(para.style)
                return [head, tail]
        return None if height > self.max_height else []


def _lines(para: Paragraph) -> int:
    return len(getattr(para.blPara, "lines", ()))


@lru_cache(maxsize=64)
def _no_space_after(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-head", parent=style, spaceAfter=0)


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

    def __init__(self, styles: Styles, width: float, max_height: float, whole: bool = False) -> None:
        self.s = styles
        self.width = width
        self.max_height = max_height
        self.whole = whole
        """Paragraphs never break across pages (the consent form); else only between sentences."""

    def mark(self, text: str) -> str:
        """Plain text as escaped Paragraph markup with font fallback and language spans."""
        return to_markup(text, self.s.fonts)

    def mark_whole(self, text: str) -> str:
        """`mark`, for a paragraph whose element carries its language: no spans inside."""
        return to_markup(text, self.s.fonts, spans=False)

    def para(
        self,
        text: str,
        style: ParagraphStyle | None = None,
        recurring: bool = True,
        role: str = "P",
        lang: str | None = None,
    ) -> Paragraph:
        """A paragraph of plain text; `recurring=False` for a patient's own text (see `paragraph`);
        `role` its structure element (`H1`, `H2`, `H3`, `P`), `lang` its language where it is not
        the document's."""
        mark = self.mark if lang is None else self.mark_whole  # a paragraph in its own language needs no spans
        para = paragraph(mark(text), style or self.s.body, recurring)
        para.breakable = Breakable(text, mark, self.whole, self.max_height)
        if role != "P":
            para.role = role
        if lang is not None:
            para.lang = lang
        return para

    def labelled(self, label: str, text: str, style: ParagraphStyle | None = None, recurring: bool = True) -> Paragraph:
        """`Label: text` with the label in bold."""
        return paragraph(f"<b>{self.mark(label)}:</b> {self.mark(text)}", style or self.s.body, recurring)

    def facility(self, name: str, address: tuple[str, ...]) -> list[Flowable]:
        """The facility's name and address, as the first lines of each form."""
        return [self.para(name, self.s.facility), self.para(", ".join(address), self.s.small)]

    def heading(self, text: str, bookmark: tuple[str, str] | None = None, role: str = "H2") -> Paragraph:
        para = self.para(text, self.s.heading, role=role)
        if bookmark:
            para._bookmark = bookmark  # read by PacketDoc.afterFlowable
        return para

    def bullets(
        self,
        items: Sequence[str],
        style: ParagraphStyle | None = None,
        recurring: bool = True,
        mark_text: str = "\u2022",
        numbered: bool = False,
    ) -> BulletList:
        """A bulleted list, each item its own paragraph (`mark_text` "\u2610": a check box each;
        `numbered`: 1., 2., … instead, an ordered list)."""
        body = style or self.s.bullet
        fonts, font = self.s.fonts, self.s.fonts.regular
        marks = [f"{n}." for n in range(1, len(items) + 1)] if numbered else None
        if marks:
            indent = max(18.0, max(fonts.width(m, font, body.fontSize) for m in marks) + body.fontSize * 0.8)
        else:
            indent = 18 if mark_text == "\u2022" else body.fontSize * 1.6
        mark = BulletMark("" if numbered else mark_text, font, body.fontSize, self.s.accent, indent, fonts, numbered)
        paragraphs = [self.para(item, body, recurring) for item in items]
        return BulletList(paragraphs, mark, body.fontSize * 0.4, marks, max_height=self.max_height)

    def table_style(self, commands: list[tuple[object, ...]]) -> TableStyle:
        """A TableStyle in the layout's font (ReportLab's default would pull in Helvetica)."""
        return TableStyle([("FONTNAME", (0, 0), (-1, -1), self.s.fonts.regular), *commands])

    def box(self, children: Sequence[Flowable]) -> Panel:
        """Content in a tinted box with an accent border (callouts, the appointment panel)."""
        return Panel(children, self.s.callout, self.s.accent, self.max_height)

    def warning_box(self, children: Sequence[Flowable]) -> Panel:
        """Content in a box of the warning colours, set apart from the appointment and callouts."""
        return Panel(children, self.s.warning_background, self.s.warning, self.max_height)

    def alert(self, text: str) -> Panel:
        """One line no one may miss (the Side line to complete and verify), bold in a box of the warning
        colours."""
        panel = self.warning_box([self.para(text, self.s.label)])
        panel.spaceAfter = self.s.body.fontSize
        return panel

    def ruled(self, count: int, clinician: bool = False) -> RuledLines:
        """`count` lines to write on, spaced for handwriting at this layout's size; for a clinician's hand
        (`clinician`), as in ordinary print whatever the layout's size (large print is for the patient)."""
        size = min(self.s.body.fontSize, 12.0) if clinician else self.s.body.fontSize
        return RuledLines(count, max(24.0, size * 2.2), self.s.muted)
