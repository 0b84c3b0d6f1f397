"""Refusals before anything is drawn: characters that no font of the layout can draw.

A packet is never produced with tofu (empty boxes): the error names the field.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from typing import Any, Protocol

from .errors import PacketError, SourcePos
from .language.direction import visual
from .models import Appointment
from .models.packet import ResolvedPacket
from .yamlsafe import Located, dotted, walk_strings

_APPOINTMENT_TEXT = ("first_name", "last_name", "name", "name_suffix", "mrn", "provider", "location")


class Glyphs(Protocol):
    """Anything that can tell whether a character can be drawn (render.FontSet)."""

    def can_draw(self, ch: str) -> bool: ...

    def covers_all(self, text: str) -> bool: ...


def undrawable(text: str, glyphs: Glyphs, shaped: bool = False) -> str | None:
    """A description of the first character of `text` that cannot be printed correctly, or None.

    Right-to-left text is checked as it will be drawn (`direction.visual`): Arabic letters as
    their joined forms. Other right-to-left scripts (Syriac, N'Ko, Thaana) need joining that
    packets cannot do, so they are refused even where a font has their glyphs; so are scripts whose
    letters combine (Devanagari and the other Indic scripts), except in text drawn `shaped`."""
    if text.isascii() and glyphs.covers_all(text):
        return None  # the common case, decided at C speed
    for ch in text:
        name = unicodedata.name(ch, "unnamed character")
        if unicodedata.bidirectional(ch) in ("R", "AL") and not name.startswith(RTL_SCRIPTS):
            return (
                f"character U+{ord(ch):04X} ({name}) is right-to-left text in a script packets cannot print "
                f"yet (only {' and '.join(s.title() for s in RTL_SCRIPTS)})"
            )
        if not shaped and name.startswith(SHAPED_SCRIPTS):
            return (
                f"character U+{ord(ch):04X} ({name}) is in a script whose letters combine, which packets "
                "cannot print in this text yet"
            )
    for ch in visual(text):
        if not glyphs.can_draw(ch):
            name = unicodedata.name(ch, "unnamed character")
            return f"character U+{ord(ch):04X} ({name}) has no glyph in this layout's fonts"
    return None


RTL_SCRIPTS = ("ARABIC", "HEBREW")
"""Right-to-left scripts printed correctly: see language/direction.py."""

SHAPED_SCRIPTS = (
    "DEVANAGARI",
    "BENGALI",
    "GURMUKHI",
    "GUJARATI",
    "ORIYA",
    "TAMIL",
    "TELUGU",
    "KANNADA",
    "MALAYALAM",
    "SINHALA",
    "TIBETAN",
    "MYANMAR",
    "KHMER",
)
"""Scripts whose letters combine into other shapes: drawn correctly only through HarfBuzz shaping,
which packets use for their interpreter taglines (`taglines.SHAPED`) and nowhere else yet."""


def check_appointment(appointment: Appointment, glyphs: Glyphs) -> list[PacketError]:
    """Every patient value must be drawable by the layout's fonts."""
    errors = []
    for name in _APPOINTMENT_TEXT:
        value = getattr(appointment, name)
        problem = value and undrawable(value, glyphs)
        if problem:
            errors.append(PacketError(appointment.pos(name), appointment.label(name), problem))
    for index, text in enumerate(appointment.instructions):
        problem = undrawable(text, glyphs)
        if problem:
            label = f"{appointment.label('instructions')}[{index}]"
            errors.append(PacketError(appointment.pos("instructions"), label, problem))
    return errors


def check_content(located: Located, glyphs: Glyphs, layout_name: str) -> list[PacketError]:
    """Every string in a content file must be drawable in a layout (for `validate`)."""
    errors = []
    for key, text in walk_strings(located.data):
        problem = undrawable(text, glyphs)
        if problem:
            errors.append(PacketError(located.pos(key), dotted(key), f"{problem} (layout {layout_name})"))
    return errors


def check_department(located: Located, glyphs: Glyphs, layout_name: str) -> list[PacketError]:
    """Every string a department file has printed (name, address, phones, footer) must be drawable in a
    layout (for `validate`); its id and email sender are never drawn."""
    errors = []
    for key, text in walk_strings(located.data):
        if key[:1] in (("id",), ("email",)):
            continue
        problem = undrawable(text, glyphs)
        if problem:
            errors.append(PacketError(located.pos(key), dotted(key), f"{problem} (layout {layout_name})"))
    return errors


def check_packet(packet: ResolvedPacket, glyphs: Glyphs, where: SourcePos) -> list[PacketError]:
    """Every string the packet will draw (content and labels too) must be drawable."""
    errors = []
    for path, text in _packet_strings(packet, ""):
        problem = undrawable(
            text, glyphs, shaped=path == "tagline.text" and bool(packet.tagline and packet.tagline.shaped)
        )
        if problem:
            errors.append(PacketError(where, path, problem))
    return errors


def _packet_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _packet_strings(getattr(value, f.name), f"{path}.{f.name}".lstrip("."))
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _packet_strings(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _packet_strings(item, f"{path}.{key}")
