"""Sides (issue 25): a procedure declares whether it is done on a side and names the sides in its
language; the record's `laterality` prints through those names, and a required side the record does
not give makes a packet with a Side line to complete and verify, a warning, and never a gap in a
sentence. Read back from the PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from packetgen.build import Generated, make_packet
from packetgen.cli import main
from packetgen.language.labels import ENGLISH, SPANISH, Labels
from packetgen.library import Library, load_library
from tests.helpers.pdftext import section_text
from tests.helpers.sides import ENGLISH_SENTENCE, ENGLISH_SIDES, SPANISH_SENTENCE, SPANISH_SIDES, sided_site
from tests.helpers.site import BASE_APPOINTMENT, TODAY

Make = Callable[..., tuple[Generated, str, str]]


def _side_line(labels: Labels) -> str:
    boxes = " ".join(f"☐ {choice}" for choice in labels.side_choices)
    return f"{labels.side}: {boxes} — {labels.side_to_verify}"


@pytest.fixture(scope="module")
def required(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return load_library(sided_site(tmp_path_factory.mktemp("required")))


@pytest.fixture(scope="module")
def optional(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return load_library(sided_site(tmp_path_factory.mktemp("optional"), "optional"))


@pytest.fixture
def make(tmp_path: Path) -> Make:
    """A packet from `library` for BASE_APPOINTMENT with overrides: (what was made, handout text, consent text)."""

    def run(library: Library, **overrides: Any) -> tuple[Generated, str, str]:
        record = {k: v for k, v in {**BASE_APPOINTMENT, **overrides}.items() if v is not None}
        path = tmp_path / "appt.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
        made = make_packet(path, tmp_path / "out", library=library, today=TODAY)
        return (made, *section_text(made.path))

    return run


@pytest.mark.parametrize(
    ("language", "laterality", "labels", "name", "subtitle", "sentence"),
    [
        ("en", "left", ENGLISH, ENGLISH_SIDES["left"], "Information for patients: treatment on", ENGLISH_SENTENCE),
        (
            "es",
            "right",
            SPANISH,
            SPANISH_SIDES["right"],
            "Información para pacientes: tratamiento en",
            SPANISH_SENTENCE,
        ),
        (
            "en",
            "Bilateral",
            ENGLISH,
            ENGLISH_SIDES["bilateral"],
            "Information for patients: treatment on",
            ENGLISH_SENTENCE,
        ),
    ],
)
def test_a_side_prints_through_the_contents_names_in_the_packets_language(
    make: Make,
    required: Library,
    language: str,
    laterality: str,
    labels: Labels,
    name: str,
    subtitle: str,
    sentence: str,
) -> None:
    made, handout, consent = make(required, language=language, laterality=laterality, site="T12 and L1")
    assert made.warnings == ()
    assert f"{subtitle} {name}" in handout  # where the content says {{ side }}
    assert sentence.format(site="T12 and L1", side=name) in consent
    assert f"{labels.side}: {name}" in handout  # the appointment panel
    assert f"{labels.side}: {name}" in consent  # the identification box
    assert labels.side_choices[0] not in handout + consent  # no Side line to complete
    assert labels.side_unknown not in handout + consent


@pytest.mark.parametrize(
    ("language", "labels", "subtitle", "sentence"),
    [
        ("en", ENGLISH, "Information for patients: treatment on", ENGLISH_SENTENCE),
        ("es", SPANISH, "Información para pacientes: tratamiento en", SPANISH_SENTENCE),
    ],
)
def test_a_required_side_not_given_makes_the_packet_with_the_side_line_and_a_warning(
    make: Make, required: Library, language: str, labels: Labels, subtitle: str, sentence: str
) -> None:
    made, handout, consent = make(required, language=language, site="T12 and L1")
    line = _side_line(labels)
    assert line in handout  # after the appointment panel
    assert line in consent  # after the identification box
    assert f"{subtitle} {labels.side_unknown}" in handout  # the sentence points to the line, never a gap
    assert sentence.format(site="T12 and L1", side=labels.side_unknown) in consent
    assert labels.blank_line[:6] not in handout  # no blank to write on (the site is given)
    assert f"{labels.side_unknown[-6:]} {labels.blank_line[:6]}" not in consent
    assert f" {labels.blank_line[:6]}." not in consent
    assert f"{labels.side}: {ENGLISH_SIDES['left']}" not in handout
    (warning,) = made.warnings
    assert warning.endswith(
        ": warning: laterality: vertebroplasty requires a side and the record gives none; the packet has a "
        "Side line to be completed and verified before the procedure"
    )


def test_the_missing_side_is_a_warning_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = sided_site(tmp_path / "site")
    record = tmp_path / "appt.yaml"
    text = yaml.safe_dump({**BASE_APPOINTMENT, "laterality": "sinister"}, allow_unicode=True)
    record.write_text(text, encoding="utf-8")
    line = text.splitlines().index("laterality: sinister") + 1
    code = main(["packet", str(record), "--out", str(tmp_path / "out")], {"PACKETGEN_CONTENT_ROOT": str(root)})
    assert code == 0
    err = capsys.readouterr().err
    assert f"{record}:{line}: warning: laterality: expected one of 'left', 'right' or 'bilateral'; left out" in err
    assert f"{record}:{line}: warning: laterality: vertebroplasty requires a side and the record gives none" in err
    assert "sinister" not in err  # the value is never echoed
    assert (tmp_path / "out" / "T-0001.pdf").is_file()


def test_a_side_given_for_a_procedure_done_on_no_side_is_a_warning_and_not_printed(
    make: Make, library: Library
) -> None:
    made, handout, consent = make(library, laterality="left")
    (warning,) = made.warnings
    assert warning.endswith(
        ": warning: laterality: vertebroplasty is not done on a side; the side given is not printed"
    )
    assert f"{ENGLISH.side}:" not in handout + consent
    assert "left side" not in handout + consent


def test_an_optional_side_is_printed_when_given_and_nothing_is_asked_when_not(make: Make, optional: Library) -> None:
    made, handout, consent = make(optional, laterality="right")
    assert made.warnings == ()
    assert f"Side: {ENGLISH_SIDES['right']}" in handout
    assert f"Side: {ENGLISH_SIDES['right']}" in consent
    made, handout, consent = make(optional)
    assert made.warnings == ()
    assert "Side:" not in handout + consent


def test_a_procedure_without_levels_prints_no_site_line_and_warns_of_a_site_given(tmp_path: Path, make: Make) -> None:
    library = load_library(sided_site(tmp_path / "site", levels=False))
    made, _handout, consent = make(library, laterality="left", site="T12 and L1")
    assert made.warnings[0].endswith(
        ": warning: site: vertebroplasty has no levels or site text; the site given is not printed"
    )
    assert "Site and levels" not in consent  # the content's label for the site line, which it no longer has
    assert "T12" not in consent
    assert "broken bones of my spine, on the left side." in consent
