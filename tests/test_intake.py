"""Batch readers, record by record, without rendering: what each format yields for each record."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from packetgen.cli import main
from packetgen.intake.batch_file import ReadOptions, read_batch
from packetgen.intake.raw import RawRecord, RecordFailure
from tests.batchdata import HEADER, manifest, row

BATCH = Path(__file__).parent / "data" / "batch"
KEYS = frozenset({"vertebroplasty", "22510", "22511", "22512"})


def records(path: Path, **options: Any) -> list[RawRecord | RecordFailure]:
    _kind, stream = read_batch(path, ReadOptions(is_procedure=lambda name: name.casefold() in KEYS, **options))
    return list(stream)


def test_tab_separated_export(tmp_path: Path) -> None:
    source = tmp_path / "export.tsv"
    lines = [
        HEADER,
        row("T-1", location='"Room 214, west wing"'),
        row("T-2", flags="sedation;anticoagulant"),
    ]
    cells = [next(csv.reader([line])) for line in lines]
    source.write_text("\r\n".join("\t".join(c) for c in cells) + "\r\n", encoding="utf-8")
    first, second = records(source)
    assert isinstance(first, RawRecord)
    assert isinstance(second, RawRecord)
    assert first.fields["provider"] == "Dr. Alvarez, MD"
    assert first.fields["location"] == "Room 214, west wing"
    assert first.fields["mrn"] == "00012345"
    assert second.fields["flags"] == ["sedation", "anticoagulant"]
    assert (first.place.line, second.place.line) == (2, 3)


@pytest.mark.parametrize(
    ("status", "reason"),
    [("cancelled", "cancelled"), ("noshow", "a no-show"), ("entered-in-error", "entered in error")],
)
def test_fhir_appointments_that_will_not_happen_are_skipped(tmp_path: Path, status: str, reason: str) -> None:
    bundle = json.loads((BATCH / "equivalent.fhir.json").read_text(encoding="utf-8"))
    bundle["entry"][-1]["resource"]["status"] = status
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(bundle), encoding="utf-8")
    (record,) = records(source)
    assert isinstance(record, RawRecord)
    assert record.fields == {"appointment_id": "EQ-1"}
    assert record.cancels
    assert record.warnings == (f"{source}:Appointment/EQ-1: warning: status: the appointment is {reason}; skipped",)


def test_hl7_start_comes_from_ais_4_when_sch_11_is_absent(tmp_path: Path) -> None:
    message = (BATCH / "equivalent.hl7").read_bytes().decode("utf-8")
    sch = next(s for s in message.split("\r") if s.startswith("SCH|"))
    fields = sch.split("|")
    fields[11] = ""
    source = tmp_path / "siu.hl7"
    source.write_bytes(message.replace(sch, "|".join(fields)).encode("utf-8"))
    (record,) = records(source)
    assert isinstance(record, RawRecord)
    assert record.fields["start"] == "2026-12-08T13:15:00-06:00"


def test_batch_layout_applies_to_records_without_their_own(tmp_path: Path) -> None:
    source = tmp_path / "day.csv"
    source.write_text(f"{HEADER},layout\n{row('L-1')},\n{row('L-2')},large-print\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1", "--layout", "a4"]) == 0
    assert {e["appointment_id"]: e["layout"] for e in manifest(out)} == {"L-1": "a4", "L-2": "large-print"}
    a4 = PdfReader(out / "L-1.pdf").pages[0].mediabox
    letter = PdfReader(out / "L-2.pdf").pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
