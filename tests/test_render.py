"""Render-stage checks that need no PDF: drawings stay inside the box they claim."""

from __future__ import annotations

import pytest

from packetgen.library import Library
from packetgen.render.figures import DRAWINGS
from packetgen.render.fonts import load_fonts
from packetgen.render.styles import make_styles


@pytest.mark.parametrize("name", sorted(DRAWINGS))
@pytest.mark.parametrize("width", [240.0, 300.0, 468.0])
def test_drawings_stay_inside_their_declared_size(library: Library, name: str, width: float) -> None:
    layout = library.layout(None)
    drawing = DRAWINGS[name](width, make_styles(layout, load_fonts(layout.fonts)))
    x0, y0, x1, y1 = drawing.getBounds()  # in page units: the drawing's scale is applied
    assert drawing.width == pytest.approx(width)
    assert x0 >= 0
    assert y0 >= 0
    assert x1 <= drawing.width
    assert y1 <= drawing.height
