"""Reading a figure's file: an SVG into PDF drawing operators and live-text labels, a PNG into pixels.

`read_figure` is called when the library loads (`library.figures`; for a single packet, when it is
drawn), once per file and process (the result is cached by the file's SHA-256): what it returns travels
with the content to every packet, so a packet never parses a file. An SVG goes through svglib into a
ReportLab drawing, which a recording renderer walks once into content-stream operators; its texts are
taken out as `Label`s, to be drawn in each document with the layout's embedded fonts (a font subset
belongs to one document), at the point of the drawing where they were. Nothing the operators use may be
a named resource of the document they were recorded in (an opacity's graphics state, an embedded image):
such a file is refused, so the operators replay into any packet, byte for byte the same.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from lxml import etree
from PIL import Image, UnidentifiedImageError
from reportlab.graphics import renderPDF
from reportlab.graphics.renderbase import renderScaledDrawing
from reportlab.lib.colors import toColor
from reportlab.pdfgen.canvas import Canvas

from ..models.figure import FigureFile, Label

MAX_BYTES = 4_000_000
"""The largest figure file read (an SVG of clean line drawing is a few kilobytes)."""

REVIEW_NOTE = "For clinical review:"
"""How an SVG's first comment starts: what a clinician should check in the drawing."""

_CACHE: dict[tuple[str, str], FigureFile] = {}
_FONT_ONLY = re.compile(r"BT /\S+ [\d.]+ Tf [\d.]+ TL ET")
"""The renderer sets a font before each text; the labels are drawn in the layout's fonts instead."""


_ANCHORS: dict[str, Literal["start", "middle", "end"]] = {"start": "start", "middle": "middle", "end": "end"}


def svg2rlg(source: Any, **options: Any) -> Any:
    """svglib's reader (`svglib.svglib.svg2rlg`), imported when a first SVG is read: a command that reads
    no figure never imports svglib."""
    from svglib.svglib import svg2rlg as read

    return read(source, **options)


class FigureError(ValueError):
    """Why a figure file cannot be used (the message completes `file: …`)."""


def read_figure(path: Path, name: str) -> FigureFile:
    """The figure file at `path` (which the content calls `name`), read and checked; FigureError saying
    what is wrong with it. Cached per process by the file's bytes."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FigureError(f"no such file: packets/{name}") from None
    except OSError:
        raise FigureError(f"cannot read packets/{name}") from None
    if len(data) > MAX_BYTES:
        raise FigureError(f"packets/{name} is larger than {MAX_BYTES // 1_000_000} MB")
    digest = hashlib.sha256(data).hexdigest()
    key = (name, digest)
    if key not in _CACHE:
        read = _svg if name.lower().endswith(".svg") else _png
        _CACHE[key] = read(data, path, name, digest)
    return _CACHE[key]


def _svg(data: bytes, path: Path, name: str, digest: str) -> FigureFile:
    _check_xml(data, name)
    with _svglib_problems() as problems:
        drawing = svg2rlg(io.BytesIO(data), external_reference_root=str(path.parent))
    if problems:
        raise FigureError(f"packets/{name}: the SVG has a part that cannot be drawn: {problems[0]}")
    if drawing is None or not drawing.width > 0 or not drawing.height > 0:
        raise FigureError(f"packets/{name}: expected an SVG with a width and height (or a viewBox)")
    segments, labels = _record(drawing, name)
    return FigureFile(name, path, digest, "svg", float(drawing.width), float(drawing.height), segments, tuple(labels))


def _check_xml(data: bytes, name: str) -> None:
    """Well-formed XML (svglib would silently repair it), an `<svg>`, and a first comment for the reviewer."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise FigureError(f"packets/{name}: not well-formed XML{line}") from None
    if etree.QName(root).localname != "svg":
        raise FigureError(f"packets/{name}: expected an <svg> document")
    first = _first_comment(root)
    if first is None or not (first.text or "").strip().startswith(REVIEW_NOTE):
        raise FigureError(
            f"packets/{name}: expected a first comment <!-- {REVIEW_NOTE} … --> saying what a clinician "
            "should check in the drawing"
        )


def _first_comment(root: Any) -> Any:
    """The first comment of the document: before the `<svg>` element, else its first child."""
    before = list(root.itersiblings(preceding=True))
    if before:
        first = before[-1]
        return first if isinstance(first, etree._Comment) else None
    child = next(iter(root), None)
    return child if isinstance(child, etree._Comment) else None


@contextmanager
def _svglib_problems() -> Iterator[list[str]]:
    """svglib's warnings and errors while it reads a file (what it could not draw), kept from the log."""
    problems: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            problems.append(record.getMessage())

    logger = logging.getLogger("svglib")
    handler, propagate = Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield problems
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


class _Recorder(renderPDF._PDFRenderer):
    """ReportLab's PDF renderer, noting where each text is instead of drawing it."""

    def __init__(self) -> None:
        super().__init__()
        self.cuts: list[int] = []
        self.labels: list[Label] = []

    def drawString(self, node: Any) -> None:  # noqa: N802 - ReportLab's name
        state = self._tracker.getState()
        fill = state["fillColor"]
        if fill is None or not node.text.strip():
            return
        red, green, blue = toColor(fill).rgb()
        anchor = _ANCHORS.get(str(state["textAnchor"]), "start")
        bold = "bold" in str(state["fontName"]).lower()
        size = float(state["fontSize"])
        a, b, c, d, _e, _f = state["ctm"]
        scale = abs(a * d - b * c) ** 0.5
        label = Label(node.text, float(node.x), float(node.y), size, anchor, bold, (red, green, blue), scale)
        self.cuts.append(len(self._canvas._code))
        self.labels.append(label)


def _record(drawing: Any, name: str) -> tuple[tuple[bytes, ...], list[Label]]:
    """The drawing's shapes as operators, cut where each label goes, and the labels."""
    scratch = Canvas(io.BytesIO())
    start = len(scratch._code)
    recorder = _Recorder()
    recorder.draw(renderScaledDrawing(drawing), scratch, 0, 0, showBoundary=False)
    code = scratch._code
    bounds = [start, *recorder.cuts, len(code)]
    segments = []
    for begin, end in itertools.pairwise(bounds):
        ops = [op for op in code[begin:end] if not _FONT_ONLY.fullmatch(op)]
        if any("/" in op for op in ops):
            raise FigureError(
                f"packets/{name}: the SVG uses transparency (opacity), a gradient, an embedded image or another "
                "feature that is not plain vector drawing; use solid colours, lines, shapes and text only"
            )
        segments.append("\n".join(ops).encode("ascii"))
    whole = b"\n".join(segments).split()
    if whole.count(b"q") != whole.count(b"Q"):
        raise FigureError(f"packets/{name}: the SVG could not be recorded as balanced drawing operators")
    return tuple(segments), recorder.labels


def _png(data: bytes, path: Path, name: str, digest: str) -> FigureFile:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise FigureError(f"packets/{name}: expected a PNG image")
            image.load()
            flat = _flattened(image)
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise FigureError(f"packets/{name}: not a PNG image that can be read") from None
    out = io.BytesIO()
    flat.save(out, format="PNG")
    return FigureFile(name, path, digest, "png", float(flat.width), float(flat.height), data=out.getvalue())


def _flattened(image: Image.Image) -> Image.Image:
    """The image as RGB (or grey), any transparency laid onto white paper."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("L" if image.mode in ("1", "L", "I", "I;16") else "RGB")


def dpi(figure: FigureFile, printed_width: float) -> float:
    """A PNG figure's resolution when printed `printed_width` points wide (72 points an inch)."""
    return figure.width / (printed_width / 72)
