"""`--columns`: a site's report read as it comes, and a map that cannot give a real start refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.cli import main
from packetgen.intake.batch_file import ReadOptions, read_batch
from packetgen.intake.columns import load_column_map
from packetgen.intake.raw import RawRecord
from tests.helpers.site import ROOT

EXAMPLES = ROOT / "examples" / "batch"


def _map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "columns.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("formats", "problem"),
    [
        ('start: "%m/%d/%Y"', "date-only"),  # would print midnight
        ('start: "%H:%M"', "time-only"),  # would print 1 January 1900
    ],
)
def test_a_start_format_without_both_date_and_time_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], formats: str, problem: str
) -> None:
    columns = _map(tmp_path, f"columns:\n  start: Appt Date\nformats:\n  {formats}\n")
    code = main(["batch", str(EXAMPLES / "clinic-report.csv"), "--columns", str(columns), "--out", str(tmp_path / "o")])
    assert code == 2, problem
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{columns}:4: formats.start: the start format must read a date and a time"), err
    assert "join them: columns: {start: [DATE HEADER, TIME HEADER]}" in err
    assert not (tmp_path / "o").exists()


def test_a_clinic_report_with_date_and_time_columns_names_types_and_status(tmp_path: Path) -> None:
    out = tmp_path / "out"
    columns = EXAMPLES / "clinic-report-columns.yaml"
    assert main(["batch", str(EXAMPLES / "clinic-report.csv"), "--columns", str(columns), "--out", str(out)]) == 0
    entries = {e["appointment_id"]: e for e in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}
    assert entries["R-7101"]["start"] == "2026-12-07T07:30"
    assert entries["R-7103"]["start"] == "2026-12-07T13:15"
    assert entries["R-7102"]["status"] == "skipped"
    assert entries["R-7102"]["warnings"] == [
        f"{EXAMPLES / 'clinic-report.csv'}:3: warning: Status: the appointment is Cancelled; skipped"
    ]
    assert not (out / "R-7102.pdf").exists()
    first = " ".join(PdfReader(out / "R-7101.pdf").pages[0].extract_text().split())
    assert "Patient: Kowalski, Zofia" in first
    assert "Time: 7:30 AM." in first
    assert entries["R-7101"]["procedure"] == "vertebroplasty"


def test_status_values_skip_the_row_in_any_case(tmp_path: Path) -> None:
    """The map says `skip: [Cancelled, No Show, Deleted]`; the export writes them as it likes."""
    lines = (EXAMPLES / "clinic-report.csv").read_text(encoding="utf-8").splitlines()
    header, first = lines[0], lines[1]
    rows = [first.replace("R-7101", f"R-{n}").replace(",Scheduled,", f",{status},") for n, status in enumerate(
        ["CANCELLED", "no show", "cancelled", "dELETED", "Scheduled"], 1
    )]  # fmt: skip
    source = tmp_path / "report.csv"
    source.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    columns = EXAMPLES / "clinic-report-columns.yaml"
    assert main(["batch", str(source), "--columns", str(columns), "--out", str(out), "--workers", "1"]) == 0
    entries = {e["appointment_id"]: e for e in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}
    assert {k: e["status"] for k, e in entries.items()} == {
        "R-1": "skipped",
        "R-2": "skipped",
        "R-3": "skipped",
        "R-4": "skipped",
        "R-5": "ok",
    }
    assert entries["R-2"]["warnings"] == [f"{source}:3: warning: Status: the appointment is no show; skipped"]
    assert sorted(p.name for p in out.glob("*.pdf")) == ["R-5.pdf"]


def test_constants_value_maps_and_a_bad_cell_against_the_sites_format(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "Id,Name,MR,Born,When,Type,Doctor\n"
        'A-1,"Ruiz, Ana",001,1950-01-02,2026-12-07 08:00,VP LUMBAR,Dr A\n'
        'A-2,"Ruiz, Ana",001,1950-01-02,07.12.2026 08:00,vp lumbar,Dr A\n'
        "A-3,Ana Ruiz,001,1950-01-02,2026-12-07 09:00,Vertebroplasty,Dr A\n",
        encoding="utf-8",
    )
    columns = _map(
        tmp_path,
        "columns: {appointment_id: Id, mrn: MR, date_of_birth: Born, start: When, procedure: Type, provider: Doctor}\n"
        "name_column: Name\n"
        'formats: {start: "%Y-%m-%d %H:%M"}\n'
        "constants: {location: Interventional Radiology}\n"
        'values: {procedure: {"VP LUMBAR": "22511"}}\n',
    )
    _kind, stream = read_batch(
        source, ReadOptions(is_procedure=lambda _name, _system: True, columns=load_column_map(columns))
    )
    first, second, third = list(stream)
    assert isinstance(first, RawRecord)
    assert first.fields == {
        "appointment_id": "A-1",
        "mrn": "001",
        "date_of_birth": "1950-01-02",
        "start": "2026-12-07T08:00",
        "procedure": "22511",
        "provider": "Dr A",
        "last_name": "Ruiz",
        "first_name": "Ana",
        "location": "Interventional Radiology",
    }
    assert not isinstance(second, RawRecord)
    assert [str(e) for e in second.errors] == [f"{source}:3: start: expected the site's format %Y-%m-%d %H:%M"]
    assert isinstance(third, RawRecord)
    assert third.fields["name"] == "Ana Ruiz"  # no comma: printed as it is
    assert "first_name" not in third.fields
    assert third.fields["procedure"] == "Vertebroplasty"  # matched by title, in any case, later


def test_a_map_missing_a_required_column_names_the_sites_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    columns = _map(tmp_path, "columns:\n  start: [Appt Day, Appt Time]\n")
    assert main(["batch", str(EXAMPLES / "clinic-report.csv"), "--columns", str(columns), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "header: missing columns: appointment_id, mrn, first_name, last_name, date_of_birth, procedure, " in err
    assert "Appt Day + Appt Time" in err
