"""The signed consent without the handout it was issued with: a packet is the handout, then the consent
(then, after a translated consent, the source language's consent for the record); the signed file
holds the consent's pages on, as a scanned consent does, and what belonged only to the pages taken
out goes with them — their part of the structure tree, their marked content's ParentTree entries,
their bookmarks — so the file stays one whole tagged document (PDF/UA-1) before it is certified."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pikepdf

ObjGen = tuple[int, int]


def keep_from(pdf: pikepdf.Pdf, first: int) -> None:
    """Only the pages from index `first` on, in `pdf` itself. A top-level part of the structure tree
    whose content is all on the pages taken out goes; one with content on both sides would be cut in
    two, which a packet never makes: ValueError."""
    if first <= 0:
        return
    gone = {pdf.pages[i].obj.objgen for i in range(first)}
    keys = {int(pdf.pages[i].obj.StructParents) for i in range(first) if "/StructParents" in pdf.pages[i].obj}
    for i in range(first):
        for annotation in pdf.pages[i].obj.get("/Annots", pikepdf.Array()):
            if "/StructParent" in annotation:
                keys.add(int(annotation.StructParent))
    root = pdf.Root.StructTreeRoot
    document = root.K if isinstance(root.K, pikepdf.Dictionary) else root.K[0]
    kids = document.K if isinstance(document.K, pikepdf.Array) else pikepdf.Array([document.K])
    kept = pikepdf.Array()
    for kid in kids:
        pages = set(_pages_of(kid))
        if pages and pages <= gone:
            continue
        if pages & gone:
            raise ValueError(f"a {kid.get('/S')} of the structure tree has content both in the handout and after it")
        kept.append(kid)
    document.K = kept
    nums = root.ParentTree.Nums
    root.ParentTree.Nums = pikepdf.Array(
        [item for i in range(0, len(nums), 2) if int(nums[i]) not in keys for item in (nums[i], nums[i + 1])]
    )
    if "/Outlines" in pdf.Root:
        _prune_outlines(pdf.Root.Outlines, gone)
    del pdf.pages[:first]


def _pages_of(node: pikepdf.Object) -> Iterator[ObjGen]:
    """The pages an element's content is on (its own /Pg, its marked-content references' and its
    descendants')."""
    if not isinstance(node, pikepdf.Dictionary):
        return
    if "/Pg" in node:
        yield node.Pg.objgen
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        yield from _pages_of(kid)


def _prune_outlines(outlines: pikepdf.Object, gone: set[ObjGen]) -> None:
    """The top-level bookmarks that lead to a page still there, linked again in their order."""
    items = []
    item = outlines.get("/First")
    while item is not None:
        dest = item.get("/Dest")
        if dest is None and "/A" in item:
            dest = item.A.get("/D")
        if not (isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in gone):
            items.append(item)
        item = item.get("/Next")
    for key in ("/First", "/Last"):
        if key in outlines:
            del outlines[key]
    for before, after in itertools.pairwise(items):
        before.Next, after.Prev = after, before
    if items:
        outlines.First, outlines.Last = items[0], items[-1]
        for key, end in (("/Prev", items[0]), ("/Next", items[-1])):
            if key in end:
                del end[key]
    outlines.Count = len(items)
