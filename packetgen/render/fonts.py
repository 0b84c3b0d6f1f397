"""Finding, registering and querying the layout's TrueType fonts, and drawing plain text with them.

Fonts come from system packages (Debian's fonts-dejavu-core and
fonts-wqy-microhei), from Python font packages on PyPI that declare a
`fontpkg.family` entry point (fontpkg-atkinson-hyperlegible), or from folders
named in the site's settings (`font_dirs`, PACKETGEN_FONT_DIRS); they are registered once per process, and their
character maps answer "can this character be drawn, and by which font?" before
anything is drawn. `FontSet.draw` draws a line of plain text on a canvas with
the same per-character fallback that Paragraph markup gets from `markup.to_markup`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from functools import lru_cache
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from ..errors import UsageError
from ..language.direction import visual
from ..models.layout import Fonts

SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")


class FontSet:
    """The registered fonts of one layout and the characters each can draw.

    Fallback fonts (a CJK font is several MB) are registered only when a
    character first needs them, so most packets never pay for them.
    """

    def __init__(self, faces: dict[str, str], fallback_files: tuple[str, ...], dirs: tuple[Path, ...] = ()) -> None:
        self.regular, self.bold = faces["regular"], faces["bold"]
        self.italic, self.bold_italic = faces["italic"], faces["bold_italic"]
        self._main = _coverage(self.regular)
        self._fallback_files = fallback_files
        self._dirs = dirs
        self._fallbacks: list[tuple[str, frozenset[int]]] | None = None

    def covers_all(self, text: str) -> bool:
        """True when the main font draws every character of `text` (the common case)."""
        return self._main.issuperset(map(ord, text))

    def fallback_for(self, ch: str) -> str | None:
        """The fallback font for `ch`, or None when the main font draws it (or none can)."""
        code = ord(ch)
        if code in self._main:
            return None
        return next((name for name, cov in self.fallbacks() if code in cov), None)

    def can_draw(self, ch: str) -> bool:
        """Whether the main font or a fallback has a glyph for `ch`."""
        return ch.isspace() or ord(ch) in self._main or self.fallback_for(ch) is not None

    def runs(self, text: str, font: str) -> list[tuple[str, str]]:
        """`text` as (font, piece) runs: `font` where the main font has the glyph, a fallback elsewhere."""
        if self.covers_all(text):
            return [(font, text)]
        out: list[tuple[str, str]] = []
        for ch in text:
            chosen = font if ch.isspace() else (self.fallback_for(ch) or font)
            if out and out[-1][0] == chosen:
                out[-1] = (chosen, out[-1][1] + ch)
            else:
                out.append((chosen, ch))
        return out

    def width(self, text: str, font: str, size: float) -> float:
        """The width of `text` drawn by `draw`."""
        return float(sum(stringWidth(piece, name, size) for name, piece in self.runs(text, font)))

    def lines(self, text: str, font: str, size: float, width: float) -> list[str]:
        """`text` broken between words into lines no wider than `width` as `draw` draws them (a word
        wider than that keeps a line of its own). Lines keep reading order: a right-to-left line is
        put in drawing order by `draw`, one line at a time."""
        lines: list[str] = []
        for word in text.split():
            longer = f"{lines[-1]} {word}" if lines else word
            if lines and self.width(visual(longer), font, size) <= width:
                lines[-1] = longer
            else:
                lines.append(word)
        return lines

    def draw(self, canv: Any, x: float, y: float, text: str, font: str, size: float, anchor: str = "start") -> None:
        """Draw one line of plain text at (x, y), anchored at its `start`, `middle` or `end`. It ends
        with an unseen space: the next line drawn into the same structure element is a new word
        (ISO 32000-1 §14.8.2.5), as in a paragraph (`blocks._SpacedLines`)."""
        text = visual(text)
        if anchor != "start":
            x -= self.width(text, font, size) / (2 if anchor == "middle" else 1)
        for name, piece in self.runs(text + " ", font):
            if (canv._fontname, canv._fontsize) != (name, size):  # each setFont writes an operator
                canv.setFont(name, size)
            canv.drawString(x, y, piece)
            x += stringWidth(piece, name, size)

    def fallbacks(self) -> list[tuple[str, frozenset[int]]]:
        """(name, coverage) of each fallback font, registering them on first use."""
        if self._fallbacks is None:
            names = [_register_fallback(filename, self._dirs) for filename in self._fallback_files]
            self._fallbacks = [(name, _coverage(name)) for name in names]
        return self._fallbacks


def subset_tag(font_name: bytes, codes: list[int]) -> bytes:
    """A subset's six-letter tag (ISO 32000-1 §9.6.4), derived from the font and the glyphs it holds:
    the same subset always gets the same tag, different subsets (in a print run, say) different ones.
    ReportLab's invariant mode numbers them per document instead (`AAAAAA+` for every first subset)."""
    digest = int.from_bytes(hashlib.sha256(font_name + b"|" + ",".join(map(str, codes)).encode()).digest()[:8], "big")
    letters = []
    for _ in range(6):
        digest, letter = divmod(digest, 26)
        letters.append(65 + letter)
    return bytes(letters)


class TaggedTTFont(TTFont):
    """ReportLab's TrueType font, its subsets tagged by their content (`subset_tag`)."""

    def addObjects(self, doc: Any) -> None:  # noqa: N802 (ReportLab's name)
        state = self.state.get(doc)
        tags = [subset_tag(self.face.name, list(subset)) for subset in state.subsets] if state else []
        numbered = ttfonts.SUBSETN
        ttfonts.SUBSETN = lambda n, *_: tags[n]  # addObjects names subset n by calling SUBSETN(n)
        try:
            super().addObjects(doc)
        finally:
            ttfonts.SUBSETN = numbered


def font_dirs(extra: tuple[Path, ...] = ()) -> list[Path]:
    """Folders searched for font files: the site's own (settings `font_dirs`), the system's, then
    installed font packages."""
    return [*extra, *map(Path, SYSTEM_FONT_DIRS), Path.home() / ".local/share/fonts", *_package_dirs()]


def _package_dirs() -> list[Path]:
    """Fonts installed from PyPI as fontpkg packages (each names its module under `fontpkg.family`)."""
    folders = []
    for entry in sorted(entry_points(group="fontpkg.family"), key=lambda e: e.name):
        try:
            root = getattr(import_module(entry.value), "ROOT", None)
        except ImportError:
            continue
        if root is not None:
            folders.append(Path(root))
    return folders


@lru_cache(maxsize=4)
def _index(extra: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in font_dirs(extra):
        for path in _walk(folder):
            found.setdefault(path.name, path)
    return found


def _walk(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        for dirpath, _dirs, files in sorted(os.walk(folder)):
            for name in sorted(files):
                if name.lower().endswith((".ttf", ".ttc")):
                    yield Path(dirpath) / name


def find_font(filename: str, extra: tuple[Path, ...] = ()) -> Path:
    """The path of a font file by its name; UsageError naming the set-up step if missing."""
    path = _index(extra).get(filename)
    if path is None:
        folders = ", ".join(map(str, font_dirs(extra)))
        raise UsageError(f"font file {filename} not found in {folders}; run `make setup`")
    return path


@lru_cache(maxsize=16)
def load_fonts(fonts: Fonts, extra_dirs: tuple[Path, ...] = ()) -> FontSet:
    """Register the layout's main fonts as one family (once per process); `extra_dirs` are searched
    before the system's font folders. Nothing is drawn in italics (`styles`: plain-language and large-print
    guidance advise against them), so the italic faces are only found (a missing file is the error it
    always was), never parsed (ReportLab reads a whole font file, about 10 ms each): the family's italic
    slots hold the upright faces."""
    for filename in (fonts.italic, fonts.bold_italic):
        find_font(filename, extra_dirs)
    names = {
        role: _register(filename, extra_dirs) for role, filename in (("regular", fonts.regular), ("bold", fonts.bold))
    }
    names |= {"italic": names["regular"], "bold_italic": names["bold"]}
    family = names["regular"]
    addMapping(family, 0, 0, names["regular"])
    addMapping(family, 1, 0, names["bold"])
    addMapping(family, 0, 1, names["italic"])
    addMapping(family, 1, 1, names["bold_italic"])
    return FontSet(names, fonts.fallback, extra_dirs)


def _register_fallback(filename: str, extra: tuple[Path, ...]) -> str:
    # Registered under a name of its own: the same file may be another layout's main font, whose
    # family maps bold to a bold face; a fallback has one face for every style, whichever
    # layouts a process has drawn before (the output must not depend on that).
    name = _register(filename, extra, f"{Path(filename).stem}-fallback")
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
    return name


def _register(filename: str, extra: tuple[Path, ...], name: str | None = None) -> str:
    name = name or Path(filename).stem
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    path = find_font(filename, extra)
    try:
        pdfmetrics.registerFont(TaggedTTFont(name, str(path), subfontIndex=0))
    except TTFError as exc:
        raise UsageError(f"font file {filename} cannot be used: {exc}") from None
    return name


def _coverage(name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)
