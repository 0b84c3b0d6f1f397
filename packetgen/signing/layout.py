"""Where a consent's boxes are, read from the issued PDF: the captions the consent prints (PDFium's
text runs) and its ruled lines and cells (PDFium's path objects).

A signature block prints, under a role heading ("Patient or legal representative"…), a row of ruled
lines, each with its caption below ("Signature", "Printed name", "Date", "Time") and further lines
("Relationship to patient"…); check boxes are the U+2610 glyphs the consent prints before each choice;
an initials box is a ruled cell in the column (or the box) headed by the "Initials" caption. Only
the pages whose scan-back line says `DOC CONSENT` are read.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import pikepdf
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from PIL import Image

from ..language.labels import Labels, labels_for

Kind = Literal["signature", "printed_name", "date", "time", "field", "choice", "initials"]
Rect = tuple[float, float, float, float]
"""(left, bottom, right, top) in PDF points, the page's own coordinates."""

ROLE_KEYS = ("patient", "provider", "witness", "interpreter", "telephone_witness")
"""Each signer, in signing order (the label `signer_<role>` is its heading; `telephone` for the last)."""

_CONSENT_PAGE = re.compile(r"\bDOC CONSENT\b")
_BALLOT_BOX = "\u2610"


@dataclass(frozen=True)
class Box:
    """One place on the consent to fill in."""

    id: str
    """Stable within a consent: `patient.signature`, `witness.date`, `interpreter.choice.2`,
    `patient.field.1` (a further line), `initials.3`, `choice.1` (a check box in the consent's text)."""
    kind: Kind
    page: int
    """0-based index of the page in the PDF."""
    rect: Rect
    """Where to write or draw: above a ruled line, inside a cell (below its caption), over a check box."""
    role: str | None
    """The signer's key (`ROLE_KEYS`) for a signature block's boxes; None for initials and the text's choices."""
    label: str
    """The caption under the line, the choice's text, or the risk or statement an initials box belongs to."""


@dataclass(frozen=True)
class Signer:
    """One signature block: its role key, its heading as printed, and its boxes' ids."""

    role: str
    heading: str
    page: int
    boxes: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """Every box of a consent, in reading order (page, then top to bottom, then left to right)."""

    boxes: tuple[Box, ...]
    signers: tuple[Signer, ...]
    consent_pages: tuple[int, ...]
    language: str
    identifiers: str = ""
    """The running header's identifiers as the consent prints them (name, date of birth, MRN)."""
    form_line: str = ""
    """The consent's scan-back line in small print (MRN, form, version, appointment id, `PG 5/5`)."""
    by_id: dict[str, Box] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {box.id: box for box in self.boxes})

    def of_kind(self, kind: Kind) -> list[Box]:
        return [box for box in self.boxes if box.kind == kind]

    def signer(self, role: str) -> Signer | None:
        return next((s for s in self.signers if s.role == role), None)


@dataclass(frozen=True)
class _Run:
    rect: Rect
    text: str


def _runs(page: pdfium.PdfPage) -> list[_Run]:
    text = page.get_textpage()
    runs = []
    for i in range(text.count_rects()):
        rect = text.get_rect(i)
        content = text.get_text_bounded(*rect).strip()
        if content:
            runs.append(_Run(tuple(rect), content))
    return runs


def _ballot_boxes(page: pdfium.PdfPage) -> list[Rect]:
    """Each U+2610 BALLOT BOX glyph the page prints (a check box), by its glyph's box."""
    text = page.get_textpage()
    found = []
    for index in range(text.count_chars()):
        if text.get_text_range(index, 1) == _BALLOT_BOX:
            found.append(tuple(text.get_charbox(index)))
    return found


def _segments(page: pdfium.PdfPage) -> tuple[list[Rect], list[Rect]]:
    """The page's horizontal and vertical ruled lines (one-segment paths), by their bounds."""
    horizontal, vertical = [], []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        if pdfium_c.FPDFPath_CountSegments(obj) > 5:
            continue
        if top - bottom < 3 and right - left > 15:
            horizontal.append((left, bottom, right, top))
        elif right - left < 3 and top - bottom > 10:
            vertical.append((left, bottom, right, top))
    return horizontal, vertical


def _mid(a: float, b: float) -> float:
    return (a + b) / 2


def _role_of(text: str, labels: Labels) -> str | None:
    headings = {
        "interpreter_required": labels.signer_interpreter_required,
        "patient": labels.signer_patient,
        "provider": labels.signer_provider,
        "witness": labels.signer_witness,
        "interpreter": labels.signer_interpreter,
        "telephone_witness": labels.signer_telephone,
    }
    found = next((key for key, heading in headings.items() if text.startswith(heading)), None)
    return "interpreter" if found == "interpreter_required" else found


def _caption_kind(caption: str, labels: Labels) -> Kind:
    kinds: dict[str, Kind] = {
        labels.signature: "signature",
        labels.printed_name: "printed_name",
        labels.signed_date: "date",
        labels.signed_time: "time",
    }
    return kinds.get(caption, "field")


class _Builder:
    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.boxes: list[Box] = []
        self.signers: list[Signer] = []
        self.role: str | None = None
        self.counts: dict[str, int] = {}

    def add(self, role: str | None, kind: Kind, page: int, rect: Rect, label: str) -> None:
        """A box; its id is `ROLE.KIND` (a second of a kind in one block, and every further line, check
        box and initials box numbered: `ROLE.field.2`, `initials.3`, `choice.1`)."""
        key = f"{role}.{kind}" if role is not None else kind
        numbered = kind in ("field", "choice", "initials")
        self.counts[key] = self.counts.get(key, 0) + 1
        if numbered or self.counts[key] > 1:
            key = f"{key}.{self.counts[key]}"
        self.boxes.append(Box(key, kind, page, tuple(round(v, 2) for v in rect), role, label))  # type: ignore[arg-type]
        if role is not None and self.signers and self.signers[-1].role == role:
            last = self.signers[-1]
            self.signers[-1] = Signer(last.role, last.heading, last.page, (*last.boxes, key))

    def rows_levelled(self) -> list[Box]:
        """The lines of one row, each as tall as the row's lowest room to write (text above one line
        of a row, such as the end of an attestation, does not make that line taller)."""
        lines = ("signature", "printed_name", "date", "time", "field")
        tops: dict[tuple[int, float], float] = {}
        for box in self.boxes:
            if box.kind in lines:
                key = (box.page, box.rect[1])
                tops[key] = min(tops.get(key, box.rect[3]), box.rect[3])
        return [
            Box(b.id, b.kind, b.page, (*b.rect[:3], tops[(b.page, b.rect[1])]), b.role, b.label)
            if b.kind in lines
            else b
            for b in self.boxes
        ]


def find_boxes(pdf: bytes) -> Layout:
    """Every box of the consent in `pdf` (a packet or its consent alone)."""
    language = _language(pdf)
    document = pdfium.PdfDocument(pdf)
    try:
        labels = labels_for(language)
        builder = _Builder(labels)
        consent_pages = []
        identifiers = form_line = ""
        for index in range(len(document)):
            page = document[index]
            runs = _runs(page)
            if not any(_CONSENT_PAGE.search(run.text) for run in runs):
                continue
            consent_pages.append(index)
            _read_page(builder, index, page, runs)
            lines = [line.strip() for line in page.get_textpage().get_text_range().splitlines()]
            identifiers = next((ln for ln in lines if f"{labels.date_of_birth}:" in ln and f"{labels.mrn}:" in ln), "")
            form_line = next((ln for ln in lines if _CONSENT_PAGE.search(ln)), "")
        return Layout(
            tuple(builder.rows_levelled()),
            tuple(builder.signers),
            tuple(consent_pages),
            language,
            identifiers,
            form_line,
        )
    finally:
        document.close()


def _language(pdf: bytes) -> str:
    """The document's language (the catalog's /Lang), which the consent's captions are in."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        lang = document.Root.get("/Lang")
        return str(lang) if lang is not None else "en"


def _items(page: pdfium.PdfPage, runs: list[_Run]) -> Iterator[tuple[float, float, str, object]]:
    """The page's headings, lines with captions, check boxes and initials captions, top to bottom."""
    horizontal, _vertical = _segments(page)
    for run in runs:
        yield run.rect[3], run.rect[0], "run", run
    for line in horizontal:
        yield _mid(line[1], line[3]) + 0.01, line[0], "line", line
    for box in _ballot_boxes(page):
        yield box[3] - 0.01, box[0], "ballot", box


def _read_page(builder: _Builder, index: int, page: pdfium.PdfPage, runs: list[_Run]) -> None:
    labels = builder.labels
    horizontal, vertical = _segments(page)
    headings = [(run, _role_of(run.text, labels)) for run in runs]
    items = sorted(_items(page, runs), key=lambda item: (-item[0], item[1]))
    signatures_started = builder.role is not None
    # the page's footer (its rule, the form's line) is below the scan-back line: no box there
    floor = max((run.rect[3] for run in runs if _CONSENT_PAGE.search(run.text)), default=0.0)
    for _top, _left, what, obj in items:
        if what == "run":
            run = obj
            assert isinstance(run, _Run)
            role = dict((id(r), k) for r, k in headings).get(id(run))
            if role is not None:
                builder.role, signatures_started = role, True
                builder.signers.append(Signer(role, run.text.replace(_BALLOT_BOX, "").strip(), index, ()))
            elif run.text == labels.initials:
                _initials(builder, index, run, runs, horizontal, vertical)
        elif what == "line" and signatures_started and builder.role is not None:
            line = obj
            assert isinstance(line, tuple)
            if _mid(line[1], line[3]) <= floor:
                continue
            caption = _caption_under(line, runs)
            if caption is None:
                continue
            kind = _caption_kind(caption.text, labels)
            rect = _above(line, runs, horizontal)
            builder.add(builder.role, kind, index, rect, caption.text)
        elif what == "ballot":
            box = obj
            assert isinstance(box, tuple)
            label = _choice_text(box, runs)
            builder.add(builder.role if signatures_started else None, "choice", index, box, label)


def _caption_under(line: Rect, runs: list[_Run]) -> _Run | None:
    """The caption printed just under a ruled line, starting where it starts."""
    y = _mid(line[1], line[3])
    for run in runs:
        if abs(run.rect[0] - line[0]) <= 4 and 0 <= y - run.rect[3] <= 8:
            return run
    return None


def _above(line: Rect, runs: list[_Run], horizontal: list[Rect]) -> Rect:
    """The room to write above a ruled line: up to the nearest text or line above it (at most 36 pt)."""
    left, right = line[0] + 1, line[2] - 1
    y = _mid(line[1], line[3])
    ceiling = y + 36
    for rect in [run.rect for run in runs] + horizontal:
        overlaps = rect[0] < right and rect[2] > left
        if overlaps and rect[1] > y + 1:
            ceiling = min(ceiling, rect[1])
    return (left, y + 1, right, ceiling - 1)


def _choice_text(box: Rect, runs: list[_Run]) -> str:
    """The choice printed after a check box: in the box's own run, else the next run on its line."""
    cy = _mid(box[1], box[3])
    on_line = [run for run in runs if run.rect[1] - 2 <= cy <= run.rect[3] + 2]
    for run in on_line:
        if run.rect[0] - 2 <= box[0] <= run.rect[2]:
            after = run.text.split(_BALLOT_BOX, 1)[-1].split(_BALLOT_BOX, 1)[0].strip()
            if after:
                return after
    following = sorted((run for run in on_line if run.rect[0] >= box[2] - 1), key=lambda run: run.rect[0])
    return following[0].text.split(_BALLOT_BOX, 1)[0].strip() if following else ""


def _initials(
    builder: _Builder, index: int, caption: _Run, runs: list[_Run], horizontal: list[Rect], vertical: list[Rect]
) -> None:
    """The cells of the column (or the one box) the `Initials` caption heads."""
    left_x, right_x, caption_bottom = caption.rect[0], caption.rect[2], caption.rect[1]

    def heads(v: Rect) -> bool:  # the caption is inside the rule's height, or just above its top
        return v[1] <= caption_bottom <= v[3] or 0 <= caption_bottom - v[3] <= 25

    lefts = [v for v in vertical if v[2] <= left_x + 1 and left_x - v[2] < 20 and heads(v)]
    rights = [v for v in vertical if v[0] >= right_x - 1 and v[0] - right_x < 40 and heads(v)]
    if not lefts or not rights:
        return
    left = max(lefts, key=lambda v: v[2])
    right = min(rights, key=lambda v: v[0])
    bottom, top = max(left[1], right[1]), min(left[3], right[3])
    inside = bottom <= caption_bottom <= top  # a box with its caption inside; else a column under a header
    x0, x1 = _mid(left[0], left[2]), _mid(right[0], right[2])
    rules = sorted(
        {
            round(_mid(h[1], h[3]), 1)
            for h in horizontal
            if h[0] <= x0 + 2 and h[2] >= x1 - 2 and bottom - 2 <= h[1] <= top + 2
        },
        reverse=True,
    )
    for upper, lower in itertools.pairwise(rules):
        cell_top = upper
        if inside and lower < caption.rect[1] < upper and caption.rect[1] - lower >= 14:
            cell_top = caption.rect[1]  # below the caption where there is room to write; else the whole box
        label = _row_text(runs, lower, upper, x0)
        builder.add(None, "initials", index, (x0 + 1.5, lower + 1.5, x1 - 1.5, cell_top - 1.5), label)


def _row_text(runs: list[_Run], lower: float, upper: float, x0: float) -> str:
    """The risk or statement beside an initials cell: the text left of it between its rules."""
    parts = [r for r in runs if r.rect[2] <= x0 + 1 and lower - 1 <= _mid(r.rect[1], r.rect[3]) <= upper + 1]
    return " ".join(r.text for r in sorted(parts, key=lambda r: (-r.rect[3], r.rect[0])))


def render_page(pdf: bytes, index: int, scale: float) -> tuple[Image.Image, float]:
    """Page `index` of `pdf` as an RGB image, `scale` pixels per point (PDFium), and the page's height in
    points (to place a box's rectangle on the image)."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[index]
        height = float(page.get_height())
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    return image, height
