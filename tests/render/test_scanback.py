"""The consent stands alone when scanned back: its own page numbers, a code on every page that a
decoder we did not write reads back (zbar for QR and Code 128, libdmtx for Data Matrix, ZXing for
PDF417), the same data in small print, a chart-label box, "Chart copy" and "Patient copy"."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import pytest
import zxingcpp
from PIL import Image

from packetgen.build import Generated, make_packet
from packetgen.library import Library, load_library
from packetgen.models.layout import ScanCode
from packetgen.render.scan import LINEAR_FIELDS
from tests.helpers.pdfimage import render, words
from tests.helpers.pdftext import consent_start, page_texts
from tests.helpers.site import TODAY

DPI = 300


def _bottom(pdf: Path, page: int, inches: float = 2.2) -> Image.Image:
    """The bottom of a page, where the code sits, at a scanner's resolution."""
    full = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(DPI), "-f", str(page), "-l", str(page), "-png", str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    image = Image.open(io.BytesIO(full))
    return image.crop((0, image.height - int(inches * DPI), image.width, image.height))


def decode(image: Image.Image, symbology: str, tmp_path: Path) -> list[str]:
    """Every code of `symbology` the reference decoder finds in `image`."""
    png = tmp_path / "scan.png"
    image.save(png)
    if symbology in ("qr", "code128"):
        kind = {"qr": "qrcode", "code128": "code128"}[symbology]
        run = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", f"-S{kind}.enable", str(png)], capture_output=True, text=True
        )
        assert run.returncode in (0, 4), run.stderr  # 4: no symbol found
        return [line for line in run.stdout.splitlines() if line]
    if symbology == "datamatrix":  # libdmtx searches every edge: the first symbol ends the search
        run = subprocess.run(
            ["dmtxread", "--stop-after=1", "--shrink=2", "--milliseconds=20000", str(png)],
            capture_output=True,
            text=True,
        )
        return [run.stdout] if run.stdout else []
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.PDF417)]


def fields(value: str, symbology: str) -> dict[str, str]:
    if symbology == "code128":
        return {k: unquote(v) for k, v in zip(LINEAR_FIELDS, value.split("|"), strict=True) if v}
    return dict(parse_qsl(value, strict_parsing=True))


@pytest.fixture
def make(tmp_path: Path, write_appointment: Callable[..., Path]) -> Callable[..., Generated]:
    """A packet whose letter layout uses `symbology`."""

    def run(symbology: str = "qr", **overrides: object) -> Generated:
        library = load_library()
        letter = library.layouts["letter"]
        code = ScanCode(symbology=symbology, document_type="CONSENT-VP")  # type: ignore[arg-type]
        library.layouts["letter"] = letter.model_copy(update={"scan_code": code})
        return make_packet(write_appointment(**overrides), tmp_path / symbology, library=library, today=TODAY)

    return run


@pytest.mark.slow
@pytest.mark.parametrize("symbology", ["qr", "datamatrix", "code128", "pdf417"])
def test_every_consent_page_carries_a_code_that_reads_back(
    make: Callable[..., Generated], symbology: str, tmp_path: Path
) -> None:
    # MRN and encounter with characters a careless encoder mangles (`=`, `&`, `|`, `%`, a space, non-ASCII).
    made = make(symbology, mrn="A=1&B|0%7 é", encounter="V 2026/778812", appointment_id="T-0001")
    split, total = consent_start(made.path), made.pages
    count = total - split
    assert count >= 2
    for number in range(1, count + 1):
        (value,) = decode(_bottom(made.path, split + number), symbology, tmp_path)
        assert fields(value, symbology) == {
            "MRN": "A=1&B|0%7 é",
            "ENC": "V 2026/778812",
            "DOC": "CONSENT-VP",
            "FORM": "vp-consent",
            "VER": "1.0.0",
            "PKT": "T-0001",
            "PG": f"{number}/{count}",
        }
    # The same data in small print beside it, for a person; none on the handout's pages.
    texts = page_texts(made.path)
    for number, text in enumerate(texts[split:], start=1):
        data = "MRN A=1&B|0%7 é · ENC V 2026/778812 · DOC CONSENT-VP · FORM vp-consent · VER 1.0.0 · PKT T-0001"
        assert f"{data} · PG {number}/{count}" in text
    assert not any("DOC CONSENT-VP" in text for text in texts[:split])
    if symbology != "datamatrix":  # libdmtx finding nothing takes its whole time limit
        assert decode(_bottom(made.path, 1), symbology, tmp_path) == []


def test_without_an_encounter_the_code_leaves_it_out(make: Callable[..., Generated], tmp_path: Path) -> None:
    made = make("datamatrix")
    (value,) = decode(_bottom(made.path, consent_start(made.path) + 1), "datamatrix", tmp_path)
    assert "ENC" not in fields(value, "datamatrix")
    assert fields(value, "datamatrix")["MRN"] == "00012345"


def test_the_consents_first_page_has_a_chart_label_box(generate: Callable[..., Generated], library: Library) -> None:
    made = generate()
    first = consent_start(made.path) + 1
    layout = library.layout("letter")
    caption = [w for w in words(made.path, first) if w.text == "label"]
    assert len(caption) == 1
    page = render(made.path, first)  # 1 px = 1 pt
    right = 612 - layout.page.margin_right
    top = layout.page.margin_top
    box_w, box_h = layout.label_box.width, layout.label_box.height
    # The caption sits inside a box of the label's size, at the top right of the body.
    assert right - box_w < caption[0].x0 < caption[0].x1 < right
    assert top < caption[0].y0 < caption[0].y1 < top + box_h
    # Its dashed border: ink along the box's top and left edges, some gaps between the dashes.
    top_edge = [page.getpixel((round(x), round(top))) for x in range(round(right - box_w) + 2, round(right) - 2)]
    left_edge = [page.getpixel((round(right - box_w), round(y))) for y in range(round(top) + 2, round(top + box_h) - 2)]
    for edge in (top_edge, left_edge):
        inked = sum(1 for v in edge if v < 200)
        assert 0.4 * len(edge) < inked < 0.95 * len(edge)


def test_each_document_is_marked_as_whose_copy_it_is(generate: Callable[..., Generated]) -> None:
    made = generate()
    split = consent_start(made.path)
    texts = page_texts(made.path)
    assert all(t.startswith("Patient copy ") for t in texts[:split])
    assert all(t.startswith("Chart copy ") for t in texts[split:])
    spanish = generate(language="es")
    split = consent_start(spanish.path)
    texts = page_texts(spanish.path)
    assert all(t.startswith("Su copia ") for t in texts[:split])
    assert all(t.startswith("Copia para el expediente ") for t in texts[split:])
