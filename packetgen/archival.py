"""The last stage before writing: a rendered PDF made PDF/A-2b, for the chart and the archive.

ReportLab's output is structurally sound but not PDF/A: it has no XMP metadata, no output intent for
its RGB colours, no end-of-line before `endstream`, and (in a print run) no trailer `/ID`. This adds
an sRGB output intent (the ICC profile pikepdf ships), XMP metadata mirroring the document info with
`pdfaid:part=2`, `conformance=B` and the document's language, and saves through qpdf (pikepdf),
which writes streams and the trailer as PDF/A asks.

Deterministic: the `/ID` is derived from the content (qpdf's deterministic ID) and the dates are the
content's effective date, a date that means something (the version of the text the patient got) and
never changes for the same inputs.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from importlib.resources import files

import pikepdf

_SRGB = "sRGB IEC61966-2.1"


@cache
def _srgb_profile() -> bytes:
    return (files("pikepdf") / "pdfa" / "data" / "sRGB.icc").read_bytes()


def to_pdfa(data: bytes, language: str, dated: date) -> bytes:
    """`data` as PDF/A-2b: same pages, same text, same look."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        profile = pdf.make_stream(_srgb_profile())
        profile[pikepdf.Name.N] = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String(_SRGB),
            Info=pikepdf.String(_SRGB),
            DestOutputProfile=profile,
        )
        pdf.Root.OutputIntents = pikepdf.Array([intent])
        # /Trapped (ReportLab's "False") has no XMP counterpart here: PDF/A wants the two to agree.
        if pikepdf.Name.Trapped in pdf.docinfo:
            del pdf.docinfo[pikepdf.Name.Trapped]
        stamp = f"D:{dated:%Y%m%d}000000Z"
        pdf.docinfo[pikepdf.Name.CreationDate] = pikepdf.String(stamp)
        pdf.docinfo[pikepdf.Name.ModDate] = pikepdf.String(stamp)
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp.load_from_docinfo(pdf.docinfo)
            xmp["pdfaid:part"] = "2"
            xmp["pdfaid:conformance"] = "B"
            xmp["dc:language"] = [language]
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()
