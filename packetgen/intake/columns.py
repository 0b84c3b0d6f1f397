"""A site's CSV export mapped onto our fields: `--columns MAP.yaml`.

Scheduling systems name their columns their own way and write dates in
their own formats; a column map says which header is which field and how
to read its dates, so the export can be used as it comes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, field_validator

from ..models.appointment import Appointment
from ..models.types import Model, Text
from ..validate import validate
from ..yamlsafe import load_file

FIELDS = tuple(Appointment.model_fields)
LIST_FIELDS = {"flags": ";", "instructions": "|"}


class ColumnMap(Model):
    """How to read one site's CSV export."""

    columns: dict[str, Text] = Field(default_factory=dict)
    """Our field name → the site's header for it. Unmapped fields use their own name."""
    formats: dict[str, Text] = Field(default_factory=dict)
    """`date_of_birth` / `start` → a strptime format such as `%m/%d/%Y %I:%M %p`."""
    separators: dict[str, Text] = Field(default_factory=dict)
    """`flags` / `instructions` → the separator inside the cell (default `;` and `|`)."""

    @field_validator("columns", "formats", "separators")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field '{unknown[0]}'; expected one of: {', '.join(FIELDS)}")
        return value

    def header_for(self, name: str) -> str:
        return self.columns.get(name, name)

    def separator(self, name: str) -> str:
        return self.separators.get(name, LIST_FIELDS[name])

    def convert(self, name: str, value: str) -> str:
        """A cell in the site's date format → our ISO form (unchanged if no format, or unreadable)."""
        fmt = self.formats.get(name)
        if not fmt or not value.strip():
            return value
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError:
            return value  # left for validation to refuse, with the field named
        return parsed.date().isoformat() if name == "date_of_birth" else parsed.isoformat(timespec="minutes")


def load_column_map(path: Path | None) -> ColumnMap:
    """The column map in `path`, or the identity map."""
    if path is None:
        return ColumnMap()
    return validate(load_file(path, str(path)), ColumnMap)
