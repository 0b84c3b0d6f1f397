"""The JSON Schemas editors check content, department and layout files with (schemas/*.schema.json):
written from the models by scripts/schemas.py and up to date, named on the first line of every shipped
file, and accepting those files (checked with `jsonschema` as draft-07, what the YAML extension reads)
while refusing what the library refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

from packetgen.library import FOLDERS
from packetgen.yamlsafe import load_file
from tests.helpers.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    return load_script("schemas.py", "schemas_script")


def _kinds() -> dict[str, Any]:
    return {kind.name: kind for kind in _script().KINDS}


def _validator(kind: str) -> jsonschema.Draft7Validator:
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text("utf-8"))
    return jsonschema.Draft7Validator(schema)


def _shipped(kind: str) -> list[Path]:
    return sorted((ROOT / _kinds()[kind].folder).glob("*.yaml"))


def _errors(kind: str, data: Any) -> list[str]:
    """Each problem as `path: message`, the path dotted from the file's top."""
    found = _validator(kind).iter_errors(data)
    return sorted(f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found)


def _data(path: Path) -> Any:
    return copy.deepcopy(load_file(path).data)


def test_the_schemas_are_what_the_models_say() -> None:
    script = _script()
    for kind in script.KINDS:
        assert kind.path.is_file(), f"{kind.path.relative_to(ROOT)} is missing: run scripts/schemas.py"
        assert kind.path.read_text("utf-8") == script.text_of(kind), (
            f"{kind.path.relative_to(ROOT)} differs from {kind.model.__name__}: run scripts/schemas.py"
        )


def test_every_folder_the_library_loads_has_a_schema() -> None:
    assert {kind.folder for kind in _script().KINDS} == set(FOLDERS)


@pytest.mark.parametrize("kind", ["content", "department", "layout", "fragment"])
def test_each_schema_is_draft_7(kind: str) -> None:
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text("utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_every_shipped_file_names_its_schema_on_its_first_line() -> None:
    for kind in _script().KINDS:
        files = sorted((ROOT / kind.folder).glob("*.yaml"))
        assert files, kind.folder
        for path in files:
            first = path.read_text("utf-8").split("\n", 1)[0]
            assert first == kind.modeline(), path
    assert _kinds()["fragment"].modeline() == "# yaml-language-server: $schema=../../schemas/fragment.schema.json"


@pytest.mark.parametrize("kind", ["content", "department", "layout", "fragment"])
def test_the_schemas_accept_every_shipped_file(kind: str) -> None:
    for path in _shipped(kind):
        assert _errors(kind, load_file(path).data) == [], path


def test_descriptions_are_the_field_docstrings() -> None:
    content = json.loads((ROOT / "schemas" / "content.schema.json").read_text("utf-8"))
    assert content["properties"]["arrive_minutes_before"]["description"] == (
        "How long before the start the patient should arrive."
    )
    assert content["$defs"]["Item"]["properties"]["review"]["description"].startswith("`pending` marks text")
    department = json.loads((ROOT / "schemas" / "department.schema.json").read_text("utf-8"))
    phone = department["properties"]["after_hours_phone"]["description"]
    assert "\n" not in phone  # a docstring's lines joined, as an editor's hover wraps them
    assert phone.startswith('Whom patients call at night and at weekends (the handout\'s "When to call" box,')


def test_a_content_file_with_mistakes_is_refused() -> None:
    data = _data(ROOT / "packets" / "vertebroplasty.yaml")
    data["version"] = 1.0  # unquoted in YAML: a number
    data["risks"][0]["review"] = "maybe"
    data["colour"] = "blue"
    del data["consent"]
    errors = _errors("content", data)
    assert any(e.startswith(": 'consent' is a required property") for e in errors), errors
    assert any(e.startswith(": Additional properties are not allowed ('colour'") for e in errors), errors
    assert any(e.startswith("version: 1.0 is not of type 'string'") for e in errors), errors
    assert any(e.startswith("risks.0.review: 'maybe' is not one of") for e in errors), errors
    assert len(errors) == 4, errors


def test_ids_dates_and_flag_names_are_checked_by_their_patterns() -> None:
    data = _data(ROOT / "packets" / "vertebroplasty.yaml")
    data["id"] = "Vertebroplasty"
    data["effective"] = "1 Nov 2026"
    data["flags"]["Sedation"] = data["flags"].pop("sedation")
    errors = _errors("content", data)
    assert [e.split(":")[0] for e in errors] == ["effective", "flags", "id"], errors
    assert "'Sedation' does not match" in errors[1]


def test_a_department_file_may_leave_out_its_id() -> None:
    data = _data(ROOT / "departments" / "interventional-radiology.yaml")
    assert "id" not in data
    assert _errors("department", data) == []
    del data["phone"]
    data["address"] = []
    assert _errors("department", data) == [
        ": 'phone' is a required property",
        "address: [] is not valid under any of the given schemas",
    ]
    data["address"] = {"en": ["1200 River Road"], "es": "1200 River Road"}
    assert "address: {" in _errors("department", data)[-1]


def test_a_whole_layout_needs_every_required_field() -> None:
    data = _data(ROOT / "layouts" / "letter.yaml")
    del data["page"]["margin_top"]
    del data["colours"]
    errors = _errors("layout", data)
    assert errors == [": 'colours' is a required property", "page: 'margin_top' is a required property"], errors


def test_a_layout_that_extends_another_gives_only_what_differs() -> None:
    a4 = _data(ROOT / "layouts" / "a4.yaml")
    assert set(a4["page"]) == {"size", "margin_left", "margin_right"}  # the parent gives the rest
    assert _errors("layout", a4) == []
    a4["page"]["gutter"] = 10
    a4["page"]["size"] = "tabloid"
    a4["sizes"] = {"body": 10}
    errors = _errors("layout", a4)
    assert errors == [
        "page.size: 'tabloid' is not one of ['letter', 'a4', 'legal']",
        "page: Additional properties are not allowed ('gutter' was unexpected)",
        "sizes.body: 10 is less than the minimum of 12",
    ], errors


def test_an_extending_layout_still_names_itself() -> None:
    a4 = _data(ROOT / "layouts" / "a4.yaml")
    del a4["name"]
    assert _errors("layout", a4) == [": 'name' is a required property"]
    a4 = _data(ROOT / "layouts" / "a4.yaml")
    a4["extends"] = 7
    assert _errors("layout", a4) == ["extends: 7 is not of type 'string'"]


def test_a_whole_layout_cannot_say_extends_null() -> None:
    letter = _data(ROOT / "layouts" / "letter.yaml")
    letter["extends"] = None
    assert _errors("layout", letter) == ["extends: None is not of type 'string'"]


def test_the_extending_variant_is_made_from_the_model() -> None:
    """Every model inside a layout has its `…Partial` twin with the same fields and nothing required."""
    schema = json.loads((ROOT / "schemas" / "layout.schema.json").read_text("utf-8"))
    defs = schema["$defs"]
    for name in ("Page", "Fonts", "Sizes", "Colours", "ScanCode", "LabelBox"):
        assert set(defs[f"{name}Partial"]["properties"]) == set(defs[name]["properties"]), name
        assert "required" not in defs[f"{name}Partial"], name
    assert set(schema["properties"]) == {*defs["Layout"]["properties"], "extends"}


def test_a_fragment_and_its_includes_are_checked_as_the_library_checks_them() -> None:
    data = _data(ROOT / "packets" / "fragments" / "sedation-consent.yaml")
    data["version"] = 1.0
    data["colour"] = "blue"
    del data["owner"]
    assert _errors("fragment", data) == [
        ": 'owner' is a required property",
        ": Additional properties are not allowed ('colour' was unexpected)",
        "version: 1.0 is not of type 'string'",
    ]
    content = _data(ROOT / "packets" / "vertebroplasty.yaml")
    index = next(i for i, risk in enumerate(content["risks"]) if "fragment" in risk)
    content["risks"][index]["versoin"] = content["risks"][index].pop("version")
    content["risks"][0]["review"] = "maybe"  # a risk is checked as a risk, an include as an include
    content["consent"]["attestations"]["fragment"] = "Consent-Attestations"
    errors = _errors("content", content)
    assert errors == [
        "consent.attestations.fragment: 'Consent-Attestations' does not match '^(?:[a-z0-9][a-z0-9_-]{0,63})$'",
        "risks.0.review: 'maybe' is not one of ['pending', 'approved']",
        f"risks.{index}: 'version' is a required property",
        f"risks.{index}: Additional properties are not allowed ('versoin' was unexpected)",
    ], errors
