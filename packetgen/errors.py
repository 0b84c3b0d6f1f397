"""One exception family for every failure a user can cause.

An error carries where it happened (file and line), which field, and what was
expected. It never carries the offending value: values may be patient data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourcePos:
    """A place in an input file: path as the user gave it, and a 1-based line.

    For formats without useful lines, `line` is what identifies the record
    instead: an HL7 message number, or a FHIR resource id (`Patient/p1`).
    """

    path: str
    line: int | str = 1

    def sort_key(self) -> tuple[str, int, str]:
        """Orders positions by file, then line, then resource id."""
        return (self.path, self.line if isinstance(self.line, int) else 0, str(self.line))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class PacketError(Exception):
    """Base of every error caused by input; printed as one line, exit code 2."""

    def __init__(self, pos: SourcePos, field: str, message: str) -> None:
        super().__init__(pos, field, message)
        self.pos = pos
        self.field = field
        self.message = message

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.pos}:{field} {self.message}"


class InputErrors(Exception):
    """Several PacketErrors found in one pass, reported together (mkdocs style)."""

    def __init__(self, errors: Iterable[PacketError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.pos.sort_key(), e.field))
        super().__init__("\n".join(str(e) for e in self.errors))

    @classmethod
    def raise_if_any(cls, errors: list[PacketError]) -> None:
        """Raise the collected errors, if there are any."""
        if errors:
            raise cls(errors)


class UsageError(Exception):
    """A bad command line (unknown layout name, missing file): exit code 2."""
