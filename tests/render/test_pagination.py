"""Page breaks a forms committee would accept, measured on the real pages of letter, A4, large print
and Spanish packets: no sentence split across pages, no list item alone, no near-empty page, the
signature section whole where a page holds it, no date or time broken across lines, and large
print at least 16 pt everywhere."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.library import Library
from packetgen.library.figures import figures_in
from packetgen.render.blocks import Blocks
from packetgen.render.fonts import load_fonts
from packetgen.render.styles import make_styles
from tests.helpers.pdfimage import Word, words
from tests.helpers.pdftext import body, consent_end, consent_start, page_texts

CASES = {
    "letter": {},
    "a4": {"layout": "a4"},
    "large-print": {"layout": "large-print"},
    "spanish": {"language": "es"},
}
EVERYTHING = {"flags": ["sedation", "contrast_allergy", "anticoagulant"], "instructions": ["Bring your walker."]}
BLANK = ("This page is intentionally blank.", "Esta página se ha dejado en blanco intencionalmente.")


@pytest.fixture(scope="module")
def packets(tmp_path_factory: pytest.TempPathFactory, library: Library) -> dict[str, Path]:
    import yaml

    from packetgen.build import make_packet
    from tests.helpers.site import BASE_APPOINTMENT, TODAY

    made = {}
    for name, overrides in CASES.items():
        folder = tmp_path_factory.mktemp(name)
        record = {**BASE_APPOINTMENT, **EVERYTHING, **overrides}
        path = folder / "appt.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
        made[name] = make_packet(path, folder / "out", library=library, today=TODAY).path
    return made


def _lines(page_words: list[Word]) -> list[list[Word]]:
    """Words grouped into lines by their baseline, top to bottom."""
    lines: list[list[Word]] = []
    for word in sorted(page_words, key=lambda w: (round(w.y1), w.x0)):
        if lines and abs(lines[-1][0].y1 - word.y1) < 2:
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def _body(pdf: Path, page: int, library: Library, layout: str) -> list[list[Word]]:
    """The body lines of a page: below the header's banner, above the footer and any scan-back data."""
    lay = library.layout(layout)
    height = 792.0 if lay.page.size == "letter" else 842.0
    lines = _lines(words(pdf, page))
    scan = [line[0].y0 for line in lines if " ".join(w.text for w in line).startswith("MRN ") and line[0].y0 > 300]
    bottom = min([height - lay.page.margin_bottom, *scan])
    return [line for line in lines if lay.page.margin_top - 1 < line[0].y0 and line[-1].y1 < bottom]


def _layout(name: str) -> str:
    return str(CASES[name].get("layout", "letter"))


@pytest.mark.parametrize("name", CASES)
def test_no_page_starts_inside_a_sentence(packets: dict[str, Path], library: Library, name: str) -> None:
    pdf = packets[name]
    for page in range(2, len(PdfReader(pdf).pages) + 1):
        body = _body(pdf, page, library, _layout(name))
        if not body:
            continue
        first = body[0][0].text
        # A continued sentence would start with a small letter; a new one, a list item, a heading,
        # a table or a signature block does not.
        assert not re.match(r"[a-zà-ÿ]", first), (name, page, " ".join(w.text for w in body[0]))


@pytest.mark.parametrize("name", CASES)
def test_a_list_never_leaves_one_item_alone_on_a_page(packets: dict[str, Path], library: Library, name: str) -> None:
    pdf = packets[name]
    for page in range(1, len(PdfReader(pdf).pages) + 1):
        body = _body(pdf, page, library, _layout(name))
        items = [line[0].x0 for line in body if line[0].text == "•"]
        if body and body[0][0].text == "•":  # a list continues from the page before: two items at least
            run = 0
            for line in body:
                if line[0].text == "•":
                    run += 1
                elif line[0].x0 <= body[0][0].x0 + 1:  # back at the margin: the list has ended
                    break
            assert run >= 2, (name, page)
        assert len(items) != 1 or body[0][0].text != "•", (name, page)


@pytest.mark.parametrize("name", CASES)
def test_no_page_is_under_a_quarter_full(packets: dict[str, Path], library: Library, name: str) -> None:
    pdf = packets[name]
    lay = library.layout(_layout(name))
    height = 792.0 if lay.page.size == "letter" else 842.0
    room = height - lay.page.margin_bottom - lay.page.margin_top
    texts = page_texts(pdf)
    split, total = consent_start(pdf), len(texts)
    # Each document's last page may be short (split: the handout's blank back; the consent's before the one
    # printed for the record, and the empty back left before that).
    last_pages = {split, consent_end(pdf), total}
    for page in range(1, total + 1):
        if page in last_pages or not texts[page - 1] or any(b in texts[page - 1] for b in BLANK):
            continue
        if page == split - 1 and any(b in texts[split - 1] for b in BLANK):
            continue  # the handout's last page before its blank back
        body = _body(pdf, page, library, _layout(name))
        used = max(line[-1].y1 for line in body) - lay.page.margin_top
        assert used >= room / 4, (name, page, round(used / room, 2))


@pytest.mark.parametrize("name", ["letter", "a4"])
def test_the_signature_section_is_on_one_page(packets: dict[str, Path], name: str) -> None:
    texts = page_texts(packets[name])
    first, last = ("Signatures", "Telephone number called")
    pages = [n for n, text in enumerate(texts) if re.search(rf"\b{first}\b", text) or last in text]
    assert len(set(pages)) == 1, pages
    # Every signer's block is on it.
    page = texts[pages[0]]
    for role in ("Patient or legal representative", "Provider who obtained consent", "Witness", "Interpreter"):
        assert role in page


def test_spanish_signatures_start_a_page_under_the_rights_and_part_only_between_signers(
    packets: dict[str, Path],
) -> None:
    """Spanish runs a fifth longer: its signatures start a page with the patient's rights above them (what the
    patient reads last before signing; the rights never alone on a page) and may go on to the next, but only
    between two signers' blocks, each with its own lines (as in large print)."""
    texts = page_texts(packets["spanish"])
    (start,) = [n for n, text in enumerate(texts) if re.search(r"\bFirmas\b", text)]
    page = body(texts[start])
    assert page.startswith("Sus derechos"), page[:80]
    assert "mi derecho a otra atención. Firmas Al firmar" in page, page  # the rights, then the signatures
    captions = ("Firma", "Nombre en letra de molde", "Fecha", "Hora")
    roles = ("Paciente o representante legal", "Profesional que obtuvo el consentimiento", "Testigo",
             "Intérprete", "Consentimiento por teléfono")  # fmt: skip
    for role in roles:
        (page,) = [t for t in texts[start:] if role in t]
        after = page[page.index(role) :]
        assert all(c in after for c in captions), role  # its lines came with its heading


def test_large_print_signature_blocks_part_only_between_signers(packets: dict[str, Path]) -> None:
    texts = page_texts(packets["large-print"])
    captions = ("Signature", "Printed name", "Date", "Time")
    for role in ("Provider who obtained consent", "Witness", "Interpreter (if one was used)", "Consent by telephone"):
        (page,) = [t for t in texts if role in t]
        after = page[page.index(role) :]
        assert all(c in after for c in captions), role  # its lines came with its heading


@pytest.mark.parametrize("name", CASES)
def test_dates_and_times_never_break_across_lines(packets: dict[str, Path], name: str) -> None:
    pdf = packets[name]
    lines = [
        re.sub(r"\s+", " ", line).strip()
        for page in range(1, len(PdfReader(pdf).pages) + 1)
        for line in _plain_lines(pdf, page)
    ]
    dates = (
        ["Monday, December 7, 2026", "Sunday, December 6", "7:30 AM", "6:30 AM", "Mar 14, 1948"]
        if name != "spanish"
        else ["lunes, 7 de diciembre de 2026", "domingo, 6 de diciembre", "7:30 a. m.", "6:30 a. m.", "14 mar 1948"]
    )
    joined = " ".join(lines)
    for date in dates:
        assert joined.count(date) == sum(line.count(date) for line in lines) > 0, (name, date)


def _plain_lines(pdf: Path, page: int) -> list[str]:
    import subprocess

    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [line.replace("\u00a0", " ") for line in out.splitlines()]


def test_large_print_text_is_at_least_16_pt(packets: dict[str, Path], library: Library) -> None:
    """Every text but the words inside a figure's drawing: a figure is printed at its share of the text
    column in every layout, its words in proportion (docs/writing/figures.md); its caption is large print."""
    drawing = {
        label.text
        for _key, figure in figures_in(library.contents["vertebroplasty"])
        for label in (figure.read.labels if figure.read else ())
    }
    smallest: dict[str, float] = {}
    for page in PdfReader(packets["large-print"]).pages:

        def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
            if text.strip():
                actual = size * tm[0] * cm[0]
                smallest[text.strip()] = min(actual, smallest.get(text.strip(), 99))

        page.extract_text(visitor_text=visit)
    assert len(smallest) > 100
    too_small = {text: round(size, 1) for text, size in smallest.items() if size < 15.99 and text not in drawing}
    assert drawing & set(smallest)  # the drawing's words were read, and set aside
    assert not too_small, too_small


def test_a_paragraph_breaks_only_between_sentences_keeping_two_lines_a_side(library: Library) -> None:
    layout = library.layout("letter")
    styles = make_styles(layout, load_fonts(layout.fonts))
    text = " ".join(
        f"Sentence number {n} has quite a few words in it, enough to fill most of a line." for n in range(8)
    )
    text += " Dr. Alvarez will see you, and so will Dr. Okafor."
    blocks = Blocks(styles, 300, 600)
    para = blocks.para(text)
    _w, height = para.wrap(300, 600)
    line = styles.body.leading
    for room in (line * 1.5, line * 3.5, line * 6.2, height / 2):
        parts = para.split(300, room)
        if not parts:
            continue  # moves on whole: fewer than two lines would stay or go
        head, tail = parts
        assert head.wrap(300, room)[1] <= room
        tail.wrap(300, 600)
        assert head.text.startswith("Sentence number 0")
        assert head.text.endswith("line.")  # a whole sentence, never one cut after "Dr."
        assert tail.text.startswith("Sentence number") or tail.text.startswith("Dr. Alvarez")
        assert len(head.blPara.lines) >= 2
        assert len(tail.blPara.lines) >= 2
    assert not blocks.para("One short sentence. And another.").split(300, line * 1.2)
    whole = Blocks(styles, 300, 600, whole=True).para(text)
    whole.wrap(300, 600)
    assert whole.split(300, height / 2) == []  # consent text never breaks; it moves to the next page


def test_a_heading_and_a_paragraph_that_fit_are_never_split(library: Library) -> None:
    """Platypus always asks a kept-together group to split (it measures as too tall on purpose): where
    the heading and the whole paragraph fit, the paragraph stays one, with no line break after a
    sentence in the middle of the page."""
    from reportlab.pdfgen.canvas import Canvas

    from packetgen.render.flowables import Together

    layout = library.layout("letter")
    styles = make_styles(layout, load_fonts(layout.fonts))
    blocks = Blocks(styles, 300, 600)
    canvas = Canvas(io.BytesIO())
    text = " ".join(
        f"Sentence number {n} has quite a few words in it, enough to fill most of a line." for n in range(4)
    )

    def group() -> Together:
        kept = Together([blocks.heading("A heading"), blocks.para(text)])
        kept.wrapOn(canvas, 300, 600)
        return kept

    whole = group()
    assert whole.splitOn(canvas, 300, 600) == whole._content  # the heading, and the paragraph itself
    tight = group()
    heading_height = tight._content[0].wrapOn(canvas, 300, 600)[1]
    parts = tight.splitOn(canvas, 300, heading_height + styles.body.leading * 3.5)  # no room for all of it
    assert len(parts) == 3  # the heading, and the paragraph in two between sentences
