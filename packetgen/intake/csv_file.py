"""CSV exports from scheduling systems and Excel, read as a stream.

UTF-8 with or without BOM (or an explicit `--encoding`), CRLF or LF, RFC 4180
quoting, `,` `;` or tab detected from the header, every cell kept as text.
Each record is named by its physical line, the header being line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from ..errors import PacketError, SourcePos, UnusableInput
from .columns import FIELDS, LIST_FIELDS, ColumnMap
from .raw import RawRecord, RecordFailure, check_encoding

REQUIRED = ("appointment_id", "mrn", "first_name", "last_name", "date_of_birth", "procedure", "start", "provider")


def read_csv(
    path: Path, shown: str, columns: ColumnMap, encoding: str = "utf-8-sig"
) -> Iterator[RawRecord | RecordFailure]:
    """Yield each data row as a RawRecord (or a RecordFailure), streaming."""
    check_encoding(path, shown, encoding)
    with path.open("r", encoding=encoding, newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        reader = csv.reader(handle, dialect=_dialect(first, shown))
        header = [h.strip() for h in next(reader, [])]
        index = _header_index(header, columns, shown)
        last_line = reader.line_num
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank rows (Excel leaves them at the end) are not records
            yield _record(cells, header, index, columns, SourcePos(shown, start))


def _dialect(first_line: str, shown: str) -> type[csv.Dialect]:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise UnusableInput(
            PacketError(SourcePos(shown, 1), "header", "expected a header row of column names separated by , or ;")
        )

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _header_index(header: list[str], columns: ColumnMap, shown: str) -> dict[str, int]:
    position = {name: i for i, name in enumerate(header)}
    index = {f: position[columns.header_for(f)] for f in FIELDS if columns.header_for(f) in position}
    missing = [columns.header_for(f) for f in REQUIRED if f not in index]
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        message = f"missing columns: {', '.join(missing)} (found: {found}); map a site's own names with --columns"
        raise UnusableInput(PacketError(SourcePos(shown, 1), "header", message))
    return index


def _record(
    cells: list[str], header: list[str], index: dict[str, int], columns: ColumnMap, place: SourcePos
) -> RawRecord | RecordFailure:
    if len(cells) > len(header):
        problem = f"the row has {len(cells)} cells but the header has {len(header)} columns (an unquoted comma?)"
        return RecordFailure(place, (PacketError(place, "", problem),))
    fields: dict[str, object] = {}
    for name, column in index.items():
        value = cells[column] if column < len(cells) else ""
        if not value.strip():
            continue  # an empty optional cell is no value; an empty required one is "missing"
        if name in LIST_FIELDS:
            fields[name] = [part.strip() for part in value.split(columns.separator(name)) if part.strip()]
        else:
            fields[name] = columns.convert(name, value)
    return RawRecord(place, fields)


def sniff_is_csv(head: bytes) -> bool:
    """Whether the start of a file looks like a delimited header row."""
    text = head.decode("utf-8", errors="replace")
    first = io.StringIO(text).readline()
    return any(d in first for d in (",", ";", "\t"))
