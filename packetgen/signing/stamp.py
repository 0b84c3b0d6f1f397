"""What a tablet captured, drawn into the consent's boxes: each signature and each initials as vector
paths (the strokes as captured, no image), the printed name, date, time and further lines as text in
the layout's fonts, a tick over each chosen check box.

Each mark is drawn by ReportLab as a page of its own, which becomes a form XObject on the consent's
page, painted inside marked content of its own element in the structure tree (PDF/UA-1): a signature,
initials or tick a `Figure` with /Alt ("Signature of the witness", "Initials: Bleeding", "Ticked: By
phone") and its box as /BBox, written text a `P` whose text is real text. They go in one `Sect` at
the end of the document's structure, in signing order.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pikepdf
from babel.dates import format_date, format_time
from reportlab.pdfgen.canvas import Canvas

from ..language.labels import Labels, labels_for
from ..models.layout import Fonts
from ..render.fonts import FontSet, load_fonts
from .capture import Capture, CaptureError, SignerCapture, Stroke
from .layout import Box, Layout

INK = (0.05, 0.12, 0.45)
"""Blue-black, like a pen: a signature stands out from the printed form."""
SIGNING_FONTS = Fonts(
    regular="DejaVuSans.ttf",
    bold="DejaVuSans-Bold.ttf",
    italic="DejaVuSans-Oblique.ttf",
    bold_italic="DejaVuSans-BoldOblique.ttf",
    fallback=("wqy-microhei.ttc", "Lohit-Devanagari.ttf", "Amiri-Regular.ttf"),
)
"""The letter layout's fonts, with its fallbacks: a name in any script the packet could print."""

Draw = Callable[[Canvas, FontSet], None]


@dataclass(frozen=True)
class Mark:
    """One thing drawn into one box."""

    box: Box
    role: str
    """Its structure element: `Figure` (ink, a tick) or `P` (written text)."""
    alt: str | None
    draw: Draw
    text: str | None = None
    """The text it writes, if any."""


def role_name(role: str, layout: Layout) -> str:
    """A signer's role as the consent prints it (its heading)."""
    signer = layout.signer(role)
    return signer.heading if signer is not None else role


def marks(layout: Layout, capture: Capture, zone: ZoneInfo) -> list[Mark]:
    """Every mark of the capture, in signing order: the patient's initials and ticks, then each signer."""
    labels = labels_for(layout.language)
    found: list[Mark] = []
    for box_id, strokes in capture.initials.items():
        box = layout.by_id[box_id]
        found.append(
            Mark(box, "Figure", f"Initials: {box.label}" if box.label else "Initials", _ink(box, strokes, 1.0))
        )
    for tick in capture.ticks:
        box = layout.by_id[tick]
        found.append(Mark(box, "Figure", f"Ticked: {box.label}", _tick(box)))
    for signer in capture.signers:
        found += list(_signer_marks(layout, signer, labels, zone))
    return found


def _signer_marks(layout: Layout, signer: SignerCapture, labels: Labels, zone: ZoneInfo) -> Iterator[Mark]:
    name = role_name(signer.role, layout)
    boxes = {box.kind: box for box in layout.boxes if box.role == signer.role and box.kind != "field"}
    for tick in signer.ticks:
        box = layout.by_id[tick]
        yield Mark(box, "Figure", f"Ticked: {box.label}", _tick(box))
    moment = signer.signed_at.astimezone(zone)
    if "signature" in boxes:
        box = boxes["signature"]
        yield Mark(box, "Figure", f"Signature of {name}", _ink(box, signer.signature, 1.3))
    written = {
        "printed_name": signer.name,
        "date": format_date(moment.date(), labels.date_medium, locale=layout.language.replace("-", "_")),
        "time": format_time(moment.timetz(), labels.time, locale=layout.language.replace("-", "_")),
    }
    for kind, text in written.items():
        if kind in boxes:
            yield Mark(boxes[kind], "P", None, _text(boxes[kind], text), text)
    for box_id, text in signer.fields.items():
        yield Mark(layout.by_id[box_id], "P", None, _text(layout.by_id[box_id], text), text)


def _clip(canv: Canvas, box: Box) -> None:
    left, bottom, right, top = box.rect
    path = canv.beginPath()
    path.rect(left, bottom, right - left, top - bottom)
    canv.clipPath(path, stroke=0, fill=0)


def _ink(box: Box, strokes: tuple[Stroke, ...], width: float) -> Draw:
    def draw(canv: Canvas, _fonts: FontSet) -> None:
        left, bottom, right, top = box.rect
        w, h = right - left, top - bottom
        canv.saveState()
        _clip(canv, box)
        canv.setStrokeColorRGB(*INK)
        canv.setLineWidth(width)
        canv.setLineCap(1)
        canv.setLineJoin(1)
        path = canv.beginPath()
        for stroke in strokes:
            (x, y), rest = stroke[0], stroke[1:] or stroke[:1]  # a dot: a line to itself, round-capped
            path.moveTo(left + x * w, top - y * h)
            for x, y in rest:
                path.lineTo(left + x * w, top - y * h)
        canv.drawPath(path, stroke=1, fill=0)
        canv.restoreState()

    return draw


def _tick(box: Box) -> Draw:
    def draw(canv: Canvas, _fonts: FontSet) -> None:
        left, bottom, right, top = box.rect
        w, h = right - left, top - bottom
        canv.saveState()
        _clip(canv, box)
        canv.setStrokeColorRGB(*INK)
        canv.setLineWidth(max(1.0, w / 8))
        canv.setLineCap(1)
        canv.setLineJoin(1)
        path = canv.beginPath()
        path.moveTo(left + 0.2 * w, bottom + 0.5 * h)
        path.lineTo(left + 0.42 * w, bottom + 0.22 * h)
        path.lineTo(left + 0.82 * w, bottom + 0.85 * h)
        canv.drawPath(path, stroke=1, fill=0)
        canv.restoreState()

    return draw


def _text(box: Box, text: str) -> Draw:
    def draw(canv: Canvas, fonts: FontSet) -> None:
        left, bottom, right, top = box.rect
        size = min(12.0, (top - bottom) * 0.7)
        while size > 5 and fonts.width(text, fonts.regular, size) > right - left - 4:
            size -= 0.5
        canv.saveState()
        _clip(canv, box)
        canv.setFillColorRGB(*INK)
        fonts.draw(canv, left + 2, bottom + 2, text, fonts.regular, size)
        canv.restoreState()

    return draw


def _overlay(found: list[Mark], sizes: list[tuple[float, float]], fonts: FontSet) -> bytes:
    """One PDF page per mark, each the size of the consent's page the mark goes on."""
    out = io.BytesIO()
    canv = Canvas(out, invariant=1, pageCompression=1)
    for mark in found:
        canv.setPageSize(sizes[mark.box.page])
        mark.draw(canv, fonts)
        canv.showPage()
    canv.save()
    return out.getvalue()


class Structure:
    """The consent's structure tree, for adding elements and their marked content (PDF/UA-1)."""

    def __init__(self, pdf: pikepdf.Pdf, title: str) -> None:
        self.pdf = pdf
        root = pdf.Root.StructTreeRoot
        self.root = root
        document = root.K if isinstance(root.K, pikepdf.Dictionary) else root.K[0]
        self.section = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Sect, P=document, T=pikepdf.String(title))
        )
        self.section.K = pikepdf.Array()
        kids = document.K
        if not isinstance(kids, pikepdf.Array):
            document.K = pikepdf.Array([kids])
        document.K.append(self.section)
        self.nums = root.ParentTree.Nums

    def _marked(self, page: pikepdf.Page) -> pikepdf.Array:
        key = int(page.obj.StructParents)
        for i in range(0, len(self.nums), 2):
            if int(self.nums[i]) == key:
                return cast(pikepdf.Array, self.nums[i + 1])
        raise ValueError("a page without its marked content in the structure tree")

    def add(
        self,
        page: pikepdf.Page,
        role: str,
        alt: str | None = None,
        bbox: tuple[float, ...] | None = None,
        parent: pikepdf.Object | None = None,
    ) -> int:
        """A new element on `page` holding one marked-content sequence: its MCID."""
        marked = self._marked(page)
        mcid = len(marked)
        parent = self.section if parent is None else parent
        element = self.pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name("/" + role), P=parent, Pg=page.obj, K=mcid)
        )
        if alt is not None:
            element.Alt = pikepdf.String(alt)
        if bbox is not None:
            element.A = pikepdf.Dictionary(O=pikepdf.Name.Layout, BBox=pikepdf.Array(list(bbox)))
        marked.append(element)
        parent.K.append(element)
        return mcid

    def new_page(self, page: pikepdf.Page) -> None:
        """A page added to the document: its own entry in the parent tree."""
        key = int(self.root.ParentTreeNextKey)
        page.obj.StructParents = key
        page.obj.Tabs = pikepdf.Name.S
        self.nums.append(key)
        self.nums.append(self.pdf.make_indirect(pikepdf.Array()))
        self.root.ParentTreeNextKey = key + 1


def stamp(pdf: pikepdf.Pdf, structure: Structure, found: list[Mark], font_dirs: tuple[Path, ...] = ()) -> None:
    """Draw `found` into `pdf`'s pages, each mark tagged in `structure`."""
    if not found:
        return
    fonts = load_fonts(SIGNING_FONTS, font_dirs)
    for mark in found:  # a name no font can draw is an error, never empty boxes
        if mark.text is not None and not all(fonts.can_draw(ch) for ch in mark.text):
            raise CaptureError(f"capture: {mark.box.id}: a character no font can draw")
    sizes = [
        (float(p.mediabox[2]) - float(p.mediabox[0]), float(p.mediabox[3]) - float(p.mediabox[1])) for p in pdf.pages
    ]
    overlay = pikepdf.open(io.BytesIO(_overlay(found, sizes, fonts)))
    added: dict[int, list[bytes]] = {}
    for index, mark in enumerate(found):
        page = pdf.pages[mark.box.page]
        form = pdf.copy_foreign(overlay.pages[index].as_form_xobject())
        name = page.add_resource(form, pikepdf.Name.XObject, prefix="Sg")
        bbox = mark.box.rect if mark.role == "Figure" else None
        mcid = structure.add(page, mark.role, mark.alt, bbox)
        ops = f"/{mark.role} <</MCID {mcid}>> BDC q {name} Do Q EMC\n".encode("ascii")
        added.setdefault(mark.box.page, []).append(ops)
    for number, page_ops in added.items():
        page = pdf.pages[number]
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(b"Q\n" + b"".join(page_ops)))


def moment_text(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """A signing moment as the audit page prints it: date, time and the zone's abbreviation."""
    local = moment.astimezone(zone)
    labels = labels_for(language)
    locale = language.replace("-", "_")
    day = format_date(local.date(), labels.date_medium, locale=locale)
    return f"{day}, {format_time(local.timetz(), labels.time, locale=locale)} {local.tzname()}"
