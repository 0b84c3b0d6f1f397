"""A translated packet's chart copy carries the source language's text for the record (issue 28): after the
Spanish consent, the English consent made for the same appointment (the same conditions, dates and
identifiers), on pages each marked "for the record, not for signature", with nothing to sign, initial or tick.
Like every page, each identifies the patient and is numbered (the blank back left before them too, counted
with them), and carries a scan-back code saying `DOC=RECORD`, never a consent page's, so that a scan of the
signed consent is complete with or without them (`tests/scan/test_record_scan.py`). An English packet has no
such pages."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
import yaml
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from packetgen.build import Generated, make_packet
from packetgen.intake.record import from_located
from packetgen.language.labels import ENGLISH, SPANISH
from packetgen.library import Library
from packetgen.models.packet import ResolvedPacket
from packetgen.personalize import personalize
from packetgen.render.scan import RECORD, PageCode, read_payload
from packetgen.timing import Site
from packetgen.yamlsafe import Located
from tests.helpers.pdftext import body, consent_end, consent_start, numbering, page_texts, record_start, record_text
from tests.helpers.procedure_packets import assert_every_page_identifies
from tests.helpers.site import BASE_APPOINTMENT, TODAY, ZONE, normalize

FLAGS = ["anticoagulant", "sedation"]
CASES = {"es-letter": ("es", "letter"), "es-large-print": ("es", "large-print"), "en-letter": ("en", "letter")}
SPANISH_CASES = [name for name in CASES if name.startswith("es")]
NOT_ON_A_RECORD_PAGE = (
    ENGLISH.initials,
    ENGLISH.printed_name,
    ENGLISH.relationship,
    ENGLISH.representative_reason,
    ENGLISH.interpreter_id,
    ENGLISH.telephone_number,
    ENGLISH.label_box,
    ENGLISH.own_risks,
    ENGLISH.choose_one,
    ENGLISH.choose_many,
    "\u2610",  # a check box
    "DOC CONSENT",  # a consent page's scan-back data in small print
    "vp-consent-es",  # the Spanish form's id
)


def _record(language: str, name: str) -> dict[str, object]:
    return {**BASE_APPOINTMENT, "appointment_id": f"R-{name}", "language": language, "flags": FLAGS}


@pytest.fixture(scope="module")
def packets(library: Library, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    out = tmp_path_factory.mktemp("record")
    made = {}
    for name, (language, layout) in CASES.items():
        path = out / f"{name}.yaml"
        path.write_text(yaml.safe_dump(_record(language, name), allow_unicode=True, sort_keys=False), encoding="utf-8")
        made[name] = make_packet(path, out / "pdf", layout, library=library, today=TODAY)
    return made


def _english_for(library: Library, name: str) -> ResolvedPacket:
    """The English packet resolved for the Spanish-speaking patient's appointment (what the record prints)."""
    language, layout = CASES[name]
    content = library.contents["vertebroplasty"]
    appointment = from_located(Located(_record(language, name), "test"), TODAY)
    department = library.department(content.department)
    return personalize(content, appointment, library.layout(layout), department, Site(ZONE, TODAY))


def _outline(pdf: Path) -> list[tuple[str, int]]:
    reader = PdfReader(pdf)
    return [(str(o["/Title"]), reader.get_destination_page_number(o)) for o in reader.outline]


def _images(pdf: Path, first: int, last: int, dpi: int) -> list[Image.Image]:
    """Pages `first` to `last` (0-based, `last` excluded) as greyscale images at `dpi`."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[n].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for n in range(first, last)]
    finally:
        document.close()


@pytest.mark.parametrize("name", SPANISH_CASES)
def test_the_english_consent_follows_the_spanish_one_for_the_record(
    packets: dict[str, Generated], library: Library, name: str
) -> None:
    pdf = packets[name].path
    start = record_start(pdf)
    assert start is not None
    assert _outline(pdf) == [
        (SPANISH.handout_bookmark, 0),
        (SPANISH.consent_bookmark, consent_start(pdf)),
        (SPANISH.record_banner, start),
    ]
    assert start % 2 == 0  # on a front page: the signed sheets come away without it
    pages = record_text(pdf)
    assert len(pages) >= 3
    english = _english_for(library, name)
    text = normalize(" ".join(body(page) for page in pages))
    # The English consent's text as resolved for this appointment: its title, every risk (the blood thinner's
    # with them, as the flags ask), its acknowledgement, the interpreter's statement naming Spanish.
    for sentence in (english.consent.title, *english.consent.risks, english.consent.acknowledgement):
        assert normalize(sentence) in text, sentence
    assert "Heavier bleeding, because you take a blood thinner" in text
    assert "into Spanish" in text
    assert normalize(english.visit.date) in text  # its dates in English
    for page in pages:
        assert SPANISH.record_banner in page  # on every page, in Spanish and in English
        assert "English text for the record — not for signature" in page
        assert "Formulario vp-consent, versión 1.0.0" in page  # the English form in the footer
        assert "DOC RECORD · FORM vp-consent · VER" in page  # the code's data in small print
        for label in NOT_ON_A_RECORD_PAGE:
            assert label not in page, (label, page)
    # The Spanish consent is as it was: none of the record's words.
    consent = " ".join(page_texts(pdf)[consent_start(pdf) : consent_end(pdf)])
    assert "English text for the record" not in consent
    assert normalize(english.consent.title) not in consent


@pytest.mark.parametrize("name", SPANISH_CASES)
def test_every_record_page_identifies_the_patient_and_is_numbered_on_its_own(
    packets: dict[str, Generated], name: str
) -> None:
    pdf = packets[name].path
    header = ("Paciente:", BASE_APPOINTMENT["mrn"], "Fecha de nacimiento:")
    assert_every_page_identifies(pdf, "es", header)  # the back before the record too: no page without them
    start, end, total = record_start(pdf), consent_end(pdf), len(PdfReader(pdf).pages)
    assert start is not None
    texts = page_texts(pdf)
    # Numbered on its own, from the blank back of the consent's last sheet where there is one.
    assert numbering(pdf)[end:] == [(n, total - end) for n in range(1, total - end + 1)]
    for number, text in enumerate(texts[end:], start=1):
        assert f"Página {number} de {total - end}" in text
        assert all(identifier in text for identifier in header)
    if end < start:  # an odd consent: the back of its last sheet is a blank back like any other
        assert (end, start) == (start - 1, start)
        assert SPANISH.blank_page in texts[end]
        assert SPANISH.record_banner not in texts[end]
    assert not any(SPANISH.blank_page in text for text in texts[start:])


def _codes(pdf: Path, first: int, last: int) -> list[PageCode]:
    """The scan-back code each page from `first` to `last` (0-based, `last` excluded) carries, read back."""
    codes = []
    for image in _images(pdf, first, last, 150):
        read = zxingcpp.read_barcodes(image)
        found = [read_payload(b.text, b.format == zxingcpp.BarcodeFormat.Code128) for b in read]
        assert len(found) == 1, found
        assert found[0] is not None, read
        codes.append(found[0])
    return codes


@pytest.mark.parametrize("name", SPANISH_CASES)
def test_every_record_page_carries_a_code_that_is_no_consent_page(packets: dict[str, Generated], name: str) -> None:
    """The consent's pages say DOC=CONSENT; the record's (and the back before them) DOC=RECORD, with the same
    patient and packet, the English form, and their place in the record."""
    made = packets[name]
    pdf = made.path
    split, end, total = consent_start(pdf), consent_end(pdf), len(PdfReader(pdf).pages)
    consent = _codes(pdf, split, end)
    assert [(c.value("DOC"), c.value("FORM"), c.page, c.count) for c in consent] == [
        ("CONSENT", "vp-consent-es", n, end - split) for n in range(1, end - split + 1)
    ]
    record = _codes(pdf, end, total)
    assert [(c.value("DOC"), c.value("FORM"), c.page, c.count) for c in record] == [
        (RECORD, "vp-consent", n, total - end) for n in range(1, total - end + 1)
    ]
    for code in [*consent, *record]:
        assert (code.value("MRN"), code.value("PKT")) == (BASE_APPOINTMENT["mrn"], made.appointment_id)


def test_the_record_is_a_part_of_the_structure_in_english(packets: dict[str, Generated]) -> None:
    with pikepdf.open(packets["es-letter"].path) as pdf:
        document = pdf.Root.StructTreeRoot.K
        document = document[0] if isinstance(document, pikepdf.Array) else document
        parts = [(str(kid.S), str(kid.get("/Lang", ""))) for kid in document.K]
    assert parts == [("/Part", ""), ("/Part", ""), ("/Part", "en")]


def test_an_english_packet_has_no_record_pages(packets: dict[str, Generated]) -> None:
    pdf = packets["en-letter"].path
    assert record_start(pdf) is None
    assert [title for title, _ in _outline(pdf)] == [ENGLISH.handout_bookmark, ENGLISH.consent_bookmark]
    assert not any(ENGLISH.record_banner in page for page in page_texts(pdf))


@pytest.mark.parametrize("site", [None, "T12 and L1"])
def test_the_record_prints_no_line_to_write_on(library: Library, tmp_path: Path, site: str | None) -> None:
    """The record has nothing to fill in: a value the appointment gives prints (the levels), one it does not is
    left out of the identification box (its label too) and said in a sentence as written on the signed consent;
    the Spanish consent itself keeps its lines to write on."""
    record = {**_record("es", "blanks"), **({"site": site} if site else {})}
    path = tmp_path / "blanks.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pdf = make_packet(path, tmp_path / "pdf", "letter", library=library, today=TODAY).path
    text = normalize(" ".join(body(page) for page in record_text(pdf)))
    assert "__" not in text
    if site:
        assert "Site and levels: T12 and L1" in text
        assert "levels of my spine: T12 and L1." in text
    else:
        assert "Site and levels" not in text
        assert f"levels of my spine: {ENGLISH.record_blank}." in text
        consent = " ".join(page_texts(pdf)[consent_start(pdf) : consent_end(pdf)])
        assert SPANISH.blank_line in consent
