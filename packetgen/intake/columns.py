"""A site's CSV export mapped onto our fields: `--columns MAP.yaml`.

Scheduling systems name their columns their own way, split a start into a
date column and a time column, put the whole name in one "Last, First"
column, and call procedures by their own appointment-type names. A column
map says all that once (`examples/batch/epic-columns.yaml` shows every key):

    columns:      our field → the site's header, or a list of headers joined by a space
    formats:      date_of_birth / start → a strptime format (`%m/%d/%Y %I:%M %p`)
    separators:   flags / instructions → the separator inside the cell
    name_column:  one header holding "Last, First"
    modifiers_column: one header holding the procedure's CPT modifiers (LT, RT, 50 give the side)
    constants:    our field → a value for every row (`procedure: vertebroplasty`)
    values:       our field → {the site's value → ours} (appointment types → a packet or code)
    status:       {column: header, skip: [values meaning the appointment will not happen]}

A map that cannot give a start with both a date and a time is refused when it is loaded.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..models.appointment import Appointment
from ..models.types import Model, Text
from ..validate import validate
from ..yamlsafe import load_file

FIELDS = tuple(f for f in Appointment.model_fields if f != "name")
LIST_FIELDS = {"flags": ";", "instructions": "|"}
_DATE_CODES = re.compile(r"%[dmyYbBjxcF]")
_TIME_CODES = re.compile(r"%[HIMXcT]")


def _known(value: dict[str, object]) -> dict[str, object]:
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field '{unknown[0]}'; expected one of: {', '.join(FIELDS)}")
    return value


def _date_and_time(value: str) -> str:
    if not (_DATE_CODES.search(value) and _TIME_CODES.search(value)):
        raise ValueError(
            "the start format must read a date and a time; for a date column and a time column, "
            "join them: columns: {start: [DATE HEADER, TIME HEADER]}"
        )
    return value


class Formats(Model):
    """strptime formats of the site's date cells."""

    date_of_birth: Text | None = None
    start: Annotated[Text, AfterValidator(_date_and_time)] | None = None
    """Must read both a date and a time: a start without one would print midnight or the year 1900."""

    def get(self, name: str) -> str | None:
        return getattr(self, name, None) if name in ("date_of_birth", "start") else None


class Status(Model):
    """A status column whose values say a row's appointment will not happen."""

    column: Text
    skip: tuple[Text, ...] = Field(min_length=1)
    """Values (any case) that skip the row: `Cancelled`, `No Show`."""


class ColumnMap(Model):
    """How to read one site's CSV export."""

    columns: dict[str, Text | tuple[Text, ...]] = Field(default_factory=dict)
    """Our field name → the site's header for it, or headers whose cells are joined with a space
    (`start: [Appt Date, Appt Time]`). Unmapped fields use their own name."""
    formats: Formats = Formats()
    """`date_of_birth` / `start` → a strptime format such as `%m/%d/%Y %I:%M %p`."""
    separators: dict[str, Text] = Field(default_factory=dict)
    """`flags` / `instructions` → the separator inside the cell (default `;` and `|`)."""
    name_column: Text | None = None
    """A header whose cells hold the whole name as `Last, First`."""
    modifiers_column: Text | None = None
    """A header whose cells hold the procedure's CPT modifiers (`RT`, `59 LT`, `50`: separated by spaces,
    commas, semicolons or hyphens): `LT`, `RT` and `50` give the record's `laterality` (left, right,
    bilateral); modifiers naming different sides, or a side other than the `laterality` column's, are a
    warning and give no side."""
    constants: dict[str, Text] = Field(default_factory=dict)
    """Our field → the value for rows whose own cell is missing or empty."""
    values: dict[str, dict[str, Text]] = Field(default_factory=dict)
    """Our field → {the site's value → ours}, matched in any case; other values pass unchanged."""
    status: Status | None = None

    _check_columns = field_validator("columns", "separators", "constants", "values")(_known)

    @model_validator(mode="after")
    def _names_not_twice(self) -> ColumnMap:
        if self.name_column and ({"first_name", "last_name"} & set(self.columns)):
            raise ValueError("give name_column or columns for first_name and last_name, not both")
        return self

    def headers_for(self, name: str) -> tuple[str, ...]:
        """The site's header(s) for our field."""
        mapped = self.columns.get(name, name)
        return (mapped,) if isinstance(mapped, str) else mapped

    def separator(self, name: str) -> str:
        return self.separators.get(name, LIST_FIELDS[name])

    def mapped(self, name: str, value: str) -> str:
        """The site's value as ours, through `values`."""
        table = self.values.get(name)
        if not table:
            return value
        folded = {k.casefold(): v for k, v in table.items()}
        return folded.get(value.strip().casefold(), value)

    def convert(self, name: str, value: str) -> str | None:
        """A cell in the site's date format → our ISO form; None if it does not fit the format."""
        fmt = self.formats.get(name)
        if not fmt:
            return value
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError:
            return None
        return parsed.date().isoformat() if name == "date_of_birth" else parsed.isoformat(timespec="minutes")


def load_column_map(path: Path | None) -> ColumnMap:
    """The column map in `path`, or the identity map."""
    if path is None:
        return ColumnMap()
    return validate(load_file(path, str(path)), ColumnMap)
