"""Each HL7 v2 message in the character set its MSH-18 declares (HL7 table 0211).

A message's bytes are read first as Latin-1 (every byte one character), which
is enough to find its segments and its header, since every character set we
take writes the delimiters and `MSH` as ASCII does. Then its text is decoded
by the set it names: ASCII, ISO 8859-1 to -15 (`8859/1`), `UNICODE UTF-8`, and
the spellings interface engines use (`UTF-8`, `ISO-8859-1`, `Latin1`,
`WINDOWS-1252`). No MSH-18 means UTF-8, the rest of this program's default.
A site's `--encoding` overrides them all. Sixteen- and thirty-two-bit Unicode
(`UNICODE UTF-16`) cannot share a file or frame with ASCII delimiters and are
refused.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_TABLE_0211 = {
    "ASCII": "ascii",
    **{f"8859/{n}": f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)},
    "UNICODE UTF-8": "utf-8",
    "UNICODE": "utf-8",  # deprecated in v2.5 for UNICODE UTF-8, which is what senders of it mean
    "ISO IR6": "ascii",
    "ISO IR100": "iso8859-1",
    "ISO IR101": "iso8859-2",
    "ISO IR109": "iso8859-3",
    "ISO IR110": "iso8859-4",
    "ISO IR144": "iso8859-5",
    "ISO IR127": "iso8859-6",
    "ISO IR126": "iso8859-7",
    "ISO IR138": "iso8859-8",
    "ISO IR148": "iso8859-9",
    "GB 18030-2000": "gb18030",
    "BIG-5": "big5",
    "KS X 1001": "euc-kr",
}
_REFUSED = {"UNICODE UTF-16", "UNICODE UTF-32", "UTF-16", "UTF-32", "UTF16", "UTF32"}
_LATIN = re.compile(r"(?:ISO[-_ ]?)?8859[-_/ ]?(\d{1,2})")


@dataclass(frozen=True)
class Decoded:
    """A message's text, or why it has none (`field` is where the reason lies: MSH-18 or none)."""

    text: str | None
    problem: str | None = None
    field: str = ""


def codec_for(declared: str) -> str | None:
    """The Python codec for an MSH-18 value (table 0211 or a vendor's spelling); None if unknown."""
    name = " ".join(declared.upper().split())
    if name in _TABLE_0211:
        return _TABLE_0211[name]
    latin = _LATIN.fullmatch(name)
    if latin:
        return _TABLE_0211.get(f"8859/{latin.group(1)}")
    if name in ("LATIN1", "LATIN-1"):
        return "iso8859-1"
    compact = name.replace(" ", "")
    if compact in _REFUSED:
        return None
    try:
        return codecs.lookup(compact).name  # UTF-8, UTF8, WINDOWS-1252, CP1252, ...
    except LookupError:
        return None


def declared_charset(text: str) -> str:
    """MSH-18's first repetition and component, read from a message's text ('' when absent)."""
    header = text.split("\r", 1)[0]
    if not header.startswith("MSH") or len(header) < 5:
        return ""
    fields = header.split(header[3])
    if len(fields) <= 17:
        return ""
    encoding, value = fields[1], fields[17]
    for delimiter in (encoding[1:2], encoding[0:1]):  # repetition, then component
        if delimiter:
            value = value.split(delimiter, 1)[0]
    return value.strip()


def decode_message(raw_text: str, override: str | None = None) -> Decoded:
    """A message read as Latin-1 (`raw_text`), decoded by `override`, else its MSH-18, else UTF-8."""
    data = raw_text.encode("latin-1")
    declared = declared_charset(raw_text)
    if override:
        codec, named, field = override, override, ""
    elif declared:
        found = codec_for(declared)
        if found is None:
            if " ".join(declared.upper().split()).replace(" ", "") in _REFUSED:
                problem = "UTF-16 and UTF-32 messages are not taken; expected an ASCII-compatible character set"
            else:
                problem = "not a character set of HL7 table 0211 (expected e.g. 8859/1 or UNICODE UTF-8)"
            return Decoded(None, problem, "MSH-18")
        codec, named, field = found, f"{declared} ({found})", "MSH-18"
    else:
        codec, named, field = "utf-8", "UTF-8", ""
    try:
        return Decoded(data.decode(codec))
    except UnicodeDecodeError:
        if field:
            return Decoded(None, f"the message is not {named} text, as MSH-18 declares", field)
        hint = "" if override else " and MSH-18 declares no character set (the sender should name one, e.g. 8859/1)"
        return Decoded(None, f"not {named} text{hint}", "MSH-18" if not override else "")
