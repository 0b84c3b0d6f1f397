"""Finding, registering and querying the layout's TrueType fonts.

Fonts come from system packages (Debian's fonts-dejavu-core and
fonts-wqy-microhei) or folders named in PACKETGEN_FONT_DIRS; they are
registered once per process, and their character maps answer "can this
character be drawn, and by which font?" before anything is drawn.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from ..errors import UsageError
from ..models.layout import Fonts

SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")


@dataclass(frozen=True)
class FontSet:
    """The registered fonts of one layout and the characters each can draw."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    fallbacks: tuple[str, ...]
    coverage: dict[str, frozenset[int]]

    def fallback_for(self, ch: str) -> str | None:
        """The fallback font for `ch`, or None when the main font draws it (or none can)."""
        code = ord(ch)
        if code in self.coverage[self.regular]:
            return None
        return next((name for name in self.fallbacks if code in self.coverage[name]), None)

    def can_draw(self, ch: str) -> bool:
        """Whether the main font or a fallback has a glyph for `ch` (bold faces assumed alike)."""
        code = ord(ch)
        return ch.isspace() or any(code in cov for cov in self.coverage.values())


def font_dirs() -> list[Path]:
    """Folders searched for font files, PACKETGEN_FONT_DIRS first."""
    extra = [Path(p) for p in os.environ.get("PACKETGEN_FONT_DIRS", "").split(os.pathsep) if p]
    return extra + [Path(p) for p in SYSTEM_FONT_DIRS] + [Path.home() / ".local/share/fonts"]


@lru_cache(maxsize=1)
def _index() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in font_dirs():
        for path in _walk(folder):
            found.setdefault(path.name, path)
    return found


def _walk(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        for dirpath, _dirs, files in sorted(os.walk(folder)):
            for name in sorted(files):
                if name.lower().endswith((".ttf", ".ttc")):
                    yield Path(dirpath) / name


def find_font(filename: str) -> Path:
    """The path of a font file by its name; UsageError naming the set-up step if missing."""
    path = _index().get(filename)
    if path is None:
        raise UsageError(f"font file {filename} not found in {', '.join(map(str, font_dirs()))}; run `make setup`")
    return path


@lru_cache(maxsize=16)
def load_fonts(fonts: Fonts) -> FontSet:
    """Register the layout's fonts (once per process) and read their coverage."""
    faces = {
        "regular": fonts.regular,
        "bold": fonts.bold,
        "italic": fonts.italic,
        "bold_italic": fonts.bold_italic,
    }
    names = {role: _register(filename) for role, filename in faces.items()}
    family = names["regular"]
    addMapping(family, 0, 0, names["regular"])
    addMapping(family, 1, 0, names["bold"])
    addMapping(family, 0, 1, names["italic"])
    addMapping(family, 1, 1, names["bold_italic"])
    fallbacks = tuple(_register(filename) for filename in fonts.fallback)
    for name in fallbacks:
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
    coverage = {name: _coverage(name) for name in {*names.values(), *fallbacks}}
    return FontSet(fallbacks=fallbacks, coverage=coverage, **names)


def _register(filename: str) -> str:
    name = Path(filename).stem
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    path = find_font(filename)
    try:
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    except TTFError as exc:
        raise UsageError(f"font file {filename} cannot be used: {exc}") from None
    return name


def _coverage(name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)
