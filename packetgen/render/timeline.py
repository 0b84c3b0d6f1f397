"""A timeline block as flowables: steps at the patient's real dates and times.

`list`: a list (tagged `L`, each step an `LI`), each step its moment in bold on a line of its own, then
what to do; `table`: a table tagged `Table`/`TR`/`TH`/`TD` with the columns When and What to do (the
packet's labels), its header row repeated after a page break and broken only between rows, as the
table block is; its columns never narrower than a word or a date (`columns.py`), and a list where they
cannot be. A step whose moment has passed prints, under its text, in bold and in the warning
colour, the line saying so and whom to call.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from ..models import packet as p
from .blocks import Blocks, paragraph
from .columns import PADDING, loosened, tallest_row, widest_run
from .lists import BulletList, BulletMark
from .tags import TableTags


def timeline_flowables(timeline: p.Timeline, packet: p.ResolvedPacket, b: Blocks) -> list[Flowable]:
    """The timeline's lead line (kept with its steps), then its steps as a list or a table."""
    lead = [b.para(timeline.lead, b.s.lead)] if timeline.lead else []
    steps = _table(timeline, packet, b) if timeline.table else None
    return [*lead, steps or _list(timeline, b)]


def _list(timeline: p.Timeline, b: Blocks) -> BulletList:
    """Each step one item: the moment in bold, what to do under it, and the passed line under that."""
    items = []
    for step in timeline.steps:  # the items have no mark: a moment wider than the page breaks between its words
        when = step.when if widest_run([step.when], b.s.label, b.s.fonts, 0) <= b.width else loosened(step.when)
        markup = f"<b>{b.mark(when)}</b><br/>{b.mark(step.text)}"
        if step.passed:
            markup += f'<br/><font color="{_hex(b)}"><b>{b.mark(step.passed)}</b></font>'
        items.append(paragraph(markup, b.s.bullet))
    size = b.s.bullet.fontSize
    mark = BulletMark("", b.s.fonts.regular, size, b.s.accent, 0.0, b.s.fonts)
    return BulletList(items, mark, size * 0.6, [""] * len(items), max_height=b.max_height)


def _table(timeline: p.Timeline, packet: p.ResolvedPacket, b: Blocks) -> Flowable | None:
    """Two columns, When and What to do, the header (`TH`) repeated on each page the table runs on to;
    None where no widths let every word of both columns fit (`_widths`), or a step would not fit on a page."""
    from .sections import DataTable  # sections dispatches every block, this one too

    labels = packet.labels
    found = _widths(timeline, labels.timeline_when, labels.timeline_what, b)
    if found is None:
        return None
    widths, whole, whole_what = found
    rows: list[list[object]] = [[b.para(labels.timeline_when, b.s.label), b.para(labels.timeline_what, b.s.label)]]
    for step in timeline.steps:
        text = step.text if whole_what else loosened(step.text)
        what: list[Flowable] = [b.para(text, b.s.bullet)]
        if step.passed:
            passed = step.passed if whole_what else loosened(step.passed)
            what.append(b.para(passed, _passed_style(b.s.label, _hex(b))))
        when = step.when if whole else loosened(step.when)
        rows.append([b.para(when, b.s.label), what])
    if tallest_row(rows[:1], widths, 8) + tallest_row(rows[1:], widths, 8) > b.max_height:
        return None  # a step taller than a page under the header (very large print): a list, whose items break
    table = DataTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", renderCB=TableTags())
    table.max_height = b.max_height
    table.setStyle(
        b.table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), b.s.callout),
                ("LINEBELOW", (0, 0), (-1, 0), 1, b.s.accent),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, b.s.muted),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    table.spaceAfter = b.s.body.fontSize * 0.6
    return table


def _widths(timeline: p.Timeline, when_label: str, what_label: str, b: Blocks) -> tuple[list[float], bool, bool] | None:
    """The columns' widths, whether the moments stay unbroken and whether the dates in what to do do;
    None when the widest word of each column cannot both fit.

    The When column takes its longest moment on one line where that takes at most 40 % of the width,
    else at least its longest unbroken date or time ("Wednesday, September 30", up to 60 %); wider than
    that (very large print), or where what to do would be left too narrow for its own widest date, the
    moments break between their words ("Wednesday, / September 30"), and then the dates in what to do."""
    label, width, fonts = b.s.label, b.width, b.s.fonts
    passed = _passed_style(label, _hex(b))
    for whole, whole_what in ((True, True), (False, True), (False, False)):
        moments = [when_label, *(step.when if whole else loosened(step.when) for step in timeline.steps)]
        texts = [step.text if whole_what else loosened(step.text) for step in timeline.steps]
        lates = [step.passed if whole_what else loosened(step.passed) for step in timeline.steps if step.passed]
        heading = widest_run([what_label], label, fonts)
        what = max(heading, widest_run(texts, b.s.bullet, fonts), widest_run(lates, passed, fonts))
        line = max(fonts.width(moment, label.fontName, label.fontSize) for moment in moments) + PADDING
        piece = widest_run(moments, label, fonts)
        when = max(min(line, width * 0.4), piece)
        if whole and when > width * 0.6:
            continue
        when = min(when, width - what)  # what to do keeps room for its widest word
        if when >= piece:
            return [when, width - when], whole, whole_what
    return None


def _hex(b: Blocks) -> str:
    """The layout's warning colour as Paragraph markup writes a colour (`#b00020`)."""
    return "#" + str(b.s.warning.hexval())[2:]


@lru_cache(maxsize=16)
def _passed_style(label: ParagraphStyle, colour: str) -> ParagraphStyle:
    return ParagraphStyle(f"{label.name}-passed", parent=label, textColor=colour, spaceBefore=2)
