"""One appointment record from a YAML or JSON file, and its match in the library."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ..errors import InputErrors, PacketError
from ..library import Library
from ..models import Appointment, Content
from ..validate import validate
from ..yamlsafe import Located, load_file


def read_appointment_file(path: Path, library: Library, today: date) -> tuple[Appointment, Content]:
    """Read, validate and match one appointment file; InputErrors naming every problem."""
    located = load_file(path, str(path))
    appointment = from_located(located, today)
    return appointment, match_content(appointment, library)


def from_located(
    located: Located, today: date, labels: dict[str, str] | None = None, provider_optional: bool = False
) -> Appointment:
    """Validate parsed data as an appointment and remember each field's line (and, for feeds, the
    segment-field or element each was read from, `labels`). Every problem is reported at once."""
    labels = labels or {}
    errors = [
        PacketError(located.pos((name,)), labels.get(name, name), "required field is missing")
        for name in _missing(located.data, provider_optional)
    ]
    try:
        appointment = validate(located, Appointment, {"today": today})
    except InputErrors as exc:
        raise InputErrors([*errors, *(_relabel(e, labels) for e in exc.errors)]) from None
    InputErrors.raise_if_any(errors)
    origin = {name: located.pos((name,)) for name in Appointment.model_fields}
    origin[""] = located.pos()
    return appointment.with_origin(origin, labels)


def _missing(data: object, provider_optional: bool) -> list[str]:
    """Required fields the schema leaves optional: names (unless a whole name is given), provider."""
    if not isinstance(data, dict):
        return []
    given = {key for key, value in data.items() if value is not None}
    missing = [] if "name" in given else [f for f in ("first_name", "last_name") if f not in given]
    if not provider_optional and "provider" not in given:
        missing.append("provider")
    return missing


def _relabel(error: PacketError, labels: dict[str, str]) -> PacketError:
    top = error.field.split(".")[0].split("[")[0]
    if top not in labels:
        return error
    return PacketError(error.pos, labels[top] + error.field[len(top) :], error.message)


def match_content(appointment: Appointment, library: Library) -> Content:
    """The content for the appointment's procedure, in the patient's language where a translation
    exists (else the source language); its flags must be ones the content declares."""
    content = library.find_procedure(appointment.procedure)
    if content is None:
        found = appointment.procedure
        shown = f" '{found}'" if re.fullmatch(r"[A-Za-z0-9._ -]{1,24}", found) else ""  # a code, never free text
        message = f"unknown procedure{shown}; expected one of: {library.procedure_names()}"
        raise InputErrors([PacketError(appointment.pos("procedure"), appointment.label("procedure"), message)])
    unknown = [flag for flag in appointment.flags if flag not in content.flags]
    if unknown:
        declared = ", ".join(sorted(content.flags)) or "none"
        raise InputErrors(
            [
                PacketError(
                    appointment.pos("flags"),
                    appointment.label("flags"),
                    f"unknown flag '{unknown[0]}'; {content.id} declares: {declared}",
                )
            ]
        )
    return library.in_language(content, appointment.language)
