"""Scanned pages filed as one PDF/A-2b: each page one image at its scanned size, the document's
identifiers in its metadata.

The images come already compressed (Flate, by the caller that holds them), so a long scan is never
in memory as pixels; the PDF is then made PDF/A by the same step as a packet (`archival.to_pdfa`),
which mirrors the document info (title, subject, keywords) into the XMP.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pikepdf

from .archival import to_pdfa


@dataclass(frozen=True)
class PageImage:
    """One scanned page, upright: its pixels Flate-compressed, row by row, 8 bits a sample."""

    width: int
    height: int
    gray: bool
    """One sample a pixel (DeviceGray), else three (DeviceRGB)."""
    flate: bytes
    dpi: float
    """The resolution it was scanned (or rasterised) at: the page's size is the paper's."""


def scanned_pdfa(pages: Sequence[PageImage], info: Mapping[str, str], language: str, dated: date) -> bytes:
    """`pages` as one PDF/A-2b, each page the size of its image at its resolution; `info` its document
    info (`Title`, `Subject`, `Keywords`…), mirrored into the XMP."""
    pdf = pikepdf.new()
    for page in pages:
        image = pdf.make_stream(page.flate)
        image[pikepdf.Name.Type] = pikepdf.Name.XObject
        image[pikepdf.Name.Subtype] = pikepdf.Name.Image
        image[pikepdf.Name.Width] = page.width
        image[pikepdf.Name.Height] = page.height
        image[pikepdf.Name.ColorSpace] = pikepdf.Name.DeviceGray if page.gray else pikepdf.Name.DeviceRGB
        image[pikepdf.Name.BitsPerComponent] = 8
        image[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
        width, height = page.width * 72 / page.dpi, page.height * 72 / page.dpi
        contents = pdf.make_stream(f"q {width:.3f} 0 0 {height:.3f} 0 0 cm /Scan Do Q".encode("ascii"))
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=pikepdf.Array([0, 0, round(width, 3), round(height, 3)]),
                    Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Scan=image)),
                    Contents=contents,
                )
            )
        )
    for key, value in info.items():
        pdf.docinfo[pikepdf.Name("/" + key)] = pikepdf.String(value)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return to_pdfa(out.getvalue(), language, dated)
