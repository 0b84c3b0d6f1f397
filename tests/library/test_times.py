"""What `validate` refuses in a content's `times:` and timelines (issue 25), each named by its file, line
and field; the new names as placeholders; a translation's timeline lining up with its source; review
states and reading grades of the steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from packetgen.errors import InputErrors
from packetgen.library import load_library
from packetgen.library.readability import new_text_grades
from packetgen.library.rules import pending_review
from tests.helpers.blocks import eye_site
from tests.helpers.site import TODAY
from tests.helpers.timelines import spanish_timeline, timeline_library, with_timeline

FILE = "packets/eye-test.yaml"
EVENING = 'prep_evening: {days: -1, at: "18:00", show: datetime}'


def _errors(root: Path, *files: str) -> list[str]:
    """The errors of the eye-test files (another content file's are not this test's)."""
    with pytest.raises(InputErrors) as info:
        load_library(root)
    return [str(e) for e in info.value.errors if e.pos.path in (files or (FILE,))]


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (  # no such hour
            EVENING,
            'prep_evening: {days: -1, at: "25:00", show: datetime}',
            'times.prep_evening.at: expected a clock time on the 24-hour clock like "18:00" (in quotes), or arrival',
        ),
        (  # a 12-hour clock
            EVENING,
            'prep_evening: {days: -1, at: "6:00 PM", show: datetime}',
            'times.prep_evening.at: expected a clock time on the 24-hour clock like "18:00" (in quotes), or arrival',
        ),
        (  # unquoted, YAML reads 18:00 as a number of minutes
            EVENING,
            "prep_evening: {days: -1, at: 18:00, show: datetime}",
            "times.prep_evening.at: expected text: YAML read a number (leading zeros and trailing digits are lost); "
            "put the value in quotes",
        ),
        (  # the arrival with an offset: which would it be?
            "check_in: {at: arrival, show: time}",
            "check_in: {at: arrival, minutes: -10, show: time}",
            "times.check_in: expected no minutes with `at: arrival`: the arrival is a moment of its own",
        ),
        (  # the arrival on another day
            "check_in: {at: arrival, show: time}",
            "check_in: {days: -1, at: arrival, show: time}",
            "times.check_in: expected no days with `at: arrival`: the arrival is a moment of its own",
        ),
        (  # a clock time and hours from the start: two anchors
            EVENING,
            'prep_evening: {days: -1, at: "18:00", hours: 2, show: datetime}',
            "times.prep_evening: expected no hours with a clock time (`at`): give `days` and `at` (18:00 the day "
            "before), or hours from the start without `at`",
        ),
        (
            EVENING,
            'prep_evening: {at: "18:00", minutes: 30, show: datetime}',
            "times.prep_evening: expected no minutes with a clock time (`at`): give `days` and `at` (18:00 the day "
            "before), or minutes from the start without `at`",
        ),
        (  # a step's time must be a name under times:
            "time: week_before,",
            "time: week_befor,",
            "handout.sections[1].blocks[1].steps[0].time: expected the name of an entry under times: (this content "
            "has: check_in, nothing_by_mouth, prep_evening, second_half, week_before)",
        ),
        (
            "          style: list\n",
            "          style: calendar\n",
            "handout.sections[1].blocks[1] (a timeline): style: expected one of 'list' or 'table'",
        ),
    ],
)
def test_times_and_timelines_that_cannot_print_are_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    content = with_timeline()
    assert old in content
    content = content.replace(old, new, 1)
    errors = _errors(eye_site(tmp_path, content))
    assert len(errors) == 1, errors
    (error,) = errors
    assert error.startswith(f"{FILE}:"), error
    assert error.split(": ", 1)[1] == expected
    # At the line of the value (or of the entry it is part of).
    needle = new.split("\n")[0].strip()
    assert int(error.split(":")[1]) == _line(content, needle), error


def test_the_new_times_are_placeholders_and_a_time_stays_apart_from_the_appointments_date(tmp_path: Path) -> None:
    base = with_timeline()
    sentence = "Read this page a week before the procedure."
    said = "Stop iron on {{ week_before }}. Start at {{ prep_evening }}. Check in at {{ check_in }}."
    timeline_library(tmp_path / "a", base.replace(sentence, said, 1))
    # `check_in` is shown as a time (on the arrival's date, which may be the day before): never beside the date.
    paired = "Check in at {{ check_in }} on {{ procedure_date }}."
    content = base.replace(sentence, paired, 1)
    (error,) = _errors(eye_site(tmp_path / "b", content))
    assert error == (
        f"{FILE}:{_line(content, paired)}: handout.sections[1].blocks[0].text: a time that may fall on another day "
        "carries its own date: give `check_in` `show: datetime` and write it alone instead of {{ check_in }} … "
        "{{ procedure_date }}"
    )


def test_a_translations_timeline_lines_up_with_its_source(tmp_path: Path) -> None:
    spanish = spanish_timeline().replace("time: prep_evening,", "time: week_before,", 1)
    spanish = spanish.replace("          style: list\n", "          style: table\n", 1)
    errors = _errors(eye_site(tmp_path, with_timeline(), spanish), "packets/eye-test.es.yaml")
    assert errors == [
        f"packets/eye-test.es.yaml:{_line(spanish, 'style: table')}: handout.sections[1].blocks[1].style: "
        "expected the same style as the en content's timeline",
        f"packets/eye-test.es.yaml:{_line(spanish, 'id: step-first')}: handout.sections[1].blocks[1].steps[1].time: "
        "expected the same time as this step has in the en content",
    ]


def test_steps_are_reviewed_and_read_like_any_item(tmp_path: Path) -> None:
    content = with_timeline().replace(
        'text: "Drink the first half of the prep."',
        'text: "Drink the first half of the prep.", review: pending',
        1,
    )
    library = timeline_library(tmp_path, content)
    eye = library.contents["eye-test"]
    assert eye.pending_reviews == 1
    located = library.sources["eye-test"]
    assert pending_review(located.data) == [("handout", "sections", 1, "blocks", 1, "steps", 1)]
    (grade,) = new_text_grades(eye)
    assert grade.key == ("handout", "sections", 1)
    assert grade.words == len(["Drink", "the", "first", "half", "of", "the", "prep."])
    assert TODAY  # the fixed clock is not needed to read
