"""The test site: a fixed clock, the project's folders, the base appointment, text comparison."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2026, 11, 24)

ZONE = "America/Chicago"
"""The site's clock: the `timezone` setting's default."""

DEPARTMENT = "interventional-radiology"
"""The vertebroplasty packet's department (`departments/interventional-radiology.yaml`)."""

DATA = Path(__file__).resolve().parent.parent / "data"

ROOT = Path(__file__).resolve().parent.parent.parent

KNOWN_PROCEDURES = (
    "cardiac-catheterization, cataract-surgery, colonoscopy, vertebroplasty, CPT 22510, CPT 22511, CPT 22512, "
    "CPT 45378, CPT 45380, CPT 45385, CPT 66982, CPT 66984, CPT 93454, CPT 93458, SNOMED CT 110473004, "
    "SNOMED CT 41976001, SNOMED CT 73761001"
)
"""The project's procedures, then their codes, as the error for an unknown procedure lists them."""

KNOWN_DEPARTMENTS = ", ".join(sorted(path.stem for path in (ROOT / "departments").glob("*.yaml")))
"""The project's departments, as the error for an unknown one lists them ("cardiology, …")."""

BASE_APPOINTMENT: dict[str, Any] = {
    "appointment_id": "T-0001",
    "mrn": "00012345",
    "first_name": "Thị Ánh",
    "last_name": "Nguyễn",
    "date_of_birth": "1948-03-14",
    "procedure": "vertebroplasty",
    "start": "2026-12-07T07:30",
    "provider": "Dr. Maria Alvarez, MD",
    "location": "Interventional Radiology, Room 214",
}


def copy_site(root: Path) -> Path:
    """A copy of the project's content, layouts and departments under `root`, to edit in a test; returns `root`."""
    for folder in ("packets", "layouts", "departments"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def normalize(text: str) -> str:
    """Whitespace collapsed, and a line break after a hyphen joined, for comparing text."""
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)
