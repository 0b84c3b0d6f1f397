"""Figure files read and checked when the library loads: a file that cannot be used is an error of the
content naming it (`PATH:LINE: …file: …`), which makes only that procedure unavailable."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from packetgen.build import check_library
from packetgen.cli import main
from packetgen.errors import InputErrors, PacketError
from packetgen.library import Library, figures, load_library
from packetgen.library.figures import figures_in, resolution_problem, text_width
from packetgen.models.figure import MIN_DPI, FigureFile
from packetgen.render import figure_files
from packetgen.render.figure_files import read_figure
from tests.helpers.figures import figure_site, line_of, png, svg
from tests.helpers.site import ROOT, copy_site

CONTENT = "packets/vertebroplasty.yaml"
COLONOSCOPY = "packets/colonoscopy.yaml"


def _errors(library: Library) -> list[PacketError]:
    return list(library.broken_files.get(CONTENT, ()))


def _only_vertebroplasty_unavailable(library: Library) -> None:
    shipped = load_library(ROOT, strict=False)
    assert "vertebroplasty" in library.unavailable_contents
    assert set(library.contents) == set(shipped.contents) - {"vertebroplasty"}


def test_the_shipped_figures_are_read_once_and_attached(library: Library) -> None:
    for content in (library.contents["vertebroplasty"], library.translations["vertebroplasty"]["es"]):
        (figure,) = [figure for _key, figure in figures_in(content)]
        assert figure.read is not None
        assert figure.read.kind == "svg"
        assert figure.read.name == figure.file
        assert len(figure.read.labels) >= 8  # titles and the seven labels the drawing names
    english, spanish = (
        [label.text for _k, f in figures_in(c) for label in (f.read.labels if f.read else ())]
        for c in (library.contents["vertebroplasty"], library.translations["vertebroplasty"]["es"])
    )
    for word in ("Compression", "Disk", "Vertebra", "Spinal cord", "Nerve", "Needle", "Cement"):
        assert word in english
    for word in ("Fractura por", "Disco", "Vértebra", "Médula espinal", "Nervio", "Aguja", "Cemento"):
        assert word in spanish


def test_a_missing_file_makes_only_its_procedure_unavailable(tmp_path: Path) -> None:
    root = figure_site(tmp_path, "missing.svg", None)
    library = load_library(root, strict=False)
    _only_vertebroplasty_unavailable(library)
    (error,) = _errors(library)
    assert error.pos.line == line_of(root / CONTENT, "file: figures/missing.svg")
    assert error.field.startswith("handout.sections[")
    assert error.field.endswith("].file")
    assert str(error).endswith(".file: no such file: packets/figures/missing.svg")
    with pytest.raises(InputErrors) as raised:  # `validate`: the same line
        load_library(root, files=[root / CONTENT, *sorted((root / "departments").glob("*.yaml"))])
    assert [str(e) for e in raised.value.errors if "file" in e.field] == [str(error)]


NOT_WELL_FORMED = svg().replace("</svg>", "")
NO_REVIEW_NOTE = svg().replace("For clinical review: a test drawing", "A test drawing")
OPACITY = svg().replace('fill="#f3ead8"', 'fill="#f3ead8" fill-opacity="0.5"')
GRADIENT = (
    svg()
    .replace(
        '<rect x="20"',
        '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/>'
        '</linearGradient></defs><rect fill="url(#g)" x="20"',
    )
    .replace('fill="#f3ead8" ', "")
)
NOT_SVG = '<?xml version="1.0"?>\n<!-- For clinical review: x -->\n<html xmlns="http://www.w3.org/1999/xhtml"/>\n'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (NOT_WELL_FORMED, "not well-formed XML (line"),
        (NO_REVIEW_NOTE, "expected a first comment <!-- For clinical review: … -->"),
        (OPACITY, "the SVG uses transparency (opacity), a gradient, an embedded image"),
        (GRADIENT, "the SVG uses transparency (opacity), a gradient, an embedded image"),
        (NOT_SVG, "expected an <svg> document"),
        ("", "not well-formed XML"),
    ],
    ids=["not-xml", "no-review-note", "opacity", "gradient", "not-svg", "empty"],
)
def test_an_unusable_svg_is_an_error_naming_the_file(tmp_path: Path, data: str, message: str) -> None:
    root = figure_site(tmp_path, "bad.svg", data)
    library = load_library(root, strict=False)
    _only_vertebroplasty_unavailable(library)
    (error,) = _errors(library)
    assert error.pos.line == line_of(root / CONTENT, "file: figures/bad.svg")
    assert f"file: packets/figures/bad.svg: {message}" in str(error)


def test_a_png_must_have_200_dpi_where_it_prints_widest(tmp_path: Path) -> None:
    """At the whole text column of the widest layout (large print: 540 points, 7.5 inches), a PNG needs
    1500 pixels; at 0.5 of it, 750."""
    columns = [text_width(layout) for layout in load_library(ROOT, strict=False).layouts.values()]
    assert max(columns) == 540
    coarse = load_library(figure_site(tmp_path / "coarse", "scan.png", png(1499, 300)), strict=False)
    _only_vertebroplasty_unavailable(coarse)
    (error,) = _errors(coarse)
    assert "file: packets/figures/scan.png: expected at least 200 dpi at its printed size" in str(error)
    assert "7.50 inches wide (1 of the text column in layout large-print)" in str(error)
    assert "so at least 1500 pixels wide; it has 1499 (199 dpi)" in str(error)
    fine = load_library(figure_site(tmp_path / "fine", "scan.png", png(1500, 300)), strict=False)
    assert "vertebroplasty" in fine.contents
    half = load_library(figure_site(tmp_path / "half", "scan.png", png(750, 150), width=0.5), strict=False)
    assert "vertebroplasty" in half.contents


@given(pixels=st.integers(min_value=1, max_value=20_000), share=st.floats(min_value=0.2, max_value=1.0))
def test_a_png_is_accepted_exactly_when_it_has_200_dpi_at_its_printed_size(
    library: Library, pixels: int, share: float
) -> None:
    read = FigureFile("figures/x.png", Path("x.png"), "0" * 64, "png", float(pixels), 100.0)
    problem = resolution_problem(read, share, library.layouts.values())
    widest = max(text_width(layout) for layout in library.layouts.values())
    dots_per_inch = pixels / (share * widest / 72)
    assert (problem is None) == (dots_per_inch >= MIN_DPI - 1e-6)
    svg_read = FigureFile("figures/x.svg", Path("x.svg"), "0" * 64, "svg", float(pixels), 100.0)
    assert resolution_problem(svg_read, share, library.layouts.values()) is None


def test_a_png_with_transparency_is_laid_on_white(tmp_path: Path) -> None:
    path = tmp_path / "clear.png"
    path.write_bytes(png(40, 40, alpha=True))
    read = read_figure(path, "figures/clear.png")
    with Image.open(io.BytesIO(read.data)) as image:
        assert image.mode == "RGB"
        assert image.getpixel((0, 0)) == (255, 255, 255)  # transparent: paper
        assert image.getpixel((15, 15)) == (20, 40, 60)  # the drawing


def test_a_file_that_is_not_a_png_is_an_error(tmp_path: Path) -> None:
    root = figure_site(tmp_path, "photo.png", b"GIF89a not really")
    (error,) = _errors(load_library(root, strict=False))
    assert "file: packets/figures/photo.png: not a PNG image that can be read" in str(error)


@pytest.mark.parametrize(
    ("named", "message"),
    [
        ("colon.svg", "expected a file in packets/figures/ ending in .svg or .png"),
        ("../secret.svg", "expected a file in packets/figures/ ending in .svg or .png"),
        ("figures/../../etc/passwd.svg", "expected a file in packets/figures/ ending in .svg or .png"),
        ("figures/colon.jpg", "expected a file in packets/figures/ ending in .svg or .png"),
    ],
)
def test_a_figure_names_a_file_under_figures(tmp_path: Path, named: str, message: str) -> None:
    root = figure_site(tmp_path, "x.svg", svg())
    content = root / CONTENT
    content.write_text(content.read_text(encoding="utf-8").replace("figures/x.svg", named), encoding="utf-8")
    (error,) = _errors(load_library(root, strict=False))
    assert error.field.endswith("(a figure): file")
    assert message in str(error)


def test_a_width_is_a_share_of_the_column(tmp_path: Path) -> None:
    root = figure_site(tmp_path, "x.svg", svg(), width=0.1)
    (error,) = _errors(load_library(root, strict=False))
    assert error.field.endswith("(a figure): width")
    assert "expected a value at least 0.2" in str(error)
    assert error.pos.line == line_of(root / CONTENT, "width: 0.1")


def test_a_file_is_parsed_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    parse = figure_files.svg2rlg

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return parse(*args, **kwargs)

    monkeypatch.setattr(figure_files, "svg2rlg", counted)
    path = tmp_path / "once.svg"
    path.write_text(svg(f"Once {tmp_path.name}"), encoding="utf-8")  # bytes no other test has read
    first = read_figure(path, "figures/once.svg")
    assert read_figure(path, "figures/once.svg") is first
    assert len(calls) == 1
    path.write_text(svg(f"Twice {tmp_path.name}"), encoding="utf-8")  # changed: read again
    second = read_figure(path, "figures/once.svg")
    assert len(calls) == 2
    assert second.digest != first.digest
    assert second.labels[0].text.startswith("Twice")


def test_validate_checks_the_drawings_words_against_every_layout(tmp_path: Path) -> None:
    root = figure_site(tmp_path, "x.svg", svg("A bone \U0001f9b4"))
    library = load_library(root, strict=False)
    errors = [e for e in check_library(library) if e.pos.path == CONTENT]
    assert {str(e).split(" (layout ")[1] for e in errors} == {f"{name})" for name in library.layouts}
    assert all(e.field.endswith(".file") and "packets/figures/x.svg, text 1 of the drawing:" in str(e) for e in errors)
    assert all(e.pos.line == line_of(root / CONTENT, "file: figures/x.svg") for e in errors)


def test_preview_watch_sees_a_saved_figure(tmp_path: Path) -> None:
    from packetgen.preview import changed, snapshot

    root = figure_site(tmp_path, "x.svg", svg())
    before = snapshot(root)
    figure = root / "packets" / "figures" / "x.svg"
    assert figure in before
    figure.write_text(svg("Another label, longer"), encoding="utf-8")
    assert changed(before, snapshot(root)) == [figure]


def test_one_packet_reads_only_its_own_procedures_figures(
    tmp_path: Path,
    write_appointment: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`packet` (issue 30) reads a figure's file when its packet draws it: another procedure's broken figure
    is never read, and never stops it; `validate` still reads and reports every one."""
    root = copy_site(tmp_path / "site")
    (root / "packets" / "figures" / "colon.svg").write_text(NOT_WELL_FORMED, encoding="utf-8")
    eager = load_library(root, strict=False)  # what the loader that reads every figure finds
    (error,) = eager.broken_files[COLONOSCOPY]
    assert "file: packets/figures/colon.svg: not well-formed XML (line " in str(error)
    read: list[str] = []

    def spied(path: Path, name: str) -> FigureFile:
        read.append(name)
        return read_figure(path, name)

    monkeypatch.setattr(figures, "read_figure", spied)
    env = {"PACKETGEN_CONTENT_ROOT": str(root)}
    # Spanish: its own figure, and the English one of the consent printed after it for the record.
    assert main(["packet", str(write_appointment(language="es")), "--out", str(tmp_path / "es")], env) == 0
    assert (tmp_path / "es" / "T-0001.pdf").is_file()
    assert set(capsys.readouterr().err.splitlines()) <= set(eager.warnings())  # at most the warning it had
    assert sorted(read) == ["figures/vertebroplasty.es.svg", "figures/vertebroplasty.svg"]
    read.clear()  # English, with the library this process loaded: its figure is read already
    assert main(["packet", str(write_appointment()), "--out", str(tmp_path / "out")], env) == 0
    assert (tmp_path / "out" / "T-0001.pdf").is_file()
    assert set(capsys.readouterr().err.splitlines()) <= set(eager.warnings())
    assert read == []

    # The broken figure's own procedure: its one error line, as the loader gives it, and nothing made.
    colonoscopy = write_appointment("colon.yaml", procedure="colonoscopy")
    assert main(["packet", str(colonoscopy), "--out", str(tmp_path / "colon")], env) == 2
    assert capsys.readouterr().err.splitlines() == [str(error)]
    assert not (tmp_path / "colon").exists()

    assert main(["validate"], env) == 1  # every figure read and checked, the same line
    assert str(error) in capsys.readouterr().err.splitlines()
    with pytest.raises(InputErrors) as raised:
        load_library(root)
    assert str(error) in [str(e) for e in raised.value.errors]


CORD = "#f7dc7a"
"""The spinal cord's (and its nerve roots') fill in the spine drawings."""
NEEDLE = "#3d4248"


@pytest.mark.parametrize("name", ["vertebroplasty.svg", "vertebroplasty.es.svg"])
def test_the_needle_never_crosses_the_spinal_cord_or_its_canal(name: str) -> None:
    """The forms committee read a needle drawn across the spinal cord as a needle through it: in every
    view, each needle's line keeps clear of the cord, the nerve roots and the canal around the cord."""
    tree = ET.parse(ROOT / "packets" / "figures" / name)
    shapes = [
        e for e in tree.iter() if e.get("fill") == CORD or (e.tag.endswith("ellipse") and e.get("fill") == "#ffffff")
    ]
    needles = [e for e in tree.iter() if e.tag.endswith("line") and e.get("stroke") == NEEDLE]
    assert len(needles) == 2
    assert len(shapes) >= 5

    def num(element: ET.Element, key: str) -> float:
        return float(element.get(key, "0"))

    def inside(shape: ET.Element, x: float, y: float) -> bool:
        if shape.tag.endswith("rect"):
            left, top = num(shape, "x"), num(shape, "y")
            return left <= x <= left + num(shape, "width") and top <= y <= top + num(shape, "height")
        rx = num(shape, "r") or num(shape, "rx")
        ry = num(shape, "r") or num(shape, "ry")
        return ((x - num(shape, "cx")) / rx) ** 2 + ((y - num(shape, "cy")) / ry) ** 2 <= 1

    for needle in needles:
        x1, y1, x2, y2 = (num(needle, k) for k in ("x1", "y1", "x2", "y2"))
        points = [(x1 + (x2 - x1) * t / 400, y1 + (y2 - y1) * t / 400) for t in range(401)]
        for shape in shapes:
            crossed = [p for p in points if inside(shape, *p)]
            assert not crossed, (ET.tostring(shape)[:80], crossed[0])
