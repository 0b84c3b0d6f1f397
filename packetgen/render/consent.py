"""The consent form as flowables: who and what, the risks with initials boxes, signatures."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, Table

from ..models.packet import ResolvedPacket, Signer
from .blocks import Blocks
from .flowables import LabelBox, SignatureBlock, Together
from .tags import TableTags


def consent_story(packet: ResolvedPacket, b: Blocks) -> list[Flowable]:
    """Flowables for the consent form, in reading order."""
    c, labels = packet.consent, packet.labels
    title = b.para(c.title, b.s.title, role="H1")
    story: list[Flowable] = [
        _top(packet, b, [*b.facility(packet.visit.facility, packet.visit.facility_address), title])
    ]
    story[0]._bookmark = ("consent", labels.consent_bookmark)
    story.append(_who_and_what(packet, b))
    if packet.side_line:
        story.append(b.alert(packet.side_line))
    story += [b.para(text) for text in c.statement]
    if c.procedure_clauses or c.additional_levels:
        levels = [_initialled([c.additional_levels], packet, b, header=False)] if c.additional_levels else []
        story.append(
            Together([b.heading(labels.procedure_heading), *(b.para(t) for t in c.procedure_clauses), *levels])
        )
    story += [b.heading(labels.benefits), b.bullets(c.benefits)]
    story += [b.heading(labels.risks), b.para(c.risks_lead, b.s.lead), _initialled(c.risks, packet, b)]
    story.append(Together([b.para(labels.own_risks, b.s.label), b.ruled(c.own_risks_lines)]))
    story += [b.para(text) for text in c.guarantee]
    if c.anesthesia:
        story += [b.heading(labels.anesthesia), b.bullets(c.anesthesia)]
    if c.flag_clauses:
        story += [b.heading(labels.flag_clauses), b.bullets(c.flag_clauses)]
    # The alternatives and the patient's rights, the last things read before signing, stay together:
    # a page is never left holding only the rights.
    story.append(
        Together(
            [
                b.heading(labels.alternatives),
                b.bullets(c.alternatives),
                b.heading(labels.rights),
                b.bullets(c.rights),
            ]
        )
    )
    blocks = [_signature_block(signer, packet, b) for signer in c.signers]
    # The signatures are one section, never split where a page holds them all (where it cannot, as in
    # large print, they part only between whole blocks, the acknowledgement kept with the patient's).
    story.append(Together([b.heading(labels.signatures), b.para(c.acknowledgement, b.s.lead), *blocks]))
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
    v, labels, patient = packet.visit, packet.labels, packet.patient
    name = patient.name
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
            *(
                [b.labelled(labels.consent_site, packet.consent.site or labels.blank_line, b.s.bullet, recurring=False)]
                if packet.consent.levels
                else []
            ),
            *([b.labelled(labels.side, v.side, b.s.bullet)] if v.side else []),
            b.labelled(labels.consent_provider, v.provider or labels.blank_line, b.s.bullet),
            b.labelled(labels.consent_facility, v.facility, b.s.bullet),
        ]
    )
    panel.spaceAfter = b.s.body.fontSize
    return panel


def _initialled(clauses: Sequence[str], packet: ResolvedPacket, b: Blocks, header: bool = True) -> Table:
    """Clauses each with a box for the patient's initials (the risks; treating further levels)."""
    initials_w = max(72.0, b.s.body.fontSize * 6)
    rows = [[b.para(text, b.s.bullet), ""] for text in clauses]
    if header:
        rows.insert(0, [b.para(packet.labels.risks, b.s.label), b.para(packet.labels.initials, b.s.label)])
    else:  # a lone clause: the box says what goes in it
        rows = [[b.para(clauses[0], b.s.bullet), b.para(packet.labels.initials, b.s.small)]]
    first = 1 if header else 0
    table = Table(  # a lone clause and its box are not a table of data: its cells are read as paragraphs
        rows,
        colWidths=[b.width - initials_w, initials_w],
        repeatRows=first,
        hAlign="LEFT",
        renderCB=TableTags(layout=not header),
    )
    table.setStyle(
        b.table_style(
            [
                *([("LINEBELOW", (0, 0), (-1, 0), 1, b.s.accent)] if header else []),
                ("LINEBELOW", (0, first), (0, -1), 0.3, b.s.muted),
                ("BOX", (1, first), (1, -1), 0.8, b.s.text),
                ("INNERGRID", (1, first), (1, -1), 0.8, b.s.text),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *([] if header else [("VALIGN", (1, 0), (1, 0), "TOP")]),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    table.spaceAfter = b.s.body.fontSize * 0.6
    return table


def _signature_block(signer: Signer, packet: ResolvedPacket, b: Blocks) -> Flowable:
    attestation = b.para(signer.attestation, b.s.bullet) if signer.attestation else None
    return SignatureBlock(signer, packet.labels, b.s, attestation)
