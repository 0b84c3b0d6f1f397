"""What `validate` refuses in a content's blocks and conditions (issue 25), each named by its file, line
and field; translations lining up with their source block by block; review states and reading grades
of the new blocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from packetgen.errors import InputErrors
from packetgen.library import load_library
from packetgen.library.approval import approval_of
from packetgen.library.readability import new_text_grades, section_grades
from packetgen.library.rules import pending_review
from tests.helpers.blocks import EYE_TEST, as_spanish, eye_site
from tests.helpers.site import KNOWN_DEPARTMENTS, ROOT, TODAY, copy_site

FILE = "packets/eye-test.yaml"
SPANISH = "packets/eye-test.es.yaml"


def _errors(root: Path) -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_library(root)
    return [str(e) for e in info.value.errors]


def _count(text: str) -> int:
    return len(text.split())


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "at", "expected"),
    [
        (  # a condition naming a flag the content does not declare
            "text: Check your blood sugar before you come., when: {flag: diabetes}}",
            "text: Check your blood sugar before you come., when: {flag: diabetis}}",
            "when: {flag: diabetis}",
            "handout.checklist.items[1].when.flag: unknown flag; this content declares: anticoagulant, diabetes "
            "(declare it under flags:)",
        ),
        (  # a flag no condition uses: nothing would ever print for it
            "  diabetes:\n    label: You have diabetes\n",
            "  diabetes:\n    label: You have diabetes\n  pregnant:\n    label: You may be pregnant\n",
            "  pregnant:",
            "flags.pregnant: no condition uses this flag (when: {flag: pregnant}): nothing would print for it",
        ),
        (  # an unknown block type, named by its place among the sections and blocks
            "{id: drops-heading, type: subheading,",
            "{id: drops-heading, type: subhead,",
            "type: subhead,",
            "handout.sections[1].blocks[2].type: unknown type (did you mean 'subheading'?); expected one of: "
            "paragraph, bullets, steps, subheading, table, callout, figure, timeline, fragment",
        ),
        (  # a statement to initial belongs to the consent
            "{id: prepare-intro, type: paragraph,",
            "{id: prepare-intro, type: initialled,",
            "type: initialled,",
            "handout.sections[1].blocks[0].type: unknown type; expected one of: paragraph, bullets, steps, "
            "subheading, table, callout, figure, timeline, fragment",
        ),
        (  # a table's row with a cell too few
            '{id: drop-steroid, cells: [Steroid drops, The day after, "2"]}',
            "{id: drop-steroid, cells: [Steroid drops, The day after]}",
            "id: drop-steroid",
            "rows[1].cells: expected 3 cells, one per column of the header (this row has 2)",
        ),
        (  # a condition on something a record does not give
            "when: {field: laterality, is: left}",
            "when: {field: eye, is: left}",
            "when: {field: eye",
            "when.field: expected one of 'laterality', 'department' or 'language'",
        ),
        (
            "when: {field: laterality, is: left}",
            "when: {field: laterality, is: top}",
            "when: {field: laterality, is: top}",
            "when: expected a side (left, right, bilateral), not 'top'",
        ),
        (  # a department no file defines
            "when: {field: laterality, is: left}",
            "when: {field: department, is: oncology}",
            "when: {field: department",
            f"handout.sections[1].blocks[4].when.is: unknown department; expected one of: {KNOWN_DEPARTMENTS}",
        ),
        (
            "when: {not_flag: diabetes}",
            "when: {not_flag: diabetes, flag: anticoagulant}",
            "when: {not_flag: diabetes, flag",
            "when: expected one condition per mapping (found flag and not_flag): combine them with all: or any:",
        ),
        (
            "when: {all: [{flag: diabetes}, {flag: anticoagulant}]}",
            "when: {all: [{flag: diabetes}, {flg: anticoagulant}]}",
            "when: {all:",
            "when.all[1]: expected one of {flag: X}, {not_flag: X}, {field: laterality|department|language, is: "
            "VALUE} (or is_not), {all: [...]}, {any: [...]}",
        ),
        (
            "when: {flag: anticoagulant}\n          heading:",
            "when: {flag: anticoagulant, typo: 1}\n          heading:",
            "when: {flag: anticoagulant, typo: 1}",
            "when.typo: unknown field; expected one of: flag",
        ),
        (  # the site line's label, in a procedure without levels (it prints no site line)
            "  form_id: eye-consent\n",
            "  form_id: eye-consent\n  site_label: Site\n",
            "site_label: Site",
            "consent.site_label: expected no site_label: levels is false (the consent prints no site line)",
        ),
        (
            "select: one",
            "select: two",
            "select: two",
            "select: expected one of 'one' or 'many'",
        ),
        (
            'frequency: {words: uncommon, about: "1 in 50"}',
            "frequency: {}",
            "frequency: {}",
            "risks[1].frequency.about: expected words (very rare, rare, uncommon, common), about, or both",
        ),
    ],
)
def test_blocks_and_conditions_that_cannot_print_are_named(
    tmp_path: Path, old: str, new: str, at: str, expected: str
) -> None:
    assert old in EYE_TEST
    text = EYE_TEST.replace(old, new, 1)
    errors = _errors(eye_site(tmp_path, text))
    line = _line(text, at)
    assert [e for e in errors if e.startswith(f"{FILE}:{line}: ") and e.endswith(expected)], errors


def test_a_condition_on_the_side_needs_a_procedure_done_on_one(tmp_path: Path) -> None:
    copy_site(tmp_path)
    english = tmp_path / "packets" / "vertebroplasty.yaml"
    text = english.read_text(encoding="utf-8").replace("when: {flag: sedation}", "when: {field: laterality, is: left}")
    english.write_text(text, encoding="utf-8")
    errors = _errors(tmp_path)
    assert any(
        e.endswith(
            "handout.sections[1].blocks[3].when.field: this procedure is done on no side (laterality: "
            "none): the record's side is never known"
        )
        for e in errors
    ), errors


def test_the_project_content_declares_only_flags_its_conditions_use() -> None:
    library = load_library(ROOT)
    assert set(library.contents["vertebroplasty"].flags) == {"contrast_allergy", "anticoagulant", "sedation"}


def _spanish(root: Path, *changes: tuple[str, str]) -> Path:
    text = as_spanish()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return eye_site(root, spanish=text)


def test_a_translation_that_lines_up_loads(tmp_path: Path) -> None:
    library = load_library(_spanish(tmp_path))
    assert library.translations["eye-test"]["es"].handout.sections[1].blocks[3].type == "table"


def test_a_translation_missing_a_block_is_named(tmp_path: Path) -> None:
    start = as_spanish().index("        - id: nurse-call\n")
    end = as_spanish().index("        - id: thinner\n")
    errors = _errors(_spanish(tmp_path, (as_spanish()[start:end], "")))
    assert any(
        re.fullmatch(
            rf"{SPANISH}:\d+: handout\.sections\[1\]\.blocks: missing the item with id 'nurse-call' that the en "
            "content has",
            e,
        )
        for e in errors
    ), errors


def test_a_translated_table_of_another_shape_is_named(tmp_path: Path) -> None:
    root = _spanish(
        tmp_path,
        ("header: [Eye drop, When to start, Drops each time]", "header: [Eye drop, When to start]"),
        ("widths: [2, 2, 1]", "widths: [2, 2]"),
        ('[Antibiotic drops, Three days before, "1"]', "[Antibiotic drops, Three days before]"),
        ('[Steroid drops, The day after, "2"]', "[Steroid drops, The day after]"),
        ('[Sugar-free tears, The day before, "1"]', "[Sugar-free tears, The day before]"),
    )
    errors = _errors(root)
    assert any(
        re.fullmatch(
            rf"{SPANISH}:\d+: handout\.sections\[1\]\.blocks\[3\]\.header: expected 3 columns, as the en content's "
            "table has",
            e,
        )
        for e in errors
    ), errors
    assert any(
        re.fullmatch(
            rf"{SPANISH}:\d+: handout\.sections\[1\]\.blocks\[3\]\.rows\[0\]\.cells: expected 3 cells, as this row has "
            "in the en content",
            e,
        )
        for e in errors
    ), errors


def test_a_translated_choice_with_other_options_is_named(tmp_path: Path) -> None:
    root = _spanish(
        tmp_path,
        (
            "            - {id: lens-toric, text: A toric lens for astigmatism}\n",
            "            - {id: lens-toric, text: A toric lens for astigmatism}\n"
            "            - {id: lens-multifocal, text: A multifocal lens}\n",
        ),
    )
    errors = _errors(root)
    assert any(
        e.endswith("consent.sections[1].blocks[0].options: expected 2 options, as the en content's choice has")
        for e in errors
    ), errors
    assert any("id 'lens-multifocal' is not in the en content" in e for e in errors), errors


def test_a_translated_risk_of_another_frequency_is_named(tmp_path: Path) -> None:
    root = _spanish(
        tmp_path,
        (
            "{id: risk-infection, text: Infection, frequency: rare}",
            "{id: risk-infection, text: Infection, frequency: common}",
        ),
    )
    errors = _errors(root)
    assert any(
        e.endswith(
            "risks[0].frequency: expected the same frequency as the en content (its words; a number if it has one)"
        )
        for e in errors
    ), errors


def test_review_states_of_blocks_rows_and_options_count(tmp_path: Path) -> None:
    text = (
        EYE_TEST.replace(
            'text: "Read this page a week before the procedure."}',
            'text: "Read this page a week before the procedure.", review: pending}',
        )
        .replace(
            'cells: [Antibiotic drops, Three days before, "1"]}',
            'cells: [Antibiotic drops, Three days before, "1"], review: pending}',
        )
        .replace(
            "{id: lens-standard, text: A standard lens}", "{id: lens-standard, text: A standard lens, review: pending}"
        )
    )
    library = load_library(eye_site(tmp_path, text))
    content = library.contents["eye-test"]
    assert content.pending_reviews == 3
    approval = approval_of(content, TODAY)
    assert approval.draft
    assert "3 items await clinical review" in approval.reasons()
    assert pending_review(library.source_of(content).data) == [
        ("handout", "sections", 1, "blocks", 0),
        ("handout", "sections", 1, "blocks", 3, "rows", 0),
        ("consent", "sections", 1, "blocks", 0, "options", 0),
    ]
    # The new text's grade reads the pending blocks and items only: the row's cells, the option.
    new = {g.key: g for g in new_text_grades(content)}
    assert set(new) == {("handout", "sections", 1), ("consent", "sections", 1)}
    assert new[("handout", "sections", 1)].words == _count("Read this page a week before the procedure.") + 6
    assert new[("consent", "sections", 1)].words == 3


def test_a_whole_part_reads_every_block(tmp_path: Path) -> None:
    content = load_library(eye_site(tmp_path)).contents["eye-test"]
    grades = {g.key: g for g in section_grades(content)}
    prepare = grades[("handout", "sections", 1)]
    assert prepare.title == "Getting ready"
    # Paragraphs, the steps and their lead, the table's lead, header and cells, the callout's item: not headings.
    words = (
        "Read this page a week before the procedure. Do these in order: Stop wearing your contact lenses. Wash your "
        "face with soap and water. Put in the first eye drops. When to use each eye drop: Eye drop. When to start. "
        "Drops each time. Antibiotic drops. Three days before. 1. Steroid drops. The day after. 2. Sugar-free tears. "
        "The day before. 1. A shield will cover your left eye. Eat a light breakfast. We will call you two days "
        "before about your medicines. A nurse will call you about your insulin and your blood thinner. Ask us before "
        "you stop your blood thinner."
    )
    assert prepare.words == _count(words)
    lens = grades[("consent", "sections", 1)]
    assert lens.title == "Consent: lens"
    said = "The lens I choose is: A standard lens. A toric lens for astigmatism. I understand that a toric lens may"
    assert lens.words == _count(said) + 2  # "cost more."
