"""Reading packets back: page texts without the running header and footer."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
from pypdf import PdfReader

from packetgen.language.labels import LABELS
from tests.helpers.site import normalize

_FOOTER = re.compile(
    r"(MRN \S+ · .*? · PG \d+/\d+ )?"  # a consent page's scan-back data, in small print
    r"(Form \S+, version \S+, effective \S+( .*?)? Page \d+ of \d+"
    r"|Formulario \S+, versión \S+, vigente desde \S+( .*?)? Página \d+ de \d+)$"
)
_MARKS = re.compile(
    r"^(DRAFT — not approved for clinical use|BORRADOR — no aprobado para uso clínico \(DRAFT — not approved for "
    r"clinical use\))( (Overdue for review|Revisión vencida)[^)]*?\d{4}( \(overdue for review\))?)? "
)
_MRN = re.compile(r" (MRN|N\.º de expediente): \S+ ")
CONSENT_BOOKMARKS = ("Consent form", "Formulario de consentimiento")
RECORD_BOOKMARKS = tuple(labels.record_banner for labels in LABELS.values())
"""The bookmark of the source language's consent printed for the record after a translated consent."""


def page_texts(pdf: Path | bytes) -> list[str]:
    """Each page's text, read by PDFium (not the pypdf that wrote it; and a tenth of pypdf's time)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [normalize(page.get_textpage().get_text_bounded()) for page in document]
    finally:
        document.close()


def stream_texts(pdf: Path) -> list[str]:
    """Each page's text in the order its content stream draws it, read by pypdf: for shaped scripts, whose
    vowel signs PDFium orders by where they stand on the line rather than where they come in the word."""
    return [normalize(page.extract_text()) for page in PdfReader(pdf).pages]


def body(page_text: str) -> str:
    """A page's text without the header (drawn first) and the footer (drawn last)."""
    mrn = _MRN.search(page_text)
    assert mrn is not None, page_text[:200]
    after_header = _MARKS.sub("", page_text[mrn.end() :].removeprefix("Riverside General Hospital "))
    return _FOOTER.sub("", after_header.removeprefix("Riverside General Hospital ")).strip()


def _bookmarks(pdf: Path | bytes) -> list[tuple[str, int]]:
    """The top-level bookmarks as (title, 0-based page), read by PDFium."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [(item.get_title(), dest.get_index()) for item in document.get_toc() if (dest := item.get_dest())]
    finally:
        document.close()


def page_count(pdf: Path | bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def consent_start(pdf: Path) -> int:
    """0-based index of the consent form's first page, from the bookmarks."""
    (page,) = [page for title, page in _bookmarks(pdf) if title in CONSENT_BOOKMARKS]
    return page


def record_start(pdf: Path) -> int | None:
    """0-based index of the first page of the consent in the source language printed for the record after a
    translated consent, from the bookmarks; None when the packet has none."""
    found = [page for title, page in _bookmarks(pdf) if title in RECORD_BOOKMARKS]
    return found[0] if found else None


def consent_end(pdf: Path) -> int:
    """0-based index after the consent form's last page: the page count, or where the record starts (less
    the blank back left before it, which is the record's)."""
    start = record_start(pdf)
    if start is None:
        return page_count(pdf)
    before = page_texts(pdf)[start - 1]
    return start - 1 if any(labels.blank_page in before for labels in LABELS.values()) else start


def numbering(pdf: Path) -> list[tuple[int, int]]:
    """The (N, M) of `Page N of M` each page should show: the handout, the consent form and the consent
    printed for the record are numbered each on its own (the consent is scanned back into the chart without
    the handout); the blank back before the record is the record's first page."""
    split, end, total = consent_start(pdf), consent_end(pdf), page_count(pdf)
    return (
        [(n, split) for n in range(1, split + 1)]
        + [(n, end - split) for n in range(1, end - split + 1)]
        + [(n, total - end) for n in range(1, total - end + 1)]
    )


def section_text(pdf: Path) -> tuple[str, str]:
    """(handout text, consent text), each page's body joined (the consent printed for the record after a
    translated one: `record_text`)."""
    texts = [body(t) for t in page_texts(pdf)]
    split = consent_start(pdf)
    return " ".join(texts[:split]), " ".join(texts[split : consent_end(pdf)])


def record_text(pdf: Path) -> list[str]:
    """Each page's text (header, banner and footer kept) of the consent printed for the record after a
    translated consent, from its first page of text (not the blank back before it); none without one."""
    start = record_start(pdf)
    return [] if start is None else page_texts(pdf)[start:]
