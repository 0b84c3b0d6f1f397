"""The packet's logical structure, recorded while it is drawn (tagged PDF, PDF/UA-1).

Open-source ReportLab writes no structure tree, but everything it draws goes through the canvas's
operator list, so marked content can be put around it: `/P <</MCID 3>> BDC … EMC` around what is
part of the document, `/Artifact BDC … EMC` around what is not (running header and footer, page
numbers, rules, boxes, scan-back codes). While drawing, the `Tagger` builds a tree of `Element`s
whose leaves are the marked-content ids of each page; `archival` writes it into the PDF
(StructTreeRoot, ParentTree, /StructParents) after rendering.

Reading order is drawing order. A flowable that platypus splits across pages (a paragraph, a list,
the risk table) keeps one element: its parts carry the same `Element` (`inherit`), which then
holds marked content on both pages. Inside an artifact nothing is tagged.
"""

from __future__ import annotations

import codecs
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from reportlab.platypus import Flowable
from reportlab.platypus.tables import TableRenderCB

from ..models.structure import Element, MarkedContent

__all__ = ["Element", "MarkedContent", "TableTags", "Tagger"]


class Tagger:
    """Numbers marked content per page and grows the structure tree in drawing order."""

    def __init__(self) -> None:
        self.root = Element("Document", attached=True)
        self._stack: list[Element] = [self.root]
        self._next: dict[int, int] = {}
        self._artifact = 0

    def part(self, language: str | None = None) -> None:
        """What is drawn from now on is a new `Part` of the document (the handout; the consent; the consent
        in the source language, for the record: its `language`, where it differs from the document's)."""
        part = Element("Part", lang=language, attached=True)
        self.root.kids.append(part)
        self._stack = [self.root, part]

    @property
    def quiet(self) -> bool:
        """Inside an artifact: nothing is tagged."""
        return self._artifact > 0

    def _attach(self, element: Element) -> None:
        if not element.attached:
            self._stack[-1].kids.append(element)
            element.attached = True

    def within(self, element: Element) -> AbstractContextManager[None]:
        """What is drawn now belongs to `element` (attached, the first time, where it is drawn)."""
        return _NOTHING if self.quiet else _Within(self, element)

    def content(self, canv: Any, element: Element) -> AbstractContextManager[None]:
        """What is drawn now is `element`'s own content: one marked-content sequence."""
        return _NOTHING if self.quiet else _Content(self, canv, element)

    def artifact(self, canv: Any, kind: str = "Layout", subtype: str | None = None) -> AbstractContextManager[None]:
        """What is drawn now is not part of the document's content (ISO 32000-1 §14.8.2.2)."""
        return _NOTHING if self.quiet else _Artifact(self, canv, kind, subtype)

    def span_language(self, canv: Any, kind: str, label: str | None) -> None:
        """A Paragraph `<onDraw name="lang">` callback: a language span inside the text being
        drawn (`label` the language, empty to end the span), written into the text object. A
        label `ar العلي` also gives the span's text in reading order, as its /ActualText."""
        if self.quiet:
            return
        tx = canv._curr_tx_info["tx"]
        if not label:
            tx._code.append("EMC")
            return
        language, _, actual = label.partition(" ")
        extra = f" /ActualText <{codecs.BOM_UTF16_BE.hex()}{actual.encode('utf-16-be').hex()}>" if actual else ""
        tx._code.append(f"/Span <</Lang ({language}){extra}>> BDC")


_NOTHING = nullcontext()
"""Reentrant and stateless: one for every place where nothing is tagged."""


class _Within:
    """`Tagger.within`: a class, not a generator, as it runs for every flowable drawn."""

    __slots__ = ("element", "tagger")

    def __init__(self, tagger: Tagger, element: Element) -> None:
        self.tagger, self.element = tagger, element

    def __enter__(self) -> None:
        self.tagger._attach(self.element)
        self.tagger._stack.append(self.element)

    def __exit__(self, *_: object) -> None:
        self.tagger._stack.pop()


class _Content:
    """`Tagger.content`: `/Role <</MCID n>> BDC … EMC`, the id recorded as the element's kid."""

    __slots__ = ("canv", "element", "tagger")

    def __init__(self, tagger: Tagger, canv: Any, element: Element) -> None:
        self.tagger, self.canv, self.element = tagger, canv, element

    def __enter__(self) -> None:
        tagger, element = self.tagger, self.element
        tagger._attach(element)
        page = self.canv.getPageNumber()
        mcid = tagger._next.get(page, 0)
        tagger._next[page] = mcid + 1
        element.kids.append(MarkedContent(page, mcid))
        self.canv._code.append(f"/{element.role} <</MCID {mcid}>> BDC")
        tagger._stack.append(element)

    def __exit__(self, *_: object) -> None:
        self.tagger._stack.pop()
        self.canv._code.append("EMC")


class _Artifact:
    """`Tagger.artifact`: `/Artifact <</Type /Kind>> BDC … EMC`, nothing tagged inside."""

    __slots__ = ("canv", "opening", "tagger")

    def __init__(self, tagger: Tagger, canv: Any, kind: str, subtype: str | None) -> None:
        extra = f" /Subtype /{subtype}" if subtype else ""
        self.tagger, self.canv, self.opening = tagger, canv, f"/Artifact <</Type /{kind}{extra}>> BDC"

    def __enter__(self) -> None:
        self.canv._code.append(self.opening)
        self.tagger._artifact += 1

    def __exit__(self, *_: object) -> None:
        self.tagger._artifact -= 1
        self.canv._code.append("EMC")


def tagger_of(canv: Any) -> Tagger | None:
    """The canvas's tagger, or None for a canvas that records no structure."""
    return getattr(canv, "tagger", None)


def content(canv: Any, element: Element) -> AbstractContextManager[None]:
    """`Tagger.content` on `canv`'s tagger; nothing without one."""
    tagger = tagger_of(canv)
    return _NOTHING if tagger is None else tagger.content(canv, element)


def within(canv: Any, element: Element) -> AbstractContextManager[None]:
    """`Tagger.within` on `canv`'s tagger; nothing without one."""
    tagger = tagger_of(canv)
    return _NOTHING if tagger is None else tagger.within(element)


def artifact(canv: Any, kind: str = "Layout", subtype: str | None = None) -> AbstractContextManager[None]:
    """`Tagger.artifact` on `canv`'s tagger; nothing without one."""
    tagger = tagger_of(canv)
    return _NOTHING if tagger is None else tagger.artifact(canv, kind, subtype)


def element_of(flowable: Any, role: str = "P") -> Element:
    """The structure element a flowable draws into, made the first time it is asked for."""
    element: Element | None = getattr(flowable, "_element", None)
    if element is None:
        element = Element(getattr(flowable, "role", role), lang=getattr(flowable, "lang", None))
        flowable._element = element
    return element


def item_of(flowable: Any) -> Element:
    """The list item (`LI`) a list's paragraph belongs to, beside its own `LBody` (`element_of`);
    the parts of an item split across pages share it."""
    item: Element | None = getattr(flowable, "_item", None)
    if item is None:
        item = flowable._item = Element("LI")
    return item


_CARRIED = ("_element", "_item", "role", "lang")
"""What the parts of a split flowable take from it: they are still the same element."""


def inherit(parts: list[Any], original: Any) -> list[Any]:
    """`parts` of a split `original`, sharing its structure element (made now if need be)."""
    if len(parts) > 1:
        element_of(original)
        for part in parts:
            for name in _CARRIED:
                if name in vars(original):
                    setattr(part, name, getattr(original, name))
    return parts


class TableTags(TableRenderCB):
    """ReportLab's table drawing hook, tagging a table as `Table`, `TR`, `TH` (its header rows, each
    with `/Scope /Column`) and `TD`; its backgrounds and rules as artifacts. A table split across
    pages is one `Table` (ReportLab hands this hook to each part); the header rows it repeats on
    the next page are artifacts, read once.

    `layout=True`: a table that only places things side by side (the title beside the label box):
    no table structure, its cells' contents tagged where they are drawn."""

    def __init__(self, layout: bool = False) -> None:
        self.layout = layout
        self.table = Element("Table")
        self._rows: dict[int, Element] = {}
        self._open: list[Any] = []

    def __call__(self, table: Any, cmd: str, *args: Any) -> None:
        if tagger_of(table.canv) is not None:
            super().__call__(table, cmd, *args)

    def _enter(self, context: Any) -> None:
        context.__enter__()
        self._open.append(context)

    def _leave(self) -> None:
        self._open.pop().__exit__(None, None, None)

    def startTable(self, table: Any) -> None:  # noqa: N802 - ReportLab's names
        self._enter(nullcontext() if self.layout else within(table.canv, self.table))

    def endTable(self, table: Any) -> None:  # noqa: N802
        self._leave()

    def startBG(self, table: Any) -> None:  # noqa: N802
        self._enter(artifact(table.canv))

    def endBG(self, table: Any) -> None:  # noqa: N802
        self._leave()

    startLines = startBG  # noqa: N815
    endLines = endBG  # noqa: N815

    def startRow(self, table: Any, row: int) -> None:  # noqa: N802
        if self.layout:
            self._enter(nullcontext())
            return
        first = table._cellvalues[row][0]
        element = self._rows.get(id(first))
        if element is None:
            element = self._rows[id(first)] = Element("TR")
            self._enter(within(table.canv, element))
        elif element.drawn:  # a header row repeated on the next page
            self._enter(artifact(table.canv, "Pagination"))
        else:
            self._enter(within(table.canv, element))

    def endRow(self, table: Any) -> None:  # noqa: N802
        self._leave()

    def startCell(self, table: Any, row: int, column: int, value: Any, *_: Any) -> None:  # noqa: N802
        drawn = isinstance(value, Flowable) or (isinstance(value, list | tuple) and value)
        if self.layout:  # flowables tag themselves; text ReportLab draws (or nothing) is not content
            self._enter(nullcontext() if drawn else artifact(table.canv))
            return
        header = row < (table.repeatRows or 0)
        cell = Element("TH" if header else "TD", scope="Column" if header else None)
        if drawn:
            self._enter(within(table.canv, cell))
        else:  # text ReportLab draws itself (or nothing): the cell's own content
            self._enter(content(table.canv, cell))

    def endCell(self, table: Any) -> None:  # noqa: N802
        self._leave()
