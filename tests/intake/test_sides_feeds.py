"""The side a feed gives (issue 25): a CSV `laterality` column or CPT modifiers through a column map,
the HL7 field the site names (`hl7.laterality_field: AIS-12`), a FHIR order's `bodySite`; and a side
the feed cannot give well is a warning, never an error."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from packetgen.batch.run import BatchOptions, run_batch
from packetgen.errors import SourcePos
from packetgen.intake.batch_file import ReadOptions, read_batch
from packetgen.intake.columns import load_column_map
from packetgen.intake.hl7_file import read_message
from packetgen.intake.raw import RawRecord, RecordFailure, side_of_modifiers
from packetgen.library import load_library
from packetgen.settings import Hl7Settings, Settings
from tests.helpers.batchdata import manifest
from tests.helpers.pdftext import section_text
from tests.helpers.sides import ENGLISH_SIDES, sided_site
from tests.helpers.site import DATA, TODAY

BATCH = DATA / "batch"
KEYS = frozenset({"vertebroplasty", "22510", "22511", "22512"})
CSV_HEADER = "Appt,MRN,Last,First,DOB,CPT,Start,Surgeon,Side,Mods"
COLUMNS = """\
columns:
  appointment_id: Appt
  mrn: MRN
  last_name: Last
  first_name: First
  date_of_birth: DOB
  procedure: CPT
  start: Start
  provider: Surgeon
  laterality: Side
modifiers_column: Mods
"""


def _records(path: Path, **options: Any) -> list[RawRecord | RecordFailure]:
    _kind, stream = read_batch(path, ReadOptions(is_procedure=lambda name, *_: name.casefold() in KEYS, **options))
    return list(stream)


def _csv(tmp_path: Path, *rows: tuple[str, str, str]) -> Path:
    """A site's export: (appointment id, Side cell, Mods cell) a row."""
    lines = [CSV_HEADER]
    for appointment_id, side, mods in rows:
        lines.append(
            f"{appointment_id},00012345,Nguyen,Anh,1948-03-14,22511,2026-12-07T07:30,Dr. Alvarez,{side},{mods}"
        )
    path = tmp_path / "day.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "columns.yaml").write_text(COLUMNS, encoding="utf-8")
    return path


def _csv_records(tmp_path: Path, *rows: tuple[str, str, str]) -> list[RawRecord]:
    source = _csv(tmp_path, *rows)
    found = _records(source, columns=load_column_map(tmp_path / "columns.yaml"))
    assert all(isinstance(r, RawRecord) for r in found)
    return [r for r in found if isinstance(r, RawRecord)]


@pytest.mark.parametrize(
    ("side", "mods", "laterality", "warned"),
    [
        ("", "LT", "left", None),
        ("", "RT", "right", None),
        ("", "50", "bilateral", None),
        ("", "59 rt", "right", None),  # other modifiers are not about a side; any case
        ("", "RT;RT", "right", None),
        ("", "26", None, None),
        ("", "", None, None),
        ("", "LT;RT", None, "modifiers LT and RT name different sides; no side was taken"),
        ("", "LT-50", None, "modifiers LT and 50 name different sides; no side was taken"),
        ("left", "LT", "left", None),
        ("Right", "", "Right", None),  # the column as given: the record reads it in any case
        ("right", "LT", None, "the modifiers and the laterality column name different sides; no side was taken"),
    ],
)
def test_csv_side_from_the_laterality_column_and_the_modifiers_column(
    tmp_path: Path, side: str, mods: str, laterality: str | None, warned: str | None
) -> None:
    (record,) = _csv_records(tmp_path, ("C-1", side, mods))
    assert record.fields.get("laterality") == laterality
    assert record.warnings == ((f"{tmp_path / 'day.csv'}:2: warning: Mods: {warned}",) if warned else ())


def test_a_map_naming_a_modifiers_column_the_export_lacks_is_refused(tmp_path: Path) -> None:
    source = _csv(tmp_path, ("C-1", "", "LT"))
    source.write_text(source.read_text(encoding="utf-8").replace(",Mods\n", ",Modifiers\n", 1), encoding="utf-8")
    with pytest.raises(Exception, match="missing columns: Mods"):
        _records(source, columns=load_column_map(tmp_path / "columns.yaml"))


def test_csv_modifiers_print_the_side_and_no_side_gives_the_side_line_and_a_warning(tmp_path: Path) -> None:
    library = load_library(sided_site(tmp_path / "site"))
    source = _csv(tmp_path, ("L-1", "", "LT"), ("L-2", "", "59;RT"), ("L-3", "", "50"), ("L-4", "", "LT RT"))
    out = tmp_path / "out"
    options = BatchOptions(source, out, columns=tmp_path / "columns.yaml", today=TODAY)
    reported: list[str] = []
    run_batch(options, reported.append, library=library)
    entries = {e["appointment_id"]: e for e in manifest(out)}
    assert [entries[a]["status"] for a in ("L-1", "L-2", "L-3", "L-4")] == ["ok"] * 4
    for appointment_id, side in (("L-1", "left"), ("L-2", "right"), ("L-3", "bilateral")):
        assert entries[appointment_id]["warnings"] == []
        handout, consent = section_text(out / f"{appointment_id}.pdf")
        assert f"Side: {ENGLISH_SIDES[side]}" in handout
        assert f"on {ENGLISH_SIDES[side]}." in consent
    assert entries["L-4"]["warnings"] == [
        f"{source}:5: warning: Mods: modifiers LT and RT name different sides; no side was taken",
        f"{source}:5: warning: laterality: vertebroplasty requires a side and the record gives none; the packet "
        "has a Side line to be completed and verified before the procedure",
    ]
    assert all(line in reported for line in entries["L-4"]["warnings"])  # on stderr too
    handout, consent = section_text(out / "L-4.pdf")
    assert "Side: ☐ Left ☐ Right ☐ Both — to be completed and verified before the procedure" in handout
    assert "Side: ☐ Left ☐ Right ☐ Both — to be completed and verified before the procedure" in consent


def _siu(*segments: str, **settings: Any) -> RawRecord:
    text = "\r".join(["MSH|^~\\&|S|H|P|H|20261124||SIU^S12^SIU_S12|C1|P|2.5.1", "SCH|A-1", *segments])
    record = read_message(text, SourcePos("f.hl7", 1), Hl7Settings(**settings), lambda code, *_: code == "22511")
    assert isinstance(record, RawRecord)
    return record


def _ais(modifiers: str, code: str = "22511", occurrence: int = 1) -> str:
    """An AIS segment whose AIS-12 holds `modifiers`."""
    fields = ["AIS", str(occurrence), "A", code, "20261210081500", *[""] * 7, modifiers]
    assert fields.index(modifiers) == 12
    return "|".join(fields)


AIS_RT = _ais("RT^Right side^CPT")


@pytest.mark.parametrize(
    ("segments", "settings", "laterality", "warned"),
    [
        ((AIS_RT,), {"laterality_field": "AIS-12"}, "right", None),
        ((AIS_RT,), {}, None, None),  # no setting: HL7 gives no side
        ((_ais("59^Distinct~LT^Left side"),), {"laterality_field": "AIS-12"}, "left", None),
        ((_ais("50"),), {"laterality_field": "AIS-12"}, "bilateral", None),
        (("AIS|1|A|22511",), {"laterality_field": "AIS-12"}, None, None),
        (  # the procedure's own AIS, not the fluoroscopy's before it
            (_ais("LT", "76000^Fluoroscopy"), _ais("RT", occurrence=2)),
            {"laterality_field": "AIS-12"},
            "right",
            None,
        ),
        (
            (_ais("LT~RT"),),
            {"laterality_field": "AIS-12"},
            None,
            "f.hl7:1: warning: AIS-12: modifiers LT and RT name different sides; no side was taken",
        ),
        ((_ais("Right side^RT"),), {"laterality_field": "AIS-12.2"}, "right", None),
    ],
)
def test_hl7_side_from_the_modifiers_in_the_field_the_site_names(
    segments: tuple[str, ...], settings: dict[str, Any], laterality: str | None, warned: str | None
) -> None:
    record = _siu("PID|1||1^^^H^MR", *segments, **settings)
    assert record.fields.get("laterality") == laterality
    assert [w for w in record.warnings if "side" in w] == ([warned] if warned else [])
    assert record.labels.get("laterality") == settings.get("laterality_field")


def test_hl7_ais_12_prints_the_side_with_the_setting(tmp_path: Path) -> None:
    library = load_library(sided_site(tmp_path / "site"))
    text = (BATCH / "equivalent.hl7").read_text(encoding="utf-8").replace("SPA^Spanish", "")
    ais = next(line for line in text.splitlines() if line.startswith("AIS|"))
    source = tmp_path / "day.hl7"
    with_modifier = ais + "|" * (12 - ais.count("|")) + "RT^Right side^CPT"  # in AIS-12
    source.write_text(text.replace(ais, with_modifier), encoding="utf-8")
    out = tmp_path / "out"
    settings = Settings(hl7=Hl7Settings(laterality_field="AIS-12"))
    run_batch(BatchOptions(source, out, today=TODAY), lambda _line: None, library=library, settings=settings)
    (entry,) = manifest(out)
    assert (entry["status"], entry["warnings"]) == ("ok", [])
    handout, consent = section_text(out / "EQ-1.pdf")
    assert "Side: the right side" in handout
    assert "on the right side." in consent
    # Without the setting the field is not read: the Side line, and a warning naming where it was looked for.
    run_batch(BatchOptions(source, tmp_path / "plain", today=TODAY), lambda _line: None, library=library)
    (entry,) = manifest(tmp_path / "plain")
    assert entry["warnings"] == [
        f"{source}:1: warning: laterality: vertebroplasty requires a side and the record gives none; the packet "
        "has a Side line to be completed and verified before the procedure"
    ]


def _bundle(tmp_path: Path, *body_sites: dict[str, Any], request: dict[str, Any] | None = None) -> Path:
    """equivalent.fhir.json with its Appointment based on a ServiceRequest of these body sites."""
    bundle = json.loads((BATCH / "equivalent.fhir.json").read_text(encoding="utf-8"))
    appointment = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Appointment")
    appointment["basedOn"] = [{"reference": "ServiceRequest/sr1"}]
    order = request or {
        "resourceType": "ServiceRequest",
        "id": "sr1",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "22511"}]},
        "bodySite": list(body_sites),
    }
    bundle["entry"].append({"fullUrl": "urn:uuid:7f6c1a4e-0010", "resource": order})
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def _snomed(*codes: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": "http://snomed.info/sct", "code": c} for c in codes]}
    if text:
        concept["text"] = text
    return concept


@pytest.mark.parametrize(
    ("body_sites", "laterality", "warned"),
    [
        ((_snomed("72696002", "24028007", text="Right knee"),), "right", None),  # a qualifier's own coding
        ((_snomed("72696002:272741003=7771000"),), "left", None),  # post-coordinated
        ((_snomed("51440002"),), "bilateral", None),
        ((_snomed("72696002"),), None, None),  # no laterality code: none
        (({"coding": [{"system": "http://example.org/sites", "code": "7771000"}]},), None, None),  # not SNOMED CT
        (
            (_snomed("72696002", "7771000"), _snomed("72696002", "24028007")),
            None,
            "{path}:ServiceRequest/sr1: warning: bodySite: SNOMED CT codes for different sides (left, right); "
            "no side was taken",
        ),
    ],
)
def test_fhir_side_from_the_orders_body_site(
    tmp_path: Path, body_sites: tuple[dict[str, Any], ...], laterality: str | None, warned: str | None
) -> None:
    source = _bundle(tmp_path, *body_sites)
    (record,) = _records(source)
    assert isinstance(record, RawRecord)
    assert record.fields.get("laterality") == laterality
    if laterality:
        assert record.lines["laterality"] == "ServiceRequest/sr1"
    assert record.labels["laterality"] == "ServiceRequest.bodySite"
    assert [w for w in record.warnings if "side" in w] == ([warned.format(path=source)] if warned else [])


def test_an_invalid_order_is_a_warning_and_its_body_site_is_not_read(tmp_path: Path) -> None:
    order = {"resourceType": "ServiceRequest", "id": "sr1", "intent": "order", "bodySite": [_snomed("24028007")]}
    source = _bundle(tmp_path, request=order)  # no status, no subject
    (record,) = _records(source)
    assert isinstance(record, RawRecord)
    assert "laterality" not in record.fields
    (warning,) = [w for w in record.warnings if "bodySite" in w]
    assert warning.startswith(f"{source}:ServiceRequest/sr1: warning: ")
    assert warning.endswith("; its bodySite was not read")


def test_fhir_body_site_right_prints_the_side(tmp_path: Path) -> None:
    library = load_library(sided_site(tmp_path / "site"))
    source = _bundle(tmp_path, _snomed("72696002", "24028007"))
    out = tmp_path / "out"
    run_batch(BatchOptions(source, out, today=TODAY), lambda _line: None, library=library)
    (entry,) = manifest(out)
    assert (entry["status"], entry["warnings"]) == ("ok", [])
    handout, consent = section_text(out / "EQ-1.pdf")
    assert "Lado: el lado derecho" in handout  # the patient reads Spanish: the side in Spanish
    assert "en el lado derecho." in consent


_VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["left", "RIGHT", " Bilateral ", "both", "L", "LT", "izquierdo", "", "50"]),
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
)
_BASE = {
    "appointment_id": "P-1",
    "mrn": "1",
    "first_name": "Ann",
    "last_name": "Lee",
    "date_of_birth": "1950-01-01",
    "procedure": "vertebroplasty",
    "start": "2026-12-07T07:30",
    "provider": "Dr. A",
}


@given(value=_VALUES)
@example(value="left")
@example(value="sinister")
def test_any_laterality_a_feed_gives_is_a_side_or_a_warning_never_an_error(value: object) -> None:
    record = RawRecord(SourcePos("feed", 1), {**_BASE, "laterality": value}, labels={"laterality": "AIS-12"})
    appointment = record.appointment(date(2026, 11, 24))
    warned = [w for w in appointment.warnings if ": warning: AIS-12: " in w]
    if appointment.laterality is not None:
        assert isinstance(value, str)
        assert appointment.laterality == value.strip().lower()
        assert not warned
    else:
        assert value is None or len(warned) == 1  # no value is no side, without a warning


@given(codes=st.lists(st.one_of(st.sampled_from(["LT", "rt", "50", "59", "26", " RT "]), st.text(max_size=4))))
def test_any_modifiers_give_a_side_or_a_warning_never_an_error(codes: list[str]) -> None:
    side, warning = side_of_modifiers(codes, "feed:1: warning: Mods")
    named = {c.strip().upper() for c in codes} & {"LT", "RT", "50"}  # each names another side
    assert (side is None) == (len(named) != 1)
    assert (warning is not None) == (len(named) > 1)
