"""HL7 v2 SIU^S12 files: one or many messages, `\\r` or `\\n` segment ends.

Parsing and unescaping (`\\T\\` → `&`, `\\S\\` → `^`) are python-hl7's; this
module only knows where each of our fields lives. Records are named by
message number (1-based). SIU^S15 (cancellation) messages are skipped with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hl7

from ..errors import PacketError, SourcePos
from .raw import RawRecord, RecordFailure, check_encoding

_DTM = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?:\.\d+)?([+-]\d{4})?")


def read_hl7(
    path: Path, shown: str, procedure_keys: frozenset[str], encoding: str = "utf-8-sig"
) -> Iterator[RawRecord | RecordFailure]:
    """Yield one record per message."""
    check_encoding(path, shown, encoding)
    for number, text in enumerate(_messages(path, shown, encoding), start=1):
        place = SourcePos(shown, number)
        try:
            message = hl7.parse(text)
        except Exception:
            yield RecordFailure(place, (PacketError(place, "MSH", "not a readable HL7 message"),))
            continue
        yield _record(message, place, procedure_keys)


def _messages(path: Path, shown: str, encoding: str) -> Iterator[str]:
    """Messages as `\\r`-joined segments; a new message starts at each MSH segment."""
    segments: list[str] = []
    with path.open("r", encoding=encoding, newline="") as handle:
        for raw in handle:
            for segment in re.split(r"\r\n|\r|\n", raw):
                if not segment.strip():
                    continue
                if segment.startswith("MSH") and segments:
                    yield "\r".join(segments)
                    segments = []
                segments.append(segment)
    if segments:
        yield "\r".join(segments)


def _record(message: Any, place: SourcePos, keys: frozenset[str]) -> RawRecord | RecordFailure:
    kind = f"{_get(message, 'MSH', 9, 1)}^{_get(message, 'MSH', 9, 2)}"
    if kind == "SIU^S15":
        return RawRecord(place, {}, warnings=(f"{place}: warning: MSH-9: cancellation (SIU^S15); skipped",))
    if kind != "SIU^S12":
        return RecordFailure(place, (PacketError(place, "MSH-9", f"expected an SIU^S12 message, got {kind}"),))
    codes = [_get(message, "AIS", 3, 1, n) for n in range(1, _count(message, "AIS") + 1)]
    fields: dict[str, Any] = {
        "appointment_id": _get(message, "SCH", 1, 1) or _get(message, "SCH", 2, 1),
        "start": _timestamp(_get(message, "SCH", 11, 4) or _get(message, "AIS", 4, 1)),
        "procedure": next((c for c in codes if c in keys), codes[0] if codes else ""),
        "mrn": _mrn(message),
        "last_name": _get(message, "PID", 5, 1),
        "first_name": " ".join(p for p in (_get(message, "PID", 5, 2), _get(message, "PID", 5, 3)) if p),
        "date_of_birth": _date(_get(message, "PID", 7, 1)),
        "language": _get(message, "PID", 15, 1).lower(),
        "provider": " ".join(p for p in (_get(message, "AIP", 3, c) for c in (6, 3, 2, 5)) if p),
        "location": ", ".join(p for p in (_get(message, "AIL", 3, c) for c in (1, 2, 3)) if p),  # unit, room, bed
        "instructions": [t for n in range(1, _count(message, "NTE") + 1) if (t := _get(message, "NTE", 3, 1, n))],
    }
    return RawRecord(place, {k: v for k, v in fields.items() if v not in (None, "", [])})


def _get(message: Any, segment: str, field: int, component: int, occurrence: int = 1, repetition: int = 1) -> str:
    """One component of one field, unescaped by python-hl7; '' when absent."""
    try:
        return str(message.extract_field(segment, occurrence, field, repetition, component)).strip()
    except (KeyError, IndexError):
        return ""


def _count(message: Any, segment: str) -> int:
    try:
        return len(message.segments(segment))
    except KeyError:
        return 0


def _mrn(message: Any) -> str:
    """PID-3's repetition whose identifier type (component 5) is MR, else the first."""
    try:
        repetitions = len(message.segment("PID")[3])
    except (KeyError, IndexError):
        return ""
    for repetition in range(1, repetitions + 1):
        if _get(message, "PID", 3, 5, repetition=repetition) == "MR":
            return _get(message, "PID", 3, 1, repetition=repetition)
    return _get(message, "PID", 3, 1)


def _timestamp(value: str) -> str:
    """HL7 DTM `YYYYMMDDHHMM[SS][+ZZZZ]` → ISO; anything else is left for validation to refuse."""
    match = _DTM.fullmatch(value)
    if not match or match.group(4) is None:
        return value
    y, mo, d, h, mi, s, offset = match.groups()
    text = f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}"
    return text + (f"{offset[:3]}:{offset[3:]}" if offset else "")


def _date(value: str) -> str:
    match = _DTM.fullmatch(value)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else value
