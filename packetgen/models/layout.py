"""The schema of a layout file (`layouts/<name>.yaml`): page, type, colour, facility.

Owned by whoever does print and branding; no clinical content lives here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field

from .types import Colour, Id, LanguageTag, Model, Text


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone such as America/Chicago") from None
    return name


class Page(Model):
    """Paper size and margins, in points (72 pt = 1 inch)."""

    size: Literal["letter", "a4", "legal"]
    margin_top: float = Field(ge=36, le=200)
    """Space above the body; the patient header sits inside it."""
    margin_bottom: float = Field(ge=36, le=200)
    margin_left: float = Field(ge=36, le=144)
    margin_right: float = Field(ge=36, le=144)


class Fonts(Model):
    """TrueType font files, found by file name in the font folders."""

    regular: Text
    bold: Text
    italic: Text
    bold_italic: Text
    fallback: tuple[Text, ...] = ()
    """Fonts for characters the main font lacks (e.g. CJK names), tried in order."""


class Sizes(Model):
    """Type sizes in points."""

    body: float = Field(ge=12, le=40)
    heading: float = Field(ge=12, le=48)
    title: float = Field(ge=14, le=60)
    small: float = Field(ge=8, le=30)
    """Header, footer and captions."""
    leading: float = Field(ge=1.0, le=2.5)
    """Line height as a multiple of the type size."""


class Colours(Model):
    """Colours as `#rrggbb`."""

    text: Colour
    heading: Colour
    accent: Colour
    """Rules, box borders and the facility line."""
    muted: Colour
    """Header, footer and captions."""
    callout_background: Colour
    warning: Colour = "#9b1c1c"
    """The DRAFT / overdue banner's border and text."""
    warning_background: Colour = "#fdeeee"


def _pairs(value: Any) -> Any:
    return tuple(value.items()) if isinstance(value, dict) else value


def _lines_by_language(value: Any) -> Any:
    """One list of lines, or one per language, as (language, lines) pairs: a single list is English's,
    which every language without its own prints."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(line, str) for line in value):
        return (("en", value),)
    return _pairs(value)


class Facility(Model):
    """The site printed on every packet."""

    name: Text
    address: Annotated[
        tuple[tuple[LanguageTag, Annotated[tuple[Text, ...], Field(min_length=1)]], ...],
        BeforeValidator(_lines_by_language),
        Field(min_length=1),
    ]
    """Lines of the address: one list, or one list per language (`{en: [...], es: [...]}`; a packet in
    another language prints the `en` one), kept as (language, lines) pairs."""
    phone: Text
    after_hours_phone: Text | None = None
    """Whom patients call at night and at weekends (the handout's "When to call" box); default `phone`."""
    timezone: Annotated[Text, AfterValidator(_known_zone)]
    """IANA time zone of the site's clock, e.g. `America/Chicago`."""


class ScanCode(Model):
    """The machine-readable code on every consent page, for scanning signed pages back into the chart."""

    symbology: Literal["qr", "datamatrix", "code128", "pdf417"] = "qr"
    """`qr` or `datamatrix` (square, small); `code128` or `pdf417` where a site's imaging system needs them."""
    document_type: Annotated[Text, Field(pattern=r"^[A-Za-z0-9_.-]{1,24}$")] = "CONSENT"
    """The document-type code the imaging system files these pages under."""
    module: float = Field(default=1.3, ge=1.0, le=4.0)
    """Width of one module (cell or narrowest bar) in points: 1.3 pt is 5.4 pixels at 300 dpi."""


class LabelBox(Model):
    """Where a chart label (patient sticker) goes on the consent's first page, in points."""

    width: float = Field(default=189.0, ge=72, le=288)
    """Default 2 5/8 inch, the common chart-label width."""
    height: float = Field(default=72.0, ge=36, le=144)
    """Default 1 inch."""


def _mailbox(value: str) -> str:
    """`Name <address>` or a bare address, checked for form (RFC 5322) without a network lookup."""
    from email.utils import parseaddr

    from email_validator import EmailNotValidError, validate_email

    _name, address = parseaddr(value)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("expected an address such as packets@example.org or Clinic <packets@example.org>") from None
    return value


Mailbox = Annotated[Text, AfterValidator(_mailbox)]


class EmailSender(Model):
    """Whom a packet's email comes from; its words are the labels' (`language/labels.py`), never patient data."""

    sender: Mailbox
    """The From address, e.g. `Riverside General Hospital <packets@riverside.example.org>`: the relay
    must accept mail from it (SPF/DKIM are the relay's business)."""
    reply_to: Mailbox | None = None
    """Where patients' replies go, e.g. the front desk's shared mailbox; default: no Reply-To."""


class Layout(Model):
    """How packets look for one site and paper size."""

    name: Id
    description: Text
    page: Page
    fonts: Fonts
    sizes: Sizes
    colours: Colours
    facility: Facility
    scan_code: ScanCode = ScanCode()
    label_box: LabelBox = LabelBox()
    email: EmailSender | None = None
    """Needed to email packets made in this layout."""
    footer_note: Text | Annotated[tuple[tuple[LanguageTag, Text], ...], BeforeValidator(_pairs)] | None = None
    """A short line printed in every footer, e.g. a help line: one text, or one per language
    (`{en: ..., es: ...}`; a packet in another language prints the `en` one). Kept as
    (language, text) pairs: a layout is immutable and hashable."""
