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


OPTIONAL = ("email", "encounter", "language", "site", "laterality")
"""Fields whose unusable value is a warning and is left out (the packet is made without it)."""


def from_located(
    located: Located,
    today: date,
    labels: dict[str, str] | None = None,
    provider_optional: bool = False,
    missing_because: dict[str, str] | None = None,
) -> Appointment:
    """Validate parsed data as an appointment and remember each field's line (and, for feeds, the
    segment-field or element each was read from, `labels`). Every problem is reported at once.
    An unusable value of an `OPTIONAL` field never refuses the record: it is left out, with a warning."""
    labels = labels or {}
    reasons = missing_because or {}
    errors = [
        PacketError(located.pos((name,)), labels.get(name, name), reasons.get(name, "required field is missing"))
        for name in _missing(located.data, provider_optional)
    ]
    warnings: list[str] = []
    try:
        appointment = validate(located, Appointment, {"today": today})
    except InputErrors as exc:
        dropped = [e for e in exc.errors if _top(e) in OPTIONAL]  # in the errors' order: by line, then field
        errors += [_relabel(_because(e, reasons), labels) for e in exc.errors if _top(e) not in OPTIONAL]
        if not dropped or errors or not isinstance(located.data, dict):
            raise InputErrors([*errors, *(_relabel(e, labels) for e in dropped)]) from None
        warnings = [_left_out(_relabel(e, labels)) for e in dropped]
        kept = {k: v for k, v in located.data.items() if k not in {_top(e) for e in dropped}}
        located = Located(kept, located.path, located.lines, located.digest)
        appointment = validate(located, Appointment, {"today": today})
    InputErrors.raise_if_any(errors)
    return _placed(appointment, located, labels, warnings)


def _because(error: PacketError, reasons: dict[str, str]) -> PacketError:
    """A missing field's error saying why the reader found none, where it knows."""
    if error.message != "required field is missing" or _top(error) not in reasons:
        return error
    return PacketError(error.pos, error.field, reasons[_top(error)])


def _placed(appointment: Appointment, located: Located, labels: dict[str, str], warnings: list[str]) -> Appointment:
    origin = {name: located.pos((name,)) for name in Appointment.model_fields}
    origin[""] = located.pos()
    return appointment.with_origin(origin, labels, tuple(warnings))


def _top(error: PacketError) -> str:
    return error.field.split(".")[0].split("[")[0]


def _left_out(error: PacketError) -> str:
    field = f" {error.field}:" if error.field else ""
    what = "English was used" if _top(error) == "language" else "left out (the packet is made without it)"
    return f"{error.pos}: warning:{field} {error.message}; {what}"


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
    top = _top(error)
    if top not in labels:
        return error
    return PacketError(error.pos, labels[top] + error.field[len(top) :], error.message)


def match_content(appointment: Appointment, library: Library) -> Content:
    """The content for the appointment's procedure, in the patient's language where a translation
    exists (else the source language); its flags must be ones the content declares. A procedure or
    translation whose file has errors is unavailable: InputErrors with that file's errors."""
    content = library.find_procedure(appointment.procedure, appointment.procedure_system)
    if content is None:
        found = appointment.procedure
        shown = f" '{found}'" if re.fullmatch(r"[A-Za-z0-9._ -]{1,24}", found) else ""  # a code, never free text
        if appointment.procedure_system:  # a code of one system matches only that system's codes
            system = appointment.procedure_system
            shown += f" ({'a local system' if system == 'local' else system})"
        names = library.procedure_names(found)
        message = f"unknown procedure{shown}; expected one of: {names}{library.unavailable_note()}"
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
