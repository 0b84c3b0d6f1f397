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
import zlib
from datetime import date
from functools import cache
from importlib.resources import files
from xml.sax.saxutils import escape

import pikepdf

_SRGB = "sRGB IEC61966-2.1"


@cache
def _srgb_profile_compressed() -> bytes:
    return zlib.compress((files("pikepdf") / "pdfa" / "data" / "sRGB.icc").read_bytes(), 9)


def _single_filters_as_names(pdf: pikepdf.Pdf) -> None:
    """`/Filter [/FlateDecode]` (ReportLab's way) as `/Filter /FlateDecode`: qpdf leaves a stream
    compressed by Flate alone as it is, but decodes and compresses again one whose filter is an
    array, which was most of this stage's time."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            filters = obj.get(pikepdf.Name.Filter)
            if isinstance(filters, pikepdf.Array) and len(filters) == 1:
                obj[pikepdf.Name.Filter] = filters[0]


def to_pdfa(data: bytes, language: str, dated: date) -> bytes:
    """`data` as PDF/A-2b: same pages, same text, same look."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _single_filters_as_names(pdf)
        profile = pdf.make_stream(_srgb_profile_compressed())
        profile[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
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
        xmp = pdf.make_stream(_xmp(pdf.docinfo, language, dated).encode("utf-8"))
        xmp[pikepdf.Name.Type] = pikepdf.Name.Metadata
        xmp[pikepdf.Name.Subtype] = pikepdf.Name.XML
        pdf.Root.Metadata = xmp
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()


def _xmp(info: pikepdf.Dictionary, language: str, dated: date) -> str:
    """The XMP packet mirroring the document info, every namespace declared on its description (as
    PDF/A validators such as PDFBox's Preflight read it)."""

    def text(key: str) -> str:
        value = info.get(key)
        return escape(str(value)) if value is not None else ""

    moment = f"{dated.isoformat()}T00:00:00Z"
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text("/Title")}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{text("/Author")}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text("/Subject")}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>
<pdf:Keywords>{text("/Keywords")}</pdf:Keywords>
<pdf:Producer>{text("/Producer")}</pdf:Producer>
<xmp:CreatorTool>{text("/Creator")}</xmp:CreatorTool>
<xmp:CreateDate>{moment}</xmp:CreateDate>
<xmp:ModifyDate>{moment}</xmp:ModifyDate>
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
