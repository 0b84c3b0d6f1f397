"""A procedure with a preparation timeline, for the tests of times and timelines: `eye-test` (see
`blocks.py`) given `times:` of every kind and a `timeline` block. Its text is made up for the tests,
not clinical content."""

from __future__ import annotations

from pathlib import Path

from packetgen.library import Library, load_library
from tests.helpers.blocks import EYE_TEST, as_spanish, eye_site

TIMES = """\
times:
  week_before: {days: -7, show: date}
  prep_evening: {days: -1, at: "18:00", show: datetime}
  second_half: {hours: -5, show: datetime}
  nothing_by_mouth: {minutes: -120, show: time}
  check_in: {at: arrival, show: time}

"""
"""Every kind of anchor: a day, a day and a clock time, hours and minutes from the start, the arrival."""

STEPS = [
    ("step-iron", "week_before", "Stop taking iron pills and fiber supplements."),
    ("step-first", "prep_evening", "Drink the first half of the prep."),
    ("step-second", "second_half", "Drink the second half of the prep."),
    ("step-mouth", "nothing_by_mouth", "Stop drinking."),
    ("step-in", "check_in", "Check in at the front desk."),
]
"""(id, time, text) of each step, in order; `step-second` only with the flag `diabetes`."""


def timeline_block(style: str = "list", steps: list[tuple[str, str, str]] = STEPS) -> str:
    """The timeline block, as a section's block."""
    lines = [
        "        - id: prep-timeline\n",
        "          type: timeline\n",
        f"          style: {style}\n",
        '          lead: "Follow these steps:"\n',
        "          steps:\n",
    ]
    for step_id, time, text in steps:
        when = ", when: {flag: diabetes}" if step_id == "step-second" else ""
        lines.append(f'            - {{id: {step_id}, time: {time}, text: "{text}"{when}}}\n')
    return "".join(lines)


def with_timeline(style: str = "list", steps: list[tuple[str, str, str]] = STEPS, content: str = EYE_TEST) -> str:
    """`content` (EYE_TEST) with `TIMES` and a timeline of `steps` after the first paragraph of "Getting
    ready"."""
    anchor = '        - {id: prepare-intro, type: paragraph, text: "Read this page a week before the procedure."}\n'
    assert anchor in content
    content = content.replace("flags:\n", TIMES + "flags:\n", 1)
    return content.replace(anchor, anchor + timeline_block(style, steps), 1)


def spanish_timeline(style: str = "list") -> str:
    """The Spanish translation of `with_timeline(style)`, its steps in Spanish."""
    steps = [
        ("step-iron", "week_before", "Deje de tomar pastillas de hierro y suplementos de fibra."),
        ("step-first", "prep_evening", "Tome la primera mitad de la preparación."),
        ("step-second", "second_half", "Tome la segunda mitad de la preparación."),
        ("step-mouth", "nothing_by_mouth", "Deje de beber."),
        ("step-in", "check_in", "Regístrese en la recepción."),
    ]
    return as_spanish(with_timeline(style, steps))


def timeline_library(root: Path, content: str, spanish: str | None = None) -> Library:
    """The project's site under `root` with `packets/eye-test.yaml` (`content`) and its Spanish, loaded as
    a run loads it: another content file's errors set aside (it is not this test's)."""
    library = load_library(eye_site(root, content, spanish), strict=False)
    assert "eye-test" in library.contents, library.unavailable_contents.get("eye-test")
    return library
