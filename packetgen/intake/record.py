"""One appointment record from a YAML or JSON file, and its match in the library."""

from __future__ import annotations

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


def from_located(located: Located, today: date) -> Appointment:
    """Validate parsed data as an appointment and remember each field's line."""
    appointment = validate(located, Appointment, {"today": today})
    origin = {name: located.pos((name,)) for name in Appointment.model_fields}
    origin[""] = located.pos()
    return appointment.with_origin(origin)


def match_content(appointment: Appointment, library: Library) -> Content:
    """The content for the appointment's procedure, in the patient's language where a translation
    exists (else the source language); its flags must be ones the content declares."""
    content = library.find_procedure(appointment.procedure)
    if content is None:
        raise InputErrors(
            [
                PacketError(
                    appointment.pos("procedure"),
                    "procedure",
                    f"unknown procedure; expected one of: {library.procedure_names()}",
                )
            ]
        )
    unknown = [flag for flag in appointment.flags if flag not in content.flags]
    if unknown:
        declared = ", ".join(sorted(content.flags)) or "none"
        raise InputErrors(
            [
                PacketError(
                    appointment.pos("flags"), "flags", f"unknown flag '{unknown[0]}'; {content.id} declares: {declared}"
                )
            ]
        )
    return library.in_language(content, appointment.language)
