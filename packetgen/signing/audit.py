"""The audit page appended to a signed consent: who signed what and when, in which session, the date
of birth confirmed (yes or no, never the date), a refusal or withdrawal, the provider's teach-back line.

Drawn by ReportLab in the layout's fonts, each line tagged (`H1`, `P`) for PDF/UA-1; the running
header repeats the consent's own identifiers, so the page is never without the patient's name, date
of birth and MRN."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
from reportlab.pdfgen.canvas import Canvas

from ..render.fonts import FontSet, load_fonts
from .capture import Capture
from .layout import Layout
from .stamp import SIGNING_FONTS, Structure, moment_text, role_name

TITLE = "Signing record"
OUTCOMES = {
    "consented": "Consent given and signed on a tablet.",
    "refused": "The patient refused the procedure. The refusal is recorded here.",
    "withdrawn": "The patient withdrew consent. The withdrawal is recorded here.",
}


@dataclass(frozen=True)
class Line:
    role: str
    """`H1`, `P`, or `Artifact` (the running header and footer)."""
    text: str
    bold: bool = False
    size: float = 11.0


def audit_lines(layout: Layout, capture: Capture, zone: ZoneInfo) -> list[Line]:
    """The page's lines, in reading order (the running header and footer excepted)."""
    lines = [Line("H1", TITLE, bold=True, size=16)]
    lines.append(Line("P", OUTCOMES[capture.outcome]))
    lines.append(Line("P", f"Signing session: {capture.session}"))
    lines.append(
        Line("P", f"Patient's date of birth confirmed on the tablet: {'yes' if capture.dob_confirmed else 'no'}")
    )
    lines.append(Line("P", f"Times are in the site's time zone ({zone.key})."))
    for signer in capture.signers:
        role = role_name(signer.role, layout)
        lines.append(Line("P", f"{role}: {signer.name}", bold=True))
        lines.append(Line("P", f"Signed {moment_text(signer.signed_at, zone, layout.language)}"))
        ticked = [layout.by_id[t].label for t in signer.ticks]
        if ticked:
            lines.append(Line("P", f"Ticked: {', '.join(ticked)}"))
        if signer.teach_back:
            lines.append(Line("P", f"Teach-back, in the patient's words: {signer.teach_back}"))
    if capture.initials:
        total = len(layout.of_kind("initials"))
        lines.append(
            Line("P", f"Initials: {len(capture.initials)} of {total} boxes initialled by the patient.", bold=True)
        )
    if capture.ticks:
        lines.append(Line("P", f"Ticked by the patient: {', '.join(layout.by_id[t].label for t in capture.ticks)}"))
    lines.append(Line("P", "This consent is certified by the site's certificate: any change after signing shows."))
    return lines


def _wrap(fonts: FontSet, text: str, font: str, size: float, width: float) -> list[str]:
    return fonts.lines(text, font, size, width) or [""]


def _draw(
    layout: Layout, lines: list[Line], size: tuple[float, float], fonts: FontSet, number: int, total: int
) -> tuple[bytes, list[tuple[str, int]]]:
    """The page's PDF, with each line's marked content: (role, MCID) in reading order."""
    out = io.BytesIO()
    width, height = size
    margin = 66.0
    canv = Canvas(out, pagesize=size, invariant=1, pageCompression=1)
    code = canv._code  # the page's operators, as render/tags.py marks content
    code.append("/Artifact <</Type /Pagination /Subtype /Header>> BDC")
    fonts.draw(canv, margin, height - 40, layout.identifiers, fonts.regular, 8.5)
    code.append("EMC")
    code.append("/Artifact <</Type /Pagination /Subtype /Footer>> BDC")
    fonts.draw(canv, margin, 38, layout.form_line, fonts.regular, 7)
    fonts.draw(canv, width - margin, 38, f"{TITLE}: page {number} of {total}", fonts.bold, 9, anchor="end")
    code.append("EMC")
    marked: list[tuple[str, int]] = []
    y = height - 90
    for line in lines:
        font = fonts.bold if line.bold else fonts.regular
        mcid = len(marked)
        marked.append((line.role, mcid))
        code.append(f"/{line.role} <</MCID {mcid}>> BDC")
        for part in _wrap(fonts, line.text, font, line.size, width - 2 * margin):
            fonts.draw(canv, margin, y, part, font, line.size)
            y -= line.size * 1.4
        code.append("EMC")
        y -= line.size * 0.5
    canv.showPage()
    canv.save()
    return out.getvalue(), marked


def append_audit(
    pdf: pikepdf.Pdf,
    structure: Structure,
    layout: Layout,
    capture: Capture,
    zone: ZoneInfo,
    font_dirs: tuple[Path, ...] = (),
) -> None:
    """The audit page, appended to `pdf` after its last page, tagged in `structure`."""
    fonts = load_fonts(SIGNING_FONTS, font_dirs)
    last = pdf.pages[-1]
    size = (float(last.mediabox[2]) - float(last.mediabox[0]), float(last.mediabox[3]) - float(last.mediabox[1]))
    drawn, marked = _draw(layout, audit_lines(layout, capture, zone), size, fonts, 1, 1)
    with pikepdf.open(io.BytesIO(drawn)) as page_pdf:
        pdf.pages.append(page_pdf.pages[0])
    page = pdf.pages[-1]
    structure.new_page(page)
    for role, mcid in marked:
        assert structure.add(page, role) == mcid
