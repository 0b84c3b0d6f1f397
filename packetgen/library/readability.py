"""Plain language: the reading grade of every part of a packet's content.

English: the Flesch-Kincaid grade. Spanish: the Fernández-Huerta reading ease,
whose scale was built to match Flesch's, read as a US school grade through
Flesch's own table (90–100 ≈ grade 5, 60–70 ≈ grades 8–9, 0–30 ≈ graduate), so
one `reading_grade_target` serves every language. Both by textstat, syllables
by pyphen, offline. Placeholders are read as a short word, since their values
are dates and names.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import textstat

from ..errors import PacketError
from ..models import Content
from ..models import blocks as b
from ..models.include import FragmentBlock
from ..yamlsafe import Key, Located, dotted

_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


@dataclass(frozen=True)
class SectionGrade:
    """The reading grade of one part of the content."""

    key: Key
    """Where the part is in the content file, e.g. ("handout", "sections", 0)."""
    title: str
    grade: float
    words: int


_EASE_TO_GRADE = ((15.0, 16.0), (40.0, 14.0), (55.0, 11.0), (65.0, 8.5), (75.0, 7.0), (85.0, 6.0), (95.0, 5.0))
"""Flesch's table as (reading ease, US grade) at the middle of each band (0–30 graduate, 30–50
college, 50–60 grades 10–12, 60–70 grades 8–9, 70–80 grade 7, 80–90 grade 6, 90–100 grade 5),
joined by straight lines and flat beyond the ends."""

FORMULAS = {"en": "Flesch-Kincaid grade", "es": "Fernández-Huerta ease as a grade"}
_DICTIONARIES = {"en": "en_US", "es": "es"}
"""The hyphenation dictionary textstat counts syllables with (en_US is its default)."""


def formula(language: str) -> str:
    """The name of the measure used for `language`, for reports."""
    return FORMULAS[_primary(language)]


def grade(text: str, language: str) -> float:
    """The reading grade of `text` in `language` (English or Spanish)."""
    primary = _primary(language)
    if primary not in FORMULAS:
        raise ValueError(f"no reading-grade formula for {language!r} yet")
    text = _PLACEHOLDER.sub("hoy" if primary == "es" else "today", text)
    textstat.set_lang(_DICTIONARIES[primary])  # textstat keeps the language (its syllable dictionary) globally
    try:
        if primary == "es":
            return ease_to_grade(float(textstat.fernandez_huerta(text)))
        return float(textstat.flesch_kincaid_grade(text))
    finally:
        textstat.set_lang(_DICTIONARIES["en"])


def ease_to_grade(ease: float) -> float:
    """A Flesch-scale reading ease (0–100, higher is easier) as a US school grade."""
    first, last = _EASE_TO_GRADE[0], _EASE_TO_GRADE[-1]
    if ease <= first[0]:
        return first[1]
    for (low, hard), (high, easy) in itertools.pairwise(_EASE_TO_GRADE):
        if ease <= high:
            return round(hard + (easy - hard) * (ease - low) / (high - low), 1)
    return last[1]


def _primary(language: str) -> str:
    return language.split("-")[0].lower()


NEW_TEXT_TARGET = 8
"""The grade that text written for the packet (items marked `review: pending`) may not exceed, whatever
the content's own target, which may record the level of approved source text kept as given."""


def section_grades(content: Content) -> list[SectionGrade]:
    """Every part a patient reads as one block: each section (its lead lines, paragraphs, list items,
    table cells, callouts, statements and choices; not its headings or figure captions), the risks,
    the checklist, when to call, the closing, the consent's parts and attestations."""
    grades = []
    for key, title, units in _parts(content):
        text = _join(units)
        grades.append(SectionGrade(key, title, grade(text, content.language), len(text.split())))
    return grades


def new_text_grades(content: Content) -> list[SectionGrade]:
    """The grade of the text written for the packet in each part: its blocks and items awaiting review
    (for a part that has any), without the approved source text beside them."""
    grades = []
    for key, title, units in _parts(content):
        new = [unit for unit in units if unit.review == "pending"]
        if new:
            text = _join(new)
            grades.append(SectionGrade(key, title, grade(text, content.language), len(text.split())))
    return grades


def above_target(content: Content, located: Located, grades: list[SectionGrade]) -> list[PacketError]:
    """An error for each part whose grade is above the content's declared target."""
    target = content.reading_grade_target
    return [
        PacketError(located.pos(g.key), dotted(g.key), f"reading grade {g.grade:.1f} is above the target {target}")
        for g in grades
        if g.grade > target
    ]


def new_text_above_target(located: Located, grades: list[SectionGrade]) -> list[PacketError]:
    """An error for each part whose new text reads above grade `NEW_TEXT_TARGET`."""
    return [
        PacketError(
            located.pos(g.key),
            dotted(g.key),
            f"the new text (review: pending) reads at grade {g.grade:.1f}, above {NEW_TEXT_TARGET}",
        )
        for g in grades
        if g.grade > NEW_TEXT_TARGET
    ]


@dataclass(frozen=True)
class _Unit:
    """A piece of text as it is read, with the review state of the block or item it belongs to."""

    text: str
    review: str


def _sentence(text: str) -> str:
    """A fragment read as a sentence of its own (a risk, a table's cell, a choice's option)."""
    return text if text.rstrip().endswith((".", "!", "?", ":", ";")) else f"{text}."


def _join(units: Iterable[_Unit]) -> str:
    return " ".join(unit.text for unit in units)


def _items(items: Iterable[b.Item | b.Option]) -> list[_Unit]:
    """Each item a sentence of its own, as a reader takes a list's lines (with or without a period)."""
    return [_Unit(_sentence(item.text), item.review) for item in items]


def _block(block: b.HandoutBlock | b.ConsentBlock) -> list[_Unit]:
    """What a patient reads in a block, in order (none in an include: a loaded content holds its fragment's
    blocks in its place, graded as part of the section)."""
    if isinstance(block, FragmentBlock):
        return []
    lead = getattr(block, "lead", None)
    units = [_Unit(lead, block.review)] if lead else []
    match block:
        case b.Paragraph() | b.Initialled():
            units.append(_Unit(block.text, block.review))
        case b.Bullets() | b.Steps() | b.Callout():
            units += _items(block.items)
        case b.Table():
            units += [_Unit(_sentence(cell), block.review) for cell in block.header]
            units += [_Unit(_sentence(cell), row.review) for row in block.rows for cell in row.cells]
        case b.Choice():
            units += [_Unit(_sentence(option.text), option.review) for option in block.options]
        case b.Timeline():
            units += [_Unit(_sentence(step.text), step.review) for step in block.steps]
    return units


def _blocks(blocks: Iterable[b.HandoutBlock | b.ConsentBlock]) -> list[_Unit]:
    return [unit for block in blocks for unit in _block(block)]


def _parts(content: Content) -> Iterator[tuple[Key, str, list[_Unit]]]:
    """(where, title, what is read) of every part."""
    handout, consent = content.handout, content.consent
    if handout.checklist:
        yield ("handout", "checklist"), handout.checklist.heading, _items(handout.checklist.items)
    for index, section in enumerate(handout.sections):
        yield ("handout", "sections", index), section.heading or section.id, _blocks(section.blocks)
    risks = [_Unit(_sentence(risk.text), risk.review) for risk in content.every_risk]
    yield ("risks",), handout.risks_heading, [_Unit(handout.risks_lead, "approved"), *risks]
    if handout.when_to_call:
        when = handout.when_to_call
        units = [_Unit(when.lead, "approved"), *_items([*when.signs, when.emergency, when.after_hours])]
        yield ("handout", "when_to_call"), when.heading, units
    if handout.closing:
        yield ("handout", "closing"), "Closing", _blocks(handout.closing)
    for part in ("sections", "after_risks"):
        for index, section in enumerate(getattr(consent, part)):
            yield ("consent", part, index), f"Consent: {section.id}", _blocks(section.blocks)
    if consent.attested:
        said = consent.attested
        yield (
            ("consent", "attestations"),
            "Consent: attestations",
            _items([said.provider, said.witness, said.interpreter, said.telephone]),
        )
