"""The patient handout as flowables: title, appointment, checklist, the content's sections, risks, when to call."""

from __future__ import annotations

from reportlab.platypus import Flowable

from ..language.clock import one_oclock
from ..models.packet import ResolvedPacket, WhenToCall
from .blocks import Blocks
from .flowables import RightToLeft, Together
from .sections import block_flowables, section_flowables


def handout_story(packet: ResolvedPacket, b: Blocks) -> list[Flowable]:
    """Flowables for the handout, in reading order."""
    h, labels = packet.handout, packet.labels
    title = b.para(h.title, b.s.title, role="H1")
    title._bookmark = ("handout", labels.handout_bookmark)
    story: list[Flowable] = [
        *b.facility(packet.visit.facility, packet.visit.facility_address),
        title,
        b.para(h.subtitle, b.s.subtitle),
    ]
    notice = interpreter_box(packet, b)
    if notice is not None:
        story.append(notice)
    story.append(_appointment(packet, b))
    if packet.side_line:
        story.append(b.alert(packet.side_line))
    if h.checklist is not None:
        checklist = b.box(
            [
                b.para(h.checklist.heading, b.s.callout_label, role="H2"),
                b.bullets(h.checklist.items, mark_text="\u2610"),
            ]
        )
        checklist.spaceAfter = b.s.body.fontSize
        story.append(checklist)
    if h.own_instructions:
        story += [b.heading(labels.your_instructions), b.bullets(h.own_instructions, recurring=False)]
    for section in h.sections:
        story += section_flowables(section, packet, b)
    story += [b.heading(h.risks_heading), b.para(h.risks_lead, b.s.lead), b.bullets(h.risks)]
    if h.when_to_call is not None:
        story.append(_when_to_call(h.when_to_call, b))
    story += block_flowables(h.closing, packet, b)
    if h.questions is not None:
        q = h.questions
        story.append(Together([b.heading(q.heading), b.para(q.lead), b.ruled(q.lines)]))
    return story


def interpreter_box(packet: ResolvedPacket, b: Blocks) -> Flowable | None:
    """For a patient whose language has no packet: the right to a free interpreter, in English and in
    their own language where we have it; on the handout's first page and the consent's."""
    if not packet.interpreter_notice:
        return None
    notice = b.box([b.para(packet.interpreter_notice, b.s.callout_label), *_tagline(packet, b)])
    notice.spaceAfter = b.s.body.fontSize
    return notice


def _when_to_call(when: WhenToCall, b: Blocks) -> Flowable:
    """Warning signs in a box of the warning colours: not to be mistaken for the appointment."""
    title = b.para(when.heading, b.s.warning_label, role="H2")
    panel = b.warning_box(
        [
            title,
            b.para(when.lead, b.s.lead),
            b.bullets(when.signs),
            b.para(when.emergency, b.s.label),
            b.para(when.after_hours, b.s.bullet),
        ]
    )
    panel.spaceBefore = b.s.body.fontSize * 0.6
    panel.spaceAfter = b.s.body.fontSize
    return panel


def _appointment(packet: ResolvedPacket, b: Blocks) -> Flowable:
    v, labels = packet.visit, packet.labels
    time_line = one_oclock(labels.time_line.format(time=v.time, arrival=v.arrival), packet.language)
    rows = [
        b.para(labels.appointment, b.s.callout_label, role="H2"),
        b.labelled(labels.date, v.date, b.s.bullet, recurring=False),
        b.labelled(labels.time_label, time_line, b.s.bullet, recurring=False),
        *([b.labelled(labels.provider, v.provider, b.s.bullet)] if v.provider else []),
        *([b.labelled(labels.side, v.side, b.s.bullet)] if v.side else []),
        b.labelled(labels.location, v.location, b.s.bullet),
        b.labelled(labels.phone, f"{v.facility}, {v.facility_phone}", b.s.bullet),
    ]
    panel = b.box(rows)
    panel.spaceAfter = b.s.body.fontSize
    return panel


def _tagline(packet: ResolvedPacket, b: Blocks) -> list[Flowable]:
    """The notice again in the patient's own language (shaped, for scripts such as Devanagari)."""
    tagline = packet.tagline
    if tagline is None:
        return []
    style = b.s.shaped_tagline if tagline.shaped else b.s.tagline
    if tagline.right_to_left:
        return [
            RightToLeft(
                tagline.text,
                style.fontName,
                style.fontSize,
                style.leading,
                style.textColor,
                b.s.fonts,
                tagline.language,
            )
        ]
    return [b.para(tagline.text, style, lang=tagline.language)]
