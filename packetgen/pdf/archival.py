"""The last stage before writing: a rendered PDF made PDF/A-2b, for the chart and the archive.

ReportLab's output is structurally sound but not PDF/A: it has no XMP metadata, no output intent for
its RGB colours, no end-of-line before `endstream`, and (in a print run) no trailer `/ID`. This adds
an sRGB output intent (the ICC profile pikepdf ships), XMP metadata mirroring the document info with
`pdfaid:part=2`, `conformance=B` and the document's language (and, for a packet whose text includes
shared fragments, each one's id and version: `packetgen:fragments`), and saves through qpdf (pikepdf),
which writes streams and the trailer as PDF/A asks.

Deterministic: the `/ID` is derived from the content (qpdf's deterministic ID) and the dates are the
content's effective date, a date that means something (the version of the text the patient got) and
never changes for the same inputs.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from datetime import date
from functools import cache
from importlib.resources import files

import pikepdf

from ..markup import escape  # xml.sax.saxutils' escape would import urllib.request
from ..models.structure import Element, MarkedContent

SRGB = "sRGB IEC61966-2.1"


@cache
def srgb_profile_compressed() -> bytes:
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


def to_pdfa(
    data: bytes,
    language: str,
    dated: date,
    structure: Element | None = None,
    fragments: Sequence[tuple[str, str]] = (),
) -> bytes:
    """`data` as PDF/A-2b: same pages, same text, same look; with its `structure` (what the renderer
    recorded), a tagged PDF too (PDF/UA-1); its XMP lists the shared `fragments` its text includes, as
    (id, version) pairs."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _single_filters_as_names(pdf)
        if structure is not None:
            _tag(pdf, structure)
        profile = pdf.make_stream(srgb_profile_compressed())
        profile[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
        profile[pikepdf.Name.N] = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String(SRGB),
            Info=pikepdf.String(SRGB),
            DestOutputProfile=profile,
        )
        pdf.Root.OutputIntents = pikepdf.Array([intent])
        # /Trapped (ReportLab's "False") has no XMP counterpart here: PDF/A wants the two to agree.
        if pikepdf.Name.Trapped in pdf.docinfo:
            del pdf.docinfo[pikepdf.Name.Trapped]
        stamp = f"D:{dated:%Y%m%d}000000Z"
        pdf.docinfo[pikepdf.Name.CreationDate] = pikepdf.String(stamp)
        pdf.docinfo[pikepdf.Name.ModDate] = pikepdf.String(stamp)
        tagged = pikepdf.Name.StructTreeRoot in pdf.Root  # this packet's, or a print run's of its packets
        xmp = pdf.make_stream(xmp_packet(pdf.docinfo, language, dated, tagged, fragments).encode("utf-8"))
        xmp[pikepdf.Name.Type] = pikepdf.Name.Metadata
        xmp[pikepdf.Name.Subtype] = pikepdf.Name.XML
        pdf.Root.Metadata = xmp
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()


_ROLES = {name: pikepdf.Name("/" + name) for name in ("Table", "Layout", "List", "Column", "MCR", "StructElem")}
_K = pikepdf.Name.K


def _attributes(element: Element) -> pikepdf.Dictionary | None:
    """An element's attributes (/A): a header cell's scope, a figure's box, a numbered list's numbering."""
    if element.scope is not None:
        return pikepdf.Dictionary(O=_ROLES["Table"], Scope=pikepdf.Name("/" + element.scope))
    if element.bbox is not None:
        return pikepdf.Dictionary(O=_ROLES["Layout"], BBox=pikepdf.Array(list(element.bbox)))
    if element.list_numbering is not None:
        return pikepdf.Dictionary(O=_ROLES["List"], ListNumbering=pikepdf.Name("/" + element.list_numbering))
    return None


def _tag(pdf: pikepdf.Pdf, structure: Element) -> None:
    """The structure tree (ISO 32000-1 §14.7): each element a StructElem in reading order, each
    page's marked content found from its /StructParents through the ParentTree; /MarkInfo and
    tab order by structure, as PDF/UA-1 asks."""
    pages = [page.obj for page in pdf.pages]
    owners: dict[int, dict[int, pikepdf.Object]] = {n: {} for n in range(1, len(pages) + 1)}
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))

    structure_element = _ROLES["StructElem"]
    roles: dict[str, pikepdf.Name] = {}

    def make(element: Element, parent: pikepdf.Object) -> pikepdf.Object | None:
        role = roles.get(element.role)
        if role is None:
            role = roles[element.role] = pikepdf.Name("/" + element.role)
        fields: dict[str, object] = {"/Type": structure_element, "/S": role, "/P": parent}
        if element.alt is not None:
            fields["/Alt"] = pikepdf.String(element.alt)
        if element.lang is not None:
            fields["/Lang"] = pikepdf.String(element.lang)
        if element.actual_text is not None:
            fields["/ActualText"] = pikepdf.String(element.actual_text)
        attributes = _attributes(element)
        if attributes is not None:
            fields["/A"] = attributes
        on = {kid.page for kid in element.kids if isinstance(kid, MarkedContent)}
        if len(on) == 1:
            fields["/Pg"] = pages[next(iter(on)) - 1]
        node = pdf.make_indirect(pikepdf.Dictionary(fields))
        kids: list[pikepdf.Object | int] = []
        for kid in element.kids:
            if isinstance(kid, MarkedContent):
                owners[kid.page][kid.mcid] = node
                if len(on) == 1:
                    kids.append(kid.mcid)
                else:
                    kids.append(pikepdf.Dictionary(Type=_ROLES["MCR"], Pg=pages[kid.page - 1], MCID=kid.mcid))
            else:
                made = make(kid, node)
                if made is not None:
                    kids.append(made)
        if not kids and element.role not in ("TD", "TH"):  # nothing drawn: no element (a cell stays a cell)
            return None
        node[_K] = kids[0] if len(kids) == 1 else pikepdf.Array(kids)  # one kid: itself, as most writers do
        return node

    document = make(structure, root)
    root.K = document if document is not None else pikepdf.Array([])
    nums: list[pikepdf.Object | int] = []
    for number, page in enumerate(pages):
        page.StructParents = number
        page.Tabs = pikepdf.Name.S
        mine = owners[number + 1]
        nums += [number, pdf.make_indirect(pikepdf.Array([mine[mcid] for mcid in range(len(mine))]))]
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = len(pages)
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)


_EXTENSION_SCHEMAS = """<rdf:Description rdf:about=""
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas>
<rdf:Bag>
{schemas}</rdf:Bag>
</pdfaExtension:schemas>
</rdf:Description>
"""
"""The extension schemas PDF/A asks for the properties it does not define (`pdfuaid:part`,
`packetgen:fragments`), all in one description of its own ahead of those that use them (PDFBox's XMP
parser knows a namespace only once its schema has been read, and reads one such description)."""

_PDFUA_SCHEMA = """<rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property>
<rdf:Seq>
<rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li>
</rdf:Seq>
</pdfaSchema:property>
</rdf:li>
"""

_PDFUA_PART = """<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description>
"""


_PACKETGEN_NS = "http://ns.packetgen.invalid/packet/1.0/"
"""The namespace of the packet's own XMP properties (an identifier only: nothing is fetched from it)."""

_PACKETGEN_SCHEMA = f"""<rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>packetgen packet provenance</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{_PACKETGEN_NS}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>packetgen</pdfaSchema:prefix>
<pdfaSchema:property>
<rdf:Seq>
<rdf:li rdf:parseType="Resource">
<pdfaProperty:name>fragments</pdfaProperty:name>
<pdfaProperty:valueType>bag Text</pdfaProperty:valueType>
<pdfaProperty:category>external</pdfaProperty:category>
<pdfaProperty:description>Shared fragments the packet's text includes: id and version</pdfaProperty:description>
</rdf:li>
</rdf:Seq>
</pdfaSchema:property>
</rdf:li>
"""
"""The extension schema of `packetgen:fragments`."""


def _extensions(tagged: bool, fragments: Sequence[tuple[str, str]]) -> str:
    """The description of the extension schemas the packet's XMP uses; none when it uses none."""
    schemas = (_PDFUA_SCHEMA if tagged else "") + (_PACKETGEN_SCHEMA if fragments else "")
    return _EXTENSION_SCHEMAS.format(schemas=schemas) if schemas else ""


def _fragments(fragments: Sequence[tuple[str, str]]) -> str:
    """`packetgen:fragments`, a bag of `id version` (`sedation-consent 1.0.0`); none without fragments."""
    if not fragments:
        return ""
    items = "".join(f"<rdf:li>{escape(f'{fragment_id} {version}')}</rdf:li>" for fragment_id, version in fragments)
    return (
        f'<rdf:Description rdf:about="" xmlns:packetgen="{_PACKETGEN_NS}">\n'
        f"<packetgen:fragments><rdf:Bag>{items}</rdf:Bag></packetgen:fragments>\n"
        "</rdf:Description>\n"
    )


def xmp_packet(
    info: pikepdf.Dictionary,
    language: str,
    dated: date,
    tagged: bool = False,
    fragments: Sequence[tuple[str, str]] = (),
) -> str:
    """The XMP packet mirroring the document info, every namespace declared on its description (as
    PDF/A validators such as PDFBox's Preflight read it)."""

    def text(key: str) -> str:
        value = info.get(key)
        return escape(str(value)) if value is not None else ""

    moment = f"{dated.isoformat()}T00:00:00Z"
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
{_extensions(tagged, fragments)}<rdf:Description rdf:about=""
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
{_PDFUA_PART if tagged else ""}{_fragments(fragments)}</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
