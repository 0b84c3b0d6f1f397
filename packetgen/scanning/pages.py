"""A scanner's file as pages: each page rasterised, its code read, turned upright and compressed.

A PDF is rasterised by PDFium (pypdfium2) at `RASTER_DPI`; a TIFF's frames are taken as they are,
at the resolution they say (else `RASTER_DPI`). Each page's code is read by zxing-cpp, which finds
QR, Data Matrix, PDF417 and Code 128 in any direction; when it finds nothing, the page is tried
turned a quarter at a time, then as black and white, then at half size. The code's orientation
says how the page lies: it is turned upright (and a skew of a degree or more straightened) before
it is kept, compressed, for filing.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import zxingcpp
from PIL import Image, ImageChops, UnidentifiedImageError

from ..errors import PacketError, SourcePos, UnusableInput
from ..pdf.scanned import PageImage
from ..render.scan import RECORD, PageCode, read_payload

RASTER_DPI = 200
"""PDF pages are rasterised at this resolution: a scan-back code's modules are 3 pixels or more, a
signature as legible as on paper."""

_FORMATS = (
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.PDF417,
    zxingcpp.BarcodeFormat.Code128,
)
_TURNS = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)
_TURN_DEGREES = {Image.Transpose.ROTATE_90: 90, Image.Transpose.ROTATE_180: 180, Image.Transpose.ROTATE_270: 270}
_BLANK_LEVEL = 200
"""A page whose darkest patch (an average over 8×8 pixels) is lighter than this holds nothing."""


@dataclass(frozen=True)
class ScannedPage:
    """One page of the scan: where it was, what its code says (None: no readable code, or blank), and
    the page upright, ready to file."""

    number: int
    """Its place in the scan, from 1."""
    code: PageCode | None
    blank: bool
    image: PageImage | None
    """Kept only for a page with a consent's code: the others are never filed."""


@dataclass(frozen=True)
class Scan:
    """A scanner's file, read: its pages in scan order and the day it was scanned."""

    pages: tuple[ScannedPage, ...]
    scanned: date
    """The scanner's date (a PDF's CreationDate, a TIFF's DateTime), else the file's modification date:
    the filed PDF's date, the same each time the same file is read."""


def read_scan(path: Path) -> Scan:
    """Every page of the PDF or TIFF at `path`; UnusableInput when it is neither, or unreadable."""
    head = _head(path)
    if head.startswith(b"%PDF-"):
        return _read_pdf(path)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _read_tiff(path)
    raise _unusable(path, "expected a PDF or a TIFF file from a scanner")


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as exc:
        raise _unusable(path, f"cannot read the file ({exc.strerror})") from None


def _unusable(path: Path, message: str) -> UnusableInput:
    return UnusableInput(PacketError(SourcePos(str(path), None), "scan", message))


def _read_pdf(path: Path) -> Scan:
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        raise _unusable(path, "expected a PDF that opens (it is damaged or encrypted)") from None
    try:
        order = list(_FORMATS)
        pages = tuple(
            _page(number, _rasterise(path, document, number - 1), RASTER_DPI, order)
            for number in range(1, len(document) + 1)
        )
        created = _pdf_date(str(document.get_metadata_value("CreationDate")))
    finally:
        document.close()
    if not pages:
        raise _unusable(path, "expected at least one page")
    return Scan(pages, created or _modified(path))


def _rasterise(path: Path, document: pdfium.PdfDocument, index: int) -> Image.Image:
    try:
        page = document[index]
    except pdfium.PdfiumError:
        raise _unusable(path, f"page {index + 1}: expected a page that opens (the file is damaged)") from None
    try:
        image: Image.Image = page.render(scale=RASTER_DPI / 72).to_pil()
    finally:
        page.close()
    return image if _in_colour(image) else image.convert("L")


def _read_tiff(path: Path) -> Scan:
    # A damaged tag is a warning from Pillow that it skips it (an error in the tests): the pages decide.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_tiff_pages(path)


def _read_tiff_pages(path: Path) -> Scan:
    try:
        with Image.open(path) as tiff:
            created = _tiff_date(str(tiff.getexif().get(306, "")))
            pages, order = [], list(_FORMATS)
            for index in range(getattr(tiff, "n_frames", 1)):
                tiff.seek(index)
                dpi = float(tiff.info.get("dpi", (RASTER_DPI,))[0]) or RASTER_DPI
                frame = tiff.convert("RGB") if _in_colour(tiff) else tiff.convert("L")
                pages.append(_page(index + 1, frame, dpi, order))
    except (OSError, UnidentifiedImageError, ValueError, EOFError, Image.DecompressionBombError):
        raise _unusable(
            path, "expected a TIFF that opens (it is damaged, too large, or of a kind Pillow cannot read)"
        ) from None
    return Scan(tuple(pages), created or _modified(path))


def _in_colour(image: Image.Image) -> bool:
    """Whether a page has colour worth keeping (ink of a colour); a grey page is kept grey."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return False
    red, green, blue = image.convert("RGB").reduce(4).split()
    return (
        ImageChops.difference(red, green).getbbox() is not None
        or ImageChops.difference(red, blue).getbbox() is not None
    )


def _page(number: int, image: Image.Image, dpi: float, order: list[zxingcpp.BarcodeFormat]) -> ScannedPage:
    gray = image if image.mode == "L" else image.convert("L")
    found = find_code(gray, order)
    if found is None:
        return ScannedPage(number, None, _blank(gray), None)
    code, angle = found
    if code.value("DOC") == RECORD:  # printed for the record: never filed, so never kept
        return ScannedPage(number, code, False, None)
    upright = _upright(image, angle)
    kept = PageImage(upright.width, upright.height, upright.mode == "L", zlib.compress(upright.tobytes(), 3), dpi)
    return ScannedPage(number, code, False, kept)


def find_code(gray: Image.Image, order: list[zxingcpp.BarcodeFormat] | None = None) -> tuple[PageCode, float] | None:
    """The consent page's code in a greyscale page and the angle (degrees, clockwise, as zxing-cpp
    gives a code's orientation) the page is turned by; None when no attempt reads one.

    The strips along the page's bottom and top edges (where the code sits, the right way up or upside
    down) are searched first, for one symbology at a time in `order`: a scan's pages mostly share their
    layout's, and the one found moves to the front, so most pages are read in a fraction of the time
    the whole page for all four takes. Then the whole page, and the harder attempts, for all four."""
    order = order if order is not None else list(_FORMATS)
    for symbology in list(order):
        for strip in _strips(gray):
            found = _read(strip, 0, (symbology,))
            if found:
                order.remove(symbology)
                order.insert(0, symbology)
                return found
    for image, turned in _attempts(gray):
        found = _read(image, turned, _FORMATS)
        if found:
            return found
    return None


def _read(
    image: Image.Image, turned: int, formats: tuple[zxingcpp.BarcodeFormat, ...]
) -> tuple[PageCode, float] | None:
    # A tuple of formats is what zxing-cpp 3 asks for (`|` is deprecated), though its stubs say otherwise.
    for barcode in zxingcpp.read_barcodes(image, formats=cast(Any, formats), try_invert=False):
        code = read_payload(barcode.text, barcode.format == zxingcpp.BarcodeFormat.Code128)
        if code is not None:
            return code, (barcode.orientation + turned) % 360
    return None


def _strips(gray: Image.Image) -> tuple[Image.Image, Image.Image]:
    """The bottom and the top third of the page."""
    third = gray.height // 3
    return gray.crop((0, gray.height - third, gray.width, gray.height)), gray.crop((0, 0, gray.width, third))


def _attempts(gray: Image.Image) -> Iterator[tuple[Image.Image, int]]:
    """The whole page, turned each quarter, black and white, at half size: each with the turn
    (degrees, anticlockwise) it was given, which the code's orientation in it leaves out."""
    yield gray, 0
    for turn in _TURNS:
        yield gray.transpose(turn), _TURN_DEGREES[turn]
    yield gray.point(lambda v: 255 if v > 140 else 0), 0
    yield gray.reduce(2), 0


def _upright(image: Image.Image, angle: float) -> Image.Image:
    """The page turned back by the code's `angle` (clockwise): whole quarter turns exactly, a skew of
    a degree or more straightened (white in the corners it brings in)."""
    quarters = round(angle / 90) % 4
    skew = (angle - quarters * 90 + 180) % 360 - 180
    if quarters:
        image = image.transpose(_TURNS[quarters - 1])
    if abs(skew) >= 1:
        white = 255 if image.mode == "L" else (255, 255, 255)
        image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=white)
    return image


def _blank(gray: Image.Image) -> bool:
    darkest = cast(float, gray.reduce(8).getextrema()[0])  # one band: (lowest, highest)
    return darkest >= _BLANK_LEVEL


def _pdf_date(text: str) -> date | None:
    """A PDF date (`D:20261207…`) as a date, or None."""
    digits = text.removeprefix("D:")[:8]
    return _date(digits, "%Y%m%d")


def _tiff_date(text: str) -> date | None:
    """A TIFF DateTime (`2026:12:07 14:03:00`) as a date, or None."""
    return _date(text[:10], "%Y:%m:%d")


def _date(text: str, pattern: str) -> date | None:
    try:
        return datetime.strptime(text, pattern).date()
    except ValueError:
        return None


def _modified(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
