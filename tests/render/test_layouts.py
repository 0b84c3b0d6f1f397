"""Layouts: inheritance, paper sizes, large print, and colour contrast."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from packetgen.build import Generated, make_packet
from packetgen.errors import InputErrors
from packetgen.library import Library, load_library
from packetgen.render.fonts import find_font
from tests.helpers.pdfimage import dark_per_row, render_all
from tests.helpers.pdftext import numbering, page_texts, section_text
from tests.helpers.site import DATA, ROOT, TODAY, copy_site, normalize

Make = Callable[..., Generated]


def test_layouts_extend_their_parent(library: Library) -> None:
    letter, a4, large = (library.layouts[n] for n in ("letter", "a4", "large-print"))
    assert a4.page.size == "a4"
    assert a4.colours == letter.colours
    assert a4.page.margin_top == letter.page.margin_top
    assert large.sizes.body == 18
    assert large.fonts.regular == "AtkinsonHyperlegible-Regular.ttf"
    assert large.fonts.fallback == ("DejaVuSans.ttf", *letter.fonts.fallback)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("extends: tabloid\n", "extends: expected the name of another layout"),
        ("extends: loop-b\n", "extends: layouts extend each other in a loop"),
    ],
)
def test_bad_extends_is_named(tmp_path: Path, extra: str, message: str) -> None:
    folder = tmp_path / "layouts"
    folder.mkdir()
    (folder / "loop-a.yaml").write_text(f"name: loop-a\n{extra}", encoding="utf-8")
    (folder / "loop-b.yaml").write_text("name: loop-b\nextends: loop-a\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_library(root=tmp_path)
    assert any(message in str(e) and str(e).startswith("layouts/loop-a.yaml:2:") for e in info.value.errors), info.value


@pytest.mark.parametrize(
    ("layout", "size"), [("letter", (612.0, 792.0)), ("a4", (595.276, 841.89)), ("large-print", (612.0, 792.0))]
)
def test_page_sizes(generate: Make, layout: str, size: tuple[float, float]) -> None:
    reader = PdfReader(generate(layout=layout).path)
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(size, abs=0.01)


def test_large_print_body_is_at_least_18_pt_and_nothing_is_lost(generate: Make) -> None:
    path = generate(layout="large-print", flags=["sedation", "anticoagulant", "contrast_allergy"]).path
    sizes: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            sizes.append((round(size * tm[0] * cm[0], 1), str(font["/BaseFont"]).split("+")[-1]))

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    body_size, body_font = max(set(sizes), key=sizes.count)  # the body text: the most common run
    assert body_size >= 18
    assert body_font == "AtkinsonHyperlegible-Regular"
    handout, consent = section_text(path)
    seed = (DATA / "seed-vertebroplasty.txt").read_text(encoding="utf-8")
    for line in (normalize(x.replace("•", "")) for x in seed.splitlines() if x.strip()):
        assert line.rstrip(".") in handout, line
    texts = page_texts(path)
    for text, (number, count) in zip(texts, numbering(path), strict=True):
        assert "Patient: Nguyễn, Thị Ánh" in text
        assert "MRN: 00012345" in text
        assert f"Page {number} of {count}" in text
    assert "☐ Patient ☐ Legal representative" in consent
    assert "☐ In person ☐ By phone ☐ By video" in consent
    # What Atkinson Hyperlegible lacks (☐, Vietnamese letters) comes from DejaVu Sans, character by character.
    fonts = {
        str(f["/BaseFont"]).split("+")[-1]
        for page in PdfReader(path).pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert {"AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold", "DejaVuSans"} <= fonts


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", ["letter", "a4", "large-print"])
def test_every_text_colour_has_contrast_of_at_least_4_5(library: Library, name: str) -> None:
    colours = library.layouts[name].colours
    for background in ("#ffffff", colours.callout_background):
        for text in (colours.text, colours.heading, colours.accent, colours.muted):
            assert contrast(text, background) >= 4.5, (name, text, background)


def test_shipped_layouts_are_all_listed() -> None:
    assert sorted(p.stem for p in (ROOT / "layouts").glob("*.yaml")) == ["a4", "large-print", "letter"]


@pytest.mark.parametrize("layout", ["letter", "a4", "large-print"])
@pytest.mark.parametrize("repeat", [1, 6])
def test_long_names_wrap_in_the_header_and_never_reach_the_body(
    generate: Make, library: Library, layout: str, repeat: int
) -> None:
    last = "-".join(["Wolfeschlegelsteinhausenbergerdorff"] * repeat)
    first = " ".join(["Maximiliana Alexandrina"] * repeat)
    path = generate(layout=layout, first_name=first, last_name=last).path
    page = library.layouts[layout].page
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    images = render_all(path)
    for number, page_boxes in enumerate(boxes.split("<page ")[1:], start=1):
        words = [
            (float(y0), float(y1), text)
            for y0, y1, text in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', page_boxes)
        ]
        # The header ends at its rule: the first line across the whole text width (the top margin grows
        # for a header that needs more room, so the layout's margin is not where the body starts).
        image = images[number - 1]
        left, right = int(page.margin_left) + 1, image.width - int(page.margin_right) - 1
        dark = dark_per_row(image, left, right)
        rule = next(y for y in range(image.height // 3) if dark[y] >= 0.95 * (right - left))
        assert any(text == "Patient:" for _top, bottom, text in words if bottom <= rule), number
        straddling = [text for top, bottom, text in words if top < rule < bottom]
        assert straddling == [], f"page {number}: the header runs into the body"
    squeezed = "".join(f"{last},{first}".split())
    for text in page_texts(path):  # the whole name on every page (a very long word breaks across lines)
        assert squeezed in "".join(text.split())


def test_the_risk_table_splits_across_pages_with_its_header_row_repeated(
    tmp_path: Path, write_appointment: Callable[..., Path]
) -> None:
    copy_site(tmp_path)
    (tmp_path / "layouts" / "huge.yaml").write_text(
        "name: huge\nextends: large-print\ndescription: 30 pt body\nsizes: {body: 30, heading: 34, title: 40}\n",
        encoding="utf-8",
    )
    library = load_library(root=tmp_path)
    path = make_packet(write_appointment(layout="huge"), tmp_path / "out", library=library, today=TODAY).path
    _handout, consent = section_text(path)
    texts = page_texts(path)
    table_pages = [t for t in texts if "Risks and complications Initials" in t]
    assert len(table_pages) >= 2  # split, and the header row came along
    for risk in (r for r in library.contents["vertebroplasty"].risks if r.when is None):  # no flags: no flag's risk
        assert normalize(risk.text) in consent


@pytest.mark.process  # starts `generate.py` as a program
def test_font_folders_from_the_environment_come_first(tmp_path: Path) -> None:
    # A file called DejaVuSans.ttf in PACKETGEN_FONT_DIRS is used before the system's: here it
    # is really DejaVu Sans Mono, which the PDF names.
    folder = tmp_path / "site-fonts"
    folder.mkdir()
    shutil.copy(find_font("DejaVuSansMono.ttf"), folder / "DejaVuSans.ttf")
    fonts = {}
    for name, env in (("plain", {}), ("site", {"PACKETGEN_FONT_DIRS": f"{tmp_path / 'missing'}:{folder}"})):
        out = tmp_path / name
        subprocess.run(
            [sys.executable, "generate.py", "packet", "examples/appointments/obrien.json", "--out", str(out)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", **env},
        )
        page = PdfReader(out / "DEMO-0002.pdf").pages[2]
        fonts[name] = {str(f.get_object()["/BaseFont"]).split("+")[-1] for f in page["/Resources"]["/Font"].values()}
    assert "DejaVuSans" in fonts["plain"]
    assert "DejaVuSansMono" not in fonts["plain"]
    assert "DejaVuSansMono" in fonts["site"]
    assert "DejaVuSans" not in fonts["site"]


def test_a_footer_note_may_be_one_text_for_every_language(
    tmp_path: Path, write_appointment: Callable[..., Path]
) -> None:
    copy_site(tmp_path)  # the footer note is the department's: a department with one note for every language
    (tmp_path / "departments" / "plain.yaml").write_text(
        "name: Plain Clinic\naddress: [1 Main Street]\nphone: (217) 555-0199\n"
        'footer_note: "Bring this packet with you."\n',
        encoding="utf-8",
    )
    library = load_library(root=tmp_path)
    for language in ("en", "es"):
        made = make_packet(
            write_appointment(language=language, department="plain"), tmp_path / language, library=library, today=TODAY
        )
        assert all("Bring this packet with you." in text for text in page_texts(made.path)), language
