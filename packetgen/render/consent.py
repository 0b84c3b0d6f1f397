"""The consent form as flowables: who and what, the risks with initials boxes, signatures."""

from __future__ import annotations

from reportlab.platypus import Flowable, Table

from ..models.packet import ResolvedPacket, Signer
from .blocks import Blocks
from .flowables import LabelBox, SignatureBlock, Together


def consent_story(packet: ResolvedPacket, b: Blocks) -> list[Flowable]:
    """Flowables for the consent form, in reading order."""
    c, labels = packet.consent, packet.labels
    title = b.para(c.title, b.s.title)
    story: list[Flowable] = [
        _top(packet, b, [*b.facility(packet.visit.facility, packet.visit.facility_address), title])
    ]
    story[0]._bookmark = ("consent", labels["consent_bookmark"])
    story.append(_who_and_what(packet, b))
    story += [b.para(text) for text in c.statement]
    story += [b.heading(labels["benefits"]), b.bullets(c.benefits)]
    story += [b.heading(labels["risks"]), b.para(c.risks_lead, b.s.lead), _risk_table(packet, b)]
    if c.flag_clauses:
        story += [b.heading(labels["flag_clauses"]), b.bullets(c.flag_clauses)]
    story += [b.heading(labels["alternatives"]), b.bullets(c.alternatives)]
    story += [b.heading(labels["rights"]), b.bullets(c.rights)]
    blocks = [_signature_block(signer, packet, b) for signer in c.signers]
    # The acknowledgement must not be parted from the first signature block.
    story += [Together([b.heading(labels["signatures"]), b.para(c.acknowledgement), blocks[0]]), *blocks[1:]]
    return story


def _top(packet: ResolvedPacket, b: Blocks, heading: list[Flowable]) -> Flowable:
    """The facility and the title, with the chart-label box beside them at the top right."""
    if packet.label_box is None:
        return Together(heading)
    width, height = packet.label_box
    box = LabelBox(width, height, packet.labels["label_box"], b.s)
    gap = b.s.body.fontSize
    table = Table([[heading, box]], colWidths=[b.width - width - gap, width + gap], hAlign="LEFT")
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
            b.labelled(labels["patient"], name, b.s.bullet, recurring=False),
            b.labelled(labels["date_of_birth"], patient.date_of_birth, b.s.bullet, recurring=False),
            b.labelled(labels["mrn"], patient.mrn, b.s.bullet, recurring=False),
            b.labelled(
                labels["consent_procedure"],
                f"{packet.consent.procedure}, {v.date}, {v.time}",
                b.s.bullet,
                recurring=False,
            ),
            b.labelled(labels["consent_provider"], v.provider or labels["blank_line"], b.s.bullet),
            b.labelled(labels["consent_facility"], v.facility, b.s.bullet),
        ]
    )
    panel.spaceAfter = b.s.body.fontSize
    return panel


def _risk_table(packet: ResolvedPacket, b: Blocks) -> Table:
    initials_w = max(72.0, b.s.body.fontSize * 6)
    header = [b.para(packet.labels["risks"], b.s.label), b.para(packet.labels["initials"], b.s.label)]
    rows = [header] + [[b.para(risk, b.s.bullet), ""] for risk in packet.consent.risks]
    table = Table(rows, colWidths=[b.width - initials_w, initials_w], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        b.table_style(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 1, b.s.accent),
                ("LINEBELOW", (0, 1), (0, -1), 0.3, b.s.muted),
                ("BOX", (1, 1), (1, -1), 0.8, b.s.text),
                ("INNERGRID", (1, 1), (1, -1), 0.8, b.s.text),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _signature_block(signer: Signer, packet: ResolvedPacket, b: Blocks) -> Flowable:
    return SignatureBlock(signer, packet.labels, b.s)
