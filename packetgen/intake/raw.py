"""What every batch reader yields: one record's fields and where each came from."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from ..errors import PacketError, SourcePos, UnusableInput
from ..models import Appointment
from ..models.appointment import canonical_language
from ..models.types import Side
from ..yamlsafe import Key, Located
from .record import from_located


@dataclass(frozen=True)
class RawRecord:
    """One input record before validation: our field names, values as text or lists of text."""

    place: SourcePos
    """Where the record starts: CSV physical line, HL7 message number, FHIR Appointment id."""
    fields: dict[str, Any]
    lines: dict[str, int | str] = field(default_factory=dict)
    """Per field, its own line or resource id where it differs from `place`."""
    warnings: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    """Per field, the place in the source format it was read from (`AIS-3`), for messages."""
    event: str | None = None
    """The scheduling event that sent the record (`SIU^S13`), for formats that have events."""
    skip: str | None = None
    """Why no packet is made (`cancelled`); `fields` then holds at most the appointment id."""
    cancels: bool = False
    """The appointment will not happen: a packet made for it earlier is removed."""
    provider_optional: bool = False
    """A feed may name no performing person: the consent then leaves the name to be written in."""
    provider_from: str | None = None
    """Which of several people the provider was chosen from, and why (`AIP 2 (AIP-4 PP)`)."""
    missing_because: dict[str, str] = field(default_factory=dict)
    """Per required field the reader could not fill, why, where that says more than "required field
    is missing" (an MRN passed over for want of a site setting)."""

    @property
    def appointment_id(self) -> str | None:
        value = self.fields.get("appointment_id")
        return value if isinstance(value, str) else None

    def located(self) -> Located:
        lines: dict[Key, int | str] = {(): 1 if self.place.line is None else self.place.line}
        lines.update({(name,): line for name, line in self.lines.items()})
        return Located(self.fields, self.place.path, lines)

    def appointment(self, today: date) -> Appointment:
        """Validate into an Appointment (InputErrors naming each bad field where it was read)."""
        return from_located(self.located(), today, self.labels, self.provider_optional, self.missing_because)


@dataclass(frozen=True)
class RecordFailure:
    """A record the reader could not even assemble (e.g. a dangling FHIR reference)."""

    place: SourcePos
    errors: tuple[PacketError, ...]
    appointment_id: str | None = None


def check_encoding(path: Path, shown: str, encoding: str) -> None:
    """Decode the whole file once, in chunks, so a bad byte stops the batch before any packet."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_line = line + chunk[: exc.start].count(b"\n")
                utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8")
                name = "UTF-8" if utf8 else encoding
                hint = "; if it is an Excel/Windows export, add --encoding cp1252" if utf8 else ""
                raise UnusableInput(PacketError(SourcePos(shown, bad_line), "", f"not {name} text{hint}")) from None
            line += chunk.count(b"\n")
        decoder.decode(b"", final=True)


_MARKER = re.compile(r"^\s*(?:[-*•·‣◦]|\d{1,2}[.)])\s+")


def instruction_lines(text: str) -> list[str]:
    """A block of instructions as lines, without the list markers a sender typed (`- `, `• `, `1. `)."""
    lines = (_MARKER.sub("", line).strip() for line in re.split(r"\r\n|\r|\n", text))
    return [line for line in lines if line]


def usable_language(code: str) -> str | None:
    """A language code a feed sent (`es`, `SPA`, `es-MX`) as a canonical BCP 47 tag, or None if no
    language is known by it (a vendor's own code)."""
    text = code.strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", text):
        return None
    tag = canonical_language(text)
    try:
        Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return tag


MODIFIER_SIDES: dict[str, Side] = {"LT": "left", "RT": "right", "50": "bilateral"}
"""CPT modifiers that name the side a procedure is done on: LT left, RT right, 50 bilateral."""


def side_of_modifiers(codes: Iterable[str], where: str) -> tuple[Side | None, str | None]:
    """The side a procedure's modifiers name (`LT`, `RT`, `50`, any case; others such as `59` or `26`
    are not about a side), and a warning when they name different sides: then no side is taken, and a
    procedure that requires one gets the Side line to mark. `where` begins the warning
    (`PATH:LINE: warning: AIS-12`)."""
    found = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip().upper() in MODIFIER_SIDES))
    sides = {MODIFIER_SIDES[code] for code in found}
    if len(sides) == 1:
        return sides.pop(), None
    if not sides:
        return None, None
    listed = f"{', '.join(found[:-1])} and {found[-1]}"
    return None, f"{where}: modifiers {listed} name different sides; no side was taken"
