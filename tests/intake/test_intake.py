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
from packetgen.errors import SourcePos, UnusableInput
from packetgen.intake.batch_file import ReadOptions, read_batch
from packetgen.intake.hl7_file import read_message
from packetgen.intake.raw import RawRecord, RecordFailure
from packetgen.library import Library
from packetgen.settings import Hl7Settings
from tests.helpers.batchdata import HEADER, manifest, row
from tests.helpers.site import ROOT

BATCH = ROOT / "tests" / "data" / "batch"
KEYS = frozenset({"vertebroplasty", "22510", "22511", "22512"})


def _any_name(name: str, _system: str | None = None) -> bool:
    """A reader's procedure test that takes any non-empty code or name."""
    return bool(name)


def _is_22511(code: str, _system: str | None) -> bool:
    return code == "22511"


def records(path: Path, **options: Any) -> list[RawRecord | RecordFailure]:
    _kind, stream = read_batch(path, ReadOptions(is_procedure=lambda name, _system: name.casefold() in KEYS, **options))
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


def test_the_batchs_layout_wins_over_a_records_own_with_a_warning(tmp_path: Path) -> None:
    """The person printing chooses the format: `--layout a4` makes every packet in a4, and a record
    asking for another layout is warned about (its `layout` column named); without `--layout`, the
    record's own layout is used."""
    source = tmp_path / "day.csv"
    source.write_text(f"{HEADER},layout\n{row('L-1')},\n{row('L-2')},large-print\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1", "--layout", "a4"]) == 0
    entries = {e["appointment_id"]: e for e in manifest(out)}
    assert {key: e["layout"] for key, e in entries.items()} == {"L-1": "a4", "L-2": "a4"}
    assert entries["L-1"]["warnings"] == []
    assert entries["L-2"]["warnings"] == [
        f"{source}:3: warning: layout: the record asks for layout large-print; made in a4, the layout chosen for "
        "this run"
    ]
    for appointment_id in ("L-1", "L-2"):
        a4 = PdfReader(out / f"{appointment_id}.pdf").pages[0].mediabox
        assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    own = tmp_path / "own"
    assert main(["batch", str(source), "--out", str(own), "--workers", "1"]) == 0
    assert {e["appointment_id"]: e["layout"] for e in manifest(own)} == {"L-1": "letter", "L-2": "large-print"}


def _siu(*segments: str, **settings: Any) -> RawRecord | RecordFailure:
    text = "\r".join(["MSH|^~\\&|S|H|P|H|20261124||SIU^S12^SIU_S12|C1|P|2.5.1", *segments])
    return read_message(text, SourcePos("f.hl7", 1), Hl7Settings(**settings), _is_22511)


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


PID_19 = "|" * 12 + "999001111"
"""PID-19 (the SSN, "retained for backward compatibility"), after PID-3 … PID-18 left empty."""


@pytest.mark.parametrize(
    ("pid_3", "settings", "mrn"),
    [
        ("", {}, None),  # no PID-3 at all: PID-19 never stands in
        ("55501^^^CLINIC^PI", {}, None),  # typed, but not MR
        ("55501^^^CLINIC^PI~999001111^^^SSA^SS", {}, None),
        ("999001111^^^SSA^SS~55501^^^CLINIC^PI", {}, None),
        ("999001111^^^RGH^SS", {"mrn_assigning_authorities": ("RGH",)}, None),  # typed SS: never an MRN
        ("999001111^^^SSA^ss", {}, None),  # the type in any case
        ("999001111^^^SSA^SS~00042", {}, None),  # the lone untyped one is not alone
        ("999001111^^^SSA^SS~00042^^^RGH", {"mrn_assigning_authorities": ("RGH",)}, "00042"),
        ("00042", {}, "00042"),  # a lone untyped identifier is the MRN, not PID-19
        ("999001111^^^SSA^SS~0000987654^^^H^MR", {}, "0000987654"),
    ],
)
def test_the_ssn_is_never_the_mrn_wherever_it_is_sent(pid_3: str, settings: dict[str, Any], mrn: str | None) -> None:
    record = _siu("SCH|A-1", f"PID|1||{pid_3}||Okafor^Ada||19500506{PID_19}", "AIS|1|A|22511", **settings)
    assert isinstance(record, RawRecord)
    assert record.fields.get("mrn") == mrn
    assert "999001111" not in str(record.fields)
    assert "999001111" not in " ".join(record.warnings) + " ".join(record.missing_because.values())


def test_a_message_with_only_an_ssn_makes_no_packet_and_never_shows_the_ssn(tmp_path: Path) -> None:
    """What the person running the batch sees: an error naming PID-3's MR, no packet, no SSN."""
    source = tmp_path / "day.hl7"
    messages = [
        "MSH|^~\\&|S|H|P|H|20261124||SIU^S12^SIU_S12|C1|P|2.5.1",
        "SCH|SSN-1||||||||||^^60^20261210081500",
        f"PID|1||999001111^^^SSA^SS||Okafor^Ada||19500506{PID_19}",
        "AIS|1|A|22511|20261210081500",
        "AIP|1|A|77^Granite^Pat|PP",
    ]
    source.write_text("\r".join(messages) + "\r", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1"], {}) == 1
    (entry,) = manifest(out)
    assert (entry["appointment_id"], entry["status"]) == ("SSN-1", "error")
    assert entry["error"] == f"{source}:1: PID-3 (an identifier of type MR): required field is missing"
    assert "999001111" not in (out / "manifest.jsonl").read_text(encoding="utf-8")
    assert not (out / "SSN-1.pdf").exists()


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


SURGEON, ATTENDING, PERFORMER = (
    "AIP|1|A|41^Marsh^Helen^^^^MD|SURG^Surgeon",
    "AIP|1|A|52^Whitfield^Dana^^^^DO|ATND^Attending",
    "AIP|1|A|63^Granite^Pat^^^^MD|PP^Performing provider",
)


@pytest.mark.parametrize(
    ("people", "roles", "printed", "chosen"),
    [
        ((ATTENDING, SURGEON, PERFORMER), (), "Pat Granite, MD", "AIP 3 (AIP-4 PP)"),
        ((PERFORMER, ATTENDING, SURGEON), (), "Pat Granite, MD", "AIP 1 (AIP-4 PP)"),
        ((ATTENDING, SURGEON), (), "Helen Marsh, MD", "AIP 2 (AIP-4 SURG)"),
        ((SURGEON, ATTENDING), (), "Helen Marsh, MD", "AIP 1 (AIP-4 SURG)"),
        ((PERFORMER, ATTENDING), ("ATND", "PP"), "Dana Whitfield, DO", "AIP 2 (AIP-4 ATND)"),  # the site's order
    ],
)
def test_the_most_specific_performing_role_names_the_provider(
    people: tuple[str, ...], roles: tuple[str, ...], printed: str, chosen: str
) -> None:
    """Of several people on the appointment, the one whose AIP-4 role comes first in
    `hl7.performing_roles` (most specific first) is the provider, wherever their AIP stands."""
    settings = {"performing_roles": roles} if roles else {}
    record = _siu("SCH|A-1", "PID|1||1^^^H^MR", "AIS|1|A|22511", *people, **settings)
    assert isinstance(record, RawRecord)
    assert (record.fields["provider"], record.provider_from) == (printed, chosen)


def test_the_consent_names_the_performing_provider_of_several(tmp_path: Path) -> None:
    source = tmp_path / "day.hl7"
    segments = [
        "MSH|^~\\&|S|H|P|H|20261124||SIU^S12^SIU_S12|C1|P|2.5.1",
        "SCH|AIP-1||||||||||^^60^20261210081500",
        "PID|1||00042^^^H^MR||Okafor^Ada||19500506",
        "AIS|1|A|22511|20261210081500",
        ATTENDING,
        PERFORMER.replace("AIP|1|", "AIP|2|"),
    ]
    source.write_text("\r".join(segments) + "\r", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1"], {}) == 0
    (entry,) = manifest(out)
    assert entry["provider_from"] == "AIP 2 (AIP-4 PP)"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out / "AIP-1.pdf").pages).split())
    assert "Pat Granite, MD" in text
    assert "Whitfield" not in text


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
        "MSH|^~\\&|S|H|P|H|2026||SIU^S12|C|P|2.5\r" + body, SourcePos("f.hl7", 7), Hl7Settings(), _any_name
    )
    if isinstance(result, RecordFailure):
        assert all(str(e).startswith("f.hl7:7: ") for e in result.errors)
    else:
        assert all(isinstance(v, (str, list)) for v in result.fields.values())


def test_fhir_validation_errors_name_the_element_and_never_the_value() -> None:
    from fhir.resources.R4B.patient import Patient

    from packetgen.intake.fhir_people import typed

    resource = {
        "resourceType": "Patient",
        "id": "p1",
        "birthDate": "1990-13-01",
        "deceasedDateTime": "2020-02-30T10:00:00Z",
        "favouriteColour": "blue",
        "active": "maybe",
        "name": [{"given": ["Ann"], "period": {"start": "yesterday"}}],
    }
    failure = typed(Patient, resource, SourcePos("b.json", "Patient/p1"))
    assert isinstance(failure, RecordFailure)
    assert sorted(str(e) for e in failure.errors) == [
        "b.json:Patient/p1: active: expected true or false",
        "b.json:Patient/p1: birthDate: expected a FHIR date (YYYY-MM-DD)",
        "b.json:Patient/p1: deceasedDateTime: expected a FHIR dateTime (2026-12-07T07:30:00-06:00)",
        "b.json:Patient/p1: favouriteColour: not an element of this resource in FHIR R4",
        "b.json:Patient/p1: name[0].period.start: expected a FHIR dateTime (2026-12-07T07:30:00-06:00)",
    ]


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        (("SCH||F-9^FILLER", "PID|1||1^^^H^MR", "AIS|1|A|22511"), {"appointment_id": "F-9"}),  # SCH-2 if no SCH-1
        (("SCH|P-1^P|F-9^F", "AIS|1|A|22511"), {"appointment_id": "P-1"}),
        (("SCH|A-1", "AIS|1|A|^Vertebroplasty"), {"procedure": "Vertebroplasty"}),  # AIS-3.2 text
        (  # the AIS whose service has a packet gives the procedure and the start
            ("SCH|A-1", "AIS|1|A|76000^Fluoroscopy|20261210070000", "AIS|2|A|22511^VP|20261210081500"),
            {"procedure": "22511", "start": "2026-12-10T08:15:00"},
        ),
        (("SCH|A-1", "AIS|1|A|22511|202612100815"), {"start": "2026-12-10T08:15:00"}),
        (("SCH|A-1", "AIS|1|A|22511|20261210081530.250-0500"), {"start": "2026-12-10T08:15:30-05:00"}),
        (("SCH|A-1", "AIS|1|A|22511|20261210"), {"start": "20261210"}),  # no time: left for validation to refuse
        (("SCH|A-1", "PID|1||1^^^H^MR||Alias^Al~Legal^Lee^Q^^^^L", "AIS|1|A|22511"), {"last_name": "Legal"}),
        (("SCH|A-1", "PID|1||1^^^H^MR||Legal^Lee^Q", "AIS|1|A|22511"), {"first_name": "Lee Q"}),
        (("SCH|A-1", "PID|1||1^^^H^MR||||19480314", "AIS|1|A|22511"), {"date_of_birth": "1948-03-14"}),
        (("SCH|A-1", "PID|1||1^^^H^MRN", "AIS|1|A|22511"), {"mrn": "1"}),
    ],
)
def test_siu_fields_come_from_their_places(segments: tuple[str, ...], expected: dict[str, str]) -> None:
    record = _siu(*segments)
    assert isinstance(record, RawRecord)
    assert {k: record.fields.get(k) for k in expected} == expected


@pytest.mark.parametrize(
    ("pid_13", "email"),
    [
        ("^PRN^PH^^^217^5550199~^NET^Internet^a@example.org", "a@example.org"),
        ("^WPN^PH^^^217^5550100~^PRN^X.400^b@example.org", "b@example.org"),
        ("^PRN^PH^^^217^5550199", None),
        ("^^^c@example.org", None),  # untyped: it may be a phone's XTN-4 (a sample's "5555"), never taken
        ("^PRN^PH^5555~^NET^Internet^d@example.org", "d@example.org"),
        ("^PRN^PH^5555", None),  # a phone repetition's XTN-4 is not an address
    ],
)
def test_siu_email_is_pid_13s_internet_address(pid_13: str, email: str | None) -> None:
    record = _siu("SCH|A-1", f"PID|1||1^^^H^MR||||||||||{pid_13}", "AIS|1|A|22511")
    assert isinstance(record, RawRecord)
    assert record.fields.get("email") == email


@pytest.mark.parametrize("name", ["equivalent.csv", "equivalent.fhir.json", "equivalent.hl7"])
def test_encounter_and_email_come_from_every_format(name: str) -> None:
    (record,) = records(BATCH / name)
    assert isinstance(record, RawRecord)
    assert record.fields["encounter"] == "V-20261208-0042"  # FHIR: the official identifier, not the secondary
    assert record.fields["email"] == "sean.obrien@example.org"  # FHIR: rank 1, never an `old` address
    labels = {"equivalent.fhir.json": "Encounter.identifier", "equivalent.hl7": "PV1-19"}
    assert record.labels.get("encounter") == labels.get(name)


def test_an_encounter_naming_no_appointment_of_the_bundle_gives_none(tmp_path: Path) -> None:
    bundle = json.loads((BATCH / "equivalent.fhir.json").read_text(encoding="utf-8"))
    encounter = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    encounter["appointment"] = [{"reference": "Appointment/elsewhere"}]
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(bundle), encoding="utf-8")
    (record,) = records(source)
    assert isinstance(record, RawRecord)
    assert "encounter" not in record.fields


def test_a_bad_email_is_a_warning_named_by_where_it_was_read_and_the_packet_is_made(tmp_path: Path) -> None:
    source = tmp_path / "day.csv"
    source.write_text(HEADER + ",email\n" + row("E-1") + ",not-an-address\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1"], {}) == 0
    (entry,) = manifest(out)
    assert (entry["status"], entry["error"]) == ("ok", None)
    assert entry["warnings"] == [
        f"{source}:2: warning: email: expected an email address such as name@example.org; "
        "left out (the packet is made without it)"
    ]
    assert (out / "E-1.pdf").is_file()


def test_siu_labels_name_the_field_read() -> None:
    record = _siu("SCH||F 9", "AIS|1|A|22511")
    assert isinstance(record, RawRecord)
    assert record.labels["appointment_id"] == "SCH-2"
    assert _siu("SCH|A-1", "AIS|1|A|22511").labels["appointment_id"] == "SCH-1"  # type: ignore[union-attr]
    tq1 = _siu("SCH|A-1", "TQ1|1||||||20261210081500", "AIS|1|A|22511")
    assert isinstance(tq1, RawRecord)
    assert (tq1.labels["start"], tq1.fields["start"]) == ("TQ1-7", "2026-12-10T08:15:00")


@pytest.mark.parametrize(
    ("times", "warned"),
    [
        (("20261210081500-0600", "20261210081500-0600", "20261210081500-0600"), False),
        (("20261210081500-0600", "20261210091500-0500", ""), False),  # the same moment, another offset
        (("20261210081500", "20261210081500-0600", ""), False),  # one without an offset: the clock time
        (("20261210081500-0600", "", "20251210081500-0600"), True),
        (("", "20261210081500-0600", "20261210091500-0600"), True),
    ],
)
def test_start_sources_that_disagree_are_named(times: tuple[str, str, str], warned: bool) -> None:
    ais, tq1, sch = times
    record = _siu(f"SCH|A-1||||||||||^^60^{sch}", f"TQ1|1||||||{tq1}", f"AIS|1|A|22511|{ais}")
    assert isinstance(record, RawRecord)
    used, other = ("AIS-4", "SCH-11.4") if ais and sch else ("AIS-4", "TQ1-7") if ais else ("TQ1-7", "SCH-11.4")
    expected = (f"f.hl7:1: warning: {used}: {used} and {other} give different start times; {used} was used",)
    assert (tuple(w for w in record.warnings if "start times" in w) == expected) is warned


@pytest.mark.parametrize(
    ("event", "skip", "cancels", "reason"),
    [
        ("S15", "cancelled", True, "the appointment was cancelled"),
        ("S16", "discontinued", True, "the appointment was discontinued"),
        ("S18", "not read", False, "it changes resources, not the appointment"),
    ],
)
def test_siu_events_that_make_no_packet(event: str, skip: str, cancels: bool, reason: str) -> None:
    text = f"MSH|^~\\&|S|H|P|H|2026||SIU^{event}|C1|P|2.5\rSCH|A-1\rAIS|1|A|22511"
    record = read_message(text, SourcePos("f.hl7", 2), Hl7Settings(), _any_name)
    assert isinstance(record, RawRecord)
    assert (record.skip, record.cancels, record.event) == (skip, cancels, f"SIU^{event}")
    assert record.fields == {"appointment_id": "A-1"}
    assert record.warnings == (f"f.hl7:2: warning: MSH-9: SIU^{event}: {reason}; skipped",)
    no_id = read_message(text.replace("SCH|A-1", "SCH|"), SourcePos("f.hl7", 2), Hl7Settings(), _any_name)
    assert isinstance(no_id, RawRecord)
    assert no_id.fields == {}


def test_a_message_that_is_not_siu_or_not_hl7_is_named() -> None:
    adt = read_message(
        "MSH|^~\\&|S|H|P|H|2026||ADT^A04|C1|P|2.5\rPID|1", SourcePos("f.hl7", 4), Hl7Settings(), _any_name
    )
    assert isinstance(adt, RecordFailure)
    assert [str(e) for e in adt.errors] == ["f.hl7:4: MSH-9: expected an SIU message, got ADT^A04"]
    junk = read_message("not hl7 at all", SourcePos("f.hl7", 5), Hl7Settings(), _any_name)
    assert isinstance(junk, RecordFailure)
    assert [str(e) for e in junk.errors] == ["f.hl7:5: MSH: not a readable HL7 message"]


def _bundle(tmp_path: Path, *resources: dict[str, Any]) -> Path:
    path = tmp_path / "bundle.json"
    entries = [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r} for r in resources]
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}), encoding="utf-8")
    return path


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "0042"}],
    "name": [{"use": "old", "family": "Before", "given": ["Old"]}, {"family": "Okafor", "given": ["Ada", "N"]}],
    "birthDate": "1950-05-06",
}


def _appointment(*participants: dict[str, Any], **extra: Any) -> dict[str, Any]:
    actors = [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}, *participants]
    return {
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "start": "2026-12-10T08:15:00-06:00",
        "serviceType": [{"coding": [{"code": "22511"}]}],
        "participant": actors,
        **extra,
    }


def _actor(reference: str | None = None, display: str | None = None, kind: str | None = None) -> dict[str, Any]:
    actor = {k: v for k, v in (("reference", reference), ("display", display)) if v}
    typed = {"type": [{"coding": [{"code": kind}]}]} if kind else {}
    return {"actor": actor, "status": "accepted", **typed}


@pytest.mark.parametrize(
    ("participants", "others", "provider", "chosen"),
    [
        ([_actor("Practitioner/d1", kind="ATND"), _actor("Practitioner/d2", kind="PPRF")], [], "Dr Two", "d2"),
        ([_actor("Practitioner/d1", kind="SPRF"), _actor("Practitioner/d2")], [], "Dr One", "d1"),
        ([_actor("Practitioner/d1", kind="REF")], [], None, None),  # a referrer never performs
        (
            [_actor("PractitionerRole/r1", kind="PPRF")],
            [{"practitioner": {"reference": "Practitioner/d2"}}],
            "Dr Two",
            "d2",
        ),
        ([_actor("PractitionerRole/r1")], [{"practitioner": {"display": "Dr Role"}}], "Dr Role", "r1"),
        ([_actor("PractitionerRole/r1")], [{}], None, None),  # a role with no practitioner names no one
        ([_actor("Practitioner/elsewhere", "Dr Away", "PPRF")], [], "Dr Away", "Practitioner/elsewhere"),
        ([_actor(display="Endoscopy Rooms", kind="PPRF")], [], None, None),  # not a person
    ],
)
def test_the_fhir_provider_is_a_person_chosen_by_participant_type(
    tmp_path: Path,
    participants: list[dict[str, Any]],
    others: list[dict[str, Any]],
    provider: str | None,
    chosen: str | None,
) -> None:
    people = [
        {"resourceType": "Practitioner", "id": "d1", "name": [{"text": "Dr One"}]},
        {"resourceType": "Practitioner", "id": "d2", "name": [{"prefix": ["Dr"], "given": ["Two"]}]},
        *({"resourceType": "PractitionerRole", "id": "r1", **o} for o in others),
    ]
    (record,) = records(_bundle(tmp_path, PATIENT, *people, _appointment(*participants)))
    assert isinstance(record, RawRecord)
    assert record.fields.get("provider") == provider
    assert (chosen is None) == (record.provider_from is None)
    assert chosen is None or chosen in (record.provider_from or "")
    assert record.provider_optional
    assert (provider is None) == any("no Practitioner or PractitionerRole" in w for w in record.warnings)


def test_fhir_patient_location_and_instructions(tmp_path: Path) -> None:
    location = {"resourceType": "Location", "id": "l1", "name": "IR Suite 2"}
    appointment = _appointment(
        {"actor": {"reference": "Location/l1"}, "status": "accepted"},
        patientInstruction="1. Fast from midnight.\n\n* Bring your pills",
        comment="Staff: C-arm booked",
    )
    (record,) = records(_bundle(tmp_path, PATIENT, location, appointment))
    assert isinstance(record, RawRecord)
    assert {k: record.fields.get(k) for k in ("last_name", "first_name", "mrn", "date_of_birth", "location")} == {
        "last_name": "Okafor",
        "first_name": "Ada N",
        "mrn": "0042",
        "date_of_birth": "1950-05-06",
        "location": "IR Suite 2",
    }
    assert record.fields["instructions"] == ["Fast from midnight.", "Bring your pills"]
    assert record.lines["mrn"] == "Patient/p1"
    assert record.lines["location"] == "Location/l1"
    display_only = _appointment({"actor": {"reference": "Location/x", "display": "Clinic B"}, "status": "accepted"})
    (other,) = records(_bundle(tmp_path, PATIENT, display_only))
    assert isinstance(other, RawRecord)
    assert other.fields["location"] == "Clinic B"


STAFF_COMMENT = "Staff only: hard stick, page Dr Lee on 4471 before starting"


def test_a_fhir_staff_comment_is_never_the_patients_instructions(tmp_path: Path) -> None:
    """`comment` and `description` are for staff; without `patientInstruction` the packet prints no
    instructions of the scheduler's, and nothing of the comment anywhere."""
    appointment = _appointment(comment=STAFF_COMMENT, description="VP L1, cement kit lot 22-A")
    source = _bundle(tmp_path, PATIENT, appointment)
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1"], {}) == 0
    (entry,) = manifest(out)
    assert (entry["appointment_id"], entry["status"]) == ("a1", "ok")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out / "a1.pdf").pages).split())
    assert "Okafor, Ada N" in text
    for staff in ("hard stick", "Dr Lee", "4471", "cement kit"):
        assert staff not in text, staff
    (record,) = records(source)
    assert isinstance(record, RawRecord)
    assert "instructions" not in record.fields
    with_instruction = _appointment(comment=STAFF_COMMENT, patientInstruction="Fast from midnight.")
    (both,) = records(_bundle(tmp_path, PATIENT, with_instruction))
    assert isinstance(both, RawRecord)
    assert both.fields["instructions"] == ["Fast from midnight."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"resourceType": "Bundle", "id": "\xff"}', ":1: not UTF-8 text"),
        (b'{"resourceType": "Bundle",\n "entry": [}', ":2: JSON syntax error: Expecting value"),
        (b'{"resourceType": "Patient"}', ":1: resourceType: expected a FHIR Bundle"),
    ],
)
def test_an_unusable_fhir_file_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(content)
    with pytest.raises(UnusableInput) as info:
        records(path)
    assert str(info.value) == f"{path}{message}"


def test_fhir_names_official_then_usual_never_old_or_anonymous(tmp_path: Path) -> None:
    patient = {
        **PATIENT,
        "name": [
            {"use": "anonymous", "family": "Doe", "given": ["J"]},
            {"use": "usual", "family": "Okafor", "given": ["Ada"]},
            {"use": "old", "family": "Before", "given": ["Old"]},
        ],
    }
    doctor = {
        "resourceType": "Practitioner",
        "id": "d1",
        "name": [{"family": "Granite", "given": ["Pat"], "suffix": ["MD", "PhD"]}],
    }
    (record,) = records(_bundle(tmp_path, patient, doctor, _appointment(_actor("Practitioner/d1", kind="PPRF"))))
    assert isinstance(record, RawRecord)
    assert (record.fields["last_name"], record.fields["first_name"]) == ("Okafor", "Ada")
    assert record.fields["provider"] == "Pat Granite, MD, PhD"


def test_an_invalid_practitioner_is_named_where_it_is(tmp_path: Path) -> None:
    doctor = {"resourceType": "Practitioner", "id": "d1", "name": [{"family": "Granite"}], "birthDate": "1970-02-30"}
    (record,) = records(_bundle(tmp_path, PATIENT, doctor, _appointment(_actor("Practitioner/d1", kind="PPRF"))))
    assert isinstance(record, RecordFailure)
    assert [str(e) for e in record.errors] == [
        f"{tmp_path / 'bundle.json'}:Practitioner/d1: birthDate: expected a FHIR date (YYYY-MM-DD)"
    ]
