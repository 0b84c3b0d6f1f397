"""Render-stage checks that need no PDF: drawings stay inside the box they claim."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from reportlab.graphics.shapes import Line, String

from packetgen.build import Generated
from packetgen.language.labels import LABELS
from packetgen.library import Library
from packetgen.models import Appointment
from packetgen.models.packet import Callout, ListBlock, ResolvedPacket
from packetgen.personalize import personalize
from packetgen.render.figures import _LEADER, DRAWINGS, _prepared
from packetgen.render.fonts import load_fonts
from packetgen.render.styles import make_styles
from packetgen.timing import Site
from tests.helpers.pdftext import body, page_texts, section_text
from tests.helpers.site import BASE_APPOINTMENT, DEPARTMENT, TODAY, ZONE, normalize


@pytest.mark.parametrize("name", sorted(DRAWINGS))
@pytest.mark.parametrize("width", [240.0, 300.0, 468.0])
@pytest.mark.parametrize("language", sorted(LABELS))
def test_drawings_stay_inside_their_declared_size(library: Library, name: str, width: float, language: str) -> None:
    layout = library.layout(None)
    drawing, shapes = _prepared(name, width, make_styles(layout, load_fonts(layout.fonts)), LABELS[language])
    assert shapes.count("q") == shapes.count("Q") > 0  # its shapes replay into any document
    x0, y0, x1, y1 = drawing.getBounds()  # in page units: the drawing's scale is applied
    assert drawing.width == pytest.approx(width)
    assert x0 >= 0
    assert y0 >= 0
    assert x1 <= drawing.width
    assert y1 <= drawing.height


ALL_FLAGS = ["sedation", "anticoagulant", "contrast_allergy"]


def _resolved(library: Library, layout_name: str) -> ResolvedPacket:
    appointment = Appointment.model_validate({**BASE_APPOINTMENT, "flags": ALL_FLAGS}).with_origin({})
    layout = library.layout(layout_name)
    content = library.contents["vertebroplasty"]
    return personalize(content, appointment, layout, library.department(DEPARTMENT), Site(ZONE, TODAY))


@pytest.mark.parametrize("layout", ["letter", "a4", "large-print"])
def test_lists_and_headings_break_across_pages_cleanly(
    generate: Callable[..., Generated], library: Library, layout: str
) -> None:
    packet = _resolved(library, layout)
    texts = page_texts(generate(layout=layout, flags=ALL_FLAGS).path)
    h, c, labels = packet.handout, packet.consent, packet.labels
    # One bullet per item, just before it, even when an item breaks across pages (its rest has none).
    sections = [*h.sections, *c.sections, *c.after_risks]
    blocks = [block for section in sections for block in section.blocks]
    items = [*h.own_instructions, *h.risks]
    items += [item for block in blocks if isinstance(block, ListBlock | Callout) for item in block.items]
    assert h.when_to_call is not None
    items += h.when_to_call.signs
    assert sum(text.count("\u2022") for text in texts) == len(items)
    whole = " ".join(body(text) for text in texts)
    for item in items:
        assert f"\u2022 {normalize(item)}" in whole
    # A heading or a list's lead line stays with what follows it: it never ends a page.
    keep = {h.risks_heading, h.risks_lead, c.risks_lead, labels.risks, labels.signatures, labels.own_risks}
    keep |= {section.heading for section in sections if section.heading}
    keep |= {block.lead for block in blocks if isinstance(block, ListBlock) and block.lead}
    for number, text in enumerate(texts, start=1):
        ending = [k for k in keep if body(text).endswith(normalize(k))]
        assert not ending, f"page {number} ends with {ending}"


def _label_boxes(drawing: Any, fonts: Any) -> list[tuple[str, tuple[float, float, float, float]]]:
    boxes = []
    for node in drawing.contents:
        if isinstance(node, String):
            width = fonts.width(node.text, node.fontName, node.fontSize)
            x0 = node.x - {"start": 0, "middle": width / 2, "end": width}[node.textAnchor]
            boxes.append((node.text, (x0, node.y - node.fontSize * 0.25, x0 + width, node.y + node.fontSize * 0.8)))
    return boxes


@pytest.mark.parametrize("layout_name", ["letter", "a4", "large-print"])
@pytest.mark.parametrize("language", sorted(LABELS))
def test_figure_labels_never_cross_a_shape_and_fill_the_text_column(
    library: Library, layout_name: str, language: str
) -> None:
    layout = library.layout(layout_name)
    fonts = load_fonts(layout.fonts)
    styles = make_styles(layout, fonts)
    column = {"letter": 612.0, "a4": 595.2755905511812}.get(layout.page.size, 612.0)
    column -= layout.page.margin_left + layout.page.margin_right
    words = LABELS[language]
    drawing, _shapes = _prepared("vertebral_compression", column, styles, words)
    assert drawing.width == pytest.approx(column)  # the width of the text column, in every layout
    labels = _label_boxes(drawing, fonts)
    shown = {text for text, _ in labels}
    named = (words.figure_vertebra, words.figure_disk, words.figure_cord, words.figure_nerve, words.figure_needle)
    for text in (*named, words.figure_cement):
        assert text in shown
    shapes = [
        node.getBounds()
        for node in drawing.contents
        if not isinstance(node, String) and not (isinstance(node, Line) and node.strokeWidth == _LEADER)
    ]
    assert len(shapes) > 20
    for text, (x0, y0, x1, y1) in labels:
        assert x0 >= 0, text
        assert x1 <= drawing.width + 0.01, text
        assert y0 >= 0, text
        assert y1 <= drawing.height, text
        for sx0, sy0, sx1, sy1 in shapes:
            overlap = min(x1, sx1) - max(x0, sx0) > 0.5 and min(y1, sy1) - max(y0, sy0) > 0.5
            assert not overlap, (text, (x0, y0, x1, y1), (sx0, sy0, sx1, sy1))
        for other, box in labels:  # nor each other
            if other != text:
                assert min(x1, box[2]) <= max(x0, box[0]) or min(y1, box[3]) <= max(y0, box[1]), (text, other)
    # Large print: its labels are large print too.
    assert all(node.fontSize >= styles.small.fontSize for node in drawing.contents if isinstance(node, String))


def test_the_figure_shows_both_views_with_their_labels_in_the_packet(generate: Callable[..., Generated]) -> None:
    handout, _ = section_text(generate().path)
    for label in ("A compression fracture", "Vertebroplasty: cement fills", "Needle", "Cement", "Spinal cord", "Nerve"):
        assert label in handout
    spanish, _ = section_text(generate(language="es").path)
    for label in ("Una fractura por compresión", "Aguja", "Cemento", "Médula espinal", "Nervio"):
        assert label in spanish
