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
from ..models.content import Item, Risk
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
    """Every part a patient reads as one block: introduction, each section, risks, consent parts."""
    return [
        SectionGrade(key, title, grade(_join(items, *extra), content.language), len(_join(items, *extra).split()))
        for key, title, items, extra in _parts(content)
    ]


def new_text_grades(content: Content) -> list[SectionGrade]:
    """The grade of the text written for the packet in each part: its items awaiting review (for a part
    that has any), without the approved source text beside them."""
    grades = []
    for key, title, items, _extra in _parts(content):
        new = [item for item in items if item.review == "pending"]
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


class _Risk:
    """A risk as it reads in a list: a sentence of its own."""

    def __init__(self, risk: Risk) -> None:
        self.text, self.review = f"{risk.text}.", risk.review


Readable = Item | _Risk


def _join(items: Iterable[Readable], *extra: str | None) -> str:
    return " ".join([*(e for e in extra if e), *(item.text for item in items)])


def _parts(content: Content) -> Iterator[tuple[Key, str, list[Readable], tuple[str | None, ...]]]:
    """(where, title, the items, headings and lead lines read with them) of every part."""
    handout, consent = content.handout, content.consent
    if handout.checklist:
        yield ("handout", "checklist"), handout.checklist.heading, list(handout.checklist.items), ()
    yield ("handout", "introduction"), "Introduction", list(handout.introduction), ()
    for index, section in enumerate(handout.sections):
        yield ("handout", "sections", index), section.heading, list(section.bullets), (section.lead,)
    yield ("risks",), handout.risks_heading, [_Risk(r) for r in content.risks], (handout.risks_lead,)
    if handout.when_to_call:
        when = handout.when_to_call
        yield ("handout", "when_to_call"), when.heading, [*when.signs, when.emergency, when.after_hours], (when.lead,)
    if handout.closing:
        yield ("handout", "closing"), "Closing", list(handout.closing), ()
    for name, flag in content.flags.items():
        yield ("flags", name), flag.label, [*flag.handout, *flag.consent], ()
    parts: list[tuple[str, list[Readable]]] = [
        ("statement", list(consent.statement)),
        ("procedure", [*consent.procedure, *([consent.additional_levels] if consent.additional_levels else [])]),
        ("benefits", list(consent.benefits)),
        ("guarantee", list(consent.guarantee)),
        ("anesthesia", list(consent.anesthesia)),
        ("alternatives", list(consent.alternatives)),
        ("rights", list(consent.rights)),
    ]
    if consent.attestations:
        said = consent.attestations
        parts.append(("attestations", [said.provider, said.witness, said.interpreter, said.telephone]))
    for part, items in parts:
        if items:
            yield ("consent", part), f"Consent: {part}", items, ()
