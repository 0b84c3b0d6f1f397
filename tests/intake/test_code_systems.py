"""Which coding system a feed names for a procedure code: FHIR `Coding.system`, HL7 CWE-3 (table 0396),
a CSV's `procedure_system` column; the site's own names for systems (`code_systems`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packetgen.batch.run import BatchOptions, run_batch
from packetgen.intake.code_systems import fhir_system, hl7_system
from packetgen.library import Library
from tests.helpers.site import KNOWN_PROCEDURES, TODAY


@pytest.mark.parametrize(
    ("uri", "system"),
    [
        ("http://www.ama-assn.org/go/cpt", "CPT"),
        ("urn:oid:2.16.840.1.113883.6.12", "CPT"),
        ("http://snomed.info/sct", "SNOMED CT"),
        ("urn:oid:2.16.840.1.113883.6.96", "SNOMED CT"),
        ("http://loinc.org", "LOINC"),
        ("https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "HCPCS"),
        ("urn:oid:2.16.840.1.113883.6.285", "HCPCS"),
        ("http://www.cms.gov/Medicare/Coding/ICD10", "ICD-10-PCS"),
        ("urn:oid:2.16.840.1.113883.6.4", "ICD-10-PCS"),
        ("http://hl7.org/fhir/sid/icd-10-cm", None),  # a system this program does not know: as no system
        ("urn:oid:1.2.3", None),
        (None, None),
        ("https://rgh.example.org/fhir/CodeSystem/ir", "local:RGH-IR"),  # the site's, named in its settings
    ],
)
def test_fhir_coding_systems(uri: str | None, system: str | None) -> None:
    assert fhir_system(uri, {"https://rgh.example.org/fhir/CodeSystem/ir": "local:RGH-IR"}) == system


@pytest.mark.parametrize(
    ("name", "system"),
    [
        ("CPT", "CPT"),
        ("C4", "CPT"),
        ("c4", "CPT"),
        ("HCPCS", "HCPCS"),
        ("SCT", "SNOMED CT"),
        ("SNM", "SNOMED CT"),
        ("LN", "LOINC"),
        ("I10P", "ICD-10-PCS"),
        ("L", "local"),
        ("99RGH", "local:RGH"),
        ("99", None),
        ("99R G", "local"),  # a site's own system whose name content could not give
        ("HCPT", None),  # table 0396's Health Care Provider Taxonomy, not HCPCS: not known here
        ("I10", None),  # ICD-10 diagnoses
        ("", None),
        ("cpt4", "CPT"),  # the site's own spelling, from its settings (any case)
    ],
)
def test_hl7_coding_system_names(name: str, system: str | None) -> None:
    assert hl7_system(name, {"CPT4": "CPT"}) == system


def test_a_csv_may_name_each_codes_system(tmp_path: Path, library: Library) -> None:
    source = tmp_path / "day.csv"
    header = "appointment_id,mrn,last_name,first_name,date_of_birth,procedure,procedure_system,start,provider"
    rows = [
        "C-1,001,Okafor,Grace,1950-03-02,22511,CPT,2026-12-17T08:00,Dr. Granite",
        "C-2,001,Okafor,Grace,1950-03-02,22511,SNOMED CT,2026-12-17T09:00,Dr. Granite",
        "C-3,001,Okafor,Grace,1950-03-02,22511,,2026-12-17T10:00,Dr. Granite",
        "C-4,001,Okafor,Grace,1950-03-02,22511,SNOMED,2026-12-17T11:00,Dr. Granite",
        "C-5,001,Okafor,Grace,1950-03-02,Vertebroplasty,local,2026-12-17T12:00,Dr. Granite",
    ]
    source.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    run_batch(BatchOptions(source, tmp_path / "out", workers=1, today=TODAY), lambda _line: None, library=library)
    lines = (tmp_path / "out" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = {e["appointment_id"]: e for e in map(json.loads, lines)}
    assert [entries[k]["status"] for k in ("C-1", "C-3", "C-5")] == ["ok", "ok", "ok"]
    assert entries["C-2"]["error"] == (
        f"{source}:3: procedure: unknown procedure '22511' (SNOMED CT); expected one of: {KNOWN_PROCEDURES}"
    )
    assert entries["C-4"]["error"] == (
        f"{source}:5: procedure_system: unknown code system; "
        "expected one of: CPT, HCPCS, SNOMED CT, LOINC, ICD-10-PCS, local:NAME, local"
    )
