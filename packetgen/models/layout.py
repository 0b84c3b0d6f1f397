"""The schema of a layout file (`layouts/<name>.yaml`): the print format (page, type, colour, codes).

Owned by whoever does print and branding; no clinical content lives here, and no department: the
name, address, phones and email sender are the department's (`models/department.py`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from .types import Colour, Id, Model, Text


class Page(Model):
    """Paper size and margins, in points (72 pt = 1 inch)."""

    size: Literal["letter", "a4", "legal"]
    """The paper: US Letter (8.5 × 11 in), A4 (210 × 297 mm) or US Legal (8.5 × 14 in)."""
    margin_top: float = Field(ge=36, le=200)
    """Space above the body; the patient header sits inside it."""
    margin_bottom: float = Field(ge=36, le=200)
    """Space below the body; the footer sits inside it."""
    margin_left: float = Field(ge=36, le=144)
    margin_right: float = Field(ge=36, le=144)


class Fonts(Model):
    """TrueType font files, found by file name in the font folders."""

    regular: Text
    """The body text's font file, e.g. `DejaVuSans.ttf`."""
    bold: Text
    """Headings and emphasis."""
    italic: Text
    bold_italic: Text
    fallback: tuple[Text, ...] = ()
    """Fonts for characters the main font lacks (e.g. CJK names), tried in order."""


class Sizes(Model):
    """Type sizes in points."""

    body: float = Field(ge=12, le=40)
    """Body text: at least 12 pt (large print: 18 pt or more)."""
    heading: float = Field(ge=12, le=48)
    """Section headings."""
    title: float = Field(ge=14, le=60)
    """The handout's and the consent's titles."""
    small: float = Field(ge=8, le=30)
    """Header, footer and captions."""
    leading: float = Field(ge=1.0, le=2.5)
    """Line height as a multiple of the type size."""


class Colours(Model):
    """Colours as `#rrggbb`."""

    text: Colour
    """Body text: a contrast of at least 4.5:1 against white and the callout background."""
    heading: Colour
    """Titles and headings (the same contrast as `text`)."""
    accent: Colour
    """Rules, box borders and the department's name on each form."""
    muted: Colour
    """Header, footer and captions."""
    callout_background: Colour
    """The background of the boxes: the appointment panel, the checklist, the flags' instructions."""
    warning: Colour = "#9b1c1c"
    """The DRAFT / overdue banner's border and text."""
    warning_background: Colour = "#fdeeee"
    """The DRAFT / overdue banner's background."""


class ScanCode(Model):
    """The machine-readable code on every consent page, for scanning signed pages back into the chart."""

    symbology: Literal["qr", "datamatrix", "code128", "pdf417"] = "qr"
    """`qr` or `datamatrix` (square, small); `code128` or `pdf417` where a site's imaging system needs them."""
    document_type: Annotated[Text, Field(pattern=r"^[A-Za-z0-9_.-]{1,24}$")] = "CONSENT"
    """The document-type code the imaging system files these pages under."""
    module: float = Field(default=1.3, ge=1.0, le=4.0)
    """Width of one module (cell or narrowest bar) in points: 1.3 pt is 5.4 pixels at 300 dpi."""

    @field_validator("document_type")
    @classmethod
    def _not_record(cls, value: str) -> str:
        # `render.scan.RECORD` marks the pages printed for the record, which a scan never files.
        if value == "RECORD":
            raise PydanticCustomError("document_type_record", "RECORD is kept for the pages printed for the record")
        return value


class LabelBox(Model):
    """Where a chart label (patient sticker) goes on the consent's first page, in points."""

    width: float = Field(default=189.0, ge=72, le=288)
    """Default 2 5/8 inch, the common chart-label width."""
    height: float = Field(default=72.0, ge=36, le=144)
    """Default 1 inch."""


class Layout(Model):
    """A print format: how packets look on one paper size, for every department."""

    name: Id
    """How `--layout` and a record's `layout` name it (`letter`, `large-print`)."""
    description: Text
    """What it is for, as `generate.py list` shows it: `US Letter, 12 pt body text`."""
    page: Page
    fonts: Fonts
    sizes: Sizes
    colours: Colours
    scan_code: ScanCode = ScanCode()
    label_box: LabelBox = LabelBox()
