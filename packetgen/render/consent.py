"""The consent form as flowables: who and what, the content's sections, the risks with initials boxes,
the sections after them, signatures."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, Table

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
    tail = [f for section in c.sections[first:] for f in section_flowables(section, packet, b)]
    if tail and _height(tail, b) <= b.max_height * 3 / 4 and _height(risks[-1:], b) > b.max_height:
        # The patient initials on as few pages as may be: where the risk table takes more than a page
        # (large print), the last section before the risks with an initials box (and the short sections
        # after it) stays with the start of the table, which then breaks between rows; where a page
        # cannot hold that, all of it starts the next page.
        story += _parts(c.sections[:first], packet, b)
        story.append(Together([*tail, *risks]))
    else:
        story += [*_parts(c.sections, packet, b), *risks]
    if not record:
        # Written by the physician: lines spaced as in ordinary print, in large print too.
        story.append(Together([b.para(labels.own_risks, b.s.label), b.ruled(c.own_risks_lines, clinician=True)]))
    # The last two parts before the signatures (the alternatives and the patient's rights) stay
    # together: a page is never left holding only the rights.
    last = _parts(c.after_risks[-2:], packet, b)
    story += _parts(c.after_risks[:-2], packet, b)
    if last:
        story.append(Together(last))
    blocks = [_signer_text(signer, b) if record else _signature_block(signer, packet, b) for signer in c.signers]
    # The signatures are one section, never split where a page holds them all (where it cannot, as in
    # large print, they part only between whole blocks, the acknowledgement kept with the patient's).
    story.append(Together([b.heading(labels.signatures), b.para(c.acknowledgement, b.s.lead), *blocks]))
    return story


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
