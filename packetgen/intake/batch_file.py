"""A batch file's format, recognised from its content, and its reader."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PacketError, SourcePos, UnusableInput
from ..settings import FhirSettings, Hl7Settings
from .code_systems import ProcedureTest
from .columns import ColumnMap
from .csv_file import read_csv, sniff_is_csv
from .hl7_file import read_hl7
from .raw import RawRecord, RecordFailure

# An HL7 v2 file starts with a message (MSH), a file or batch header (FHS, BHS) or an MLLP
# start byte, each header followed by the message's own field separator (any character).
_HL7_START = re.compile(rb"(\x0b\s*)?(MSH|FHS|BHS)[^\sA-Za-z0-9]")


@dataclass(frozen=True)
class ReadOptions:
    """What reading a batch file needs beside the file: the site's ways, and the procedures known."""

    is_procedure: ProcedureTest
    """Whether a code or name (a code of the coding system given, where one is) names a procedure the
    library has (matching is case-insensitive): `Library.is_procedure`."""
    columns: ColumnMap = field(default_factory=ColumnMap)
    encoding: str | None = None
    hl7: Hl7Settings = field(default_factory=Hl7Settings)
    fhir: FhirSettings = field(default_factory=FhirSettings)


def detect_format(path: Path, shown: str) -> str:
    """`fhir`, `hl7` or `csv`, from the first bytes (not the file name)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise UnusableInput(PacketError(SourcePos(shown, 1), "", f"cannot read file ({exc.strerror})")) from None
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return "fhir"
    if _HL7_START.match(text):
        return "hl7"
    if text and sniff_is_csv(text):
        return "csv"
    problem = "the file is empty" if not text else "not a CSV file, FHIR Bundle or HL7 SIU message file"
    raise UnusableInput(PacketError(SourcePos(shown, 1), "", problem))


def read_batch(path: Path, options: ReadOptions) -> tuple[str, Iterator[RawRecord | RecordFailure]]:
    """The file's format and a stream of its records. UnusableInput if the file cannot be used."""
    shown = str(path)
    kind = detect_format(path, shown)
    if kind == "fhir":
        from .fhir import read_fhir  # the typed FHIR models take half a second to import: only when needed

        return kind, read_fhir(path, shown, options.fhir, options.is_procedure)
    if kind == "hl7":
        return kind, read_hl7(path, shown, options.hl7, options.is_procedure, options.encoding)
    return kind, read_csv(path, shown, options.columns, options.encoding or "utf-8-sig")
