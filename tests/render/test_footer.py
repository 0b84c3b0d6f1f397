"""The footer measured on the real pages: the form stamp, `Page N of M` and the department's note never
overlap each other or the body, and stay inside the margins, in every layout and language, however long
the stamp and the note are (a text too long for its room wraps, and the body frame rises by the lines it
adds)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.build import make_packet
from packetgen.library import Library, load_library
from tests.helpers.pdfimage import Word, words
from tests.helpers.pdftext import page_texts
from tests.helpers.site import TODAY, copy_site
from tests.helpers.sweeps import sweep

LAYOUTS = ("letter", "a4", "large-print")
LANGUAGES = ("en", "es")
PAGE_WORDS = {"Page": "of", "Página": "de"}

LONG_NOTE = {
    "en": "Questions about your procedure, your medicines or this packet? Call Interventional Radiology at "
    "(217) 555-0142, Monday to Friday, 8 AM to 5 PM; at night and on weekends, call (217) 555-0100.",
    "es": "¿Preguntas sobre su procedimiento, sus medicinas o este paquete? Llame a Radiología "
    "Intervencionista al (217) 555-0142, de lunes a viernes, de 8 a. m. a 5 p. m.; de noche y los fines "
    "de semana, llame al (217) 555-0100.",
}
LONG_FORM = "vp-" + "x" * 61
"""A form id as long as an id may be (64 characters): wider than a large-print line beside the page label."""


def _page_label(page_words: list[Word]) -> Word:
    """The first word of the page's `Page N of M` (the lowest, should the body say "Page" too)."""
    found = [
        word
        for word, number, of, total in zip(page_words, page_words[1:], page_words[2:], page_words[3:], strict=False)
        if PAGE_WORDS.get(word.text) == of.text and number.text.isdigit() and total.text.isdigit()
    ]
    assert found, " ".join(w.text for w in page_words[-20:])
    return max(found, key=lambda word: word.y0)


def _ink(word: Word) -> tuple[float, float, float, float]:
    """The word's box without the room its font keeps above and below the letters (pdftotext's boxes run
    from the font's ascent to its descent, so the boxes of lines set close together touch): the middle
    of the box, where two words drawn over each other always meet."""
    trim = (word.y1 - word.y0) * 0.3
    return word.x0 + 0.5, word.y0 + trim, word.x1 - 0.5, word.y1 - trim


def _overlap(a: Word, b: Word) -> bool:
    ax0, ay0, ax1, ay1 = _ink(a)
    bx0, by0, bx1, by1 = _ink(b)
    return min(ax1, bx1) > max(ax0, bx0) and min(ay1, by1) > max(ay0, by0)


def footer_problems(pdf: Path, library: Library, layout: str) -> list[str]:
    """What is wrong with each page's footer: words of the footer (the line of `Page N of M` and every
    line under it) drawn over another word of the page, or outside the margins or the page."""
    lay = library.layout(layout)
    problems = []
    for page in range(1, len(PdfReader(pdf).pages) + 1):
        size = PdfReader(pdf).pages[page - 1].mediabox
        width, height = float(size.width), float(size.height)
        page_words = [word for word in words(pdf, page) if word.text.strip()]
        if not page_words:  # the empty back left before the consent printed for the record
            continue
        label = _page_label(page_words)
        footer = {n for n, word in enumerate(page_words) if word.y0 >= label.y0 - 1}
        assert len(footer) > 4, (page, [page_words[n].text for n in footer])  # the stamp and the label at least
        for n in sorted(footer):
            word = page_words[n]
            problems += [
                f"page {page}: {word.text!r} over {other.text!r}"
                for m, other in enumerate(page_words)
                if m != n and (m not in footer or m > n) and _overlap(word, other)
            ]
            if word.x0 < lay.page.margin_left - 1 or word.x1 > width - lay.page.margin_right + 1 or word.y1 > height:
                problems.append(f"page {page}: {word.text!r} outside the margins ({word.x0:.0f}–{word.x1:.0f})")
    return problems


@pytest.fixture(scope="module")
def long_texts(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The project's site with the longest form ids an id may have and a three-line footer note."""
    root = copy_site(tmp_path_factory.mktemp("long"))
    for name in ("vertebroplasty.yaml", "vertebroplasty.es.yaml"):
        path = root / "packets" / name
        text = path.read_text(encoding="utf-8")
        longest = LONG_FORM[:-3] + "-es" if name.endswith(".es.yaml") else LONG_FORM  # a translation's own id
        path.write_text(re.sub(r"form_id: vp-handout(-es)?\n", f"form_id: {longest}\n", text), encoding="utf-8")
    department = root / "departments" / "interventional-radiology.yaml"
    text = department.read_text(encoding="utf-8")
    for language, note in LONG_NOTE.items():
        line = {"en": '  en: "Questions? Call (217) 555-0142"', "es": '  es: "¿Preguntas? Llame al (217) 555-0142"'}
        assert line[language] in text
        text = text.replace(line[language], f'  {language}: "{note}"')
    department.write_text(text, encoding="utf-8")
    return load_library(root=root)


@pytest.mark.parametrize("layout", sweep(LAYOUTS, fast="large-print"))  # the narrowest footer
@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_in_the_footer_overlaps(
    layout: str, language: str, library: Library, write_appointment: Callable[..., Path], tmp_path: Path
) -> None:
    made = make_packet(
        write_appointment(language=language), tmp_path / "out", layout_name=layout, library=library, today=TODAY
    )
    assert footer_problems(made.path, library, layout) == []


@pytest.mark.parametrize("layout", sweep(LAYOUTS, fast="large-print"))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_form_id_and_note_wrap_in_the_footer(
    layout: str, language: str, long_texts: Library, write_appointment: Callable[..., Path], tmp_path: Path
) -> None:
    made = make_packet(
        write_appointment(language=language), tmp_path / "out", layout_name=layout, library=long_texts, today=TODAY
    )
    assert footer_problems(made.path, long_texts, layout) == []
    texts = [text for text in page_texts(made.path) if text]  # not an empty back
    note_end = LONG_NOTE[language].split()[-1]
    assert all(LONG_FORM[-20:] in text or "vp-consent" in text for text in texts)  # the whole stamp, wrapped
    assert all(note_end in text for text in texts)  # the whole note: its last word too
