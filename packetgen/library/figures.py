"""Figure files, read and checked when the library loads.

A `figure` block names its file under `packets/` (`file: figures/colon.svg`). `attach_figures` reads
each one (`render.figure_files.read_figure`: once per file and process), checks it, and attaches what it
read to the block, so packets draw exactly what was checked. A missing file, an SVG that cannot be drawn
as plain vectors, or a PNG under `MIN_DPI` at its printed size in some layout is an error of the content
file (`PATH:LINE: handout.sections[1].blocks[0].file: …`): that procedure or language is unavailable
until it is fixed.

A command that makes one packet loads the library with `defer_figures`: `attach_figures` then only notes
where each file is (`PendingFigure`), and `read_deferred` reads and checks the files of the one content a
packet draws, with the same errors; the other procedures' figures are never read (nor svglib imported).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel

from ..checks import Glyphs, undrawable
from ..errors import PacketError
from ..models import Layout
from ..models.blocks import Figure
from ..models.figure import MIN_DPI, FigureFile, PendingFigure
from ..render.figure_files import FigureError, dpi, read_figure
from ..render.page import PAGE_SIZES
from ..yamlsafe import Key, Located, dotted

FIGURES_FOLDER = "packets"
"""The folder of a content root that a figure's `file` is relative to."""


def figures_in(model: BaseModel, key: Key = ()) -> Iterator[tuple[Key, Figure]]:
    """Every figure block inside `model` (a content, a fragment, a section), with where it is."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _figures(value, (*key, name))
        elif isinstance(value, tuple):
            for index, inner in enumerate(value):
                if isinstance(inner, BaseModel):
                    yield from _figures(inner, (*key, name, index))
        elif isinstance(value, dict):
            for inner_key, inner in value.items():
                if isinstance(inner, BaseModel):
                    yield from _figures(inner, (*key, name, inner_key))


def _figures(model: BaseModel, key: Key) -> Iterator[tuple[Key, Figure]]:
    if isinstance(model, Figure):
        yield key, model
    else:
        yield from figures_in(model, key)


def text_width(layout: Layout) -> float:
    """The width of a layout's text column, in points: the width a figure's `width` is a share of."""
    return float(PAGE_SIZES[layout.page.size][0]) - layout.page.margin_left - layout.page.margin_right


def attach_figures(
    model: BaseModel, located: Located, root: Path, layouts: Iterable[Layout], *, defer: bool = False
) -> list[PacketError]:
    """Read and check the file of every figure in `model` (a content or fragment, parsed from `located`),
    relative to `root`'s `packets/`, and attach it to its block; an error for each one that cannot be
    used. A PNG is checked against the text column of every layout in `layouts`. With `defer`, nothing is
    read: each block notes where its file is, for `read_deferred` (no errors then)."""
    errors = []
    layouts = tuple(layouts)
    for key, figure in figures_in(model):
        at: Key = (*key, "file")
        path = root / FIGURES_FOLDER / figure.file
        if defer:
            figure.defer(PendingFigure(path, located.pos(at), dotted(at), layouts))
            continue
        read, problem = _read_checked(path, figure.file, figure.width, layouts)
        if read is None:
            errors.append(PacketError(located.pos(at), dotted(at), problem))
            continue
        figure.attach(read)
    return errors


def read_deferred(model: BaseModel) -> list[PacketError]:
    """Read and check, and attach, the file of each figure in `model` (a content about to be drawn) that
    the library deferred (`attach_figures(defer=True)`); the errors `attach_figures` would have given,
    at the same lines. Nothing for figures already read."""
    errors = []
    for _key, figure in figures_in(model):
        pending = figure.pending
        if figure.read is not None or pending is None:
            continue
        read, problem = _read_checked(pending.path, figure.file, figure.width, pending.layouts)
        if read is None:
            errors.append(PacketError(pending.pos, pending.field, problem))
            continue
        figure.attach(read)
    return errors


def _read_checked(path: Path, name: str, width: float, layouts: tuple[Layout, ...]) -> tuple[FigureFile | None, str]:
    """The figure file at `path` read and checked at `width` in `layouts`, or None and what is wrong with it."""
    try:
        read = read_figure(path, name)
    except FigureError as exc:
        return None, str(exc)
    problem = resolution_problem(read, width, layouts)
    return (None, problem) if problem else (read, "")


def label_problems(model: BaseModel, located: Located, glyphs: Glyphs, layout_name: str) -> list[PacketError]:
    """Every text of every SVG figure in `model` must be drawable in a layout (for `validate`), as the
    content's own text must: a label is drawn in the layout's fonts."""
    errors = []
    for key, figure in figures_in(model):
        for number, label in enumerate(figure.read.labels if figure.read else (), start=1):
            problem = undrawable(label.text, glyphs)
            if problem:
                at: Key = (*key, "file")
                message = f"packets/{figure.file}, text {number} of the drawing: {problem} (layout {layout_name})"
                errors.append(PacketError(located.pos(at), dotted(at), message))
    return errors


def resolution_problem(read: FigureFile, width: float, layouts: Iterable[Layout]) -> str | None:
    """Why a PNG printed at `width` of the text column is too coarse in one of `layouts` (under `MIN_DPI`
    where its column is widest), or None (an SVG is never too coarse)."""
    columns = sorted(((text_width(layout), layout.name) for layout in layouts), reverse=True)
    if read.kind != "png" or not columns:
        return None
    column, layout = columns[0]
    printed = width * column
    needed = math.ceil(round(MIN_DPI * printed / 72, 6))  # pixels (rounded: no float noise at the boundary)
    if read.width >= needed:
        return None
    found = dpi(read, printed)
    return (
        f"packets/{read.name}: expected at least {MIN_DPI} dpi at its printed size, {printed / 72:.2f} inches wide "
        f"({width:g} of the text column in layout {layout}), so at least {needed} pixels wide; it has "
        f"{int(read.width)} ({math.floor(found)} dpi). Use a larger image, a smaller width, or an SVG"
    )
