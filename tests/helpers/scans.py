"""Made-up scanner output: a packet's consent pages as a scanner sees them (rasterised at 200 or
300 dpi, turned, skewed, noisy), bound into a multi-page PDF or TIFF as a scanner writes them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from tests.helpers.pdftext import consent_end, consent_start


def consent_pages(pdf: Path, dpi: int) -> list[Image.Image]:
    """The consent form's pages of a packet, in order, as greyscale images at `dpi` (not the source
    language's consent printed for the record after a translated one)."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for index in range(consent_start(pdf), consent_end(pdf)):
            page = document[index]
            pages.append(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            page.close()
        return pages
    finally:
        document.close()


def turned(image: Image.Image, degrees: float) -> Image.Image:
    """The page fed in turned by `degrees` anticlockwise: 180 upside down, 2.5 a skew (white corners)."""
    if degrees % 90 == 0:
        return image.rotate(degrees, expand=True)
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)


def noisy(image: Image.Image, seed: int, amount: float = 0.12) -> Image.Image:
    """Scanner noise: each pixel mixed with a random grey, the same for the same seed."""
    noise = Image.frombytes("L", image.size, random.Random(seed).randbytes(image.width * image.height))
    return Image.blend(image, noise, amount)


def blank(like: Image.Image) -> Image.Image:
    """An empty sheet (a separator, the back of a page) the size of `like`, with a little noise."""
    return noisy(Image.new("L", like.size, 255), seed=7, amount=0.05)


def scan_pdf(pages: Sequence[Image.Image], path: Path, dpi: int) -> Path:
    """`pages` as one multi-page PDF, one image a page, as a scanner writes it."""
    pages = _fresh(pages)
    pages[0].save(path, save_all=True, append_images=list(pages[1:]), resolution=dpi)
    return path


def scan_tiff(pages: Sequence[Image.Image], path: Path, dpi: int) -> Path:
    """`pages` as one multi-page TIFF."""
    pages = _fresh(pages)
    pages[0].save(path, save_all=True, append_images=list(pages[1:]), dpi=(dpi, dpi), compression="tiff_deflate")
    return path


def _fresh(pages: Sequence[Image.Image]) -> list[Image.Image]:
    """Copies: Pillow keeps a save's options on the image, and the next save (PDF, then TIFF) trips on them."""
    return [page.copy() for page in pages]
