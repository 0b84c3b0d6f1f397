"""A figure's file as the library read it: what the renderer draws for a `figure` block.

A content names its figure by a path under `packets/` (`figures/colon.svg`); `library.figures` reads
the file once when the library loads (`render.figure_files.read_figure` parses it), checks it, and
attaches a `FigureFile` to the block. The packet carries it to the renderer, so a worker process draws
what was checked without reading the file again.

Plain frozen dataclasses: `checks.check_packet` walks a packet's dataclasses for every string it will
draw, so the label texts are checked against the layout's fonts like any other text; the drawing's
operators are bytes, which it passes over.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from ..errors import SourcePos
from .types import Text, _pattern

if TYPE_CHECKING:
    from .layout import Layout

FigurePath = Annotated[
    Text,
    _pattern(
        r"figures/([A-Za-z0-9][A-Za-z0-9._-]*/)*[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.(svg|png)",
        "a file in packets/figures/ ending in .svg or .png, like figures/colon.svg",
    ),
]
"""Where a figure's file is, relative to `packets/`: always under `figures/`, an `.svg` or a `.png`."""

MIN_DPI = 200
"""The least resolution a PNG figure may have at its printed size (dots per inch)."""


@dataclass(frozen=True)
class Label:
    """A text of an SVG figure, drawn as live text in the layout's font where the drawing has it."""

    text: str
    x: float
    y: float
    """Where it is anchored, in the coordinates in force at that point of the drawing."""
    size: float
    anchor: Literal["start", "middle", "end"]
    bold: bool
    colour: tuple[float, float, float]
    """Its fill colour (RGB, 0 to 1)."""
    scale: float = 1.0
    """How much the drawing's own transforms at that point enlarge it (its size on the page is
    `size × scale ×` the figure's scale)."""


@dataclass(frozen=True)
class FigureFile:
    """A figure file read and checked: an SVG as PDF drawing operators and labels, or a PNG's pixels."""

    name: str
    """As the content names it (`figures/colon.svg`)."""
    path: Path
    """Where it was read from."""
    digest: str
    """SHA-256 of its bytes."""
    kind: Literal["svg", "png"]
    width: float
    height: float
    """Its natural size: points for an SVG, pixels for a PNG."""
    segments: tuple[bytes, ...] = ()
    """An SVG's shapes as PDF content-stream operators, split where a label is drawn: segment 0, label 0,
    segment 1, label 1, …, the last segment (one more segment than labels). Together they are balanced
    (`q` … `Q`) and name no resource of any document, so they replay into every packet."""
    labels: tuple[Label, ...] = ()
    """An SVG's texts, in drawing order."""
    data: bytes = b""
    """A PNG's bytes (an RGB PNG: any transparency flattened onto white)."""


@dataclass(frozen=True)
class PendingFigure:
    """A figure's file that the library has not read yet (loaded with `defer_figures`, for a command that
    makes one packet): where the file is and where its content names it, to read and check it when a packet
    draws it (`library.figures.read_deferred`), with the same error it would have had at loading."""

    path: Path
    pos: SourcePos
    """Where the content (or shared fragment) names the file: its `file:` line."""
    field: str
    """That key, dotted (`handout.sections[1].blocks[0].file`)."""
    layouts: tuple[Layout, ...]
    """The library's layouts: a PNG must be sharp enough for the widest text column among them."""
