"""What every procedure of issue 25 (colonoscopy, cataract surgery, cardiac catheterization) shares outside
its packets: `list` shows it with its codes and its department, and `validate` passes its content, its
translation and its department, every part at reading grade 8. Each procedure's packets are tested in
its own module (`test_<procedure>_content.py`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from packetgen.cli import main
from tests.helpers.procedure_packets import LANGUAGES
from tests.helpers.site import ROOT


@dataclass(frozen=True)
class Procedure:
    """A procedure as `list` shows it."""

    id: str
    title: str
    codes: str
    department: str
    place: str
    """The department's place and phone, as `list` shows them after the hospital's name."""


PROCEDURES = [
    Procedure(
        "colonoscopy",
        "Colonoscopy",
        "CPT 45378, CPT 45380, CPT 45385, SNOMED CT 73761001",
        "gastroenterology",
        "Digestive Health and Endoscopy Center, 3rd floor | (217) 555-0160",
    ),
    Procedure(
        "cataract-surgery",
        "Cataract surgery",
        "CPT 66984, CPT 66982, SNOMED CT 110473004",
        "ophthalmology",
        "Eye Center, Medical Office Building, 3rd floor | (217) 555-0176",
    ),
    Procedure(
        "cardiac-catheterization",
        "Cardiac catheterization",
        "CPT 93458, CPT 93454, SNOMED CT 41976001",
        "cardiology",
        "Heart and Vascular Center, North Pavilion, 3rd floor | (217) 555-0188",
    ),
]
EVERY_PROCEDURE = pytest.mark.parametrize("procedure", PROCEDURES, ids=[procedure.id for procedure in PROCEDURES])


@EVERY_PROCEDURE
def test_list_shows_the_procedure_with_its_codes(capsys: pytest.CaptureFixture[str], procedure: Procedure) -> None:
    assert main(["list"], {}) == 0
    out = capsys.readouterr().out.splitlines()
    (line,) = [line for line in out if line.startswith(f"  {procedure.id} ")]
    assert f"{procedure.title} | version 1.0.0 | languages: {', '.join(LANGUAGES)}" in line
    assert line.endswith(procedure.codes)
    (department,) = [line for line in out if line.startswith(f"  {procedure.department} ")]
    assert f"Riverside General Hospital, {procedure.place}" in department


@EVERY_PROCEDURE
def test_validate_passes_the_content_and_every_part_reads_at_grade_8(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, procedure: Procedure
) -> None:
    monkeypatch.chdir(ROOT)  # validate reports a file by the path it was given, relative to the project
    for language in LANGUAGES:
        file = f"packets/{procedure.id}.yaml" if language == "en" else f"packets/{procedure.id}.{language}.yaml"
        assert main(["validate", file], {}) == 0, file
        captured = capsys.readouterr()
        assert f"{file}: {procedure.id} 1.0.0 ({language})" in captured.out
        assert captured.out.count("target 8") == 2  # the file's parts, and its new text
        assert "ABOVE TARGET" not in captured.out
        assert captured.err == ""
    assert main(["validate", f"departments/{procedure.department}.yaml"], {}) == 0
    captured = capsys.readouterr()
    assert f"department {procedure.department}: ok" in captured.out
    assert captured.err == ""
