"""Batch readers, record by record, without rendering: what each format yields for each record."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from packetgen.cli import main
from packetgen.errors import SourcePos
from packetgen.intake.batch_file import ReadOptions, read_batch
from packetgen.intake.hl7_file import read_message
from packetgen.intake.raw import RawRecord, RecordFailure
from packetgen.library import Library
from packetgen.settings import Hl7Settings
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


def _siu(*segments: str, **settings: Any) -> RawRecord | RecordFailure:
    text = "\r".join(["MSH|^~\\&|S|H|P|H|20261124||SIU^S12^SIU_S12|C1|P|2.5.1", *segments])
    return read_message(text, SourcePos("f.hl7", 1), Hl7Settings(**settings), lambda code: code == "22511")


def test_a_site_may_name_segments_whose_notes_are_for_the_patient() -> None:
    segments = ("SCH|A-1", "NTE|1||Staff: check the C-arm", "AIS|1|A|22511", "NTE|1||Fast from midnight.")
    plain, site = _siu(*segments), _siu(*segments, patient_note_segments=("AIS",))
    assert isinstance(plain, RawRecord)
    assert isinstance(site, RawRecord)
    assert "instructions" not in plain.fields
    assert site.fields["instructions"] == ["Fast from midnight."]


def test_an_ssn_is_never_taken_for_the_mrn() -> None:
    record = _siu("SCH|A-1", "PID|1||999001111^^^SSA^SS~0000987654^^^H^MR", "AIS|1|A|22511")
    assert isinstance(record, RawRecord)
    assert record.fields["mrn"] == "0000987654"
    only_ssn = _siu("SCH|A-1", "PID|1||999001111^^^SSA^SS", "AIS|1|A|22511")
    assert isinstance(only_ssn, RawRecord)
    assert "mrn" not in only_ssn.fields
    lone = _siu("SCH|A-1", "PID|1||00042", "AIS|1|A|22511")  # one untyped identifier: an older feed's MRN
    assert isinstance(lone, RawRecord)
    assert lone.fields["mrn"] == "00042"


@pytest.mark.parametrize(
    ("aip", "printed"),
    [
        ("AIP|1|A|77^Granite^Pat^Q^Jr^Dr.^MD|PP", "Dr. Pat Q Granite Jr, MD"),
        ("AIP|1|A|77^Granite^Pat^^^MD|PP", "Pat Granite, MD"),  # a degree sent as the prefix
        ("AIP|1|A|77^Granite^Pat", "Pat Granite"),  # one AIP, no role: taken
    ],
)
def test_provider_names_print_given_family_then_degree(aip: str, printed: str) -> None:
    record = _siu("SCH|A-1", "PID|1||1^^^H^MR", "AIS|1|A|22511", aip)
    assert isinstance(record, RawRecord)
    assert record.fields["provider"] == printed


def test_a_lone_referrer_is_not_printed_as_the_provider() -> None:
    record = _siu("SCH|A-1", "PID|1||1^^^H^MR", "AIS|1|A|22511", "AIP|1|A|9^Moreau^Celine|REF^Referring")
    assert isinstance(record, RawRecord)
    assert "provider" not in record.fields
    assert record.provider_optional
    assert record.warnings == (
        "f.hl7:1: warning: AIP-3: no AIP-4 role marks who performs the procedure; "
        "the consent leaves the provider's name to be written in",
    )


def test_location_prefers_the_description() -> None:
    described = _siu("SCH|A-1", "AIS|1|A|22511", "AIL|1|A|MAINOFFI^^^H^^^^^Main Office Procedure Room")
    parts = _siu("SCH|A-1", "AIS|1|A|22511", "AIL|1|A|IR^214^B")
    assert isinstance(described, RawRecord)
    assert isinstance(parts, RawRecord)
    assert described.fields["location"] == "Main Office Procedure Room"
    assert parts.fields["location"] == "IR, 214, B"


@pytest.mark.parametrize(("code", "tag"), [("SPA", "es"), ("es-MX", "es-MX"), ("vie", "vi"), ("12", None)])
def test_language_codes(code: str, tag: str | None) -> None:
    record = _siu("SCH|A-1", "PID|1||1^^^H^MR" + "|" * 12 + code, "AIS|1|A|22511")
    assert isinstance(record, RawRecord)
    assert record.fields.get("language") == tag
    assert any("PID-15" in w for w in record.warnings) == (tag is None)


def test_procedures_match_ids_codes_titles_and_aliases_in_any_case(library: Library) -> None:
    for name in ("vertebroplasty", "VERTEBROPLASTY", "Vertebroplasty", "22510", " percutaneous  Vertebroplasty", "pvp"):
        found = library.find_procedure(name)
        assert found is not None, name
        assert found.id == "vertebroplasty"
    assert library.find_procedure("Vertebroplastia") is library.contents["vertebroplasty"]
    assert library.find_procedure("kyphoplasty") is None


HL7_TEXT = st.text(alphabet=st.sampled_from("|^~\\&ASCHPIDNTE0123456789 .\r\n-"), max_size=300)


@settings(max_examples=150, deadline=None)
@given(body=HL7_TEXT)
def test_any_siu_text_gives_a_record_or_a_named_failure(body: str) -> None:
    result = read_message(
        "MSH|^~\\&|S|H|P|H|2026||SIU^S12|C|P|2.5\r" + body, SourcePos("f.hl7", 7), Hl7Settings(), bool
    )
    if isinstance(result, RecordFailure):
        assert all(str(e).startswith("f.hl7:7: ") for e in result.errors)
    else:
        assert all(isinstance(v, (str, list)) for v in result.fields.values())
