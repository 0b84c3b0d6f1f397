"""Plain language: grades per part, and validate failing on text above the target."""

from __future__ import annotations

from pathlib import Path

import pytest

from packetgen.cli import main
from packetgen.library import Library
from packetgen.library.readability import NEW_TEXT_TARGET, ease_to_grade, grade, new_text_grades, section_grades
from tests.helpers.site import ROOT

CONTENT = (ROOT / "packets/vertebroplasty.yaml").read_text(encoding="utf-8")
HARD, HARD_ES = (
    " ".join(words)
    for words in (
        (
            "Percutaneous vertebral augmentation necessitates meticulous fluoroscopically guided instrumentation",
            "notwithstanding considerable interindividual anatomical variability, predisposing susceptible",
            "individuals to extravasation-associated neurological complications.",
        ),
        (
            "La augmentación vertebral percutánea necesita instrumentación fluoroscópica meticulosamente",
            "individualizada, considerando la considerable variabilidad anatómica interindividual, predisponiendo",
            "a individuos susceptibles a complicaciones neurológicas asociadas a extravasaciones.",
        ),
    )
)


def test_grades_order_plain_and_hard_text() -> None:
    assert grade("You will lie flat. Then you can go home.", "en") < 4
    assert grade(HARD, "en") > 16


def test_every_part_is_graded(library: Library) -> None:
    grades = section_grades(library.contents["vertebroplasty"])
    titles = [g.title for g in grades]
    assert titles[:5] == [
        "Your checklist",
        "What is vertebroplasty?",
        "Before the procedure",
        "During the procedure",
        "After the procedure",
    ]
    for part in ("statement", "procedure", "guarantee", "anesthesia", "conditions", "attestations"):
        assert f"Consent: {part}" in titles
    assert "When to call" in titles
    assert all(g.words > 0 for g in grades)


def test_validate_prints_the_table_and_fails_on_a_hard_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hard = tmp_path / "hard.yaml"
    text = CONTENT.replace("reading_grade_target: 13", "reading_grade_target: 8")
    text = text.replace(
        'text: "Drink plenty of water to help flush the contrast medium from your system."', f'text: "{HARD}"'
    )
    hard.write_text(text, encoding="utf-8")
    assert main(["validate", str(hard)]) == 1
    captured = capsys.readouterr()
    assert "After the procedure  ABOVE TARGET" in captured.out
    line = text[: text.index("    - id: after\n")].count("\n") + 1
    assert f"{hard}:{line}: handout.sections[3]: reading grade" in captured.err
    assert "is above the target 8" in captured.err


def test_spanish_grades_come_from_fernandez_huerta() -> None:
    assert grade("Usted se acuesta. Luego se va a casa.", "es") < 6
    assert grade(HARD_ES, "es-MX") > 14
    assert [ease_to_grade(e) for e in (0, 40, 65, 95, 100)] == [16.0, 14.0, 8.5, 5.0, 5.0]
    grades = [ease_to_grade(e) for e in range(0, 101)]
    assert grades == sorted(grades, reverse=True)  # easier text, lower grade, everywhere
    with pytest.raises(ValueError, match="no reading-grade formula"):
        grade("Xin chào", "vi")


def test_validate_fails_on_a_hard_spanish_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spanish = (ROOT / "packets/vertebroplasty.es.yaml").read_text(encoding="utf-8")
    hard = tmp_path / "vertebroplasty.es.yaml"  # named as a translation: validate loads the English beside it
    water = 'text: "Beba mucha agua para ayudar a eliminar el medio de contraste de su cuerpo."'
    text = spanish.replace("reading_grade_target: 13", "reading_grade_target: 8").replace(water, f'text: "{HARD_ES}"')
    hard.write_text(text, encoding="utf-8")
    assert main(["validate", str(hard)]) == 1
    captured = capsys.readouterr()
    assert "Fernández-Huerta" in captured.out
    assert "Después del procedimiento  ABOVE TARGET" in captured.out
    assert f"{hard}:" in captured.err
    assert "handout.sections[3]: reading grade" in captured.err
    assert "packets/vertebroplasty.yaml" not in captured.out  # loaded as the source, not reported


def test_new_text_must_read_at_grade_8_while_the_seeds_lines_stay_as_given(
    library: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for content in (library.contents["vertebroplasty"], library.translations["vertebroplasty"]["es"]):
        new = new_text_grades(content)
        assert new
        assert all(g.grade <= NEW_TEXT_TARGET for g in new), [(g.title, g.grade) for g in new]
        # The approved introduction (the seed's own words, grade 12.8) is not new text: it is not held to 8.
        assert content.handout.sections[0].id == "introduction"
        assert content.handout.sections[0].heading not in [g.title for g in new]
    hard = tmp_path / "hard.yaml"
    old = 'text: "Bring an adult who will drive you home."'
    assert old in CONTENT
    hard.write_text(CONTENT.replace(old, f'text: "{HARD}"'), encoding="utf-8")
    assert main(["validate", str(hard)]) == 1
    captured = capsys.readouterr()
    line = CONTENT[: CONTENT.index("  checklist:\n")].count("\n") + 1
    assert f"{hard}:{line}: handout.checklist: the new text (review: pending) reads at grade" in captured.err
    assert "Your checklist  ABOVE TARGET" in captured.out


def test_each_list_item_is_read_as_a_sentence_of_its_own_with_or_without_its_period(library: Library) -> None:
    """A list of short signs without periods ("Fever or chills") is as easy as the same list with them:
    the grade must not run the items together into one long sentence."""
    content = library.contents["vertebroplasty"]
    signs = content.handout.when_to_call.signs if content.handout.when_to_call else ()
    assert signs
    assert not all(item.text.endswith(".") for item in signs)  # the shipped signs have no periods
    without = [g for g in section_grades(content) if g.title == "When to call"]
    with_periods = content.model_copy(
        update={
            "handout": content.handout.model_copy(
                update={
                    "when_to_call": content.handout.when_to_call.model_copy(  # type: ignore[union-attr]
                        update={"signs": tuple(item.model_copy(update={"text": f"{item.text}."}) for item in signs)}
                    )
                }
            )
        }
    )
    (grade_with,) = [g for g in section_grades(with_periods) if g.title == "When to call"]
    (grade_without,) = without
    assert grade_without.grade == pytest.approx(grade_with.grade)
