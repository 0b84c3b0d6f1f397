"""What a content declares about sides (issue 25), checked by `validate`: the names of the sides go with
a procedure done on a side, `{{ side }}` only where the side is required (never a gap in a sentence),
`{{ site }}` only where there are levels, and a translation declares what its source does."""

from __future__ import annotations

from pathlib import Path

import pytest

from packetgen.errors import InputErrors
from packetgen.library import load_library
from tests.helpers.sides import ENGLISH_SIDES, SPANISH_SIDES, edit, sided_site

ENGLISH = "packets/vertebroplasty.yaml"
SPANISH = "packets/vertebroplasty.es.yaml"


def _errors(root: Path) -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_library(root)
    return [str(e) for e in info.value.errors]


def test_a_sided_procedure_loads_with_its_names_in_each_language(tmp_path: Path) -> None:
    library = load_library(sided_site(tmp_path))
    english = library.contents["vertebroplasty"]
    spanish = library.translations["vertebroplasty"]["es"]
    assert (english.laterality, spanish.laterality) == ("required", "required")
    assert english.sides is not None
    assert spanish.sides is not None
    assert [english.sides.name(s) for s in ("left", "right", "bilateral")] == list(ENGLISH_SIDES.values())
    assert [spanish.sides.name(s) for s in ("left", "right", "bilateral")] == list(SPANISH_SIDES.values())


def test_the_project_vertebroplasty_is_done_on_no_side_and_has_levels() -> None:
    content = load_library().contents["vertebroplasty"]
    assert (content.laterality, content.sides, content.levels) == ("none", None, True)


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (  # a side to print, but no names for it
            ENGLISH,
            "sides: {left: the left side, right: the right side, bilateral: both sides}\n",
            "",
            "sides: expected the names of the sides in this language ({left: …, right: …, bilateral: …}): "
            "laterality is required",
        ),
        (ENGLISH, "bilateral: both sides}", "both: both sides}", "sides.both: unknown field"),
        (ENGLISH, "laterality: required", "laterality: left", "laterality: expected one of 'required', 'optional'"),
        (  # the translation must declare what its source does; its names are its own
            SPANISH,
            "laterality: required\n",
            "laterality: optional\n",
            "laterality: expected the same laterality as the en content",
        ),
        (SPANISH, "levels: true", "levels: false", "levels: expected the same levels as the en content"),
    ],
)
def test_side_declarations_that_cannot_be_used_are_named(
    tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    root = sided_site(tmp_path)
    edit(root / file, (old, new))
    errors = _errors(root)
    assert any(f"{file}:" in e and expected in e for e in errors), errors


def test_names_for_the_sides_of_a_procedure_done_on_no_side_are_refused(tmp_path: Path) -> None:
    root = sided_site(tmp_path, "optional")
    edit(root / ENGLISH, ("laterality: optional", "laterality: none"))
    assert any(
        e.startswith(f"{ENGLISH}:") and "sides: expected no sides: laterality is none" in e for e in _errors(root)
    )


@pytest.mark.parametrize("laterality", ["optional", "none"])
def test_side_placeholder_needs_a_required_side(tmp_path: Path, laterality: str) -> None:
    """With an optional side (or none) a record may give no side: `{{ side }}` would leave a gap."""
    root = sided_site(tmp_path, "optional")
    if laterality == "none":
        for file in (ENGLISH, SPANISH):
            edit(root / file, ("laterality: optional", "laterality: none"))
            text = (root / file).read_text(encoding="utf-8")
            sides = next(line for line in text.splitlines() if line.startswith("sides: "))
            edit(root / file, (sides + "\n", ""))
    edit(root / ENGLISH, ("subtitle: Information for patients", 'subtitle: "Information for {{ side }}"'))
    (error,) = _errors(root)
    assert error.startswith(f"{ENGLISH}:")
    assert error.endswith(
        f"handout.subtitle: {{{{ side }}}} needs `laterality: required` (this content's is {laterality}): "
        "a record may give no side, and a sentence is never printed with a gap"
    )


def test_site_placeholder_needs_levels(tmp_path: Path) -> None:
    root = sided_site(tmp_path, levels=False)
    edit(root / ENGLISH, ("broken bones of my spine, on {{ side }}.", "levels {{ site }}, on {{ side }}."))
    (error,) = _errors(root)
    assert error.startswith(f"{ENGLISH}:")
    assert error.endswith(
        "consent.sections[1].blocks[0].text: {{ site }} needs `levels: true`: this content declares no levels or "
        "site text"
    )
