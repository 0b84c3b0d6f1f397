"""A batch file's format, recognised from its content, and its reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import PacketError, SourcePos
from .columns import ColumnMap
from .csv_file import read_csv, sniff_is_csv
from .fhir import read_fhir
from .hl7_file import read_hl7
from .raw import RawRecord, RecordFailure, UnusableInput


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
    if text.startswith(b"MSH|"):
        return "hl7"
    if text and sniff_is_csv(text):
        return "csv"
    problem = "the file is empty" if not text else "not a CSV file, FHIR Bundle or HL7 SIU message file"
    raise UnusableInput(PacketError(SourcePos(shown, 1), "", problem))


def read_batch(
    path: Path, columns: ColumnMap, procedure_keys: frozenset[str], encoding: str | None = None
) -> tuple[str, Iterator[RawRecord | RecordFailure]]:
    """The file's format and a stream of its records. UnusableInput if the file cannot be used."""
    shown = str(path)
    kind = detect_format(path, shown)
    if kind == "fhir":
        return kind, read_fhir(path, shown, procedure_keys)
    if kind == "hl7":
        return kind, read_hl7(path, shown, procedure_keys, encoding or "utf-8-sig")
    return kind, read_csv(path, shown, columns, encoding or "utf-8-sig")
