"""The print run: every packet of a batch in one PDF, each starting on a front page."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

from .archival import to_pdfa
from .manifest import Entry
from .output import write_atomic

NAME = "print-run.pdf"


def write_print_run(
    entries: Sequence[Entry], out_dir: Path, name: str = NAME, progress: Callable[[int], None] | None = None
) -> Path:
    """Merge the `ok` packets in appointment-time order; a blank back keeps patients on separate sheets.
    `progress` hears how many packets are in after each one."""
    writer = PdfWriter()
    languages: set[str] = set()
    ordered = sorted(
        (e for e in entries if e.status == "ok" and e.file), key=lambda e: (e.start or "", e.appointment_id or "")
    )
    for done, entry in enumerate(ordered, 1):
        if len(writer.pages) % 2 == 1:  # the next packet must start on a front (odd) page
            last = writer.pages[-1]
            writer.add_blank_page(float(last.mediabox.width), float(last.mediabox.height))
        first = len(writer.pages)
        packet = PdfReader(out_dir / str(entry.file))
        languages.add(str(packet.root_object.get("/Lang", "und")))
        writer.append(packet, import_outline=False)
        title = f"{(entry.start or '').replace('T', ' ')} {entry.appointment_id}"
        writer.add_outline_item(title=title, page_number=first)
        if progress is not None:
            progress(done)
    title = f"Print run: {len(ordered)} packets"
    writer.add_metadata({"/Title": title, "/Creator": "packetgen", "/Producer": "packetgen (pypdf)"})
    # One language for the run when its packets share one, else `mul` (BCP 47: several languages).
    language = languages.pop() if len(languages) == 1 else "mul"
    writer._root_object[NameObject("/Lang")] = TextStringObject(language)
    writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    # PDF/A-2b like each packet, dated by the run's first appointment day (the day it is for).
    day = min((date.fromisoformat(e.start[:10]) for e in ordered if e.start), default=date(2000, 1, 1))
    return write_atomic(to_pdfa(buffer.getvalue(), language, day), out_dir / name)
