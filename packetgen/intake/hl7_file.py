"""HL7 v2 SIU files: one or many messages, framed or batched as interface engines write them.

Cutting the file into messages is `hl7_framing`'s job; parsing and unescaping
(`\\T\\` → `&`, `\\.br\\` → a line break) are python-hl7's; where each field
lives is `siu`'s. Records are named by message number (1-based).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import hl7

from ..errors import PacketError, SourcePos
from ..settings import Hl7Settings
from .hl7_framing import split_messages
from .raw import RawRecord, RecordFailure, check_encoding
from .siu import read_siu


def read_hl7(
    path: Path,
    shown: str,
    settings: Hl7Settings,
    is_procedure: Callable[[str], bool],
    encoding: str = "utf-8-sig",
) -> Iterator[RawRecord | RecordFailure]:
    """Yield one record per message (and a failure for each framing or batch-count problem)."""
    check_encoding(path, shown, encoding)
    with path.open("r", encoding=encoding, newline="") as handle:
        text = handle.read()
    for piece in split_messages(text):
        place = SourcePos(shown, piece.number)
        if piece.problem is not None:
            yield RecordFailure(place, (PacketError(place, piece.field, piece.problem),))
            continue
        yield read_message(piece.text, place, settings, is_procedure)


def read_message(
    text: str, place: SourcePos, settings: Hl7Settings, is_procedure: Callable[[str], bool]
) -> RawRecord | RecordFailure:
    """One message's text → its record (or why it has none)."""
    try:
        message = hl7.parse(text)
    except Exception:  # python-hl7 raises several kinds for text that is not HL7
        return RecordFailure(place, (PacketError(place, "MSH", "not a readable HL7 message"),))
    return read_siu(message, place, settings, is_procedure)
