"""One exception family for every failure a user can cause.

Every such error is a `PacketgenError` and knows the lines it prints as
(`lines()`); each door turns it into its own answer in one place: the CLI
into exit code 2, a batch into a manifest line, the MLLP listener into an
AE/AR acknowledgement, the web API into a 422.

An error carries where it happened (file and line), which field, and what was
expected. It never carries the offending value: values may be patient data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourcePos:
    """A place in an input: the path as the user gave it, and a 1-based line.

    For formats without useful lines, `line` is what identifies the record
    instead: an HL7 message number, or a FHIR resource id (`Patient/p1`).
    `None` for a place with no lines (an environment variable).
    """

    path: str
    line: int | str | None = 1

    def sort_key(self) -> tuple[str, int, str]:
        """Orders positions by file, then line, then resource id."""
        return (self.path, self.line if isinstance(self.line, int) else 0, str(self.line or ""))

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


class PacketgenError(Exception):
    """Base of every error caused by input, settings or the command line (exit code 2)."""

    def lines(self) -> list[str]:
        """What to tell the user: one line per problem, no values, no traceback."""
        return [str(self)]


class PacketError(PacketgenError):
    """One problem at one place: `PATH:LINE: field: what was expected`."""

    def __init__(self, pos: SourcePos, field: str, message: str) -> None:
        super().__init__(pos, field, message)
        self.pos = pos
        self.field = field
        self.message = message

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.pos}:{field} {self.message}"


class InputErrors(PacketgenError):
    """Several PacketErrors found in one pass, reported together (mkdocs style)."""

    def __init__(self, errors: Iterable[PacketError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.pos.sort_key(), e.field))
        super().__init__("\n".join(str(e) for e in self.errors))

    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]

    @classmethod
    def raise_if_any(cls, errors: list[PacketError]) -> None:
        """Raise the collected errors, if there are any."""
        if errors:
            raise cls(errors)


class UnusableInput(PacketgenError):
    """A whole input file cannot be read (unknown format, bad encoding, no header)."""

    def __init__(self, error: PacketError) -> None:
        super().__init__(str(error))
        self.error = error


class UsageError(PacketgenError):
    """A bad request of the program itself (unknown layout name, missing file, unwritable folder)."""


def error_lines(exc: PacketgenError) -> str:
    """The error as one text (a line per problem), as manifests and acknowledgements hold it."""
    return "\n".join(exc.lines())
