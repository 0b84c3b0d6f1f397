"""The library API: one appointment file in, one packet on disk out.

Reads like the recipe it is: load → validate → match → personalize → check →
render → write. Nothing is written until every check has passed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .checks import check_appointment, check_content, check_packet
from .errors import InputErrors, PacketError
from .intake import read_appointment_file
from .library import Library, load_library
from .models import Appointment, Layout
from .output import target_path, write_atomic
from .personalize import personalize
from .render import load_fonts, render_pdf
from .timing import Site


@dataclass(frozen=True)
class Generated:
    """What was written for one appointment."""

    appointment_id: str
    path: Path
    sha256: str
    warnings: tuple[str, ...]


def make_packet(
    appointment_file: Path,
    out_dir: Path,
    layout_name: str | None = None,
    language: str | None = None,
    library: Library | None = None,
    today: date | None = None,
) -> Generated:
    """Generate the packet for one YAML/JSON appointment file into `out_dir`."""
    library = library or load_library()
    default_layout = library.layout(layout_name)
    site_today = today or Site.now(default_layout.facility.timezone).today
    appointment, content = read_appointment_file(appointment_file, library, site_today)
    if language:
        appointment = appointment.model_copy(update={"language": language}).with_origin(appointment._origin)
    layout = _record_layout(appointment, library, default_layout)
    fonts = load_fonts(layout.fonts)
    InputErrors.raise_if_any(check_appointment(appointment, fonts))
    packet = personalize(content, appointment, layout, Site(layout.facility.timezone, site_today))
    InputErrors.raise_if_any(check_packet(packet, fonts, library.sources[content.id].pos()))
    data = render_pdf(packet, layout, fonts)
    path = write_atomic(data, target_path(out_dir, appointment.appointment_id))
    return Generated(appointment.appointment_id, path, hashlib.sha256(data).hexdigest(), packet.warnings)


def _record_layout(appointment: Appointment, library: Library, default: Layout) -> Layout:
    if appointment.layout is None:
        return default
    if appointment.layout not in library.layouts:
        known = ", ".join(sorted(library.layouts))
        raise PacketError(appointment.pos("layout"), "layout", f"unknown layout; expected one of: {known}")
    return library.layouts[appointment.layout]


def check_library(library: Library) -> list[PacketError]:
    """Every content file's text must be drawable in every layout (for `validate`)."""
    errors = []
    for layout in library.layouts.values():
        fonts = load_fonts(layout.fonts)
        for located in library.sources.values():
            errors += check_content(located, fonts, layout.name)
    return errors
