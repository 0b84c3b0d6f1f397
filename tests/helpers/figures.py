"""Figure files in a copy of the site, and a packet's figure read back from its content streams."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from tests.helpers.site import copy_site

SHIPPED = "file: figures/vertebroplasty.svg"
"""How the English vertebroplasty content names its figure."""

SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!-- For clinical review: a test drawing, a box and a line, labelled. -->
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
  <rect x="20" y="20" width="160" height="120" rx="8" fill="#f3ead8" stroke="#8a7553" stroke-width="2"/>
  <path d="M 20 170 C 120 120 220 220 380 170" fill="none" stroke="#1a1a1a" stroke-width="2"/>
  <text x="290" y="60" font-family="sans-serif" font-size="16" text-anchor="middle">{label}</text>
  <text x="200" y="120" font-family="sans-serif" font-size="16" font-weight="bold">Bold words</text>
</svg>
"""
"""A small valid figure: its first comment for the reviewer, two shapes and two labels."""


def svg(label: str = "A box") -> str:
    return SVG.replace("{label}", label)


def png(width: int, height: int, alpha: bool = False) -> bytes:
    """A PNG of that many pixels: a dark square on white (or on transparency)."""
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (255, 255, 255, 0) if alpha else "white")
    for x in range(width // 4, width // 2):
        for y in range(height // 4, height // 2):
            image.putpixel((x, y), (20, 40, 60, 255) if alpha else (20, 40, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def figure_site(root: Path, name: str, data: bytes | str | None, width: float | None = None) -> Path:
    """A copy of the site whose English vertebroplasty names `figures/<name>` (written with `data` unless
    None), at `width` of the text column where given; returns `root`."""
    copy_site(root)
    if data is not None:
        path = root / "packets" / "figures" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    content = root / "packets" / "vertebroplasty.yaml"
    text = content.read_text(encoding="utf-8")
    assert text.count(SHIPPED) == 1
    named = f"file: figures/{name}" + (f"\n          width: {width}" if width is not None else "")
    content.write_text(text.replace(SHIPPED, named), encoding="utf-8")
    return root


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` that holds `text`."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@dataclass
class Drawn:
    """What a packet draws inside its `Figure` structure element."""

    page: int
    """1-based."""
    operators: list[str]
    images: list[tuple[int, int, bool]]
    """The image XObjects the figure paints: width, height, whether it has a soft mask."""
    page_images: int
    """Image XObjects among the page's resources."""


def figure_drawn(pdf_path: Path) -> Drawn:
    """The operators inside the one marked-content sequence tagged `/Figure` of the packet."""
    with pikepdf.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            inside, depth, ops, images = False, 0, [], []
            for instruction in pikepdf.parse_content_stream(page):
                op = str(instruction.operator)
                if op == "BDC" and str(instruction.operands[0]) == "/Figure":
                    inside, depth = True, 0
                    continue
                if not inside:
                    continue
                if op in ("BDC", "BMC"):
                    depth += 1
                elif op == "EMC":
                    if depth == 0:
                        break
                    depth -= 1
                ops.append(op)
                if op == "Do":
                    image = page.Resources.XObject[instruction.operands[0]]
                    images.append((int(image.Width), int(image.Height), "/SMask" in image))
            if inside:
                xobjects = page.Resources.get("/XObject", {})
                count = sum(1 for key in xobjects if xobjects[key].get("/Subtype") == "/Image")
                return Drawn(number, ops, images, count)
    raise AssertionError("no /Figure marked content")


def unkeyed(text: str) -> str:
    """A page's text with a large-print figure's key read as the drawing's own words: "… 1 Colon · 2 Rectum
    · 3 Anus" as "… 1 Colon Rectum Anus" (the numbers drawn in the figure stay before it)."""
    return re.sub(r" · \d{1,2}[ \u00a0]", " ", text)
