"""An HL7 v2 file cut into its messages, however an interface engine wrote it.

- MLLP frames (`0x0B` message `0x1C 0x0D`), as engines log or forward what they
  received: each frame is read on its own; bytes outside a frame, a frame that
  never ends, or a start byte inside a frame is an error naming the message.
- FHS/BHS batches (HL7 v2 batch protocol, chapter 2): the file and batch header
  and trailer segments are not messages; a batch trailer whose BTS-1 count
  differs from the messages found is an error, so a lost message is never silent.
- Segments end with `\\r` (the standard), `\\n` or `\\r\\n`; each `MSH` starts a
  message. Separators are each message's own (MSH-1 and MSH-2), read by python-hl7.

Messages are numbered from 1 in file order: that number names them in errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

START, END = "\x0b", "\x1c"
_SEGMENT_END = re.compile(r"\r\n|\r|\n")
_HEADERS = ("FHS", "BHS")
_TRAILERS = ("BTS", "FTS")


@dataclass(frozen=True)
class Piece:
    """One message's text (segments joined by `\\r`), or why the file fails at that place."""

    number: int | str
    """The message number, or where a batch trailer stands (`BTS 1`)."""
    text: str = ""
    problem: str | None = None
    field: str = ""


def split_messages(text: str) -> Iterator[Piece]:
    """The messages of a whole file's text, in order."""
    counter = _Counter()
    if START in text or END in text:
        yield from _frames(text, counter)
    else:
        yield from _segments(text, counter)


class _Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.batches = 0

    def next(self) -> int:
        self.messages += 1
        return self.messages


def _frames(text: str, counter: _Counter) -> Iterator[Piece]:
    at = 0
    while at < len(text):
        start = text.find(START, at)
        if start == -1:
            if text[at:].strip():
                yield Piece(counter.next(), problem="bytes after the last MLLP frame (0x1C 0x0D) are not in a frame")
            return
        if text[at:start].strip():
            yield Piece(counter.next(), problem="bytes before this MLLP frame's start (0x0B) are not in a frame")
        end = text.find(END, start + 1)
        inner = text.find(START, start + 1)
        if end == -1 or (inner != -1 and inner < end):
            stop = len(text) if inner == -1 else inner
            yield Piece(counter.next(), problem="this MLLP frame has no end (0x1C 0x0D) before the next start")
            at = stop
            continue
        yield from _segments(text[start + 1 : end], counter)
        at = end + 1
        if text.startswith("\r", at):
            at += 1


def _segments(text: str, counter: _Counter) -> Iterator[Piece]:
    """Messages from segment text: each MSH starts one; batch envelopes are checked and dropped."""
    segments: list[str] = []
    in_batch = 0

    def flush() -> Iterator[Piece]:
        nonlocal in_batch
        if segments:
            in_batch += 1
            yield Piece(counter.next(), "\r".join(segments))
            segments.clear()

    for segment in _SEGMENT_END.split(text):
        if not segment.strip():
            continue
        kind = segment[:3]
        if kind == "MSH" or kind in _HEADERS or kind in _TRAILERS:
            yield from flush()
        if kind == "BHS":
            counter.batches += 1
            in_batch = 0
        elif kind == "BTS":
            yield from _check_count(segment, in_batch, counter.batches)
        elif kind not in _HEADERS and kind not in _TRAILERS:
            if not segments and kind != "MSH":
                yield Piece(counter.next(), problem=f"a {kind[:3]!r} segment outside a message (expected MSH first)")
                continue
            segments.append(segment)
    yield from flush()


def _check_count(segment: str, found: int, batch: int) -> Iterator[Piece]:
    """BTS-1 says how many messages the batch holds; a different count means one was lost."""
    separator = segment[3:4] or "|"
    fields = segment.split(separator)
    declared = fields[1].strip() if len(fields) > 1 else ""
    if declared.isdigit() and int(declared) != found:
        problem = f"the batch trailer counts {declared} messages, but the batch holds {found}"
        yield Piece(f"BTS {batch}", problem=problem, field="BTS-1")
