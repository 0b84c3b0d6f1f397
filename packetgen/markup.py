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
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol
from xml.sax.saxutils import escape

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from .direction import visual

STANDARD_VARIABLES = frozenset(
    {
        "procedure_date",
        "procedure_time",
        "arrival_time",
        "provider",
        "location",
        "facility",
        "facility_phone",
        "after_hours_phone",
        "site",
        "interpreted_language",
    }
)
"""Placeholders every content file may use; `times:` names add to these."""

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


_TAG = re.compile(r"\{[{%#].*?[}%#]\}|\{[{%#]", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{\{\s*[a-z_][a-z0-9_]*\s*\}\}")


def template_problem(text: str, allowed: frozenset[str]) -> str | None:
    """Why an author's text is not a usable template, or None if it is.

    Only bare `{{ name }}` placeholders are allowed: no filters, attributes or
    blocks, so content can never do more than insert a value.
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
    return str(_compile(text).render(**values))


class Fonts(Protocol):
    """What markup needs to know of the fonts (render.FontSet provides it)."""

    def covers_all(self, text: str) -> bool:
        """True when the main font draws every character of `text`."""

    def fallback_for(self, ch: str) -> str | None:
        """The fallback font to draw `ch` with, or None for the main font."""


def to_markup(text: str, fonts: Fonts) -> str:
    """Plain text → ReportLab Paragraph markup: right-to-left runs in drawing order
    (`direction.visual`), escaped once, fallback fonts applied."""
    text = visual(text)
    if fonts.covers_all(text):
        return escape(text)
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
