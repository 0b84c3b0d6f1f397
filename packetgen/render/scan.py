"""Scan-back codes: what a consent page says about itself, as a symbol an imaging system reads.

A signed consent is scanned back into the chart, often page by page and out of order, so each
page carries the patient, the encounter, the document type, the form and its version, the page
and the page count, and the packet's id. The payload is a URL query string (`MRN=…&ENC=…`),
written and read by the standard library on both sides. Symbols are drawn as filled rectangles
from a module matrix made by a well-kept encoder: zxing-cpp (QR), libdmtx (Data Matrix;
ReportLab's own ECC 200 encoder mis-encodes `=`), pdf417gen (PDF417), ReportLab's Code 128.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, cast
from urllib.parse import parse_qsl, quote, unquote, urlencode

from reportlab.pdfgen.canvas import Canvas

from ..models.packet import ScanBack

QUIET = 2
"""Modules of white space the layout keeps around a 2D symbol (and 10 beside a linear one)."""

_PDF417_COLUMNS = 6
_PDF417_ROW_HEIGHT = 3
"""PDF417 rows are drawn three modules high, the usual aspect."""


LINEAR_FIELDS = ("MRN", "ENC", "DOC", "FORM", "VER", "PKT", "PG")
"""The order of the values in a Code 128 payload (`|`-separated, ENC empty when unknown)."""

RECORD = "RECORD"
"""The DOC of the pages printing, after a translated consent, the source language's consent for the record
(and of the back left before them): never a consent page, never filed (`scanning.consents.group`)."""


def for_record(scan: ScanBack) -> ScanBack:
    """The same fields with `DOC=RECORD`: the code of a page printed for the record, not for signature."""
    fields = tuple((key, RECORD if key == "DOC" else value) for key, value in scan.fields)
    return replace(scan, fields=fields)


def payload(scan: ScanBack, page: int, count: int) -> str:
    """The ASCII text a page's code holds: the packet's fields, then `PG=page/count`.

    2D symbols hold a URL query string, `MRN=00012345&ENC=…&DOC=CONSENT&FORM=vp-consent&VER=1.0.0&PKT=…&PG=1/3`
    (read it with `urllib.parse.parse_qsl`); Code 128, narrow in capacity, holds the values alone in
    `LINEAR_FIELDS` order, `|`-separated, each percent-encoded like a query value."""
    fields = [*scan.fields, ("PG", f"{page}/{count}")]
    if scan.symbology == "code128":
        values = dict(fields)
        return "|".join(quote(values.get(key, ""), safe="/") for key in LINEAR_FIELDS)
    return urlencode(fields, safe="/")


_REQUIRED = ("MRN", "DOC", "FORM", "VER", "PKT")
_PAGE = re.compile(r"([1-9][0-9]{0,2})/([1-9][0-9]{0,2})")


@dataclass(frozen=True)
class PageCode:
    """What a scanned page's code says, read back by `read_payload`: the packet's fields and the page's
    place in its consent."""

    fields: tuple[tuple[str, str], ...]
    """(key, value) as `ScanBack.fields` holds them: MRN, ENC (when known), DOC, FORM, VER, PKT."""
    page: int
    count: int

    def value(self, key: str) -> str:
        """The field `key`'s value, empty when the code has none."""
        return dict(self.fields).get(key, "")


def read_payload(text: str, linear: bool) -> PageCode | None:
    """`payload`'s inverse: the fields of a code's text (`linear`: a Code 128's `|`-separated values),
    or None when the text is not a consent page's code (another barcode on the page, a damaged read)."""
    if linear:
        values = text.split("|")
        if len(values) != len(LINEAR_FIELDS):
            return None
        pairs = [(key, unquote(value)) for key, value in zip(LINEAR_FIELDS, values, strict=True) if value]
    else:
        try:
            pairs = parse_qsl(text, strict_parsing=True)
        except ValueError:
            return None
    found = dict(pairs)
    place = _PAGE.fullmatch(found.get("PG", ""))
    if len(found) != len(pairs) or not place or any(not found.get(key) for key in _REQUIRED):
        return None
    page, count = int(place[1]), int(place[2])
    if page > count:
        return None
    return PageCode(tuple((k, v) for k, v in pairs if k != "PG"), page, count)


@dataclass(frozen=True)
class Symbol:
    """A symbol ready to draw: its size in points and how to draw it at a point."""

    symbology: str
    width: float
    height: float
    rows: tuple[tuple[tuple[int, int], ...], ...] = ()
    """For 2D symbols: each row's dark runs as (first module, length), top row first."""
    module_height: float = 0.0
    value: str = ""
    module: float = 1.0

    def draw(self, canv: Canvas, x: float, y: float) -> None:
        """Draw with its lower-left corner at (x, y), in black."""
        canv.setFillColorRGB(0, 0, 0)
        if self.symbology == "code128":
            _code128(self.value, self.module, self.height).drawOn(canv, x, y)
            return
        # One filled path of rectangles, written as PDF operators directly: a symbol has hundreds of
        # runs, and ReportLab's path API formats each number through its general-purpose routine. The
        # path is drawn in modules (whole numbers, one module a unit, rows downwards from the top), scaled
        # and placed by one matrix.
        ops = [f"{start} {~r} {length} 1 re" for r, runs in enumerate(self.rows) for start, length in runs]
        place = f"q {self.module:.4f} 0 0 {self.module_height:.4f} {x:.3f} {y + self.height:.3f} cm"
        canv._code.append("\n".join([place, *ops, "f Q"]))


@lru_cache(maxsize=64)
def size_for(symbology: str, length: int, module: float) -> tuple[float, float]:
    """(width, height) of the symbol for any ASCII payload of `length` characters (as the symbology
    encodes our payloads: bytes): the room a layout keeps for it, found without the page's own data."""
    made = symbol(symbology, "x" * length, module)
    return made.width, made.height


def symbol(symbology: str, value: str, module: float) -> Symbol:
    """The symbol for `value` with modules `module` points wide."""
    if symbology == "code128":
        bars = _code128(value, module, module * 30)
        return Symbol(symbology, bars.width, bars.height, value=value, module=module)
    matrix, row_height = _matrix(symbology, value)
    width = max((len(row) for row in matrix), default=0) * module
    rows = tuple(_runs(row) for row in matrix)
    return Symbol(symbology, width, len(matrix) * module * row_height, rows, module * row_height, value, module)


def _code128(value: str, module: float, height: float) -> Any:
    # Imported here: ReportLab's barcode package loads every symbology, pylibdmtx's with a slow import.
    from reportlab.graphics.barcode.code128 import Code128

    return Code128(value, barWidth=module, barHeight=height, quiet=0, lquiet=0, rquiet=0)


def _matrix(symbology: str, value: str) -> tuple[tuple[bytes, ...], int]:
    """The symbol's modules, one byte each (1 dark, 0 light), top row first, and each row's height
    in modules."""
    if symbology == "qr":
        return _qr(value), 1
    if symbology == "datamatrix":
        return _datamatrix(value), 1
    if symbology == "pdf417":
        return _pdf417(value), _PDF417_ROW_HEIGHT
    raise ValueError(f"unknown symbology {symbology!r}")


_DARK_TO_ONE = bytes(int(v < 128) for v in range(256))
"""Grey levels (dark below 128) to module bytes."""


def _qr(value: str) -> tuple[bytes, ...]:
    """QR, error correction M, by zxing-cpp's writer (C++: a tenth of a pure-Python encoder's time,
    with the mask chosen by the standard's penalty scoring)."""
    import zxingcpp

    code = zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    pixels = memoryview(cast(Any, image)).tobytes().translate(_DARK_TO_ONE)  # a buffer, though not typed as one
    return tuple(pixels[y * width : (y + 1) * width] for y in range(height))


def _datamatrix(value: str) -> tuple[bytes, ...]:
    from pylibdmtx import pylibdmtx

    encoded = pylibdmtx.encode(value.encode("utf-8"))
    cell, border, bpp = 5, 10, 3  # libdmtx's image: 5 pixels a module, a 2-module margin, RGB
    rows = []
    for y in range(border, encoded.height - border, cell):
        line = encoded.pixels[y * encoded.width * bpp : (y + 1) * encoded.width * bpp]
        rows.append(bytes(line[x * bpp] < 128 for x in range(border, encoded.width - border, cell)))
    return tuple(rows)


def _pdf417(value: str) -> tuple[bytes, ...]:
    from pdf417gen import encode

    codes = encode(value, columns=_PDF417_COLUMNS, security_level=3)
    return tuple(bytes(bit == "1" for word in row for bit in format(word, "b")) for row in codes)


_DARK_RUN = re.compile(b"\x01+")


def _runs(row: bytes) -> tuple[tuple[int, int], ...]:
    return tuple((run.start(), run.end() - run.start()) for run in _DARK_RUN.finditer(row))
