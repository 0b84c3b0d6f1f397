"""The consent form as flowables: who and what, the risks with initials boxes, signatures."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from ..models.packet import ResolvedPacket, Signer
from .blocks import Blocks


def consent_story(packet: ResolvedPacket, b: Blocks) -> list[Flowable]:
    """Flowables for the consent form, in reading order."""
    c, labels = packet.consent, packet.labels
    title = b.para(c.title, b.s.title)
    title._bookmark = ("consent", labels["consent_bookmark"])
    story: list[Flowable] = [
        *b.facility(packet.visit.facility, packet.visit.facility_address),
        title,
        _who_and_what(packet, b),
    ]
    story += [b.para(text) for text in c.statement]
    story += [b.heading(labels["benefits"]), b.bullets(c.benefits)]
    story += [b.heading(labels["risks"]), b.para(c.risks_lead), _risk_table(packet, b)]
    if c.flag_clauses:
        story += [b.heading(labels["flag_clauses"]), b.bullets(c.flag_clauses)]
    story += [b.heading(labels["alternatives"]), b.bullets(c.alternatives)]
    story += [b.heading(labels["rights"]), b.bullets(c.rights)]
    blocks = [_signature_block(signer, packet, b) for signer in c.signers]
    # The acknowledgement must not be parted from the first signature block.
    story += [KeepTogether([b.heading(labels["signatures"]), b.para(c.acknowledgement), blocks[0]]), *blocks[1:]]
    return story


def _who_and_what(packet: ResolvedPacket, b: Blocks) -> Flowable:
    v, labels, patient = packet.visit, packet.labels, packet.patient
    name = f"{patient.last_name}, {patient.first_name}"
    rows: list[list[Flowable | str]] = [
        [b.labelled(labels["patient"], name)],
        [b.labelled(labels["date_of_birth"], patient.date_of_birth)],
        [b.labelled(labels["mrn"], patient.mrn)],
        [b.labelled(labels["consent_procedure"], f"{packet.consent.procedure}, {v.date}, {v.time}")],
        [b.labelled(labels["consent_provider"], v.provider)],
        [b.labelled(labels["consent_facility"], v.facility)],
    ]
    return KeepTogether([b.box(rows), Spacer(1, b.s.body.fontSize)])


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
    labels = packet.labels
    line = b.s.body.fontSize * 2.0
    wide, narrow = b.width * 0.56, b.width * 0.22
    role = b.mark(signer.role)
    if signer.choices:  # U+2610 BALLOT BOX: a real glyph, so it prints and extracts as text
        role += "&nbsp;&nbsp;&nbsp; " + "&nbsp;&nbsp; ".join(f"\u2610 {b.mark(c)}" for c in signer.choices)
    rows = [
        [Paragraph(role, b.s.label), "", ""],
        ["", "", ""],
        [
            b.para(labels["signature"], b.s.small),
            b.para(labels["signed_date"], b.s.small),
            b.para(labels["signed_time"], b.s.small),
        ],
        ["", "", ""],
        [b.para(labels["printed_name"], b.s.small), "", ""],
    ]
    style = [
        ("SPAN", (0, 0), (-1, 0)),
        ("SPAN", (0, 3), (-1, 3)),
        ("SPAN", (0, 4), (-1, 4)),
        ("LINEBELOW", (0, 1), (0, 1), 0.8, b.s.text),
        ("LINEBELOW", (1, 1), (1, 1), 0.8, b.s.text),
        ("LINEBELOW", (2, 1), (2, 1), 0.8, b.s.text),
        ("LINEBELOW", (0, 3), (-1, 3), 0.8, b.s.text),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 2), (-1, -1), 1),
    ]
    heights = [None, line, None, line, None]
    for extra in signer.extra:
        rows += [["", "", ""], [b.para(extra, b.s.small), "", ""]]
        n = len(rows)
        style += [
            ("SPAN", (0, n - 2), (-1, n - 2)),
            ("SPAN", (0, n - 1), (-1, n - 1)),
            ("LINEBELOW", (0, n - 2), (-1, n - 2), 0.8, b.s.text),
        ]
        heights += [line, None]
    table = Table(rows, colWidths=[wide, narrow, narrow], rowHeights=heights, hAlign="LEFT")
    table.setStyle(b.table_style(style))
    return KeepTogether([table, Spacer(1, b.s.body.fontSize * 1.2)])
