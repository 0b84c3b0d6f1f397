"""Font subsets are tagged by their content (ISO 32000-1 §9.6.4): in a print run, two subsets of a
font share a name only when they are the same subset, and the same inputs still give the same bytes."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from packetgen.cli import main
from packetgen.render.fonts import subset_tag
from tests.helpers.site import ROOT
from tests.helpers.stores import migrated_sqlite


def test_subset_tags_follow_the_subsets_content(tmp_path: Path) -> None:
    source = ROOT / "examples/batch/appointments.csv"
    environ = {"PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "db.sqlite"), "PACKETGEN_WORKERS": "1"}
    assert main(["batch", str(source), "--out", str(tmp_path / "out"), "--print-run"], environ=environ) in (0, 1)
    reader = PdfReader(tmp_path / "out" / "print-run.pdf")
    programs: dict[str, set[bytes]] = defaultdict(set)
    for font in fonts_of(reader):
        name = str(font["/BaseFont"])
        assert re.fullmatch(r"/[A-Z]{6}\+[\w-]+", name), name
        assert name[1:7] != "AAAAAA"
        programs[name].add(font["/FontDescriptor"]["/FontFile2"].get_object().get_data())
    assert all(len(found) == 1 for found in programs.values()), {n: len(p) for n, p in programs.items()}
    regular = [name for name in programs if name.endswith("+DejaVuSans")]
    assert len(regular) > 1  # packets with different glyphs: different subsets, different tags


def fonts_of(reader: PdfReader) -> list[Any]:
    """Every font a page or a form XObject on it uses (headers and footers are form XObjects)."""
    found: dict[int, Any] = {}

    def walk(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in resources.get("/Font", {}).values():
            found[id(font.get_object())] = font.get_object()
        for xobject in resources.get("/XObject", {}).values():
            xobject = xobject.get_object()
            if "/Resources" in xobject:
                walk(xobject["/Resources"])

    for page in reader.pages:
        walk(page.get("/Resources"))
    return list(found.values())


def test_a_subset_tag_is_a_function_of_font_and_glyphs() -> None:
    assert subset_tag(b"DejaVuSans", [32, 65, 66]) == subset_tag(b"DejaVuSans", [32, 65, 66])
    assert subset_tag(b"DejaVuSans", [32, 65, 66]) != subset_tag(b"DejaVuSans", [32, 65, 67])
    assert subset_tag(b"DejaVuSans", [32, 65]) != subset_tag(b"DejaVuSans-Bold", [32, 65])
    assert re.fullmatch(rb"[A-Z]{6}", subset_tag(b"X", []))
