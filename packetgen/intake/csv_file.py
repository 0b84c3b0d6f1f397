"""CSV exports from scheduling systems and Excel, read as a stream.

UTF-8 with or without BOM (or an explicit `--encoding`), CRLF or LF, RFC 4180
quoting, `,` `;` or tab detected from the header, every cell kept as text.
Each record is named by its physical line, the header being line 1.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import PacketError, SourcePos, UnusableInput
from .columns import FIELDS, LIST_FIELDS, ColumnMap
from .raw import RawRecord, RecordFailure, check_encoding, side_of_modifiers

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
        layout = _header_index(header, columns, shown)
        last_line = reader.line_num
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank rows (Excel leaves them at the end) are not records
            yield _record(cells, header, layout, columns, SourcePos(shown, start))


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


@dataclass(frozen=True)
class _Layout:
    """Where each of our fields is in the rows: column positions (several are joined)."""

    fields: dict[str, tuple[int, ...]]
    name: int | None
    status: int | None
    modifiers: int | None = None


def _header_index(header: list[str], columns: ColumnMap, shown: str) -> _Layout:
    position = {name: i for i, name in enumerate(header)}
    found = {f: columns.headers_for(f) for f in FIELDS}
    index = {f: tuple(position[h] for h in heads) for f, heads in found.items() if all(h in position for h in heads)}
    name = position.get(columns.name_column) if columns.name_column else None
    status = position.get(columns.status.column) if columns.status else None
    modifiers = position.get(columns.modifiers_column) if columns.modifiers_column else None
    given = set(index) | set(columns.constants) | ({"first_name", "last_name"} if name is not None else set())
    missing = [" + ".join(found[f]) for f in REQUIRED if f not in given]
    named = (columns.name_column, columns.status and columns.status.column, columns.modifiers_column)
    missing += [h for h in named if h and h not in position]
    if missing:
        listed = ", ".join(h for h in header if h) or "nothing"
        message = f"missing columns: {', '.join(missing)} (found: {listed}); map a site's own names with --columns"
        raise UnusableInput(PacketError(SourcePos(shown, 1), "header", message))
    return _Layout(index, name, status, modifiers)


def _record(
    cells: list[str], header: list[str], layout: _Layout, columns: ColumnMap, place: SourcePos
) -> RawRecord | RecordFailure:
    if len(cells) > len(header):
        problem = f"the row has {len(cells)} cells but the header has {len(header)} columns (an unquoted comma?)"
        return RecordFailure(place, (PacketError(place, "", problem),))

    def cell(column: int | None) -> str:
        return cells[column].strip() if column is not None and column < len(cells) else ""

    fields: dict[str, object] = {}
    errors = []
    for name, positions in layout.fields.items():
        value = " ".join(v for v in (cell(p) for p in positions) if v)
        if value:  # an empty optional cell is no value; an empty required one is "missing"
            fields[name] = _value(name, value, columns)
            if fields[name] is None:
                errors.append(PacketError(place, name, f"expected the site's format {columns.formats.get(name)}"))
    if layout.name is not None and cell(layout.name):
        fields.update(_split_name(cell(layout.name)))
    for name, value in columns.constants.items():
        fields.setdefault(name, value)
    raw_id = fields.get("appointment_id")
    appointment_id = raw_id if isinstance(raw_id, str) else None
    skipped = _skipped(cell(layout.status), columns, place)
    if skipped:
        return dataclasses.replace(skipped, fields={"appointment_id": appointment_id} if appointment_id else {})
    if errors:
        return RecordFailure(place, tuple(errors), appointment_id)
    warning = (
        _side_from_modifiers(cell(layout.modifiers), fields, columns, place) if layout.modifiers is not None else None
    )
    return RawRecord(place, fields, warnings=(warning,) if warning else ())


def _side_from_modifiers(cell: str, fields: dict[str, object], columns: ColumnMap, place: SourcePos) -> str | None:
    """The side the row's CPT modifiers name, as its `laterality` (a warning, and no side, when they
    name different sides or another side than the `laterality` column gives)."""
    header = columns.modifiers_column
    side, warning = side_of_modifiers(re.split(r"[\s,;/-]+", cell), f"{place}: warning: {header}")
    if side is None:
        if warning:
            fields.pop("laterality", None)
        return warning
    given = fields.get("laterality")
    if given is None:
        fields["laterality"] = side
        return None
    if isinstance(given, str) and given.strip().lower() == side:
        return None
    del fields["laterality"]
    return (
        f"{place}: warning: {header}: the modifiers and the laterality column name different sides; no side was taken"
    )


def _value(name: str, value: str, columns: ColumnMap) -> object:
    """A cell as our field's value: a list for list fields, mapped and converted; None if unreadable."""
    if name in LIST_FIELDS:
        parts = (part.strip() for part in value.split(columns.separator(name)))
        return [columns.mapped(name, part) for part in parts if part]
    return columns.convert(name, columns.mapped(name, value))


def _skipped(status: str, columns: ColumnMap, place: SourcePos) -> RawRecord | None:
    if not status or columns.status is None or status.casefold() not in {s.casefold() for s in columns.status.skip}:
        return None
    warning = f"{place}: warning: {columns.status.column}: the appointment is {status}; skipped"
    return RawRecord(place, {}, warnings=(warning,), skip=status, cancels=True)


def _split_name(text: str) -> dict[str, str]:
    """ "Last, First" → last_name and first_name; a name without a comma is printed as it is."""
    last, comma, first = text.partition(",")
    if comma and last.strip() and first.strip():
        return {"last_name": last.strip(), "first_name": first.strip()}
    return {"name": text}


def sniff_is_csv(head: bytes) -> bool:
    """Whether the start of a file looks like a delimited header row."""
    text = head.decode("utf-8", errors="replace")
    first = io.StringIO(text).readline()
    return any(d in first for d in (",", ";", "\t"))
