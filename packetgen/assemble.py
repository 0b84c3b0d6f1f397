"""The print run: every packet of a batch in one PDF, each starting on a front page."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from .manifest import Entry
from .output import write_atomic

NAME = "print-run.pdf"


def write_print_run(entries: Sequence[Entry], out_dir: Path, name: str = NAME) -> Path:
    """Merge the `ok` packets in appointment-time order; a blank back keeps patients on separate sheets."""
    writer = PdfWriter()
    ordered = sorted(
        (e for e in entries if e.status == "ok" and e.file), key=lambda e: (e.start or "", e.appointment_id or "")
    )
    for entry in ordered:
        if len(writer.pages) % 2 == 1:  # the next packet must start on a front (odd) page
            last = writer.pages[-1]
            writer.add_blank_page(float(last.mediabox.width), float(last.mediabox.height))
        first = len(writer.pages)
        writer.append(PdfReader(out_dir / str(entry.file)), import_outline=False)
        title = f"{(entry.start or '').replace('T', ' ')} {entry.appointment_id}"
        writer.add_outline_item(title=title, page_number=first)
    writer.add_metadata({"/Title": f"Print run: {len(ordered)} packets", "/Producer": "packetgen"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return write_atomic(buffer.getvalue(), out_dir / name)
