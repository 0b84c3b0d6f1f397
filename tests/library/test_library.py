"""Content, layout and department validation: every mistake an editor can make, with its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from packetgen.cli import main
from packetgen.errors import InputErrors
from packetgen.library import load_library
from tests.helpers.site import KNOWN_DEPARTMENTS, ROOT

CONTENT = (ROOT / "packets/vertebroplasty.yaml").read_text(encoding="utf-8")
LAYOUT = (ROOT / "layouts/letter.yaml").read_text(encoding="utf-8")
DEPARTMENT = (ROOT / "departments/interventional-radiology.yaml").read_text(encoding="utf-8")
DEPARTMENTS = sorted((ROOT / "departments").glob("*.yaml"))
FRAGMENTS = sorted((ROOT / "packets" / "fragments").glob("*.yaml"))


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def errors_for(tmp_path: Path, name: str, text: str) -> list[str]:
    """The errors of one file (a content file loaded with the project's departments and shared fragments,
    which it names, and beside the project's figure files, which it names too)."""
    kind = next((k for k in ("layout", "department") if name.startswith(k)), "content")
    folder = tmp_path / {"layout": "layouts", "department": "departments", "content": "packets"}[kind]
    folder.mkdir(exist_ok=True)
    if kind == "content":
        shutil.copytree(ROOT / "packets" / "figures", folder / "figures", dirs_exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_library(root=tmp_path, files=[path, *((*DEPARTMENTS, *FRAGMENTS) if kind == "content" else ())])
    return [str(e).replace(str(path.relative_to(tmp_path)), "F") for e in info.value.errors]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('version: "1.0.0"', "version: 1.10", "version: expected text: YAML read a number"),
        (
            "risks:\n  - {id: risk-bleeding",
            "riks:\n  - {id: risk-bleeding",
            "riks: unknown field (did you mean 'risks'?)",
        ),
        ("    - id: during-gown\n", "    - id: during-iv\n", "id 'during-iv' is already used on line"),
        ("after {{ fast_from }}", "after {{ fast_fro }}", "unknown placeholder 'fast_fro'"),
        (  # a condition names a flag the content does not declare
            "          when: {flag: anticoagulant}\n          heading",
            "          when: {flag: anticoagulent}\n          heading",
            "handout.sections[1].blocks[2].when.flag: unknown flag; this content declares: anticoagulant, "
            "contrast_allergy, sedation",
        ),
        ('review_due: "2028-11-01"', 'review_due: "2026-01-01"', "review_due must come after effective"),
        ('effective: "2026-11-01"', 'effective: "2026-11-31"', "effective: not a real calendar date"),
        ("review: pending\n", "review: maybe\n", "expected one of 'pending' or 'approved'"),
        (
            "  - {id: risk-pain, text: Worsening of pain}\n",
            "  - {id: risk-pain, text: Worsening of pain, frequency: often}\n",
            "frequency.words: expected one of",
        ),
    ],
)
def test_content_mistakes_are_named_with_their_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in CONTENT
    text = CONTENT.replace(old, new, 1)
    errors = errors_for(tmp_path, "vertebroplasty", text)
    matching = [e for e in errors if expected in e]
    assert len(matching) == 1, errors
    lines = {n for n, line in enumerate(text.splitlines(), start=1) if new.splitlines()[0] in line}
    assert int(matching[0].split(":")[1]) in lines, matching


def test_empty_risk_list_is_refused(tmp_path: Path) -> None:
    start = CONTENT.index("risks:\n  - {id: risk-bleeding")
    end = CONTENT.index("\nconsent:")
    errors = errors_for(tmp_path, "vertebroplasty", CONTENT[:start] + "risks: []\n" + CONTENT[end:])
    assert errors == [f"F:{line_of(CONTENT, 'risks:')}: risks: expected at least one entry"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  body: 12\n", "  body: 10\n", "sizes.body: expected a value at least 12"),
        ('  text: "#1a1a1a"', "  text: red", "colours.text: expected a colour"),
        ("  size: letter", "  size: tabloid", "page.size: expected one of 'letter', 'a4' or 'legal'"),
        # A layout is only the print format: the department's details are the department file's.
        ("sizes:\n", "facility:\n  name: Riverside General Hospital\nsizes:\n", "facility: unknown field"),
        ("sizes:\n", "email:\n  sender: packets@riverside.example.org\nsizes:\n", "email: unknown field"),
        ("sizes:\n", "footer_note: Questions?\nsizes:\n", "footer_note: unknown field"),
    ],
)
def test_layout_mistakes_are_named_with_their_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in LAYOUT
    errors = errors_for(tmp_path, "layout-letter", LAYOUT.replace(old, new, 1))
    assert len(errors) == 1, errors
    assert expected in errors[0]


@pytest.mark.parametrize(
    ("old", "new", "expected", "at"),
    [
        ("phone: (217) 555-0142\n", "", "phone: required field is missing", None),
        ("<packets@riverside.example.org>", "<packets at riverside>", "email.sender: expected an address", "sender:"),
        ("\nname: ", "\nid: Radiology\nname: ", "id: expected an id of lower-case letters", "id: Radiology"),
        ("  es:\n", "  espanol:\n", "address.espanol: expected a BCP 47 language tag", "  espanol:"),
        ("\nphone: ", "\ntimezone: America/Chicago\nphone: ", "timezone: unknown field", "timezone:"),
    ],
)
def test_department_mistakes_are_named_with_their_line(
    tmp_path: Path, old: str, new: str, expected: str, at: str | None
) -> None:
    assert old in DEPARTMENT
    text = DEPARTMENT.replace(old, new, 1)
    errors = errors_for(tmp_path, "department-ir", text)
    assert len(errors) == 1, errors
    assert expected in errors[0]
    if at is not None:
        assert errors[0].startswith(f"F:{line_of(text, at)}: "), errors


def test_a_content_naming_no_department_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = CONTENT.replace("department: interventional-radiology", "department: radiology", 1)
    errors = errors_for(tmp_path, "vertebroplasty", text)
    line = line_of(text, "department: radiology")
    assert errors == [f"F:{line}: department: unknown department; expected one of: {KNOWN_DEPARTMENTS}"]
    without = errors_for(tmp_path, "vertebroplasty", CONTENT.replace("department: interventional-radiology\n", ""))
    assert [e.split(": ", 1)[1] for e in without] == ["department: required field is missing"]


def test_all_errors_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    text = CONTENT.replace('version: "1.0.0"', "version: 1.1", 1).replace("title: Vertebroplasty\n", "titel: V\n", 1)
    errors = errors_for(tmp_path, "vertebroplasty", text)
    assert len(errors) == 3  # version, unknown titel, missing title


def test_validate_command_fails_on_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    wrong = "after {{ fast_from }}"
    bad.write_text(CONTENT.replace(wrong, "after {{ nite }}"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:{line_of(CONTENT, wrong)}: handout.checklist.items[0].text: unknown placeholder" in err


def test_validate_checks_content_glyphs_against_every_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONTENT.replace("text: Bleeding", "text: Bleeding ሀ"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    assert "risks[0].text: character U+1200 (ETHIOPIC SYLLABLE HA) has no glyph" in capsys.readouterr().err
    # Devanagari has a font, but its letters combine: content text is not shaped, so it is refused.
    bad.write_text(CONTENT.replace("text: Bleeding", "text: Bleeding किशोर"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    assert "risks[0].text: character U+0915 (DEVANAGARI LETTER KA) is in a script whose letters combine" in (
        capsys.readouterr().err
    )
