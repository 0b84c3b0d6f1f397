"""The feed corpus: HL7 v2 and FHIR R4 in the shapes interface engines and EHRs send, each file
with the manifest and packets it must give (`tests/data/feeds/<file>.expected.yaml`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from packetgen.batch.run import BatchOptions, run_batch
from packetgen.library import Library
from packetgen.settings import load_settings
from tests.helpers.pdftext import page_texts
from tests.helpers.site import ROOT, TODAY, normalize

FEEDS = ROOT / "tests" / "data" / "feeds"
CASES = sorted(p for p in FEEDS.iterdir() if p.suffix in (".hl7", ".json"))
KEYS = ("place", "appointment_id", "status", "event", "start", "language", "provider_from", "warnings", "error")


def _order(entry: dict[str, Any]) -> tuple[int, int, str]:
    place = str(entry["place"])
    return (0, int(place), "") if place.isdigit() else (1, 0, place)


def _as_expected(entry: dict[str, Any], source: Path) -> dict[str, Any]:
    shown = str(source)
    found: dict[str, Any] = {}
    for key in KEYS:
        value = entry.get(key)
        if value in (None, [], ""):
            continue
        if key == "place":
            value = value.removeprefix(f"{shown}:")
        elif isinstance(value, str):
            value = value.replace(shown, "{path}")
        elif isinstance(value, list):
            value = [v.replace(shown, "{path}") for v in value]
        found[key] = value
    return found


def _settings_for(expected: dict[str, Any], tmp_path: Path) -> Path:
    """The corpus's site settings, with what a case's `settings:` says merged over them (a case
    that shows what a site setting changes)."""
    base = yaml.safe_load((FEEDS / "site-settings.yaml").read_text(encoding="utf-8"))
    for section, values in (expected.get("settings") or {}).items():
        base[section] = {**base.get(section, {}), **values}
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(base), encoding="utf-8")
    return path


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.name)
def test_each_feed_gives_its_expected_manifest_and_packets(source: Path, tmp_path: Path, library: Library) -> None:
    expected = yaml.safe_load((FEEDS / f"{source.name}.expected.yaml").read_text(encoding="utf-8"))
    settings = load_settings({"PACKETGEN_SETTINGS": str(_settings_for(expected, tmp_path))})
    out = tmp_path / "out"
    reported: list[str] = []
    run_batch(BatchOptions(source, out, workers=1, today=TODAY), reported.append, library=library, settings=settings)
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    for entry in map(json.loads, lines):  # what the manifest says, the user was told (stderr)
        assert all(line in reported for line in [*entry["warnings"], *([entry["error"]] if entry["error"] else [])])
    entries = sorted((_as_expected(json.loads(line), source) for line in lines), key=_order)
    wanted = [{k: str(v) if k in ("place", "start") else v for k, v in r.items()} for r in expected["records"]]
    assert entries == wanted
    for appointment_id, checks in (expected.get("packets") or {}).items():
        pdf = out / f"{appointment_id}.pdf"
        if checks.get("absent"):
            assert not pdf.exists(), f"{appointment_id} was cancelled: its packet must be gone"
            continue
        text = normalize(" ".join(page_texts(pdf)))
        for shown in checks.get("shows", []):
            assert normalize(shown) in text, (appointment_id, shown)
        for hidden in checks.get("hides", []):
            assert hidden not in text, (appointment_id, hidden)


def test_the_print_run_holds_each_appointments_last_event_and_no_cancelled_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = BatchOptions(FEEDS / "siu-events.hl7", out, workers=2, print_run=True, today=TODAY)
    result = run_batch(options, lambda _line: None)
    assert result.print_run == out / "print-run.pdf"
    titles = [o["/Title"] for o in PdfReader(out / "print-run.pdf").outline]
    assert titles == ["2026-12-17 10:00 EV-2", "2026-12-18 13:00 EV-1"]  # EV-1 rescheduled; EV-3 cancelled
