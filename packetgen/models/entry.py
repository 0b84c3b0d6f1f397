"""What became of one input record (`Entry`: a manifest line), and who its packet is for (`Patient`,
kept in memory only). Below the batch, the listener, the print run and the web schedule, which all
pass entries between them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Patient:
    """Who a record's packet is for, as its caller needs them: the name as the packet prints it
    (the web schedule), the email address and date of birth (`batch --email`, a date-of-birth
    passphrase). Kept in memory for the run only: never written to the manifest."""

    name: str
    date_of_birth: date
    email: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    """The record's fields as read (text, or lists of text): a caller may make the packet again
    in another layout or language (the web app's reprint)."""


@dataclass
class Entry:
    """What happened to one input record. Holds no patient names: ids, hashes and codes only."""

    place: str
    """Where the record is in the input: `FILE:LINE`, `FILE:<message number>` or `FILE:Appointment/<id>`."""
    appointment_id: str | None
    status: str
    """`ok`, `error`, or `skipped` (e.g. a cancelled appointment)."""
    file: str | None = None
    sha256: str | None = None
    pages: int | None = None
    procedure: str | None = None
    content_version: str | None = None
    language: str | None = None
    layout: str | None = None
    department: str | None = None
    """The department the packet was made for (its id): whose name and phones it prints, whose sender emails it."""
    start: str | None = None
    input_sha256: str | None = None
    """Hash of the record, its content (id, version, file), layout and department: unchanged inputs can be reused."""
    reused: bool = False
    """True when `--resume` kept a whole, current packet instead of making it again."""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    event: str | None = None
    """The scheduling event that sent the record (`SIU^S13`), where the format has events."""
    approval: str | None = None
    """The content's approval state the packet was marked with: `approved`, `draft` (DRAFT on every page),
    `overdue` or `draft, overdue` (printed with --allow-overdue)."""
    fragments: dict[str, str] = field(default_factory=dict)
    """The shared fragments the packet's text includes, id → version (`{}` when none, or no packet)."""
    provider_from: str | None = None
    """Which participant the printed provider is (`AIP 2 (AIP-4 PP)`, `Practitioner/dr1 (participant type
    PPRF)`), where a feed named several people or none was chosen by its role."""

    patient: Patient | None = field(default=None, repr=False)
    """Who the packet is for: patient data, never written (see `to_json`)."""
    other_patient: bool = field(default=False, repr=False)
    """Refused because the appointment's packet was made for another patient: a caller keeping one
    line per appointment (the web schedule) adds this one beside it instead of replacing it."""
    named: str | None = field(default=None, repr=False)
    """A refused record's patient name as its input gives it ("Last, First"), where it gives one: the web
    schedule shows whose record it is. Patient data, never written (see `to_json`)."""
    named_mrn: str | None = field(default=None, repr=False)
    """A refused record's MRN as its input gives it, where it gives one: the web schedule shows it beside
    the name, to tell two patients of one name apart. Patient data, never written (see `to_json`)."""
    named_start: str | None = field(default=None, repr=False)
    """A refused record's start as its input gives it: the web schedule shows the line on that day when
    it begins with one (`YYYY-MM-DD…`), else on the day it was read."""

    def to_json(self) -> str:
        """The entry as its manifest line (without the line end)."""
        data = asdict(self)
        del data["patient"], data["other_patient"], data["named"], data["named_mrn"], data["named_start"]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
