"""Reading packets back: page texts without the running header and footer."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import normalize

_FOOTER = re.compile(
    r"(Form \S+, version \S+, effective \S+( .*?)? Page \d+ of \d+"
    r"|Formulario \S+, versión \S+, vigente desde \S+( .*?)? Página \d+ de \d+)$"
)
_MRN = re.compile(r" (MRN|N\.º de expediente): \S+ ")
CONSENT_BOOKMARKS = ("Consent form", "Formulario de consentimiento")


def page_texts(pdf: Path) -> list[str]:
    return [normalize(page.extract_text()) for page in PdfReader(pdf).pages]


def body(page_text: str) -> str:
    """A page's text without the header (drawn first) and the footer (drawn last)."""
    mrn = _MRN.search(page_text)
    assert mrn is not None, page_text[:200]
    after_header = page_text[mrn.end() :].removeprefix("Riverside General Hospital ")
    return _FOOTER.sub("", after_header).strip()


def consent_start(pdf: Path) -> int:
    """0-based index of the consent form's first page, from the bookmarks."""
    reader = PdfReader(pdf)
    (entry,) = [o for o in reader.outline if o["/Title"] in CONSENT_BOOKMARKS]
    return reader.get_destination_page_number(entry)


def section_text(pdf: Path) -> tuple[str, str]:
    """(handout text, consent text), each page's body joined."""
    texts = [body(t) for t in page_texts(pdf)]
    split = consent_start(pdf)
    return " ".join(texts[:split]), " ".join(texts[split:])
