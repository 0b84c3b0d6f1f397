"""Figures in the packet: an SVG drawn as vectors (no image), its words live text inside the `Figure`
element with its alternative text, at its share of the text column in every layout, with its caption on
the same page; a PNG as an image; the same bytes every time."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest

from packetgen.build import Generated, make_packet
from packetgen.errors import InputErrors
from packetgen.library import Library, load_library
from packetgen.library.figures import figures_in, text_width
from packetgen.models.blocks import Figure
from tests.helpers.figures import figure_drawn, figure_site, png, svg
from tests.helpers.pdftext import page_texts, section_text
from tests.helpers.site import TODAY, normalize
from tests.helpers.structure import marked_content_problems, struct_tree

PATHS = {"m", "l", "c", "v", "y", "re", "h"}
FILLS = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*"}


def _figure(library: Library, language: str = "en") -> Figure:
    content = library.contents["vertebroplasty"]
    if language != "en":
        content = library.translations["vertebroplasty"][language]
    ((_key, figure),) = list(figures_in(content))
    return figure


def _bbox(path: Path) -> tuple[float, float, float, float]:
    with pikepdf.open(path) as pdf:
        stack = [pdf.Root.StructTreeRoot.K]
        while stack:
            node = stack.pop()
            if node.get("/S") == "/Figure":
                x0, y0, x1, y1 = (float(v) for v in node.A.BBox)
                return x0, y0, x1, y1
            kids = node.get("/K")
            stack.extend(
                k
                for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                if isinstance(k, pikepdf.Dictionary) and "/S" in k
            )
    raise AssertionError("no Figure element")


def test_an_svg_is_drawn_as_vectors_inside_the_figure(generate: Callable[..., Generated], library: Library) -> None:
    path = generate().path
    drawn = figure_drawn(path)
    read = _figure(library).read
    assert read is not None
    assert drawn.page_images == 0  # no image anywhere on the figure's page
    assert "Do" not in drawn.operators
    assert sum(op in PATHS for op in drawn.operators) > 200
    assert sum(op in FILLS for op in drawn.operators) > 40  # the drawing has 49 filled shapes
    assert drawn.operators.count("BT") >= len(read.labels)  # each label is live text, inside the figure
    assert drawn.operators.count("q") == drawn.operators.count("Q")
    with pikepdf.open(path) as pdf:
        assert marked_content_problems(pdf) == []
    handout, _ = section_text(path)
    for label in ("A compression fracture", "Seen from above", "Vertebra", "Disk", "Compression fracture"):
        assert label in normalize(handout)
    for label in ("Spinal cord", "Nerve", "Needle", "Cement"):
        assert label in handout


def test_the_spanish_packet_draws_the_figure_with_spanish_words(generate: Callable[..., Generated]) -> None:
    handout, _ = section_text(generate(language="es").path)
    for label in ("Una fractura por compresión", "Vista desde arriba", "Médula espinal", "Aguja", "Cemento"):
        assert label in normalize(handout)
    for english in ("Needle", "Cement", "Spinal cord", "Seen from above"):
        assert not re.search(rf"\b{english}\b", handout)


def test_the_figure_has_its_description_as_alt_text_and_its_caption_after_it(
    generate: Callable[..., Generated], library: Library
) -> None:
    path = generate().path
    figure = _figure(library)
    document = struct_tree(path)
    (element,) = document.find("Figure")
    assert "Seen from above" in element.own_text  # the drawing's words are the figure's own content
    others = [e for e in document.elements() if e is not element and "Seen from above" in e.own_text]
    assert others == []  # and nobody else's: a reader hears the description instead
    with pikepdf.open(path) as pdf:
        stack, alts = [pdf.Root.StructTreeRoot.K], []
        while stack:
            node = stack.pop()
            if node.get("/S") == "/Figure":
                alts.append(str(node.Alt))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    stack.append(kid)
    assert alts == [figure.description]
    elements = list(document.elements())
    after = elements[elements.index(element) + 1]
    assert after.role == "P"
    assert normalize(after.text) == figure.caption


@pytest.mark.parametrize("layout", ["letter", "a4", "large-print"])
def test_the_figure_fills_its_share_of_the_column_and_keeps_its_caption(
    generate: Callable[..., Generated], library: Library, layout: str
) -> None:
    """Large print prints the drawing at the same share of its text column as letter, not smaller for
    the larger type, in the drawing's own proportions; the caption is on the figure's page."""
    path = generate(layout=layout).path
    read = _figure(library).read
    assert read is not None
    page = library.layout(layout).page
    column = text_width(library.layout(layout))
    x0, y0, x1, y1 = _bbox(path)
    assert x1 - x0 == pytest.approx(column, abs=0.01)
    assert (y1 - y0) / (x1 - x0) == pytest.approx(read.height / read.width, rel=1e-4)
    assert x0 == pytest.approx(page.margin_left, abs=0.01)
    caption = normalize(_figure(library).caption)
    (on,) = [n for n, text in enumerate(page_texts(path), 1) if caption in text]
    assert figure_drawn(path).page == on


def test_a_narrower_figure_is_centred(tmp_path: Path, write: Callable[..., Path]) -> None:
    root = figure_site(tmp_path / "site", "box.svg", svg(), width=0.6)
    made = make_packet(write(), tmp_path / "out", library=load_library(root, strict=False), today=TODAY)
    x0, y0, x1, y1 = _bbox(made.path)
    assert x1 - x0 == pytest.approx(0.6 * 480, abs=0.01)
    assert (x0 + x1) / 2 == pytest.approx(306, abs=0.01)  # the middle of a letter page (equal margins)
    assert (y1 - y0) == pytest.approx(0.6 * 480 / 2, abs=0.01)  # the drawing is 400 by 200
    drawn = figure_drawn(made.path)
    assert drawn.page_images == 0
    assert drawn.operators.count("BT") == 2
    handout, _ = section_text(made.path)
    assert "A box" in handout
    assert "Bold words" in handout


def test_a_png_is_an_image_inside_the_figure(tmp_path: Path, write: Callable[..., Path]) -> None:
    root = figure_site(tmp_path / "site", "scan.png", png(1500, 600))
    library = load_library(root, strict=False)
    first = make_packet(write(), tmp_path / "one", library=library, today=TODAY)
    drawn = figure_drawn(first.path)
    assert drawn.images == [(1500, 600, False)]  # laid on white: no soft mask
    x0, y0, x1, y1 = _bbox(first.path)
    assert (x1 - x0, y1 - y0) == (pytest.approx(480, abs=0.01), pytest.approx(192, abs=0.01))
    again = make_packet(write(), tmp_path / "two", library=load_library(root, strict=False), today=TODAY)
    assert again.path.read_bytes() == first.path.read_bytes()


def test_the_same_inputs_draw_the_same_figure_bytes(tmp_path: Path, write: Callable[..., Path]) -> None:
    """Read in another library (as another process would) and drawn again: the same PDF, byte for byte."""
    first = make_packet(write(), tmp_path / "one", library=load_library(strict=False), today=TODAY)
    second = make_packet(write(), tmp_path / "two", library=load_library(strict=False), today=TODAY)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert figure_drawn(first.path).operators == figure_drawn(second.path).operators


def test_a_label_no_font_draws_refuses_the_packet(tmp_path: Path, write: Callable[..., Path]) -> None:
    root = figure_site(tmp_path / "site", "bone.svg", svg("A bone \U0001f9b4"))
    with pytest.raises(InputErrors) as raised:
        make_packet(write(), tmp_path / "out", library=load_library(root, strict=False), today=TODAY)
    (error,) = raised.value.errors
    assert error.field.endswith(".file.labels[0].text")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.fixture
def write(write_appointment: Callable[..., Path]) -> Callable[..., Path]:
    return write_appointment
