"""Content and layout validation: every mistake an editor can make, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from packetgen.cli import main
from packetgen.errors import InputErrors
from packetgen.library import load_library
from tests.helpers.site import ROOT

CONTENT = (ROOT / "packets/vertebroplasty.yaml").read_text(encoding="utf-8")
LAYOUT = (ROOT / "layouts/letter.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def errors_for(tmp_path: Path, name: str, text: str) -> list[str]:
    folder = tmp_path / ("layouts" if name.startswith("layout") else "packets")
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_library(root=tmp_path, files=[path])
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
        ("(after midnight on {{ night_before }})", "({{ night_befor }})", "unknown placeholder 'night_befor'"),
        (
            "    section: before\n    handout:\n      - id: flag-anticoag",
            "    section: prep\n    handout:\n      - id: flag-anticoag",
            "flags.anticoagulant.section: expected one of: after, before, during",
        ),
        ('review_due: "2028-11-01"', 'review_due: "2026-01-01"', "review_due must come after effective"),
        ('effective: "2026-11-01"', 'effective: "2026-11-31"', "effective: not a real calendar date"),
        ("review: pending\n", "review: maybe\n", "expected one of 'pending' or 'approved'"),
        (
            "  - {id: risk-pain, text: Worsening of pain}\n",
            "  - {id: risk-pain, text: Worsening of pain, frequency: often}\n",
            "frequency: expected one of",
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
        ("timezone: America/Chicago", "timezone: America/Springfield", "expected an IANA time zone"),
        ('  text: "#1a1a1a"', "  text: red", "colours.text: expected a colour"),
        ("  size: letter", "  size: tabloid", "page.size: expected one of 'letter', 'a4' or 'legal'"),
        ("  phone: (217) 555-0142\n", "", "facility.phone: required field is missing"),
    ],
)
def test_layout_mistakes_are_named_with_their_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in LAYOUT
    errors = errors_for(tmp_path, "layout-letter", LAYOUT.replace(old, new, 1))
    assert len(errors) == 1, errors
    assert expected in errors[0]


def test_all_errors_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    text = CONTENT.replace('version: "1.0.0"', "version: 1.1").replace("title: Vertebroplasty\n", "titel: V\n", 1)
    errors = errors_for(tmp_path, "vertebroplasty", text)
    assert len(errors) == 3  # version, unknown titel, missing title


def test_validate_command_fails_on_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    wrong = "(after midnight on {{ night_before }})"
    bad.write_text(CONTENT.replace(wrong, "(after midnight on {{ nite }})"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:{line_of(CONTENT, wrong)}: handout.sections[0].bullets[0].text: unknown placeholder" in err


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
