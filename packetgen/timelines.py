"""A content's `times:` for one appointment: each moment as printed, and which have passed.

Used by `personalize` (the `{{ placeholders }}` of `times:`, the warnings) and `resolve` (a timeline's
steps). A moment has passed when it comes before the moment the packet is made (`Site.passed`): a
step then prints a line saying so and whom to call, and the run warns; a placeholder only warns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

from .language.labels import Labels
from .markup import placeholder_names
from .models import Content
from .models.conditions import Condition, Facts
from .models.content import Flag, Translation
from .timing import Site, moment, show, unbroken


@dataclass(frozen=True)
class Moment:
    """One `times:` entry for one appointment."""

    at: datetime
    """The moment, a wall-clock time at the site."""
    shown: str
    """As printed, by its `show` (`Wednesday, January 13, at 6:00 PM`)."""
    passed: bool
    """Whether it has passed when the packet is made."""


@dataclass(frozen=True)
class Moments:
    """Every `times:` entry of a content for one appointment, and the line a passed step prints."""

    by_name: Mapping[str, Moment] = field(default_factory=dict)
    passed_line: str = ""
    """`labels.timeline_passed` with the department's name and phone."""

    def shown(self) -> dict[str, str]:
        """Each name's printed value: the `{{ placeholder }}` values of `times:`."""
        return {name: entry.shown for name, entry in self.by_name.items()}

    def passed(self) -> frozenset[str]:
        """The names whose moment has passed."""
        return frozenset(name for name, entry in self.by_name.items() if entry.passed)


def moments_of(
    content: Content,
    start: datetime,
    site: Site,
    labels: Labels,
    locale: str,
    department: tuple[str, str],
) -> Moments:
    """Each `times:` entry of `content` for an appointment starting at `start` (its wall-clock time at
    the site), printed in `labels`' language (`locale`); `department` is (name, phone) for the line
    a passed step prints."""
    day = start.date()
    by_name = {}
    for name, timing in content.times.items():
        at = moment(start, timing, site.timezone, content.arrive_minutes_before)
        by_name[name] = Moment(at, show(at, timing.show, labels, locale, day), site.passed(at, timing.show))
    name, phone = department
    return Moments(by_name, labels.timeline_passed.format(department=name, phone=unbroken(phone)))


def printed_placeholders(content: Content, facts: Facts) -> frozenset[str]:
    """The placeholders used in the text that prints for an appointment with `facts`: every text of
    the content except inside a part whose condition (`when:`) does not hold, a flag's label and the
    translation's notes."""
    return frozenset(name for text in _printed_texts(content, facts) for name in placeholder_names(text))


def _printed_texts(model: BaseModel, facts: Facts) -> Iterator[str]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else (value,)
        for inner in values:
            if isinstance(inner, str):
                yield inner
            elif isinstance(inner, (Flag, Translation)):
                continue
            elif isinstance(inner, BaseModel) and _holds(getattr(inner, "when", None), facts):
                yield from _printed_texts(inner, facts)


def _holds(when: Condition | None, facts: Facts) -> bool:
    return when is None or when.holds(facts)


def passed_warnings(where: str, content_id: str, steps: Iterable[str], placeholders: Iterable[str]) -> list[str]:
    """The warnings for the passed moments of one packet: each timeline step (`steps`: its id and its
    time's name, as `step-iron (week_before)`) and each `times:` placeholder printed elsewhere;
    `where` is the record's position and field (`FILE:LINE: warning: start`). No dates: they are the
    patient's."""
    warnings = [
        f"{where}: {content_id} timeline step {step} has passed when the packet is made; the packet says so "
        "there and asks the patient to call the department"
        for step in steps
    ]
    warnings += [
        f"{where}: {content_id} prints the time '{name}', which has passed when the packet is made"
        for name in placeholders
    ]
    return warnings
