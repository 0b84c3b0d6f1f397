"""Procedure codes (issue 25, "Codes"): each coding system's syntax and check digits when content loads,
`validate` naming the file, line and field of a bad code, matching a code with its system (a code
whose digits another system also uses never matches across systems), and `list` showing systems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from packetgen.batch.run import BatchOptions, run_batch
from packetgen.cli import main
from packetgen.errors import InputErrors
from packetgen.library import Library, load_library
from packetgen.models.codes import (
    code_problem,
    loinc_check_digit,
    sctid_problem,
    verhoeff_check_digit,
    verhoeff_valid,
)
from packetgen.models.content import Code
from packetgen.settings import Settings
from tests.helpers.site import ROOT, TODAY, copy_site

CONTENT = (ROOT / "packets/vertebroplasty.yaml").read_text(encoding="utf-8")
CPT_LINES = '  - {system: CPT, code: "22510"}\n  - {system: CPT, code: "22511"}\n  - {system: CPT, code: "22512"}\n'

# SNOMED CT concept ids of procedures (the International Edition's): colonoscopy, cataract extraction,
# cardiac catheterization, and the top concept "procedure".
SCTIDS = ("73761001", "110473004", "41976001", "71388002")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("sctid", SCTIDS)
def test_known_snomed_ct_concept_ids_pass_the_check(sctid: str) -> None:
    assert verhoeff_valid(sctid)
    assert verhoeff_check_digit(sctid[:-1]) == sctid[-1]
    assert sctid_problem(sctid) is None
    assert Code(system="SNOMED CT", code=sctid).label == f"SNOMED CT {sctid}"


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("73761002", "check digit"),  # colonoscopy, last digit changed
        ("73716001", "check digit"),  # colonoscopy, two adjacent digits swapped
        ("110473005", "check digit"),
        ("41976010", "partition identifier"),  # the check digit moved into the partition
        ("073761001", "6 to 18 digits"),  # a leading zero
        ("61001", "6 to 18 digits"),  # too short
        ("1234567890123456789", "6 to 18 digits"),  # too long
        ("7376100A", "6 to 18 digits"),
        ("1234567" + "01" + verhoeff_check_digit("123456701"), "partition identifier"),  # a description's id
        ("1234" + "10" + verhoeff_check_digit("123410"), "namespace"),  # long form without a namespace
    ],
)
def test_bad_snomed_ct_ids_are_refused_saying_why(code: str, why: str) -> None:
    problem = sctid_problem(code)
    assert problem is not None
    assert why in problem


def test_a_long_form_extension_concept_id_passes() -> None:
    body = "1" + "1000119" + "10"  # item 1, namespace 1000119, partition 10 (an extension's concept)
    assert sctid_problem(body + verhoeff_check_digit(body)) is None


@st.composite
def sctids(draw: st.DrawFn) -> str:
    """A concept's SCTID: short form (item, partition 00) or long form (item, namespace, partition 10)."""
    if draw(st.booleans()):
        body = draw(st.from_regex(r"[1-9][0-9]{2,14}", fullmatch=True)) + "00"
    else:
        item = draw(st.from_regex(r"[1-9][0-9]{0,7}", fullmatch=True))
        body = item + draw(st.from_regex(r"[0-9]{7}", fullmatch=True)) + "10"
    return body + verhoeff_check_digit(body)


@given(sctid=sctids())
@example(sctid="73761001")
@example(sctid="110473004")
@example(sctid="41976001")
@example(sctid="71388002")
def test_verhoeff_rejects_every_single_digit_change_and_adjacent_transposition(sctid: str) -> None:
    assert sctid_problem(sctid) is None
    for position in range(len(sctid)):  # every single-digit change
        for digit in "0123456789":
            if digit != sctid[position]:
                changed = sctid[:position] + digit + sctid[position + 1 :]
                assert not verhoeff_valid(changed), changed
                assert sctid_problem(changed) is not None, changed
    for position in range(len(sctid) - 1):  # every adjacent transposition of two different digits
        a, b = sctid[position], sctid[position + 1]
        if a != b:
            swapped = sctid[:position] + b + a + sctid[position + 2 :]
            assert not verhoeff_valid(swapped), swapped
            assert sctid_problem(swapped) is not None, swapped


@pytest.mark.parametrize(
    ("system", "good", "bad"),
    [
        ("CPT", ["22510", "00100", "3008F", "0200T"], ["2251", "225100", "2251A", "3008f", "22510T", "CPT22510"]),
        ("HCPCS", ["C1062", "A0021", "V5010", "G0105"], ["W1234", "c1062", "C106", "CC106", "C10625", "22510"]),
        ("LOINC", ["2345-7", "718-7", "4548-4", "8480-6"], ["2345-6", "718-5", "2345", "02345-7", "2345-77", "LP-1"]),
        ("ICD-10-PCS", ["0DTJ4ZZ", "0QU03JZ", "B2111ZZ"], ["0DTJ4ZI", "0DTO4ZZ", "0DTJ4Z", "0DTJ4ZZZ", "0dtj4zz"]),
        ("local:RGH-IR", ["VP-01", "IR.7", "A/B_2", "vertebroplasty"], ["VP 01", "-VP", "VP^01", "x" * 41]),
    ],
)
def test_each_system_checks_its_own_syntax(system: str, good: list[str], bad: list[str]) -> None:
    for code in good:
        assert code_problem(system, code) is None, code
        assert Code(system=system, code=code).code == code
    for code in bad:
        assert code_problem(system, code) is not None, code


@pytest.mark.parametrize(
    ("number", "check"), [("2345", "7"), ("718", "7"), ("4548", "4"), ("8480", "6"), ("12345", "5")]
)
def test_loinc_check_digits(number: str, check: str) -> None:
    assert loinc_check_digit(number) == check


def test_system_names_are_read_in_any_case_and_an_unknown_one_lists_the_known() -> None:
    assert Code(system="snomed ct", code="73761001").system == "SNOMED CT"
    assert Code(system="Local:RGH-IR", code="VP-01").label == "local:RGH-IR VP-01"
    with pytest.raises(ValueError, match="unknown code system; expected one of: CPT, HCPCS, SNOMED CT, LOINC"):
        Code(system="ICD-9-CM", code="81.66")
    with pytest.raises(ValueError, match="expected local:NAME"):
        Code(system="local", code="VP-01")  # content names its local system


def test_validate_names_the_file_line_and_field_of_a_bad_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    wrong = CPT_LINES.replace('"22511"', '"2251"') + '  - {system: SNOMED, code: "73761001"}\n'
    bad.write_text(CONTENT.replace(CPT_LINES, wrong), encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    text = bad.read_text(encoding="utf-8")
    code_line, system_line = line_of(text, '"2251"'), line_of(text, "system: SNOMED,")
    assert (
        f"{bad}:{code_line}: codes[1].code: expected a CPT code: five digits (Category I), "
        "or four digits and F (Category II) or T (Category III)"
    ) in err
    assert (
        f"{bad}:{system_line}: codes[3].system: unknown code system; expected one of: "
        "CPT, HCPCS, SNOMED CT, LOINC, ICD-10-PCS, local:NAME"
    ) in err
    bad.write_text(
        CONTENT.replace(CPT_LINES, CPT_LINES + '  - {system: SNOMED CT, code: "73761002"}\n'), encoding="utf-8"
    )
    assert main(["validate", str(bad)]) == 1
    text = bad.read_text(encoding="utf-8")
    assert (
        f"{bad}:{line_of(text, '73761002')}: codes[3].code: expected a SNOMED CT concept id: its check digit "
        "(the last, Verhoeff) does not match"
    ) in capsys.readouterr().err


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def colliding_site(root: Path) -> Path:
    """Vertebroplasty with a site's own code `local:RGH-IR 73761001`, and a second procedure, colonoscopy,
    whose SNOMED CT id is the same digits."""
    copy_site(root)
    for other in (root / "packets").glob("*.yaml"):  # the project's other procedures (its colonoscopy too)
        if not other.name.startswith("vertebroplasty."):
            other.unlink()
    local = CPT_LINES + '  - {system: "local:RGH-IR", code: "73761001"}\n'
    for name in ("vertebroplasty.yaml", "vertebroplasty.es.yaml"):
        _edit(root / "packets" / name, CPT_LINES, local)
    colonoscopy = root / "packets" / "colonoscopy.yaml"
    colonoscopy.write_text(CONTENT, encoding="utf-8")
    _edit(colonoscopy, "id: vertebroplasty\n", "id: colonoscopy\n")
    _edit(colonoscopy, "title: Vertebroplasty\n", "title: Colonoscopy\n")
    _edit(colonoscopy, CPT_LINES, '  - {system: SNOMED CT, code: "73761001"}\n')
    _edit(colonoscopy, "aliases: [Percutaneous vertebroplasty, PVP]", "aliases: []")
    return root


@pytest.fixture(scope="module")
def colliding(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return load_library(colliding_site(tmp_path_factory.mktemp("site")))


@pytest.mark.parametrize(
    ("wanted", "system", "found"),
    [
        ("73761001", "SNOMED CT", "colonoscopy"),  # the SNOMED CT id, never the local code of those digits
        ("73761001", "local:RGH-IR", "vertebroplasty"),  # the local code, never the SNOMED CT id
        ("73761001", "local:rgh-ir", "vertebroplasty"),  # a local system's name in any case
        ("73761001", "local", "vertebroplasty"),  # a site's own system the feed does not name (HL7 `L`)
        ("73761001", "local:OTHER", None),  # another site system's code
        ("73761001", "CPT", None),
        ("22510", "CPT", "vertebroplasty"),
        ("22510", "SNOMED CT", None),
        ("22510", "local:RGH-IR", None),  # a CPT code is not the site's own code
        ("vertebroplasty", "local", "vertebroplasty"),  # a site's own names for procedures: ids, titles, aliases
        ("PVP", "local:RGH-IR", "vertebroplasty"),
        ("vertebroplasty", "CPT", None),  # a standard system's code is a code, never a name
        ("Colonoscopy", "SNOMED CT", None),
        ("22511", None, "vertebroplasty"),  # no system: as before, ids, codes of any system, titles, aliases
        ("Colonoscopy", None, "colonoscopy"),
    ],
)
def test_a_code_matches_only_codes_of_its_system(
    colliding: Library, wanted: str, system: str | None, found: str | None
) -> None:
    content = colliding.find_procedure(wanted, system)
    assert (content.id if content else None) == found
    assert colliding.is_procedure(wanted, system) is (found is not None)


def test_a_code_with_no_system_matches_as_before(colliding: Library) -> None:
    content = colliding.find_procedure("73761001")  # either procedure's code: the first file's, as before
    assert content is not None
    assert content.id in ("colonoscopy", "vertebroplasty")


def test_a_broken_files_codes_refuse_with_its_errors_only_in_their_own_system(tmp_path: Path) -> None:
    root = colliding_site(tmp_path / "site")
    _edit(root / "packets" / "colonoscopy.yaml", "arrive_minutes_before: 60", "arrive_minutes_before: -5")
    library = load_library(root, strict=False)
    with pytest.raises(InputErrors, match=r"colonoscopy\.yaml"):
        library.find_procedure("73761001", "SNOMED CT")
    assert library.is_procedure("73761001", "SNOMED CT")
    found = library.find_procedure("73761001", "local:RGH-IR")
    assert found is not None
    assert found.id == "vertebroplasty"
    assert library.find_procedure("73761001", "LOINC") is None


def test_list_shows_each_code_with_its_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = colliding_site(tmp_path / "site")
    assert main(["list"], {"PACKETGEN_CONTENT_ROOT": str(root)}) == 0
    out = capsys.readouterr().out
    assert "| CPT 22510, CPT 22511, CPT 22512, local:RGH-IR 73761001" in out
    assert "  colonoscopy        Colonoscopy | version 1.0.0 | languages: en | SNOMED CT 73761001" in out


def test_the_unknown_procedure_error_lists_codes_with_their_systems(colliding: Library) -> None:
    assert colliding.procedure_names() == (
        "colonoscopy, vertebroplasty, CPT 22510, CPT 22511, CPT 22512, SNOMED CT 73761001, local:RGH-IR 73761001"
    )


def _message(number: int, ais_3: str) -> str:
    return "\r".join(
        [
            f"MSH|^~\\&|EPICCADENCE|RGH|PACKETGEN|RGH|20261124083000||SIU^S12^SIU_S12|C{number}|P|2.5.1",
            f"SCH|X-{number}^RGH||||||||90|min|^^90^20261217{8 + number:02d}0000-0600",
            "PID|1||00482299^^^RGH^MR||Okafor^Grace||19500302|F",
            f"AIS|1|A|{ais_3}|20261217{8 + number:02d}0000-0600",
            "AIP|1|A|7781^Granite^Pat|PP",
        ]
    )


def _coding(number: int, system: str) -> dict[str, object]:
    return {
        "fullUrl": f"urn:uuid:00000000-0000-0000-0000-00000000000{number}",
        "resource": {
            "resourceType": "Appointment",
            "id": f"F-{number}",
            "status": "booked",
            "serviceType": [{"coding": [{"system": system, "code": "73761001"}]}],
            "start": f"2026-12-17T{8 + number:02d}:00:00-06:00",
            "participant": [
                {"status": "accepted", "actor": {"reference": "Patient/p"}},
                {"status": "accepted", "actor": {"reference": "Practitioner/d"}},
            ],
        },
    }


def test_feeds_match_the_same_digits_by_their_system(
    colliding: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hl7 = tmp_path / "day.hl7"
    hl7.write_text(
        "\r".join(
            _message(n, ais_3)
            for n, ais_3 in enumerate(
                ["73761001^^SCT", "73761001^^99RGH-IR", "73761001^^L", "73761001^^LN", "73761001^^99OTHER"], start=1
            )
        ),
        encoding="utf-8",
    )
    people = [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p",
                "identifier": [{"type": {"text": "MRN"}, "value": "1"}],
                "name": [{"family": "Okafor", "given": ["Grace"]}],
                "birthDate": "1950-03-02",
            }
        },
        {"resource": {"resourceType": "Practitioner", "id": "d", "name": [{"family": "Granite", "given": ["Pat"]}]}},
    ]
    fhir = tmp_path / "day.json"
    site_uri = "https://rgh.example.org/fhir/CodeSystem/ir"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [*people, _coding(1, "http://snomed.info/sct"), _coding(2, site_uri)],
    }
    fhir.write_text(json.dumps(bundle), encoding="utf-8")
    settings = Settings.model_validate({"fhir": {"code_systems": {site_uri: "local:RGH-IR"}}})
    found: dict[str, str | None] = {}
    for source in (hl7, fhir):
        out = tmp_path / source.suffix[1:]
        run_batch(
            BatchOptions(source, out, workers=1, today=TODAY), lambda _line: None, library=colliding, settings=settings
        )
        for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            found[entry["appointment_id"]] = entry["procedure"] if entry["status"] == "ok" else entry["error"]
    assert found["X-1"] == "colonoscopy"  # SCT: the SNOMED CT id
    assert found["X-2"] == "vertebroplasty"  # 99RGH-IR: the site's local:RGH-IR code of the same digits
    assert found["X-3"] == "vertebroplasty"  # L: a site's own code, its system unnamed
    assert "unknown procedure '73761001' (LOINC)" in str(found["X-4"])
    assert "unknown procedure '73761001' (local:OTHER)" in str(found["X-5"])
    assert found["F-1"] == "colonoscopy"
    assert found["F-2"] == "vertebroplasty"


def test_a_long_library_names_the_nearest_procedures_and_where_the_rest_are(
    colliding: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hundreds of procedures would make the unknown-procedure line unreadable: past NAMES_SHOWN names it
    offers the nearest ones (else the first ids) and points to `generate.py list`."""
    import packetgen.library as library_module

    monkeypatch.setattr(library_module, "NAMES_SHOWN", 4)
    rest = "(2 procedures; `generate.py list` shows every id and code)"
    assert colliding.procedure_names("vertebroplsty") == f"vertebroplasty, … {rest}"
    assert colliding.procedure_names("CPT 22513") == f"CPT 22512, CPT 22511, CPT 22510, … {rest}"
    assert colliding.procedure_names("zzz") == f"colonoscopy, vertebroplasty, … {rest}"
