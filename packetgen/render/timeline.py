"""A timeline block as flowables: steps at the patient's real dates and times.

`list`: a list (tagged `L`, each step an `LI`), each step its moment in bold on a line of its own, then
what to do; `table`: a table tagged `Table`/`TR`/`TH`/`TD` with the columns When and What to do (the
packet's labels), its header row repeated after a page break and broken only between rows, as the
table block is. A step whose moment has passed prints, under its text, in bold and in the warning
colour, the line saying so and whom to call.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from ..models import packet as p
from .blocks import Blocks, paragraph
from .lists import BulletList, BulletMark
from .tags import TableTags


def timeline_flowables(timeline: p.Timeline, packet: p.ResolvedPacket, b: Blocks) -> list[Flowable]:
    """The timeline's lead line (kept with its steps), then its steps as a list or a table."""
    lead = [b.para(timeline.lead, b.s.lead)] if timeline.lead else []
    steps = _table(timeline, packet, b) if timeline.table else _list(timeline, b)
    return [*lead, steps]


def _list(timeline: p.Timeline, b: Blocks) -> BulletList:
    """Each step one item: the moment in bold, what to do under it, and the passed line under that."""
    items = []
    for step in timeline.steps:
        markup = f"<b>{b.mark(step.when)}</b><br/>{b.mark(step.text)}"
        if step.passed:
            markup += f'<br/><font color="{_hex(b)}"><b>{b.mark(step.passed)}</b></font>'
        items.append(paragraph(markup, b.s.bullet))
    size = b.s.bullet.fontSize
    mark = BulletMark("", b.s.fonts.regular, size, b.s.accent, 0.0, b.s.fonts)
    return BulletList(items, mark, size * 0.6, [""] * len(items), max_height=b.max_height)


def _table(timeline: p.Timeline, packet: p.ResolvedPacket, b: Blocks) -> Flowable:
    """Two columns, When and What to do, the header (`TH`) repeated on each page the table runs on to."""
    from .sections import DataTable  # sections dispatches every block, this one too

    labels = packet.labels
    when_width, whole = _when_width([labels.timeline_when, *(step.when for step in timeline.steps)], b)
    rows: list[list[object]] = [[b.para(labels.timeline_when, b.s.label), b.para(labels.timeline_what, b.s.label)]]
    for step in timeline.steps:
        what: list[Flowable] = [b.para(step.text, b.s.bullet)]
        if step.passed:
            what.append(b.para(step.passed, _passed_style(b.s.label, _hex(b))))
        when = step.when if whole else step.when.replace("\u00a0", " ")
        rows.append([b.para(when, b.s.label), what])
    widths = [when_width, b.width - when_width]
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


_PADDING = 2 * 6 + 1
"""A cell's left and right padding (ReportLab's defaults), and a point to spare."""


def _when_width(moments: list[str], b: Blocks) -> tuple[float, bool]:
    """The When column's width: its longest moment on one line where that takes at most 40 % of the
    width, else at least its longest unbroken date or time ("Wednesday, September 30", up to 60 %);
    and whether dates and times stay unbroken (False: even one of them is wider than that, as in very
    large print, and breaks between its words rather than inside one)."""
    font, size = b.s.label.fontName, b.s.label.fontSize
    whole = max(b.s.fonts.width(moment, font, size) for moment in moments) + _PADDING
    piece = max(b.s.fonts.width(part, font, size) for moment in moments for part in moment.split(" ")) + _PADDING
    width = max(min(whole, b.width * 0.4), piece)
    return (width, True) if width <= b.width * 0.6 else (b.width * 0.4, False)


def _hex(b: Blocks) -> str:
    """The layout's warning colour as Paragraph markup writes a colour (`#b00020`)."""
    return "#" + str(b.s.warning.hexval())[2:]


@lru_cache(maxsize=16)
def _passed_style(label: ParagraphStyle, colour: str) -> ParagraphStyle:
    return ParagraphStyle(f"{label.name}-passed", parent=label, textColor=colour, spaceBefore=2)
