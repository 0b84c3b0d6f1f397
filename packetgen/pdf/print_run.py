"""The print run: every packet of a batch in one PDF, each starting on a front page."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pikepdf

from ..models.entry import Entry
from .archival import to_pdfa
from .output import write_atomic

NAME = "print-run.pdf"


def write_print_run(
    entries: Sequence[Entry], out_dir: Path, name: str = NAME, progress: Callable[[int], None] | None = None
) -> Path:
    """Merge the `ok` packets in appointment-time order; a blank back keeps patients on separate sheets.
    Each packet keeps its structure tree, as one `Part` of the run's `Document`, so the run is tagged
    as its packets are. `progress` hears how many packets are in after each one."""
    languages: set[str] = set()
    ordered = sorted(
        (e for e in entries if e.status == "ok" and e.file), key=lambda e: (e.start or "", e.appointment_id or "")
    )
    with pikepdf.new() as run:
        document = run.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document))
        tree = run.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=document))
        document.P = tree
        parts: list[pikepdf.Object] = []
        nums: list[pikepdf.Object | int] = []
        marks: list[tuple[str, int]] = []
        for done, entry in enumerate(ordered, 1):
            if len(run.pages) % 2 == 1:  # the next packet must start on a front (odd) page
                box = run.pages[-1].mediabox
                run.add_blank_page(page_size=(float(box[2]), float(box[3])))
            first = len(run.pages)
            with pikepdf.open(out_dir / str(entry.file)) as packet:
                languages.add(str(packet.Root.get("/Lang", "und")))
                run.pages.extend(packet.pages)
                _adopt_structure(run, packet, first, document, parts, nums)
            marks.append((f"{(entry.start or '').replace('T', ' ')} {entry.appointment_id}", first))
            if progress is not None:
                progress(done)
        document.K = pikepdf.Array(parts)
        tree.ParentTree = run.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
        tree.ParentTreeNextKey = len(run.pages)
        run.Root.StructTreeRoot = tree
        run.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
        with run.open_outline() as outline:
            outline.root.extend(pikepdf.OutlineItem(title, page) for title, page in marks)
        run.docinfo[pikepdf.Name.Title] = pikepdf.String(f"Print run: {len(ordered)} packets")
        run.docinfo[pikepdf.Name.Creator] = pikepdf.String("packetgen")
        run.docinfo[pikepdf.Name.Producer] = pikepdf.String("packetgen (pikepdf)")
        # One language for the run when its packets share one, else `mul` (BCP 47: several languages).
        language = languages.pop() if len(languages) == 1 else "mul"
        run.Root.Lang = pikepdf.String(language)
        run.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        buffer = io.BytesIO()
        run.save(buffer, deterministic_id=True)  # qpdf keeps the first /ID half it finds: make it stable
    # PDF/A-2b like each packet, dated by the run's first appointment day (the day it is for).
    day = min((date.fromisoformat(e.start[:10]) for e in ordered if e.start), default=date(2000, 1, 1))
    return write_atomic(to_pdfa(buffer.getvalue(), language, day), out_dir / name)


def run_pages(packets: Sequence[Path]) -> int:
    """The pages a run of `packets` (in run order) will have, as `write_print_run` puts them together:
    each packet's own, and a blank back before each packet that would start on a back (even) page.
    A packet that cannot be read counts nothing (the run itself says so)."""
    total = 0
    for path in packets:
        try:
            with pikepdf.open(path) as packet:
                pages = len(packet.pages)
        except (OSError, pikepdf.PdfError):
            continue
        total += total % 2 + pages
    return total


def _adopt_structure(
    run: pikepdf.Pdf,
    packet: pikepdf.Pdf,
    first: int,
    document: pikepdf.Object,
    parts: list[pikepdf.Object],
    nums: list[pikepdf.Object | int],
) -> None:
    """The packet's structure tree as a `Part` of the run's document, and its pages' entries in the
    run's ParentTree (their /StructParents numbered anew, from the run's page index). qpdf copies
    each foreign object once, so the elements' /Pg point at the pages just added."""
    tree = packet.Root.get("/StructTreeRoot")
    if tree is None:
        return
    part = run.copy_foreign(tree.K)
    part.S = pikepdf.Name.Part
    part.P = document
    if "/Lang" in packet.Root:
        part.Lang = packet.Root.Lang  # a Spanish packet in an English run reads as Spanish
    parts.append(part)
    found = tree.ParentTree.Nums
    owners = {int(found[i]): found[i + 1] for i in range(0, len(found), 2)}
    for offset, page in enumerate(packet.pages):
        key = page.obj.get("/StructParents")
        if key is None:
            continue
        index = first + offset
        run.pages[index].obj.StructParents = index
        nums += [index, run.copy_foreign(owners[int(key)])]
