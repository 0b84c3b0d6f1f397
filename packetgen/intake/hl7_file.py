"""HL7 v2 SIU files: one or many messages, framed or batched as interface engines write them.

Cutting the file into messages is `hl7_framing`'s job, decoding each by its
declared character set (MSH-18) `hl7_charset`'s; parsing and unescaping
(`\\T\\` → `&`, `\\.br\\` → a line break) are python-hl7's; where each field
lives is `siu`'s. Records are named by message number (1-based).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hl7

from ..errors import PacketError, SourcePos
from ..settings import Hl7Settings
from .code_systems import ProcedureTest
from .hl7_charset import declared_charset, decode_message
from .hl7_framing import split_messages
from .raw import RawRecord, RecordFailure, check_encoding
from .siu import read_siu


def read_hl7(
    path: Path,
    shown: str,
    settings: Hl7Settings,
    is_procedure: ProcedureTest,
    encoding: str | None = None,
) -> Iterator[RawRecord | RecordFailure]:
    """Yield one record per message (and a failure for each framing, batch-count or character-set
    problem). Each message is decoded by its MSH-18, or by `encoding` when the user names one; a
    file in which no message declares a character set must be UTF-8 as a whole (else it is refused
    before any packet, with a hint)."""
    if encoding:
        check_encoding(path, shown, encoding)
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    pieces = list(split_messages(raw.decode("latin-1")))  # every byte a character: the delimiters are ASCII
    if not encoding and not any(declared_charset(p.text) for p in pieces if p.problem is None):
        check_encoding(path, shown, "utf-8-sig")
    for piece in pieces:
        place = SourcePos(shown, piece.number)
        if piece.problem is not None:
            yield RecordFailure(place, (PacketError(place, piece.field, piece.problem),))
            continue
        decoded = decode_message(piece.text, encoding)
        if decoded.text is None:
            yield RecordFailure(place, (PacketError(place, decoded.field, decoded.problem or ""),))
            continue
        yield read_message(decoded.text, place, settings, is_procedure)


def read_message(
    text: str, place: SourcePos, settings: Hl7Settings, is_procedure: ProcedureTest
) -> RawRecord | RecordFailure:
    """One message's text → its record (or why it has none)."""
    try:
        message = hl7.parse(text)
    except Exception:  # python-hl7 raises several kinds for text that is not HL7
        return RecordFailure(place, (PacketError(place, "MSH", "not a readable HL7 message"),))
    return read_siu(message, place, settings, is_procedure)
