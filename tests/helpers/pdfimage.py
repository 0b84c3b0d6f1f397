"""Looking at rendered pages: word boxes from `pdftotext -bbox` (poppler), pixels drawn by PDFium."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pypdfium2
from PIL import Image

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass(frozen=True)
class Word:
    """A word and its box in points, measured from the page's top-left corner."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def words(pdf: Path, page: int) -> list[Word]:
    """The words of page `page` (1-based), in content order (the file read once as it is on disk, every
    page at once: several tests look at the same packet's pages)."""
    stat = pdf.stat()
    return list(_words(str(pdf.resolve()), stat.st_mtime_ns, stat.st_size)[page - 1])


@lru_cache(maxsize=256)
def _words(pdf: str, _mtime_ns: int, _size: int) -> tuple[tuple[Word, ...], ...]:
    result = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True, check=True)
    pages = result.stdout.split("<page ")[1:]
    return tuple(
        tuple(
            Word(float(m[1]), float(m[2]), float(m[3]), float(m[4]), html.unescape(m[5])) for m in _WORD.finditer(page)
        )
        for page in pages
    )


def render(pdf: Path, page: int, dpi: int = 72) -> Image.Image:
    """Page `page` (1-based) as a greyscale image; at 72 dpi one pixel is one point."""
    with pypdfium2.PdfDocument(pdf) as document:
        return _image(document[page - 1], dpi)


def render_all(pdf: Path, dpi: int = 72) -> list[Image.Image]:
    """Every page, in order, as greyscale images."""
    with pypdfium2.PdfDocument(pdf) as document:
        return [_image(page, dpi) for page in document]


def _image(page: pypdfium2.PdfPage, dpi: int) -> Image.Image:
    """A page drawn by PDFium (Chromium's PDF engine; tens of times faster here than `pdftoppm`, and a
    second engine beside poppler, whose `pdftotext` gives the word boxes). Paths are drawn without
    anti-aliasing, so a hairline rule or box edge is a dark pixel wide, as poppler's stroke adjustment
    draws it, rather than a pale grey one."""
    return page.render(scale=dpi / 72, grayscale=True, no_smoothpath=True).to_pil().convert("L")


def dark_per_row(
    image: Image.Image, left: int = 0, right: int | None = None, step: int = 1, below: int = 200
) -> list[int]:
    """For each row of a greyscale image, how many of the pixels in columns `left` to `right` (every
    `step`-th of them) are darker than `below`: counted by `bytes.count` rather than a pixel at a time."""
    right = image.width if right is None else right
    table = bytes(1 if value < below else 0 for value in range(256))
    data = image.crop((left, 0, right, image.height)).tobytes().translate(table)
    width = right - left
    return [data[y * width : (y + 1) * width : step].count(1) for y in range(image.height)]


def box_around(image: Image.Image, x: int, y: int, reach: int) -> tuple[int, int, int, int] | None:
    """The nearest dark line left, above, right and below (x, y), within `reach` pixels."""

    def first_dark(dx: int, dy: int) -> int | None:
        for step in range(1, reach):
            px, py = x + dx * step, y + dy * step
            if image.getpixel((px, py)) < 128:
                return px if dx else py
        return None

    found = [first_dark(-1, 0), first_dark(0, -1), first_dark(1, 0), first_dark(0, 1)]
    return None if None in found else (found[0], found[1], found[2], found[3])  # type: ignore[return-value]
