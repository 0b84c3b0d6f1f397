"""Text in, text out: author placeholders, and the one escape for the PDF.

Two rules live here and nowhere else:
- authors' placeholders run in a sandboxed Jinja environment with
  StrictUndefined; patient values are only ever *inserted* as data, never
  compiled as templates;
- every string that reaches ReportLab's Paragraph markup goes through
  `to_markup`, which puts right-to-left text in drawing order, escapes it
  exactly once and switches to a fallback font for characters the main font
  cannot draw.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from .language.direction import has_rtl, visual

STANDARD_VARIABLES = frozenset(
    {
        "procedure_date",
        "procedure_time",
        "arrival_time",
        "arrival",
        "arrival_date",
        "provider",
        "location",
        "facility",
        "facility_phone",
        "after_hours_phone",
        "site",
        "side",
        "interpreted_language",
    }
)
"""Placeholders content files may use; `times:` names add to these. `{{ side }}` only where the
content requires a side, `{{ site }}` only where it has levels (`library.check_content_rules`)."""

CLOCK_TIMES = frozenset({"arrival_time"})
"""Standard placeholders printing a time that may fall on another day than the appointment's (with
`times:` entries shown as `time`): a sentence must not put them with `{{ procedure_date }}`."""


def escape(text: str, entities: Mapping[str, str] | None = None) -> str:
    """`&`, `<` and `>` as entities (and each of `entities`' keys as its value): `xml.sax.saxutils.escape`,
    without the import of `urllib.request` that module brings."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for key, value in (entities or {}).items():
        text = text.replace(key, value)
    return text


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


_TAG = re.compile(r"\{[{%#].*?[}%#]\}|\{[{%#]", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{\{\s*[a-z_][a-z0-9_]*\s*\}\}")


@lru_cache(maxsize=16384)
def template_problem(text: str, allowed: frozenset[str], clock_times: frozenset[str] = frozenset()) -> str | None:
    """Why an author's text is not a usable template, or None if it is. Remembered per text (content's
    own strings, never a patient's): a library loaded again, or a translation beside its source, parses
    each text once.

    Only bare `{{ name }}` placeholders are allowed: no filters, attributes or
    blocks, so content can never do more than insert a value. A time that may
    fall on another day (`CLOCK_TIMES` and the `times:` names in `clock_times`)
    never shares a sentence with `{{ procedure_date }}` (see `dated_elsewhere`).
    """
    if "{" not in text:
        return None
    for tag in _TAG.findall(text):
        if not _PLACEHOLDER.fullmatch(tag):
            return "only simple placeholders like {{ provider }} are allowed"
    try:
        names = meta.find_undeclared_variables(_ENV.parse(text))
    except TemplateError as exc:
        return f"placeholder syntax error: {exc.message}"
    unknown = sorted(names - allowed)
    if unknown:
        return f"unknown placeholder '{unknown[0]}'; expected one of: {', '.join(sorted(allowed))}"
    return dated_elsewhere(text, CLOCK_TIMES | clock_times)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NAME = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


def placeholder_names(text: str) -> frozenset[str]:
    """The names of the bare placeholders in an author's text (`{{ side }}` → `side`)."""
    return frozenset(_NAME.findall(text))


def dated_elsewhere(text: str, clock_times: frozenset[str]) -> str | None:
    """Why a sentence of `text` puts a time that may fall on another day with the appointment's
    date ("Arrive by {{ arrival_time }} on {{ procedure_date }}"), or None. Such a time prints its
    own date when it is not the appointment's (arrival for a 00:30 start is the evening before), so
    the pair would print a wrong or a second date (issue 23)."""
    for sentence in _SENTENCE_END.split(text):
        names = _NAME.findall(sentence)
        clock = [name for name in names if name in clock_times]
        if clock and "procedure_date" in names:
            name = clock[0]
            pair = f"{{{{ {name} }}}} … {{{{ procedure_date }}}}"
            if name == "arrival_time":
                fix = f"write {{{{ arrival }}}} instead of {pair}"
            else:
                fix = f"give `{name}` `show: datetime` and write it alone instead of {pair}"
            return f"a time that may fall on another day carries its own date: {fix}"
    return None


@lru_cache(maxsize=4096)
def _compile(text: str):  # type: ignore[no-untyped-def]
    return _ENV.from_string(text)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Fill an author's placeholders with final values (plain text in, plain text out)."""
    if "{" not in text:
        return text
    blank = sorted(name for name, value in values.items() if not value.strip())
    if blank:
        raise ValueError(f"placeholder value {blank[0]!r} is blank")  # models forbid this: a bug
    return str(_compile(_no_double_stop(text, values)).render(**values))


def _no_double_stop(text: str, values: Mapping[str, str]) -> str:
    """A value ending in a full stop ("a las 6:00 p. m.") ends the sentence it closes: the author's own
    full stop after its placeholder is dropped, never printed twice ("p. m..")."""
    return _STOP_AFTER.sub(lambda m: m.group(1) if values.get(m.group(2), "").endswith(".") else m.group(0), text)


_STOP_AFTER = re.compile(r"(\{\{\s*(\w+)\s*\}\})\.")


class Fonts(Protocol):
    """What markup needs to know of the fonts (render.FontSet provides it)."""

    def covers_all(self, text: str) -> bool:
        """True when the main font draws every character of `text`."""

    def fallback_for(self, ch: str) -> str | None:
        """The fallback font to draw `ch` with, or None for the main font."""


def to_markup(text: str, fonts: Fonts, spans: bool = True) -> str:
    """Plain text → ReportLab Paragraph markup: right-to-left runs in drawing order
    (`direction.visual`), escaped once, fallback fonts applied, and words in another script (a
    Chinese or Arabic name in an English packet) marked with their language for the tagged PDF:
    `<onDraw name="lang" label="zh"/>` before, `label=""` after (`render.tags.Tagger.span_language`),
    a right-to-left run's label followed by its text in reading order (`label="ar العلي"`);
    `spans=False` for text whose whole paragraph has its language (a tagline)."""
    text = visual(text)
    if text.isascii():
        return escape(text)
    if not spans:
        return escape(text) if fonts.covers_all(text) else _fonted(text, fonts)
    out: list[str] = []
    for language, piece in language_runs(text):
        fonted = escape(piece) if fonts.covers_all(piece) else _fonted(piece, fonts)
        if not language:
            out.append(fonted)
            continue
        label = f"{language} {logical(piece)}" if has_rtl(piece) else language
        out.append(f'<onDraw name="lang" label="{escape(label, _QUOTE)}"/>{fonted}<onDraw name="lang" label=""/>')
    return "".join(out)


_QUOTE = {'"': "&quot;"}


def logical(drawn: str) -> str:
    """A right-to-left run in drawing order (`direction.visual`) back in reading order, its joined
    presentation forms the letters they stand for: what a screen reader is given to read
    (/ActualText), since the glyphs on the page run left to right."""
    return unicodedata.normalize("NFKC", drawn[::-1])


_SCRIPT_LANGUAGES = (
    ("CJK", "zh"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("ARABIC", "ar"),
    ("HEBREW", "he"),
    ("CYRILLIC", "ru"),
    ("GREEK", "el"),
    ("DEVANAGARI", "hi"),
    ("BENGALI", "bn"),
    ("GURMUKHI", "pa"),
    ("GUJARATI", "gu"),
    ("TAMIL", "ta"),
    ("TELUGU", "te"),
    ("THAI", "th"),
    ("LAO", "lo"),
    ("KHMER", "km"),
    ("MYANMAR", "my"),
    ("ETHIOPIC", "am"),
    ("ARMENIAN", "hy"),
    ("GEORGIAN", "ka"),
)
"""A script's usual language (BCP 47), for a screen reader to choose its voice: the text says only
which script a name is in, so Han is read as Chinese, Cyrillic as Russian."""


@lru_cache(maxsize=4096)
def _script_language(ch: str) -> str | None:
    """A letter's language by its script ('' for Latin and other scripts of the document's own
    languages), None for what is not a letter (spaces, digits, punctuation)."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    name = unicodedata.name(ch, "")
    return next((language for prefix, language in _SCRIPT_LANGUAGES if name.startswith(prefix)), "")


def language_runs(text: str) -> list[tuple[str, str]]:
    """`text` as (language, piece) runs, '' for the document's own: spaces and punctuation between
    two words of one script belong to it (`Wang 王小明` → ('', 'Wang '), ('zh', '王小明'))."""
    marks = [_script_language(ch) for ch in text]
    if not any(marks):
        return [("", text)]
    before, after = [""] * len(marks), [""] * len(marks)  # the nearest letter's language each side
    last = ""
    for index, mark in enumerate(marks):
        before[index] = last
        last = last if mark is None else mark
    last = ""
    for index in range(len(marks) - 1, -1, -1):
        after[index] = last
        last = last if marks[index] is None else str(marks[index])
    for index, mark in enumerate(marks):
        if mark is None:
            marks[index] = before[index] if before[index] == after[index] else ""
    runs: list[tuple[str, str]] = []
    for ch, mark in zip(text, marks, strict=True):
        if runs and runs[-1][0] == mark:
            runs[-1] = (mark, runs[-1][1] + ch)
        else:
            runs.append((mark or "", ch))
    return runs


def _fonted(text: str, fonts: Fonts) -> str:
    """Escaped, each run of characters the main font lacks in the fallback font that has them."""
    out: list[str] = []
    run: list[str] = []
    run_font: str | None = None
    for ch in text:
        font = fonts.fallback_for(ch) if not ch.isspace() else run_font
        if font != run_font and run:
            out.append(_wrap("".join(run), run_font))
            run = []
        run_font = font
        run.append(ch)
    if run:
        out.append(_wrap("".join(run), run_font))
    return "".join(out)


def _wrap(text: str, font: str | None) -> str:
    escaped = escape(text)
    return escaped if font is None else f'<font name="{font}">{escaped}</font>'
