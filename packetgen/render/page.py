"""Page decorations: the patient header and the `Page N of M` footer on every page.

ReportLab knows the page total only at the end, so pages are kept until
`save()` and decorated then (the well-known "numbered canvas" recipe).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.pagesizes import A4, LEGAL, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ..language.direction import visual
from ..markup import to_markup
from ..models import Layout
from ..models.packet import FormStamp, ResolvedPacket, ScanBack
from .scan import QUIET, Symbol, for_record, payload, size_for, symbol
from .styles import Styles
from .tags import Tagger

PAGE_SIZES = {"letter": LETTER, "a4": A4, "legal": LEGAL}

EDGE = 18.0
"""No ink nearer than this to any edge of the page (a quarter inch: what common laser printers leave
unprinted)."""
_CLEAR = 2.0
"""Between `EDGE` and the nearest ink the header and footer draw: rounding, and a font's accents."""
_HEADER_GAP = 9.0
"""From the bottom of the patient line to the body: the rule and a little air."""
_HEADER_MIN_SIZE = 6.0
_MARK_PAD = 3.0
"""Padding inside the DRAFT banner."""
_BANNER_PAD = 6.0
"""Padding inside the record pages' banner."""
_SCAN_GAP = 12.0
"""Between the scan-back code's zone and the body above it, plus the zone's 6 pt above the footer rule."""
_FOOTER_LEADING = 3.0
"""Between one line of the footer and the next: baselines `small` + 3 pt apart."""
_WIDEST_PAGE = 999
"""The page label's room beside the form stamp is kept for `Page 999 of 999`: pages are counted only
after the body is laid out, which needs the footer's height first."""


@dataclass
class PageLog:
    """What the layout pass learned about each page: its section, and which are blank."""

    sections: dict[int, str] = field(default_factory=dict)
    blank: set[int] = field(default_factory=set)
    bookmarks: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    """Outline entries (key, title) to place on each page."""


@dataclass(frozen=True)
class Footer:
    """A part's footer as lines: the form stamp, `Page N of M` right of its first line, then the
    department's note, centred (`low`: where the stamp fits a line only without the page label beside it,
    as in large print, the label goes right of the note, set left, to save a line). A text too long for its
    room wraps onto more lines, and the footer rises by them (`raised`) above the bottom margin, and further
    where its last line would come nearer than `EDGE` to the bottom edge: the body frame rises as much."""

    stamp: tuple[str, ...]
    note: tuple[str, ...]
    raised: float
    low: bool = False


@dataclass(frozen=True)
class Decorator:
    """Draws header, footer and outline entries on a finished page."""

    packet: ResolvedPacket
    layout: Layout
    styles: Styles
    log: PageLog

    def section(self, page: int) -> str:
        """`handout`, `consent` or `record`: the document a page belongs to (a blank back: the one before
        it, but for the back of the translated consent's last sheet, left before the record starts on a front
        page: the record's, whose code it carries, so that the consent's pages are all and only its own)."""
        return self.log.sections.get(page, "handout")

    def scan_back(self, part: str) -> ScanBack | None:
        """What the code on `part`'s pages holds: the consent's fields; on the record's (the back before it
        too), the record's own with `DOC=RECORD`, never read as a consent page; none on the handout's."""
        if part == "record" and self.packet.record is not None and self.packet.record.scan is not None:
            return for_record(self.packet.record.scan)
        return self.packet.scan if part == "consent" else None

    def stamp(self, part: str) -> FormStamp:
        """The form stamp in the footer of `part`'s pages: the record's is the source language's consent's."""
        if part == "record" and self.packet.record is not None:
            return self.packet.record.consent.stamp
        return self.packet.consent.stamp if part == "consent" else self.packet.handout.stamp

    def numbering(self, page: int, total: int) -> tuple[int, int]:
        """(N, M) for `Page N of M`: each document is numbered on its own, so a consent scanned back
        into the chart is whole without the handout."""
        section = self.section(page)
        mine = [p for p in range(1, total + 1) if self.section(p) == section]
        return mine.index(page) + 1, len(mine)

    def header_top(self) -> float:
        """From the top edge of the page to the top of the patient line: under the line naming the copy
        and the facility, whose tallest letters (an accented capital: a full em) stay `EDGE` from the edge."""
        return EDGE + _CLEAR + 1.3 * float(self.styles.small.fontSize)

    def before(self, canv: Canvas, page: int, total: int) -> None:
        """Drawn ahead of the page's body, so it comes first in reading order."""
        width, height = canv._pagesize
        left, right = self.layout.page.margin_left, width - self.layout.page.margin_right
        for key, title in self.log.bookmarks.get(page, ()):
            canv.bookmarkPage(key)
            canv.addOutlineEntry(title, key, level=0)
        part = self.section(page)
        labels = self.packet.labels
        copy = labels.handout_copy if part == "handout" else labels.consent_copy
        s = self.styles
        canv.setFillColor(s.text)
        compact = self._compact(right - left)
        if compact is None:
            s.fonts.draw(canv, left, self._top_line(height), copy, s.fonts.bold, s.small.fontSize)
        else:  # drawn first all the same (read first), at the right of the second line
            second = self._top_line(height) - compact
            s.fonts.draw(canv, right, second, copy, s.fonts.bold, s.small.fontSize, "end")
        self._header(canv, left, right, height - self.header_top(), self._top_line(height))
        if part == "record" and page not in self.log.blank:  # the back before it: a blank back like any other
            self._banner(canv, left, right, height - self.top_margin(right - left))
        if page in self.log.blank:
            self._centred(canv, width / 2, height / 2, labels.blank_page)

    def after(self, canv: Canvas, page: int, total: int) -> None:
        """Drawn after the body: the scan-back code on consent and record pages, the footer with the form
        stamp and `Page N of M`."""
        width = canv._pagesize[0]
        left, right = self.layout.page.margin_left, width - self.layout.page.margin_right
        number, count = self.numbering(page, total)
        part = self.section(page)
        stamp = self.stamp(part)
        footer = self.footer(right - left, part)
        scan = self.scan_back(part)
        if scan is not None:
            self._scan_code(canv, scan, left, right, number, count, footer)
        self._footer(canv, left, right, stamp, footer, number, count)

    def _top_line(self, height: float) -> float:
        """The baseline of the header's first line (the copy, the facility): an em below `EDGE`."""
        return height - EDGE - _CLEAR - float(self.styles.small.fontSize)

    def _header(self, canv: Canvas, left: float, right: float, top: float, baseline: float) -> None:
        """The same on every page: drawn once per document as a form, placed on each page."""
        name = f"packet-header-{right - left:g}"
        compact = self._compact(right - left)
        if compact is not None and not canv.hasForm(name):
            canv.beginForm(name)
            self._compact_lines(canv, left, right, baseline, compact)
            canv.endForm()
        if not canv.hasForm(name):
            canv.beginForm(name)
            para, h = self._patient_line(right - left)  # once per document: the form is reused
            para.drawOn(canv, left, top - h)
            self._marks(canv, left, right, top - h - 9)
            s = self.styles
            canv.setFillColor(s.muted)
            s.fonts.draw(canv, right, baseline, self.packet.visit.facility, s.fonts.regular, s.small.fontSize, "end")
            canv.setStrokeColor(s.accent)
            canv.setLineWidth(0.8)
            canv.line(left, top - h - 5, right, top - h - 5)  # 5 + 4 below it: _HEADER_GAP
            canv.endForm()
        canv.doForm(name)

    def _compact(self, width: float) -> float | None:
        """Where the patient, date of birth and MRN do not fit one line beside nothing (large print), but the
        patient's name fits beside the facility and the date of birth and MRN beside the copy's name: the
        distance between the two lines' baselines (a header line saved on every page, the date of birth and
        MRN on one line); else None."""
        s, labels, patient = self.styles, self.packet.labels, self.packet.patient
        fonts, size, small = s.fonts, s.header.fontSize, s.small.fontSize
        if size != small:  # the small print's own line above the patient line (letter, A4): room enough
            return None
        gap = 2 * size
        whole = (
            fonts.width(f"{labels.patient}: ", fonts.bold, size)
            + fonts.width(patient.name, fonts.regular, size)
            + gap
            + self._identifiers_width()
        )
        if whole <= width:
            return None
        copy = max(fonts.width(lb, fonts.bold, small) for lb in (labels.handout_copy, labels.consent_copy))
        first = (
            fonts.width(f"{labels.patient}: ", fonts.bold, size)
            + fonts.width(patient.name, fonts.regular, size)
            + gap
            + fonts.width(self.packet.visit.facility, fonts.regular, small)
        )
        if first > width or self._identifiers_width() + gap + copy > width:
            return None
        return float(s.header.leading)

    def _identifiers_width(self) -> float:
        """The width of `Date of birth: … MRN: …` in the header's type."""
        s, labels, patient = self.styles, self.packet.labels, self.packet.patient
        fonts, size = s.fonts, s.header.fontSize
        return float(
            fonts.width(f"{labels.date_of_birth}: ", fonts.bold, size)
            + fonts.width(patient.date_of_birth, fonts.regular, size)
            + 2 * size
            + fonts.width(f"{labels.mrn}: ", fonts.bold, size)
            + fonts.width(patient.mrn, fonts.regular, size)
        )

    def _compact_lines(self, canv: Canvas, left: float, right: float, baseline: float, step: float) -> None:
        """The compact header (`_compact`): the patient's name, then the date of birth and MRN, each drawn as
        one text line (the date of birth and MRN on one, as a reader of the page finds them); the facility
        right of the first line (the copy's name, drawn first, right of the second); the banner and the rule
        below."""
        s, labels, patient, fonts = self.styles, self.packet.labels, self.packet.patient, self.styles.fonts
        size = s.header.fontSize
        canv.setFillColor(s.text)

        def pair(x: float, y: float, label: str, value: str) -> float:
            fonts.draw(canv, x, y, f"{label}:", fonts.bold, size)
            x += fonts.width(f"{label}: ", fonts.bold, size)
            fonts.draw(canv, x, y, value, fonts.regular, size)
            return float(x + fonts.width(value, fonts.regular, size) + 2 * size)

        pair(left, baseline, labels.patient, patient.name)
        second = baseline - step
        pair(pair(left, second, labels.date_of_birth, patient.date_of_birth), second, labels.mrn, patient.mrn)
        bottom = second - 0.3 * size
        self._marks(canv, left, right, bottom - 9)
        canv.setFillColor(s.muted)
        fonts.draw(canv, right, baseline, self.packet.visit.facility, fonts.regular, s.small.fontSize, "end")
        canv.setStrokeColor(s.accent)
        canv.setLineWidth(0.8)
        canv.line(left, bottom - 5, right, bottom - 5)

    def _patient_line(self, width: float) -> tuple[Paragraph, float]:
        labels, patient, mark = self.packet.labels, self.packet.patient, self._mark

        def kept(text: str) -> str:  # a line may break between the three parts, not inside a label or a date
            return mark(text).replace(" ", "&nbsp;")

        # The name as one text, as the consent's identification box draws it: a right-to-left name
        # reads the same (Unicode bidi over the whole name) wherever it is. A long name may wrap.
        name = mark(patient.name)
        text = (
            f"<b>{kept(labels.patient)}:</b> {name}&nbsp;&nbsp;&nbsp; "
            f"<b>{kept(labels.date_of_birth)}:</b>&nbsp;{kept(patient.date_of_birth)}&nbsp;&nbsp;&nbsp; "
            f"<b>{kept(labels.mrn)}:</b>&nbsp;{kept(patient.mrn)}"
        )
        # Above the body there is the layout's top margin; a header that needs more takes more, its type
        # set smaller first but never below the small print (large print stays large), and never more
        # than a quarter of the page: a name long enough to need that is set smaller, never cut (every
        # page must identify the patient in full).
        above = self.header_top() + _HEADER_GAP + self.marks_height(width)
        height = self._page_height()
        style = self.styles.header
        para = Paragraph(text, style)
        _w, h = para.wrap(width, 1000)
        room = self.layout.page.margin_top - above
        floor = min(self.styles.small.fontSize, style.fontSize)
        while h > room:
            if style.fontSize <= floor and room < max(self.layout.page.margin_top, height / 4) - above:
                room = min(h, max(self.layout.page.margin_top, height / 4) - above)  # the margin grows
                continue
            if style.fontSize <= _HEADER_MIN_SIZE:
                break
            size = style.fontSize - 0.5
            style = ParagraphStyle(f"header-{size:g}", parent=style, fontSize=size, leading=size * 1.2)
            para = Paragraph(text, style)
            _w, h = para.wrap(width, 1000)
        return para, h

    def top_margin(self, width: float) -> float:
        """From the top edge to the body: the layout's top margin, or more when the header needs it."""
        compact = self._compact(width)
        if compact is not None:  # the two lines from the first line's baseline, their descenders, the gap
            size = float(self.styles.header.fontSize)
            needed = EDGE + _CLEAR + size + compact + 0.3 * size + _HEADER_GAP + self.marks_height(width)
            return max(float(self.layout.page.margin_top), needed)
        _para, h = self._patient_line(width)
        return max(self.layout.page.margin_top, self.header_top() + h + _HEADER_GAP + self.marks_height(width))

    def _page_height(self) -> float:
        return float(PAGE_SIZES[self.layout.page.size][1])

    def _marks_paragraph(self, width: float) -> tuple[Paragraph | None, float]:
        if not self.packet.marks:
            return None, 0.0
        text = "<br/>".join(self._mark(mark) for mark in self.packet.marks)
        para = Paragraph(text, self.styles.mark)
        _w, h = para.wrap(width - 2 * _MARK_PAD, 1000)
        return para, h

    def marks_height(self, width: float) -> float:
        """Room the DRAFT / overdue banner takes under the header rule (0 when there is none)."""
        para, h = self._marks_paragraph(width)
        return float(h + 2 * _MARK_PAD + 4) if para else 0.0

    def _marks(self, canv: Canvas, left: float, right: float, top: float) -> None:
        """The banner saying the content is not approved (DRAFT) or is overdue for review."""
        para, h = self._marks_paragraph(right - left)
        if para is None:
            return
        s = self.styles
        canv.setStrokeColor(s.warning)
        canv.setFillColor(s.warning_background)
        canv.setLineWidth(1.2)
        canv.rect(left, top - h - 2 * _MARK_PAD, right - left, h + 2 * _MARK_PAD, stroke=1, fill=1)
        para.drawOn(canv, left + _MARK_PAD, top - h - _MARK_PAD)

    def _banner_paragraph(self, width: float) -> tuple[Paragraph, float]:
        s = self.styles
        size = s.body.fontSize
        style = ParagraphStyle("record-banner", parent=s.mark, fontSize=size, leading=size * 1.2)
        para = Paragraph(self._mark(self.packet.labels.record_banner), style)
        _w, h = para.wrap(width - 2 * _BANNER_PAD, 1000)
        return para, h

    def banner_height(self, width: float) -> float:
        """Room the record pages' banner takes between the header and the body."""
        _para, h = self._banner_paragraph(width)
        return float(h + 2 * _BANNER_PAD + self.styles.body.fontSize)

    def _banner(self, canv: Canvas, left: float, right: float, top: float) -> None:
        """On every page of the consent printed for the record: in the body's size, bold, boxed in the warning
        colour, that it is the source language's text for the record and not for signature."""
        para, h = self._banner_paragraph(right - left)
        s = self.styles
        canv.setStrokeColor(s.warning)
        canv.setFillColor(s.warning_background)
        canv.setLineWidth(2)
        canv.rect(left, top - h - 2 * _BANNER_PAD, right - left, h + 2 * _BANNER_PAD, stroke=1, fill=1)
        para.drawOn(canv, left + _BANNER_PAD, top - h - _BANNER_PAD)

    def scan_zone(self, width: float, part: str = "consent") -> float:
        """Height the scan-back code takes above the footer on `part`'s pages (0 without one): room
        for the largest code and data line a page of the part can have."""
        scan = self.scan_back(part)
        if scan is None:
            return 0.0
        if scan.symbology in ("code128", "pdf417"):  # their size depends on the characters too
            widest = self._symbol(scan, width, 999, 999)
            text = self._readable(scan, 999, 999).wrap(self._readable_width(width, widest), 1000)[1]
            if widest.symbology == "code128":
                return float(widest.height + 3 + text + _SCAN_GAP)
            return float(max(widest.height, text) + _SCAN_GAP)
        # A square code's size depends on its payload's length only (not on this patient's data).
        code_w, code_h = size_for(scan.symbology, len(payload(scan, 999, 999)), scan.module)
        text = self._readable(scan, 999, 999).wrap(width - code_w - QUIET * scan.module - 6, 1000)[1]
        return float(max(code_h, text) + _SCAN_GAP)

    def _symbol(self, scan: ScanBack, width: float, page: int, count: int) -> Symbol:
        value = payload(scan, page, count)
        made = symbol(scan.symbology, value, scan.module)
        if scan.symbology == "code128" and made.width > width:  # narrower bars, never off the page
            made = symbol(scan.symbology, value, scan.module * width / made.width)
        return made

    def _readable(self, scan: ScanBack, page: int, count: int) -> Paragraph:
        """The code's data for a person: `MRN 00012345 · ENC … · PG 1/3`."""
        parts = [*(f"{key} {value}" for key, value in scan.fields), f"PG {page}/{count}"]
        return Paragraph(self._mark(" · ".join(parts)), self.styles.scan_text)

    @staticmethod
    def _readable_width(width: float, made: Symbol) -> float:
        """Beside a 2D code; under a linear one, the whole width."""
        return width if made.symbology == "code128" else width - made.width - QUIET * made.module - 6

    def _scan_code(
        self, canv: Canvas, scan: ScanBack, left: float, right: float, page: int, count: int, footer: Footer
    ) -> None:
        """The page's code at the bottom left, above the footer rule, and the same data in small print
        beside it (under it, for a linear code)."""
        width = right - left
        made = self._symbol(scan, width, page, count)
        bottom = self._footer_rule_y(footer) + 6
        para = self._readable(scan, page, count)
        _w, h = para.wrap(self._readable_width(width, made), 1000)
        canv.setFillColor(self.styles.muted)
        if made.symbology == "code128":
            para.drawOn(canv, left, bottom)
            made.draw(canv, left, bottom + h + 3)
        else:
            made.draw(canv, left, bottom)
            para.drawOn(canv, left + made.width + QUIET * made.module + 6, bottom)

    def footer(self, width: float, part: str) -> Footer:
        """The footer of `part` (`handout`, `consent` or `record`) on a page `width` wide: the form stamp beside the
        widest page label if it fits, else broken between words in the room left of it; the note on as
        many lines as the width needs."""
        labels, s = self.packet.labels, self.styles
        stamp = self.stamp(part)
        widest = labels.page.format(page=_WIDEST_PAGE, total=_WIDEST_PAGE)
        room = width - s.fonts.width(widest, s.fonts.bold, s.header.fontSize) - s.small.fontSize
        stamp_lines = self._footer_lines(labels.form.format(**vars(stamp)), room)
        note = self._footer_lines(self.packet.footer_note, width) if self.packet.footer_note else ()
        low = False
        beside = len(note) == 1 and s.fonts.width(visual(note[0]), s.fonts.regular, s.small.fontSize) <= room
        if len(stamp_lines) > 1 and beside:
            whole = self._footer_lines(labels.form.format(**vars(stamp)), width)
            if len(whole) == 1:  # the stamp whole on its line, the page label beside the note
                stamp_lines, low = whole, True
        extra = len(stamp_lines) - 1 + max(len(note) - 1, 0)  # one line each: where the footer always sat
        line = s.small.fontSize + _FOOTER_LEADING
        # Its last line's descenders stay `EDGE` from the bottom edge: a bottom margin too small for the
        # footer's type lifts the footer (and the body with it).
        lowest = self.layout.page.margin_bottom - 30 - (line if note else 0.0)
        lift = max(0.0, EDGE + _CLEAR + 0.3 * s.small.fontSize - lowest)
        return Footer(stamp_lines, note, extra * line + lift, low)

    def _footer_lines(self, text: str, width: float) -> tuple[str, ...]:
        """`text` in the footer's type as lines no wider than `width`: whole where it fits, else broken
        between words, and a word wider than a line (a long form id) between its characters."""
        fonts, font, size = self.styles.fonts, self.styles.fonts.regular, self.styles.small.fontSize

        def fits(line: str) -> bool:
            return fonts.width(visual(line), font, size) <= width

        if fits(text):
            return (text,)
        lines: list[str] = []
        for line in fonts.lines(text, font, size, width):
            while not fits(line) and len(line) > 1:
                cut = max((n for n in range(1, len(line)) if fits(line[:n])), default=1)
                lines.append(line[:cut])
                line = line[cut:]
            lines.append(line)
        return tuple(lines)

    def _footer_rule_y(self, footer: Footer) -> float:
        return float(self.layout.page.margin_bottom - 30 + self.styles.small.fontSize + 6 + footer.raised)

    def _footer(
        self, canv: Canvas, left: float, right: float, stamp: FormStamp, footer: Footer, page: int, total: int
    ) -> None:
        labels, s = self.packet.labels, self.styles
        small = s.small.fontSize
        base = self._footer_rule_y(footer) - small - 6
        name = f"packet-footer-{stamp.form_id}-{right - left:g}"
        if not canv.hasForm(name):  # the rule, form stamp and note: the same on every page of a part
            canv.beginForm(name)
            canv.setStrokeColor(s.accent)
            canv.setLineWidth(0.5)
            canv.line(left, self._footer_rule_y(footer), right, self._footer_rule_y(footer))
            canv.setFillColor(s.muted)
            y = base
            for line in footer.stamp:
                s.fonts.draw(canv, left, y, line, s.fonts.regular, small)
                y -= small + _FOOTER_LEADING
            for line in footer.note:
                if footer.low:
                    s.fonts.draw(canv, left, y, line, s.fonts.regular, small)
                else:
                    s.fonts.draw(canv, (left + right) / 2, y, line, s.fonts.regular, small, "middle")
                y -= small + _FOOTER_LEADING
            canv.endForm()
        canv.doForm(name)
        canv.setFillColor(s.text)
        page_label = labels.page.format(page=page, total=total)
        # Beside the stamp's first line (or the note's), a step above the footer's type (never above the body's).
        y = base - len(footer.stamp) * (small + _FOOTER_LEADING) if footer.low else base
        s.fonts.draw(canv, right, y, page_label, s.fonts.bold, s.header.fontSize, "end")

    def _centred(self, canv: Canvas, x: float, y: float, text: str) -> None:
        canv.setFillColor(self.styles.muted)
        self.styles.fonts.draw(canv, x, y, text, self.styles.fonts.regular, self.styles.body.fontSize, "middle")

    def _mark(self, text: str) -> str:
        return to_markup(text, self.styles.fonts)


def deferred_canvas(decorator: Decorator, tagger: Tagger) -> type[Canvas]:
    """A Canvas class that holds pages until save(), then decorates each knowing the total; it
    records the document's structure in `tagger` as flowables draw (`tags`)."""

    class DeferredCanvas(Canvas):
        _code: list[str]  # ReportLab's operator list for the current page

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            self.tagger = tagger
            self.setNamedCB("lang", tagger.span_language)  # markup's language spans

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                body: list[str] = self._code
                self._code = []
                self._isolated(decorator.before, total, "Header")  # header first in reading order
                body = self._code + body
                self._code = []
                self._isolated(decorator.after, total, "Footer")  # footer last
                self._code = body + self._code
                super().showPage()
            super().save()

        def _isolated(self, draw: Callable[[Canvas, int, int], None], total: int, part: str) -> None:
            """Header or footer: running text, page numbers, rules and codes, never read as content."""
            with tagger.artifact(self, "Pagination", part):
                self.saveState()
                draw(self, self._pageNumber, total)
                self.restoreState()

    return DeferredCanvas
