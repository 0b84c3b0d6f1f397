"""The library API: appointments in, packets on disk out.

`Generator.generate` reads like the recipe it is: layout → glyph checks →
personalize → check → render → write. Nothing is written until every check
has passed. `make_packet` wraps it for one appointment file.
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
from .models import Appointment, Content, Layout
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
    pages: int
    content_id: str
    content_version: str
    language: str
    layout: str
    start: str
    """The local start, ISO `YYYY-MM-DDTHH:MM` (orders print runs)."""
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Generator:
    """Everything shared by the packets of one run: content, default layout, clock, output folder."""

    library: Library
    out_dir: Path
    today: date
    layout_name: str | None = None

    def layout_for(self, appointment: Appointment) -> Layout:
        """The record's own layout, else the run's; PacketError naming the record's field."""
        if appointment.layout is None:
            return self.library.layout(self.layout_name)
        if appointment.layout not in self.library.layouts:
            known = ", ".join(sorted(self.library.layouts))
            raise PacketError(appointment.pos("layout"), "layout", f"unknown layout; expected one of: {known}")
        return self.library.layouts[appointment.layout]

    def generate(self, appointment: Appointment, content: Content) -> Generated:
        """Check, personalize, render and write one packet."""
        layout = self.layout_for(appointment)
        fonts = load_fonts(layout.fonts)
        InputErrors.raise_if_any(check_appointment(appointment, fonts))
        packet = personalize(content, appointment, layout, Site(layout.facility.timezone, self.today))
        InputErrors.raise_if_any(check_packet(packet, fonts, self.library.source_of(content).pos()))
        rendered = render_pdf(packet, layout, fonts)
        path = write_atomic(rendered.data, target_path(self.out_dir, appointment.appointment_id))
        return Generated(
            appointment_id=appointment.appointment_id,
            path=path,
            sha256=hashlib.sha256(rendered.data).hexdigest(),
            pages=rendered.pages,
            content_id=content.id,
            content_version=content.version,
            language=packet.language,
            layout=layout.name,
            start=packet.local_start,
            warnings=packet.warnings,
        )


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
    site_today = today or Site.now(library.layout(layout_name).facility.timezone).today
    appointment, content = read_appointment_file(appointment_file, library, site_today)
    if language:
        appointment = appointment.with_language(language)
        content = library.in_language(content, language)
    return Generator(library, out_dir, site_today, layout_name).generate(appointment, content)


def check_library(library: Library) -> list[PacketError]:
    """Every content file's text must be drawable in every layout (for `validate`)."""
    errors = []
    for layout in library.layouts.values():
        fonts = load_fonts(layout.fonts)
        for located in library.sources.values():
            errors += check_content(located, fonts, layout.name)
    return errors
