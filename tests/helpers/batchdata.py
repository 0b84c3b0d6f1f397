"""Building batch inputs and reading batch outputs, for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEADER = (
    "appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,location,flags,instructions,fax"
)


def manifest(out: Path) -> list[dict[str, Any]]:
    """The finished manifest's entries, in the order they were written."""
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def row(appointment_id: str, start: str = "2026-12-07T07:30", **overrides: str) -> str:
    """One CSV data row for HEADER, with a made-up patient."""
    values = {
        "appointment_id": appointment_id,
        "mrn": "00012345",
        "last_name": "Nguyễn",
        "first_name": "Thị Ánh",
        "date_of_birth": "1948-03-14",
        "procedure": "22510",
        "start": start,
        "provider": '"Dr. Alvarez, MD"',
        "location": "Room 214",
        "flags": "",
        "instructions": "",
        "fax": "x",
    }
    values.update(overrides)
    return ",".join(values[name] for name in HEADER.split(","))


def write_csv(path: Path, *rows: str) -> Path:
    """A CSV file of HEADER and `rows`."""
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path
