"""What every batch reader yields: one record's fields and where each came from."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import PacketError, SourcePos
from ..models import Appointment
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

    def located(self) -> Located:
        lines: dict[Key, int | str] = {(): self.place.line}
        lines.update({(name,): line for name, line in self.lines.items()})
        return Located(self.fields, self.place.path, lines)

    def appointment(self, today: date) -> Appointment:
        """Validate into an Appointment (InputErrors naming each bad field)."""
        return from_located(self.located(), today)


@dataclass(frozen=True)
class RecordFailure:
    """A record the reader could not even assemble (e.g. a dangling FHIR reference)."""

    place: SourcePos
    errors: tuple[PacketError, ...]
    appointment_id: str | None = None


class UnusableInput(Exception):
    """The whole file cannot be read (unknown format, bad encoding, no header): exit 2."""

    def __init__(self, error: PacketError) -> None:
        super().__init__(str(error))
        self.error = error


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
