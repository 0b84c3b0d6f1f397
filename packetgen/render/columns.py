"""Column widths that never make a table break a word: each column at least as wide as the widest run
of its text that a line cannot break (a word, or a date or time held together by no-break spaces).

A Paragraph breaks lines only at white space other than the no-break space (no hyphenation); a run
wider than its line is cut between letters ("Decembe / r 9"). Tables and timelines ask here how wide
each column must be, let a date break between its words ("Wednesday, / December 9") where a column
cannot hold it whole, and fall back to a list where even that does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from .fonts import FontSet

PADDING = 2 * 6 + 1
"""A cell's left and right padding (ReportLab's defaults), and a point to spare."""
_SIDES = 2 * 6
"""A cell's left and right padding."""

_BREAKS = re.compile(r"[^\S\u00a0]+")
"""Where a Paragraph may break a line: white space, but not the no-break space."""


def loosened(text: str) -> str:
    """`text` with its no-break spaces made spaces: a date or time may then break between its words."""
    return text.replace("\u00a0", " ")


def widest_run(texts: Iterable[str], style: ParagraphStyle, fonts: FontSet, padding: float = PADDING) -> float:
    """The width a cell needs for the widest run of `texts` no line can break, drawn in `style`, with
    the cell's `padding` (0: a list item's)."""
    runs = [run for text in texts for run in _BREAKS.split(text) if run]
    return max((fonts.width(run, style.fontName, style.fontSize) for run in runs), default=0.0) + padding


def fit(shares: Sequence[float], minimums: Sequence[float], width: float) -> list[float] | None:
    """Column widths filling `width` in proportion to `shares`, each at least its minimum (a column
    below it gets its minimum, the rest share what is left); None when the minimums add up to more
    than `width`."""
    if sum(minimums) > width:
        return None
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(shares)) if i not in fixed]
        left, total = width - sum(fixed.values()), sum(shares[i] for i in free)
        widths = {i: left * shares[i] / total for i in free}
        short = {i for i in free if widths[i] < minimums[i]}
        if not short:
            return [fixed[i] if i in fixed else widths[i] for i in range(len(shares))]
        fixed.update({i: minimums[i] for i in short})


def tallest_row(
    rows: Sequence[Sequence[Flowable | Sequence[Flowable]]], widths: Sequence[float], padding: float
) -> float:
    """The height of the tallest of `rows` (each cell a flowable or a list of them) at `widths`, with
    `padding` (a cell's top and bottom padding together): a table whose row is taller than a page
    cannot be drawn (a row never breaks)."""

    def height(cell: Flowable | Sequence[Flowable], width: float) -> float:
        flowables = [cell] if isinstance(cell, Flowable) else list(cell)
        return float(sum(f.wrap(width - _SIDES, 1e6)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables))

    return max(
        (max(height(cell, width) for cell, width in zip(row, widths, strict=True)) + padding for row in rows),
        default=0.0,
    )
