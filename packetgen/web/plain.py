"""A record's error and warning lines in plain words, for the web schedule only: "Procedure code missing
(AIS-3)" rather than "today.hl7:1: AIS-3: required field is missing". The command line, the manifest
and the acknowledgements keep the intake's own lines (`PATH:LINE: field: message`)."""

from __future__ import annotations

import re

from ..intake.fhir import LABELS as FHIR_LABELS
from ..intake.siu import LABELS as HL7_LABELS

FIELDS = {
    "appointment_id": "Appointment id",
    "mrn": "MRN",
    "first_name": "First name",
    "last_name": "Last name",
    "name": "Name",
    "name_suffix": "Name suffix",
    "date_of_birth": "Date of birth",
    "procedure": "Procedure code",
    "procedure_system": "Procedure code system",
    "start": "Appointment time",
    "provider": "Provider",
    "location": "Location",
    "language": "Language",
    "flags": "Flags",
    "instructions": "Patient instructions",
    "layout": "Layout",
    "site": "Body site",
    "encounter": "Visit number",
    "email": "Email address",
    "laterality": "Side",
    "department": "Department",
}
"""Each field of the appointment record, as a scheduler calls it."""

_LABELS: dict[str, str] = {
    **{name: name for name in FIELDS},
    **{label: name for name, label in FHIR_LABELS.items()},
    **{label: name for name, label in HL7_LABELS.items()},
    "birthDate": "date_of_birth",  # FHIR's own names, as a Patient's errors give them
    "identifier": "mrn",
    "fullUrl": "appointment_id",
}
"""Every label an intake names a field by (a CSV's column, an HL7 field, a FHIR element) → the field."""

_BY_LENGTH = sorted(_LABELS, key=len, reverse=True)

_PLACE = re.compile(r"^(?P<place>[^\s:][^:]*:(?:\d+|[A-Z][A-Za-z]+/[^:\s]+)): (?P<rest>.*)$")

_SKIPPED = re.compile(r"^(?:MSH-9: (?P<event>\S+)|status): (?P<reason>.*; skipped)$")

_MESSAGES = {
    "required field is missing": "missing",
}
"""Messages said more plainly still."""


def plain(line: str) -> str:
    """One error or warning line of the intake in plain words, the technical field in brackets:
    `x.hl7:1: AIS-3: required field is missing` → `Procedure code missing (AIS-3)`;
    `x.csv:2: date_of_birth: not a real calendar date` → `Date of birth: not a real calendar date
    (date_of_birth)`. A line that names no field it knows keeps its words, without its place."""
    found = _PLACE.match(line.strip())
    rest = found.group("rest") if found else line.strip()
    rest = rest.removeprefix("warning: ")
    skipped = _SKIPPED.match(rest)
    if skipped:  # a cancellation: what happened, the message or status that said so in brackets
        reason = skipped.group("reason")
        return f"{reason[:1].upper()}{reason[1:]} ({skipped.group('event') or 'status'})"
    for label in _BY_LENGTH:
        if rest.startswith(f"{label}: ") or (rest.startswith(label) and _subfield(rest[len(label) :])):
            field_part, _, message = rest.partition(": ")
            if not message:
                break
            what = FIELDS.get(_LABELS[label], label)
            said = _MESSAGES.get(message, message)
            if said == "missing":
                return f"{what} missing ({field_part})"
            return f"{what}: {said} ({field_part})"
    return rest[:1].upper() + rest[1:]


def _subfield(tail: str) -> bool:
    """Whether `tail`, after a label, names a part of that field (`[2]`, `.3`) before its message."""
    return bool(re.match(r"^(\[\d+\]|\.[\w.\[\]]+)+: ", tail))


def plain_lines(text: str | None) -> list[str]:
    """Each line of an entry's `error` or `warnings` in plain words."""
    return [plain(line) for line in (text or "").splitlines() if line.strip()]
