"""Consents signed on a tablet (a door, like scanning and delivery: the pipeline never imports it).

`layout.find_boxes` finds every box a consent asks to be filled (signature lines, initials boxes, check
boxes, date, time and name lines) from the issued PDF itself; `stamp.stamp` draws what a tablet
captured into them, as tagged vector paths and text; `audit.audit_page` appends who signed what and
when; `certify.certify` certifies the result with the site's certificate (PAdES, DocMDP "no changes").
`trim.keep_from` leaves the handout out; `sign_consent` is the whole recipe.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf

from .audit import append_audit
from .capture import Capture
from .certify import Certifier, add_field, add_keywords, certify, mark_modified
from .layout import Layout
from .stamp import Structure, marks, stamp
from .trim import keep_from


def sign_consent(
    pdf: bytes,
    layout: Layout,
    capture: Capture,
    certifier: Certifier,
    zone: ZoneInfo,
    font_dirs: tuple[Path, ...] = (),
    keywords: str | None = None,
) -> bytes:
    """The issued consent `pdf` with what `capture` holds drawn into its boxes, the audit page after
    it, certified by the site's certificate; `keywords` added to its own (the filed consent's
    identifiers). A packet's handout is left out: the result starts at the consent's first page
    (`trim.keep_from`)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        drawn = Structure(document, "Signed on a tablet")
        stamp(document, drawn, marks(layout, capture, zone), font_dirs)
        if layout.consent_pages:
            keep_from(document, min(layout.consent_pages))
        append_audit(document, Structure(document, "Signing record"), layout, capture, zone, font_dirs)
        if keywords:
            add_keywords(document, keywords)
        add_field(document)
        moments = [signer.signed_at for signer in capture.signers]
        mark_modified(document, max(moments) if moments else datetime.now(UTC))
        out = io.BytesIO()
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return certify(out.getvalue(), certifier)
