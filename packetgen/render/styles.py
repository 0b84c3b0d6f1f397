"""Paragraph styles made from a layout: the only place type sizes and colours are applied."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.styles import ParagraphStyle

from ..models import Layout
from .fonts import FontSet


@dataclass(frozen=True)
class Styles:
    """Every paragraph style a packet uses, plus the layout's colours."""

    body: ParagraphStyle
    lead: ParagraphStyle
    """A line that introduces a list: kept with the list."""
    bullet: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    """A heading inside a section: body size, bold, kept with what follows."""
    facility: ParagraphStyle
    label: ParagraphStyle
    small: ParagraphStyle
    caption: ParagraphStyle
    header: ParagraphStyle
    callout_label: ParagraphStyle
    mark: ParagraphStyle
    """The DRAFT / overdue banner."""
    warning_label: ParagraphStyle
    """The heading inside the "When to call" box."""
    tagline: ParagraphStyle
    """The interpreter notice in the patient's language."""
    shaped_tagline: ParagraphStyle
    """The same, shaped by HarfBuzz (uharfbuzz), in the regular weight: Devanagari's conjuncts and vowel signs."""
    scan_text: ParagraphStyle
    """The scan-back code's data in small print."""
    text: Color
    heading_colour: Color
    accent: Color
    muted: Color
    callout: Color
    warning: Color
    warning_background: Color
    fonts: FontSet


@lru_cache(maxsize=16)
def make_styles(layout: Layout, fonts: FontSet) -> Styles:
    """Build the styles for `layout`, drawn with `fonts` (once per process: styles are never changed)."""
    size, colours = layout.sizes, layout.colours
    text, heading, accent = HexColor(colours.text), HexColor(colours.heading), HexColor(colours.accent)
    muted = HexColor(colours.muted)

    def style(name: str, font_size: float, **kw: object) -> ParagraphStyle:
        kw.setdefault("fontName", fonts.regular)
        kw.setdefault("textColor", text)
        kw.setdefault("leading", font_size * size.leading)
        return ParagraphStyle(name, fontSize=font_size, **kw)

    body = style("body", size.body, spaceAfter=size.body * 0.5)
    # A step above the small print (running header, banner, captions, page numbers), never above the body:
    # in large print, whose small print is already the body's size, the same.
    step = min(size.small + 1, size.body)
    return Styles(
        body=body,
        lead=style("lead", size.body, spaceAfter=size.body * 0.5, keepWithNext=1),
        bullet=style("bullet", size.body, spaceAfter=size.body * 0.25),
        title=style("title", size.title, fontName=fonts.bold, textColor=heading, spaceAfter=size.title * 0.15),
        subtitle=style("subtitle", size.heading, textColor=muted, spaceAfter=size.body),
        heading=style(
            "heading",
            size.heading,
            fontName=fonts.bold,
            textColor=heading,
            spaceBefore=size.body * 0.6,
            spaceAfter=size.body * 0.3,
            keepWithNext=1,
        ),
        subheading=style(
            "subheading",
            size.body,
            fontName=fonts.bold,
            textColor=heading,
            spaceBefore=size.body * 0.6,
            spaceAfter=size.body * 0.3,
            keepWithNext=1,
        ),
        facility=style("facility", step, fontName=fonts.bold, textColor=accent),
        label=style("label", size.body, fontName=fonts.bold),
        small=style("small", size.small, textColor=muted),
        # No italics anywhere: large-print and plain-language guidance (APH, CDC) advise against them.
        caption=style("caption", max(step, size.body - 2), textColor=muted),
        header=style("header", step, leading=step * 1.2),
        callout_label=style(
            "callout_label", size.body, fontName=fonts.bold, textColor=heading, spaceAfter=size.body * 0.3
        ),
        mark=style(
            "mark", step, leading=step * 1.2, fontName=fonts.bold, textColor=HexColor(colours.warning), alignment=1
        ),
        scan_text=style("scan_text", size.small, textColor=muted),
        tagline=style("tagline", size.body, fontName=fonts.bold, textColor=heading, spaceBefore=4),
        shaped_tagline=style("shaped_tagline", size.body, textColor=heading, shaping=1, spaceBefore=4),
        warning_label=style(
            "warning_label",
            size.heading,
            fontName=fonts.bold,
            textColor=HexColor(colours.warning),
            spaceAfter=size.body * 0.3,
        ),
        text=text,
        heading_colour=heading,
        accent=accent,
        muted=muted,
        callout=HexColor(colours.callout_background),
        warning=HexColor(colours.warning),
        warning_background=HexColor(colours.warning_background),
        fonts=fonts,
    )
