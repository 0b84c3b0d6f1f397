"""The consent form as flowables: who and what, the content's sections, the risks with initials boxes,
the sections after them, signatures."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, KeepTogether, Table

from ..models.packet import Choice, Initialled, ResolvedPacket, Section, Signer
from .blocks import Blocks
from .flowables import LabelBox, SignatureBlock, Together
from .handout import interpreter_box
from .sections import initialled, section_flowables
from .tags import TableTags


def consent_story(packet: ResolvedPacket, b: Blocks, bookmark: tuple[str, str] | None = None) -> list[Flowable]:
    """Flowables for the consent form, in reading order; for a packet `for_record`, its text only: nothing to
    initial, tick, write on or sign. `bookmark`: its outline entry (key, title), else the consent's."""
    c, labels, record = packet.consent, packet.labels, packet.for_record
    title = b.para(c.title, b.s.title, role="H1")
    heading = [*b.facility(packet.visit.facility, packet.visit.facility_address), title]
    story: list[Flowable] = [Together(heading) if record else _top(packet, b, heading)]
    if bookmark is None:
        story[0]._bookmark = ("consent", labels.consent_bookmark)
    else:  # a group is opened where it is placed: the entry goes on a mark of its own
        story.insert(0, _Mark(bookmark))
    # On the first page, before what the patient is asked to agree to (the translated consent has it).
    notice = None if record else interpreter_box(packet, b)
    if notice is not None:
        story.append(notice)
    story.append(_who_and_what(packet, b))
    if packet.side_line and not record:
        story.append(b.alert(packet.side_line))
    risks = [b.heading(labels.risks), b.para(c.risks_lead, b.s.lead), initialled(c.risks, packet, b)]
    initialling = [n for n, s in enumerate(c.sections) if any(isinstance(x, Initialled) for x in s.blocks)]
    first = initialling[-1] if initialling else len(c.sections)
    asking = [section for section in c.sections[first:] if _asks(section)]
    tail = [f for section in asking for f in section_flowables(section, packet, b)]
    after: list[Flowable] = []
    if tail and _height(tail, b) <= b.max_height * 3 / 4 and _height(risks[-1:], b) > b.max_height:
        # The patient initials on as few pages as may be: where the risk table takes more than a page
        # (large print), the last section before the risks with an initials box stays with the start of
        # the table, which then breaks between rows; the sections after it that ask for nothing (the
        # benefits) follow the table instead, so the group is short enough to start on a page already
        # begun and still end on the next. Where a page cannot hold the start, all of it starts the next.
        story += _parts(c.sections[:first], packet, b)
        story.append(_OnTwoPages([*tail, *risks], b.max_height))
        after = [f for s in c.sections[first:] if not _asks(s) for f in section_flowables(s, packet, b)]
    else:
        story += [*_parts(c.sections, packet, b), *risks]
    if not record:
        # Written by the physician: lines spaced as in ordinary print, in large print too.
        story.append(Together([b.para(labels.own_risks, b.s.label), b.ruled(c.own_risks_lines, clinician=True)]))
    story += after
    story += _parts(c.after_risks[:-2], packet, b)
    blocks = [_signer_text(signer, b) if record else _signature_block(signer, packet, b) for signer in c.signers]
    lead = [b.heading(labels.signatures), b.para(c.acknowledgement, b.s.lead)]
    before = _parts(c.after_risks[-2:-1], packet, b)  # the alternatives
    rights = _parts(c.after_risks[-1:], packet, b)
    story += _closing(before, rights, lead, blocks, b)
    return story


def _closing(
    before: list[Flowable], rights: list[Flowable], lead: list[Flowable], blocks: list[Flowable], b: Blocks
) -> list[Flowable]:
    """The last part before the signatures (the patient's rights), then the signature section. A page is
    never left holding only the rights: they stay with the signatures' start, what the patient reads last
    before signing, or, where the section is whole on a page of its own without them, with the part
    before them (the alternatives).

    The signature section is whole where a page holds it (letter, A4: the signing tablet shows one page),
    else it parts only between whole signer blocks (large print, Spanish): the heading and the statement the
    patient signs stay with the patient's block (the first), which may start on a page already begun; the
    later blocks follow it (`_SignerBlocks`)."""
    whole = [*lead, *blocks]
    if _height([*rights, *whole], b) <= b.max_height:
        return [*before, Together([*rights, *whole])]
    if len(blocks) <= 2 or _height(whole, b) <= b.max_height:
        kept = [*before, *rights]
        return [*([Together(kept)] if kept else []), Together(whole)]
    return [*before, Together([*rights, *lead, blocks[0]]), _SignerBlocks(blocks[1:], b.max_height)]


class _SignerBlocks(Flowable):
    """Signer blocks one under another, parting only between blocks, on as few pages as may be with at least
    two blocks on the last (the telephone witness never alone) and no page under a quarter full where that can
    be (`_plan`); a group (the record's signer text) is drawn part by part."""

    def __init__(self, blocks: list[Flowable], max_height: float) -> None:
        super().__init__()
        self.blocks, self.max_height = blocks, max_height
        self._parts: list[tuple[Flowable, float, float]] = []

    def _measure(self, avail_width: float) -> list[float]:
        heights = []
        for index, block in enumerate(self.blocks):
            h = block.wrapOn(self.canv, avail_width, self.max_height)[1]
            if isinstance(block, KeepTogether):  # a group measures too tall, to be split: its real height
                h = block._H
            heights.append(h + (block.getSpaceAfter() if index < len(self.blocks) - 1 else 0.0))
        return heights

    def _laid(self, avail_width: float) -> list[tuple[Flowable, float, float]]:
        """Each part drawn ((a group's parts one by one), its height and the space above it: the larger of the
        space after the part before and its own before, as platypus sets them."""
        laid: list[tuple[Flowable, float, float]] = []
        before: Flowable | None = None
        for part in _opened(self.blocks):
            height = part.wrapOn(self.canv, avail_width, self.max_height)[1]
            space = max(before.getSpaceAfter(), part.getSpaceBefore()) if before is not None else 0.0
            laid.append((part, height, space))
            before = part
        return laid

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._parts = self._laid(avail_width)
        self.width, self.height = avail_width, sum(height + space for _part, height, space in self._parts)
        return self.width, self.height

    def getSpaceAfter(self) -> float:  # noqa: N802 - ReportLab's name
        return float(self.blocks[-1].getSpaceAfter())

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        keep = _plan(self._measure(avail_width), avail_height, self.max_height)
        if keep is None:  # no page holds the last ones: part where it must
            return _opened(self.blocks) if avail_height >= self.max_height - 1 else []
        if keep == 0:
            return []  # all of them on the next page
        if keep >= len(self.blocks):
            return _opened(self.blocks)
        return [*_opened(self.blocks[:keep]), _SignerBlocks(self.blocks[keep:], self.max_height)]

    def draw(self) -> None:
        y = self.height
        for part, height, space in self._parts:
            y -= space + height
            part.drawOn(self.canv, 0, y)


class _OnTwoPages(Together):
    """Together, starting on a page already begun only where all of it then ends on the next page: the
    initials of the section and of the risk table on two pages at most, where a page and the next hold them."""

    def __init__(self, flowables: list[Flowable], max_height: float) -> None:
        super().__init__(flowables)
        self.max_height = max_height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (avail_width, avail_height):
            self.wrap(avail_width, avail_height)
        parts = super().split(avail_width, avail_height)
        begun = avail_height < self.max_height - 1
        if begun and len(parts) > 1 and 2 * self.max_height >= self._H:
            rest = parts[-1]  # what the next page gets of the table: it must hold all of it
            if rest.wrapOn(self.canv, avail_width, self.max_height)[1] > self.max_height:
                return []  # it would reach a third page from here, not from the next: all of it starts the next
        return parts


def _plan(heights: list[float], room: float, page: float) -> int | None:
    """How many of the blocks of `heights` to set in `room` (the rest on the pages after): the way that takes
    the fewest pages, with at least two blocks on the last page, no page after this one under a quarter full
    where that can be (no signer alone on a near-empty page), and as many here as may be; None where a block
    is taller than a page."""
    if max(heights) > page:
        return None
    best: tuple[tuple[int, bool, int], int] | None = None
    top = room >= page - 1  # a page of its own: set something here, never leave it blank
    for keep in range(1 if top else 0, len(heights) + 1):
        if sum(heights[:keep]) > room:
            break
        chunks = _chunks(heights[keep:], page)
        if chunks is None or (chunks and len(chunks[-1]) < 2 and len(heights) > 1):
            continue
        sparse = any(sum(chunk) < page / 4 for chunk in chunks)
        score = (len(chunks), sparse, -keep)
        if best is None or score < best[0]:
            best = (score, keep)
    return best[1] if best is not None else int(heights[0] <= room)  # no such way: one at a time


def _chunks(heights: list[float], page: float) -> list[list[float]] | None:
    """`heights` on whole pages, as few as may be and the last holding at least two where it can: every way
    of cutting them is tried (a signature section has a handful of blocks); None where none holds."""
    if not heights:
        return []
    best: list[list[float]] | None = None
    for cut in range(1, len(heights) + 1):
        if sum(heights[:cut]) > page:
            break
        rest = _chunks(heights[cut:], page)
        if rest is None:
            continue
        chunks = [heights[:cut], *rest]
        if len(chunks[-1]) < 2 and len(heights) > 1:
            continue
        if best is None or (len(chunks), -min(map(sum, chunks))) < (len(best), -min(map(sum, best))):
            best = chunks
    return best


def _opened(blocks: list[Flowable]) -> list[Flowable]:
    """`blocks` as platypus places them: a group (the record's signer text) opened into its parts, which
    fit where the group measured as fitting (a group never fits as it is: it measures too tall, to be split)."""
    return [part for block in blocks for part in (block._content if isinstance(block, KeepTogether) else [block])]


class _Mark(Flowable):
    """Nothing drawn: where an outline entry goes (`document.PacketDoc.afterFlowable` notes its page)."""

    def __init__(self, bookmark: tuple[str, str]) -> None:
        super().__init__()
        self._bookmark = bookmark

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        pass


def _height(flowables: list[Flowable], b: Blocks) -> float:
    """How tall `flowables` are set one after another in the text column."""
    measure = Together(flowables)
    measure.canv = None  # nothing here draws while measured
    measure.wrap(b.width, b.max_height)
    return float(measure._H)


def _asks(section: Section) -> bool:
    """The section asks the patient for initials or ticks."""
    return any(isinstance(block, Initialled | Choice) for block in section.blocks)


def _parts(sections: Sequence[Section], packet: ResolvedPacket, b: Blocks) -> list[Flowable]:
    """The consent's sections; one that asks for initials or ticks stays whole on one page, with its heading."""
    story: list[Flowable] = []
    for section in sections:
        flowables = section_flowables(section, packet, b)
        story += [Together(flowables)] if _asks(section) else flowables
    return story


def _top(packet: ResolvedPacket, b: Blocks, heading: list[Flowable]) -> Flowable:
    """The facility and the title, with the chart-label box beside them at the top right."""
    if packet.label_box is None:
        return Together(heading)
    width, height = packet.label_box
    box = LabelBox(width, height, packet.labels.label_box, b.s)
    gap = b.s.body.fontSize
    table = Table(
        [[heading, box]], colWidths=[b.width - width - gap, width + gap], hAlign="LEFT", renderCB=TableTags(layout=True)
    )
    table.setStyle(
        b.table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _who_and_what(packet: ResolvedPacket, b: Blocks) -> Flowable:
    """The patient, the procedure and who does it; a value not known is a line to write on (for the record,
    which has nothing to write on, its label is left out)."""
    v, labels, patient, c = packet.visit, packet.labels, packet.patient, packet.consent
    name = patient.name
    blank = None if packet.for_record else labels.blank_line
    site, provider = c.site or blank, v.provider or blank
    panel = b.box(
        [
            b.labelled(labels.patient, name, b.s.bullet, recurring=False),
            b.labelled(labels.date_of_birth, patient.date_of_birth, b.s.bullet, recurring=False),
            b.labelled(labels.mrn, patient.mrn, b.s.bullet, recurring=False),
            *(
                [b.labelled(labels.encounter, packet.consent.encounter, b.s.bullet, recurring=False)]
                if packet.consent.encounter
                else []
            ),
            b.labelled(
                labels.consent_procedure,
                f"{packet.consent.procedure}, {v.date}, {v.time}",
                b.s.bullet,
                recurring=False,
            ),
            *([b.labelled(c.site_label, site, b.s.bullet, recurring=False)] if c.site_label and site else []),
            *([b.labelled(labels.side, v.side, b.s.bullet)] if v.side else []),
            *([b.labelled(labels.consent_provider, provider, b.s.bullet)] if provider else []),
            b.labelled(labels.consent_facility, v.facility, b.s.bullet),
        ]
    )
    panel.spaceAfter = b.s.body.fontSize
    return panel


def _signer_text(signer: Signer, b: Blocks) -> Flowable:
    """For the record: who signs and what they attest to, with no line, box or caption to fill in."""
    said = [b.para(signer.attestation, b.s.bullet)] if signer.attestation else []
    return Together([b.para(signer.role, b.s.subheading, role="H3"), *said])


def _signature_block(signer: Signer, packet: ResolvedPacket, b: Blocks) -> Flowable:
    attestation = b.para(signer.attestation, b.s.bullet) if signer.attestation else None
    return SignatureBlock(signer, packet.labels, b.s, attestation)
