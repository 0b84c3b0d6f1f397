"""A resolved section as flowables: its heading, then each of its typed blocks.

paragraph → a paragraph; bullets and steps → a list (steps numbered, an ordered `L`); subheading →
an `H3`; table → a platypus Table tagged `Table`/`TR`/`TH`/`TD`, its header row repeated after a
page break, its columns never narrower than a word (`columns.py`; a table that cannot fit is a list, a
row an item); callout → a tinted box; figure → its file's drawing (`figures.py`) with its caption; initialled →
the statement beside a box for the patient's initials; choice → the question, what to tick, and a
check box per option (and the "Other:" line). `blocks.Blocks` makes the paragraphs, lists and boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, Table

from ..models import packet as p
from .blocks import Blocks, paragraph
from .columns import fit, loosened, tallest_row, widest_run
from .figures import figure_flowables
from .flowables import Together
from .lists import MIN_ITEMS, BulletList, BulletMark
from .tags import TableTags
from .timeline import timeline_flowables


def section_flowables(section: p.Section, packet: p.ResolvedPacket, b: Blocks) -> list[Flowable]:
    """The section's heading (an `H2`) and its blocks, in reading order."""
    heading = [b.heading(section.heading)] if section.heading else []
    return [*heading, *block_flowables(section.blocks, packet, b)]


def block_flowables(blocks: Sequence[p.Block], packet: p.ResolvedPacket, b: Blocks) -> list[Flowable]:
    """Each block as flowables, in order; bulleted lists that follow one another with no lead line between
    them (a section's own items, then a fragment's) as one list, which may then break between any two of
    its items, two at least on each page, where the lists apart could not (a list of three never breaks)."""
    return [flowable for block in _joined(blocks) for flowable in _block(block, packet, b)]


def _joined(blocks: Sequence[p.Block]) -> list[p.Block]:
    joined: list[p.Block] = []
    for block in blocks:
        before = joined[-1] if joined else None
        if (
            isinstance(block, p.ListBlock)
            and isinstance(before, p.ListBlock)
            and block.lead is None
            and not block.numbered
            and not before.numbered
        ):
            joined[-1] = p.ListBlock(before.id, before.lead, (*before.items, *block.items))
        else:
            joined.append(block)
    return joined


def _block(block: p.Block, packet: p.ResolvedPacket, b: Blocks) -> list[Flowable]:
    match block:
        case p.Paragraph():
            return [b.para(block.text)]
        case p.ListBlock():
            return [*_lead(block.lead, b), b.bullets(block.items, numbered=block.numbered)]
        case p.Subheading():
            return [b.para(block.text, b.s.subheading, role="H3")]
        case p.Table():
            return [*_lead(block.lead, b), data_table(block, b)]
        case p.Callout():
            return [_callout(block, b)]
        case p.Figure():
            return figure_flowables(block, b)
        case p.Initialled():
            return [initialled([block.text], packet, b, header=False)]
        case p.Choice():
            return [_choice(block, packet, b)]
        case p.Timeline():
            return timeline_flowables(block, packet, b)


def _lead(lead: str | None, b: Blocks) -> list[Flowable]:
    """A lead line, kept with what it introduces."""
    return [b.para(lead, b.s.lead)] if lead else []


def _callout(callout: p.Callout, b: Blocks) -> Flowable:
    children = [b.para(callout.heading, b.s.callout_label, role="H3")]
    if callout.lead:
        children.append(b.para(callout.lead, b.s.lead))
    if callout.items:
        children.append(b.bullets(callout.items))
    panel = b.box(children)
    panel.spaceAfter = b.s.body.fontSize * 0.6
    return panel


def data_table(block: p.Table, b: Blocks) -> Flowable:
    """A table of text: its header row (`TH`, scope Column) repeated at the top of each page it runs on
    to, rows broken only between rows. Each column is at least as wide as its widest word or date
    (taken from the others' shares); where the dates do not fit whole, they break between their words;
    where even the words do not fit, or a row would be taller than a page (very large print), the table
    is a list (`_table_as_list`), never a word broken."""
    shares, fonts = block.widths or (1.0,) * len(block.header), b.s.fonts
    for loose in (False, True):
        header = [loosened(cell) if loose else cell for cell in block.header]
        body = [[loosened(cell) if loose else cell for cell in row] for row in block.rows]
        minimums = [
            max(widest_run([heading], b.s.label, fonts), widest_run([row[c] for row in body], b.s.bullet, fonts))
            for c, heading in enumerate(header)
        ]
        widths = fit(shares, minimums, b.width)
        if widths is not None:
            return _data_table(header, body, widths, b) or _table_as_list(block, b)
    return _table_as_list(block, b)


def _data_table(header: Sequence[str], body: Sequence[Sequence[str]], widths: list[float], b: Blocks) -> Table | None:
    """The table at `widths`; None when a row and the header above it would not fit on a page."""
    rows = [
        [b.para(cell, b.s.label) for cell in header],
        *([b.para(cell, b.s.bullet) for cell in row] for row in body),
    ]
    if tallest_row(rows[:1], widths, 8) + tallest_row(rows[1:], widths, 8) > b.max_height:
        return None
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


def _table_as_list(block: p.Table, b: Blocks) -> BulletList:
    """A table too wide for the page as a list: a row an item, each cell on a line of its own after its
    column's heading in bold ("Medicine: Metformin"); a date breaks between its words only where the
    line cannot hold it whole."""
    size = b.s.bullet.fontSize
    mark = BulletMark("\u2022", b.s.fonts.regular, size, b.s.accent, 18, b.s.fonts)
    room = b.width - mark.indent

    def line(heading: str, cell: str) -> str:
        if widest_run([cell], b.s.bullet, b.s.fonts, 0) > room:
            cell = loosened(cell)
        return f"<b>{b.mark(heading)}:</b> {b.mark(cell)}"

    items = [
        paragraph("<br/>".join(line(h, cell) for h, cell in zip(block.header, row, strict=True)), b.s.bullet)
        for row in block.rows
    ]
    return BulletList(items, mark, size * 0.4, max_height=b.max_height)


class DataTable(Table):
    """A platypus Table that breaks only between rows, at least `MIN_ITEMS` rows under its repeated header
    on each page (as a list leaves two items a side); a table taller than a page breaks where it must."""

    max_height = 1e6
    """A page's body height."""

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self._calc(avail_width, avail_height)
        heights, header = list(self._rowHeights), int(self.repeatRows)
        used, fit = 0.0, 0
        for height in heights:
            if used + height > avail_height:
                break
            used, fit = used + height, fit + 1
        if fit == len(heights):
            return [self]
        kept = min(fit - header, len(heights) - header - MIN_ITEMS)
        if kept >= MIN_ITEMS:
            return self._parts(avail_width, sum(heights[: header + kept]) + 0.01)
        if sum(heights) <= self.max_height:
            return []  # the whole table moves on
        return self._parts(avail_width, avail_height)

    def _parts(self, avail_width: float, avail_height: float) -> list[Flowable]:
        """ReportLab's split, each part knowing the page's height too (a part still taller than a page
        must break again rather than wait for a page that holds it whole)."""
        parts: list[Flowable] = super().split(avail_width, avail_height)
        for part in parts:
            part.max_height = self.max_height
        return parts


_BOX = 26.0
"""The least height of an initials box, in points (about 3/8 inch)."""


def initialled(clauses: Sequence[str], packet: p.ResolvedPacket, b: Blocks, header: bool = True) -> Table:
    """Clauses each with a box for the patient's initials: the risks (`header`: under the column
    headings "Risks and complications", "Initials"), or one initialled statement."""
    # An inch to write initials in, or the column heading's width where that is wider ("Iniciales" in large print).
    if packet.for_record:
        return _plain_clauses(clauses, packet, b, header)
    heading_w = b.s.fonts.width(packet.labels.initials, b.s.label.fontName, b.s.label.fontSize) + 14
    initials_w = max(72.0, heading_w)
    # Each box at least `_BOX` tall to write in, and no taller than its clause needs: a clause of one line
    # is centred in a box `_BOX` tall, one of more lines keeps only a little room above and below (a line's
    # leading already keeps its letters off the rules; large type's own line is nearly a box).
    leading = b.s.bullet.leading
    least = 3.0 if leading < _BOX - 6 else 0.5
    rows = [[b.para(text, b.s.bullet), ""] for text in clauses]
    if header:
        rows.insert(0, [b.para(packet.labels.risks, b.s.label), b.para(packet.labels.initials, b.s.label)])
    else:  # a lone clause: the box says what goes in it
        rows = [[b.para(clauses[0], b.s.bullet), b.para(packet.labels.initials, b.s.small)]]
    first = 1 if header else 0
    pads = []
    for row in rows:
        height = row[0].wrap(b.width - initials_w, b.max_height)[1]
        pads.append(max(least, (_BOX - height) / 2))
    # The risks break between rows as a data table does, at least two under the repeated headings on each
    # page; a lone clause and its box are not a table of data (its cells are read as paragraphs).
    table = (DataTable if header else Table)(
        rows,
        colWidths=[b.width - initials_w, initials_w],
        repeatRows=first,
        hAlign="LEFT",
        renderCB=TableTags(layout=not header),
    )
    table.max_height = b.max_height
    table.setStyle(
        b.table_style(
            [
                *([("LINEBELOW", (0, 0), (-1, 0), 1, b.s.accent)] if header else []),
                ("LINEBELOW", (0, first), (0, -1), 0.3, b.s.muted),
                ("BOX", (1, first), (1, -1), 0.8, b.s.text),
                ("INNERGRID", (1, first), (1, -1), 0.8, b.s.text),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *([] if header else [("VALIGN", (1, 0), (1, 0), "TOP")]),
                *(("TOPPADDING", (0, n), (-1, n), pad) for n, pad in enumerate(pads)),
                *(("BOTTOMPADDING", (0, n), (-1, n), pad) for n, pad in enumerate(pads)),
            ]
        )
    )
    table.spaceAfter = b.s.body.fontSize * 0.6
    return table


def _plain_clauses(clauses: Sequence[str], packet: p.ResolvedPacket, b: Blocks, header: bool) -> Table:
    """The clauses `initialled` draws, for the record: the same rows and rules, no initials column or box."""
    rows = [[b.para(text, b.s.bullet)] for text in clauses]
    if header:
        rows.insert(0, [b.para(packet.labels.risks, b.s.label)])
    first = 1 if header else 0
    table = Table(rows, colWidths=[b.width], repeatRows=first, hAlign="LEFT", renderCB=TableTags(layout=not header))
    table.setStyle(
        b.table_style(
            [
                *([("LINEBELOW", (0, 0), (-1, 0), 1, b.s.accent)] if header else []),
                ("LINEBELOW", (0, first), (0, -1), 0.3, b.s.muted),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    table.spaceAfter = b.s.body.fontSize * 0.6
    return table


def _choice(choice: p.Choice, packet: p.ResolvedPacket, b: Blocks) -> Flowable:
    """The question, what to tick ("Check one."), a check box per option and, with `other`, a last box
    before "Other:" and a line to write on; kept on one page."""
    labels = packet.labels
    options = [*choice.options, *([f"{labels.other}: {labels.blank_line}"] if choice.other else [])]
    if packet.for_record:  # the question and its options, nothing to tick
        return Together([b.para(choice.lead, b.s.lead), b.bullets(options)])
    return Together(
        [
            b.para(choice.lead, b.s.lead),
            b.para(labels.choose_many if choice.many else labels.choose_one, b.s.label),
            b.bullets(options, mark_text="\u2610"),
        ]
    )
