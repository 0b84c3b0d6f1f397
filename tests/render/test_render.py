"""Render-stage checks: lists and headings across pages (figures: `test_figures.py`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from packetgen.build import Generated
from packetgen.library import Library
from packetgen.models import Appointment
from packetgen.models.packet import Callout, ListBlock, ResolvedPacket
from packetgen.personalize import personalize
from packetgen.timing import Site
from tests.helpers.pdfimage import dark_per_row, render, words
from tests.helpers.pdftext import body, page_texts
from tests.helpers.site import BASE_APPOINTMENT, DEPARTMENT, TODAY, ZONE, normalize

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
    path = generate(layout=layout, flags=ALL_FLAGS).path
    texts = page_texts(path)
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
        if ending == [labels.own_risks]:  # its lines to write on are drawn, not text: they are under it
            assert _lines_under(path, number, labels.own_risks.split()[-1]) >= c.own_risks_lines, number
            continue
        assert not ending, f"page {number} ends with {ending}"


def _lines_under(path: Path, page: int, last_word: str) -> int:
    """How many lines across most of the page are drawn under the word `last_word` (the last of a label)."""
    word = [w for w in words(path, page) if last_word in w.text][-1]
    image = render(path, page)
    dark = dark_per_row(image, step=4)
    rows = [
        y
        for y in range(int(word.y1) + 2, image.height - 100)  # above the footer and scan-back code
        if dark[y] > image.width / 4 / 2
    ]
    return sum(1 for a, b in zip([-9, *rows], rows, strict=False) if b - a > 2)  # a line's rows as one
