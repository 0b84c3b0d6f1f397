"""Reading packets back: page texts without the running header and footer."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import normalize

_FOOTER = re.compile(r"Form \S+, version \S+, effective \S+( .*?)? Page \d+ of \d+$")


def page_texts(pdf: Path) -> list[str]:
    return [normalize(page.extract_text()) for page in PdfReader(pdf).pages]


def body(page_text: str) -> str:
    """A page's text without the header (drawn first) and the footer (drawn last)."""
    start = page_text.index(" MRN: ")
    after_header = page_text[start:].split(" ", 3)[3]  # drop "MRN: <mrn>"
    after_header = after_header.removeprefix("Riverside General Hospital ")
    return _FOOTER.sub("", after_header).strip()


def consent_start(pdf: Path) -> int:
    """0-based index of the consent form's first page, from the bookmarks."""
    reader = PdfReader(pdf)
    (entry,) = [o for o in reader.outline if o["/Title"] == "Consent form"]
    return reader.get_destination_page_number(entry)


def section_text(pdf: Path) -> tuple[str, str]:
    """(handout text, consent text), each page's body joined."""
    texts = [body(t) for t in page_texts(pdf)]
    split = consent_start(pdf)
    return " ".join(texts[:split]), " ".join(texts[split:])
