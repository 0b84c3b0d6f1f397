"""Departments (issue 25): a procedure names its default department, a record may name another, and the
packet prints that department's name, address and phones (header, "When to call", the consent's facility
block, the footer); an unknown department is an error naming the field, a broken department file makes
only its own department unavailable, and the person printing chooses the layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.build import make_packet
from packetgen.cli import main
from packetgen.errors import InputErrors, PacketError
from packetgen.library import Library, load_library
from packetgen.settings import Settings
from tests.helpers.departments import CARDIOLOGY, RIVERSIDE, cardiology_site
from tests.helpers.pdftext import consent_start, page_texts
from tests.helpers.site import TODAY


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return cardiology_site(tmp_path / "site")


def test_the_department_is_named_by_its_id_or_its_files_name(site: Path) -> None:
    library = load_library(site)
    assert sorted(library.departments) == ["cardiology", "interventional-radiology"]
    assert library.departments["interventional-radiology"].id == "interventional-radiology"  # no `id:`: the file's
    assert dict(library.departments["cardiology"].address) == {
        "en": ("Cardiology, 4th floor", "300 Lake Street, Springfield, IL 62702")
    }
    assert library.contents["vertebroplasty"].department == "interventional-radiology"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_record_naming_another_department_prints_its_name_address_and_phones(
    site: Path, write_appointment: Callable[..., Path], language: str
) -> None:
    library = load_library(site)
    record = write_appointment(department="cardiology", language=language, location=None)
    made = make_packet(record, site / "out", library=library, today=TODAY)
    assert made.department == "cardiology"
    pages = page_texts(made.path)
    split = consent_start(made.path)
    handout, consent = " ".join(pages[:split]), " ".join(pages[split:])
    # The running header and the footer of every page.
    assert all("Lakeside Heart Institute" in page for page in pages)
    assert all("Heart questions? Call (217) 555-0300" in page for page in pages)
    # The handout: its facility lines (the one address list, in Spanish too), the appointment box's
    # place (no location given: the department's name) and phone, and "When to call".
    assert "Lakeside Heart Institute Cardiology, 4th floor, 300 Lake Street, Springfield, IL 62702" in handout
    assert "Lakeside Heart Institute, (217) 555-0300" in handout
    day, night = (
        ("During the day, call", "At night or on weekends, call")
        if language == "en"
        else (
            "De día, llame al",
            "De noche o los fines de semana, llame al",
        )
    )
    assert f"{day} (217) 555-0300. {night} (217) 555-0399." in handout  # the department's own numbers
    # The consent's facility block, and its identification box.
    assert "Lakeside Heart Institute Cardiology, 4th floor, 300 Lake Street, Springfield, IL 62702" in consent
    assert re.search(r"(Facility|Centro): Lakeside Heart Institute", consent)
    for riverside in RIVERSIDE:  # nothing of the procedure's own department
        assert riverside not in handout + consent, riverside
    assert PdfReader(made.path).metadata["/Author"] == "Lakeside Heart Institute"


def test_without_a_department_the_record_gets_its_procedures(
    site: Path, write_appointment: Callable[..., Path]
) -> None:
    made = make_packet(write_appointment(), site / "out", library=load_library(site), today=TODAY)
    assert made.department == "interventional-radiology"
    text = " ".join(page_texts(made.path))
    assert "Riverside General Hospital" in text
    assert "(217) 555-0100" in text
    assert "Lakeside" not in text


def test_an_unknown_department_is_an_error_naming_the_field(
    site: Path, write_appointment: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    record = write_appointment(department="oncology")
    with pytest.raises(PacketError) as info:
        make_packet(record, site / "out", library=load_library(site), today=TODAY)
    line = info.value.lines()[0]
    assert line == f"{record}:10: department: unknown department; expected one of: cardiology, interventional-radiology"
    assert not (site / "out").exists()
    # On the command line: one line, exit 2; a department's name that is not an id is refused by its form.
    env = {"PACKETGEN_CONTENT_ROOT": str(site)}
    assert main(["packet", str(record), "--out", str(site / "out")], env) == 2
    assert capsys.readouterr().err.splitlines() == [line]
    assert main(["packet", str(write_appointment("b.yaml", department="Heart Center")), "--out", str(site)], env) == 2
    assert "department: expected an id of lower-case letters" in capsys.readouterr().err


def test_a_csv_column_names_the_department(site: Path, tmp_path: Path) -> None:
    from packetgen.batch.run import BatchOptions, run_batch
    from tests.helpers.batchdata import HEADER, manifest, row

    source = tmp_path / "day.csv"
    source.write_text(f"{HEADER},department\n{row('C-1')},cardiology\n{row('C-2')},\n{row('C-3')},oncology\n")
    lines: list[str] = []
    options = BatchOptions(source, tmp_path / "out", workers=1, today=TODAY)
    run_batch(options, lines.append, library=load_library(site), settings=Settings(content_root=site))
    entries = {e["appointment_id"]: e for e in manifest(tmp_path / "out")}
    assert (entries["C-1"]["status"], entries["C-1"]["department"]) == ("ok", "cardiology")
    assert (entries["C-2"]["status"], entries["C-2"]["department"]) == ("ok", "interventional-radiology")
    assert entries["C-3"]["status"] == "error"
    assert f"{source}:4: department: unknown department" in entries["C-3"]["error"]
    assert "Lakeside Heart Institute" in " ".join(page_texts(tmp_path / "out" / "C-1.pdf"))


def test_a_broken_department_file_makes_only_its_department_unavailable(
    site: Path, write_appointment: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    heart = site / "departments" / "heart.yaml"
    heart.write_text(CARDIOLOGY.replace("phone: (217) 555-0300\n", "phone: [217, 555]\n"), encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_library(site)  # `validate`: every error
    expected = [str(e) for e in info.value.errors]
    assert expected == ["departments/heart.yaml:7: phone: expected text: got a list"]
    library = load_library(site, strict=False)
    assert list(library.departments) == ["interventional-radiology"]
    assert list(library.unavailable_departments) == ["cardiology"]  # by its `id:`, read from the broken file
    assert library.warnings() == [
        "departments/heart.yaml:7: warning: department cardiology unavailable: 1 error in this file; "
        "run generate.py validate to see them"
    ]
    made = make_packet(write_appointment(), site / "out", library=library, today=TODAY)
    assert made.department == "interventional-radiology"  # the other departments' packets are made
    with pytest.raises(InputErrors) as refused:
        make_packet(write_appointment("c.yaml", department="cardiology"), site / "c", library=library, today=TODAY)
    assert refused.value.lines() == expected  # exactly its file's errors
    assert not (site / "c").exists()

    env = {"PACKETGEN_CONTENT_ROOT": str(site)}
    assert main(["validate"], env) == 1
    assert capsys.readouterr().err.splitlines() == expected
    assert main(["list"], env) == 0
    out = capsys.readouterr().out.splitlines()
    departments = out[out.index("Departments:") + 1 :]
    assert departments[0].startswith(
        "  interventional-radiology   Riverside General Hospital, Interventional Radiology"
    )
    unavailable = "UNAVAILABLE (departments/heart.yaml: 1 error); run generate.py validate to see them"
    assert departments[1] == f"  {'cardiology':<26} {unavailable}"


def test_a_broken_department_named_by_a_procedure_refuses_only_its_packets(
    site: Path, write_appointment: Callable[..., Path]
) -> None:
    ir = site / "departments" / "interventional-radiology.yaml"
    ir.write_text(ir.read_text(encoding="utf-8").replace("\nphone: ", "\nphones: "), encoding="utf-8")
    library = load_library(site, strict=False)
    assert list(library.contents) == ["vertebroplasty"]  # the procedure itself is fine
    with pytest.raises(InputErrors) as refused:
        make_packet(write_appointment(), site / "out", library=library, today=TODAY)
    assert all(line.startswith("departments/interventional-radiology.yaml:") for line in refused.value.lines())
    made = make_packet(write_appointment(department="cardiology"), site / "out", library=library, today=TODAY)
    assert made.department == "cardiology"


def test_a_copy_keeping_a_departments_id_does_not_take_it_down(
    site: Path, write_appointment: Callable[..., Path]
) -> None:
    ir = (site / "departments" / "interventional-radiology.yaml").read_text(encoding="utf-8")
    copy = "id: interventional-radiology\n" + ir.replace("(217) 555-0142", "(217) 555-0777")
    (site / "departments" / "a-copy.yaml").write_text(copy, encoding="utf-8")  # loaded first
    with pytest.raises(InputErrors) as info:
        load_library(site)
    assert info.value.lines() == [
        "departments/a-copy.yaml:1: id: 'interventional-radiology' is defined by another file too"
    ]
    library = load_library(site, strict=False)
    assert sorted(library.departments) == ["cardiology", "interventional-radiology"]
    assert list(library.unavailable_departments) == ["a-copy"]  # by its file's name: the id is the other file's
    text = " ".join(page_texts(make_packet(write_appointment(), site / "out", library=library, today=TODAY).path))
    assert "(217) 555-0142" in text
    assert "(217) 555-0777" not in text


def test_validate_checks_every_departments_text_against_every_layout(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    heart = site / "departments" / "heart.yaml"
    heart.write_text(CARDIOLOGY.replace("name: Lakeside", "name: ሀ Lakeside"), encoding="utf-8")
    assert main(["validate"], {"PACKETGEN_CONTENT_ROOT": str(site)}) == 1
    err = capsys.readouterr().err
    assert "departments/heart.yaml:3: name: character U+1200 (ETHIOPIC SYLLABLE HA) has no glyph" in err
    assert main(["validate", str(heart)], {"PACKETGEN_CONTENT_ROOT": str(site)}) == 1
    assert "ETHIOPIC SYLLABLE HA" in capsys.readouterr().err


def test_the_command_lines_layout_wins_over_the_records_with_a_warning(
    library: Library, write_appointment: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = write_appointment(layout="a4")
    made = make_packet(record, tmp_path / "chosen", layout_name="large-print", library=library, today=TODAY)
    assert made.layout == "large-print"
    warning = (
        f"{record}:10: warning: layout: the record asks for layout a4; made in large-print, the layout chosen for "
        "this run"
    )
    assert warning in made.warnings
    # Without --layout the record's own; with the same one, no warning.
    assert make_packet(record, tmp_path / "own", library=library, today=TODAY).layout == "a4"
    same = make_packet(record, tmp_path / "same", layout_name="a4", library=library, today=TODAY)
    assert not [w for w in same.warnings if "layout" in w]
    # The CLI says it on stderr.
    assert main(["packet", str(record), "--layout", "large-print", "--out", str(tmp_path / "cli")]) == 0
    assert warning in capsys.readouterr().err.splitlines()
