"""Plain language: the reading grade of every part of a packet's content.

Flesch-Kincaid grade for English (textstat, syllables by pyphen, offline).
Placeholders are read as a short word, since their values are dates and names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import textstat

from .errors import PacketError
from .models import Content
from .models.content import Item
from .yamlsafe import Key, Located, dotted

_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


@dataclass(frozen=True)
class SectionGrade:
    """The reading grade of one part of the content."""

    key: Key
    """Where the part is in the content file, e.g. ("handout", "sections", 0)."""
    title: str
    grade: float
    words: int


def grade(text: str, language: str) -> float:
    """Flesch-Kincaid grade of `text` (English)."""
    if not language.lower().startswith("en"):
        raise ValueError(f"no reading-grade formula for {language!r} yet")
    return float(textstat.flesch_kincaid_grade(_PLACEHOLDER.sub("today", text)))


def section_grades(content: Content) -> list[SectionGrade]:
    """Every part a patient reads as one block: introduction, each section, risks, consent parts."""
    return [
        SectionGrade(key, title, grade(text, content.language), len(text.split()))
        for key, title, text in _parts(content)
    ]


def above_target(content: Content, located: Located, grades: list[SectionGrade]) -> list[PacketError]:
    """An error for each part whose grade is above the content's declared target."""
    target = content.reading_grade_target
    return [
        PacketError(located.pos(g.key), dotted(g.key), f"reading grade {g.grade:.1f} is above the target {target}")
        for g in grades
        if g.grade > target
    ]


def _join(items: Iterable[Item], *extra: str | None) -> str:
    return " ".join([*(e for e in extra if e), *(item.text for item in items)])


def _parts(content: Content) -> Iterator[tuple[Key, str, str]]:
    handout, consent = content.handout, content.consent
    yield ("handout", "introduction"), "Introduction", _join(handout.introduction)
    for index, section in enumerate(handout.sections):
        yield ("handout", "sections", index), section.heading, _join(section.bullets, section.lead)
    risks = " ".join(f"{r.text}." for r in content.risks)
    yield ("risks",), handout.risks_heading, f"{handout.risks_lead} {risks}"
    if handout.closing:
        yield ("handout", "closing"), "Closing", _join(handout.closing)
    for name, flag in content.flags.items():
        yield ("flags", name), flag.label, _join(flag.handout)
    for part in ("statement", "benefits", "alternatives", "rights"):
        yield ("consent", part), f"Consent: {part}", _join(getattr(consent, part))
