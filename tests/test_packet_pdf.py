"""End to end: appointment → PDF on disk, read back and checked like a reviewer would."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.build import Generated, make_packet
from packetgen.language.labels import LABELS
from packetgen.library import Library
from packetgen.library.figures import figures_in
from packetgen.models.blocks import Figure
from packetgen.models.figure import Label
from tests.helpers.contentdata import every_item
from tests.helpers.pdfimage import Word, box_around, render, words
from tests.helpers.pdftext import consent_start, page_texts, section_text
from tests.helpers.site import DATA, ROOT, normalize

Make = Callable[..., Generated]
RISKS = [
    "Bleeding",
    "Infection",
    "Rib or vertebral fracture",
    "Irritation of nearby nerves",
    "Worsening of pain",
    "Problems due to contrast medium, including allergic reaction or kidney damage",
    "Leakage of cement, needing surgery to remove it (very rare)",
    "Spinal cord or nerve root damage (very rare)",
    "Pulmonary emboli (rarely, cement can travel to the lungs)",
]


def seed_lines() -> list[str]:
    text = (DATA / "seed-vertebroplasty.txt").read_text(encoding="utf-8")
    return [normalize(line.replace("•", "")) for line in text.splitlines() if line.strip()]


def test_every_seed_line_reaches_the_handout(generate: Make) -> None:
    handout, _ = section_text(generate().path)
    lines = seed_lines()
    assert len(lines) == 32
    for line in lines:
        assert line in handout, line  # word for word, nothing added (the checklist says when the fast starts)


def test_every_risk_on_handout_and_on_consent(generate: Make) -> None:
    handout, consent = section_text(generate().path)
    for risk in RISKS:
        assert risk in handout, risk
        assert risk in consent, risk
    assert "Risks and complications Initials" in consent


def test_appointment_details_and_own_instructions(generate: Make) -> None:
    mine = ["Take your blood pressure pill with a sip of water at 6 AM.", "Bring your walker & <brace>."]
    handout, consent = section_text(generate(instructions=mine).path)
    assert "Date: Monday, December 7, 2026" in handout
    assert "Time: 7:30 AM. Please arrive by 6:30 AM." in handout
    assert "Provider: Dr. Maria Alvarez, MD" in handout
    assert "Location: Interventional Radiology, Room 214" in handout
    for line in mine:
        assert line in handout
    assert "Performing provider: Dr. Maria Alvarez, MD" in consent
    assert "Facility: Riverside General Hospital" in consent
    address = "Interventional Radiology, 2nd floor, 1200 River Road, Springfield, IL 62701"
    assert address in handout
    assert address in consent
    assert "Form vp-consent, version 1.0.0, effective 2026-11-01" in page_texts(generate().path)[-1]


def test_every_page_identifies_the_patient_and_counts_pages(generate: Make) -> None:
    path = generate(flags=["sedation"]).path
    texts = page_texts(path)
    split = consent_start(path)
    assert 2 <= split < len(texts) - 1
    for index, text in enumerate(texts):
        assert "Patient: Nguyễn, Thị Ánh" in text
        assert "Date of birth: Mar 14, 1948" in text
        assert "MRN: 00012345" in text
        # Each document numbered on its own: the consent is filed without the handout.
        number, count = (index + 1, split) if index < split else (index + 1 - split, len(texts) - split)
        assert f"Page {number} of {count}" in text
        assert text.startswith("Patient copy" if index < split else "Chart copy"), text[:40]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Thị Ánh", "Nguyễn"),
        ("Seán", "O'Brien & <Sons>"),
        ("小明", "王"),
        ("Елена", "Παπαδοπούλου"),
        ("{{ 7*7 }}", "<b>&amp;"),
    ],
)
def test_names_come_out_exactly(generate: Make, first: str, last: str) -> None:
    path = generate(first_name=first, last_name=last).path
    for text in page_texts(path):
        assert f"Patient: {last}, {first}" in text
    _, consent = section_text(path)
    assert f"Patient: {last}, {first}" in consent


def test_consent_starts_on_an_odd_page_with_a_blank_back_when_needed(generate: Make) -> None:
    parities = set()
    long_list = [f"Instruction {i}: follow this step carefully before you come in." for i in range(40)]
    for flags, instructions in (([], []), (["sedation"], long_list[:20]), ([], long_list)):
        path = generate(flags=flags, instructions=instructions or None).path
        start = consent_start(path)
        texts = page_texts(path)
        assert start % 2 == 0, "consent must start on a front (odd-numbered) page"
        blank = "This page is intentionally blank." in texts[start - 1]
        parities.add(blank)
        assert "Consent for vertebroplasty" in texts[start]
        assert sum("This page is intentionally blank." in t for t in texts) == int(blank)
    assert parities == {True, False}, "fixtures should cover both an inserted blank page and none"


def test_flags_add_marked_instructions_and_consent_clauses(generate: Make) -> None:
    handout, consent = section_text(generate(flags=["contrast_allergy"]).path)
    assert "You told us you are allergic to contrast medium (X-ray dye)" in handout
    clause = "I told my care team that I am allergic to contrast medium (X-ray dye)."
    assert clause in consent
    plain_handout, plain_consent = section_text(generate().path)
    assert "You told us you are allergic" not in plain_handout
    assert clause not in plain_consent


def test_signature_blocks_for_every_signer(generate: Make) -> None:
    _, consent = section_text(generate().path)
    for role in (
        "Patient or legal representative",
        "Provider who obtained consent",
        "Witness",
        "Interpreter (if one was used)",
    ):
        assert role in consent
    assert "Consent by telephone: second witness" in consent
    # Teach-back (AHRQ): the provider attests the patient said it back in their own words.
    assert (
        "I answered their questions. The patient told me in their own words what will be done and its main risks."
        in (consent)
    )
    # Patient, provider, witness, interpreter and the telephone consent's second witness.
    assert consent.count("Signature Printed name Date Time") == 5
    assert "Representative's relationship to patient Why the patient cannot sign" in consent
    assert "Language interpreted" in consent
    assert "☐ Patient ☐ Legal representative" in consent
    assert "☐ In person ☐ By phone ☐ By video" in consent
    assert "Person who gave consent Relationship to patient Telephone number called" in consent
    # What each signer attests to, in the content's words.
    assert "I explained the procedure, its risks, benefits, and alternatives to the patient" in consent
    assert "I am a witness to the signature only." in consent
    assert "I interpreted this form and the talk about it into" in consent  # English patient: a line to fill in


def test_every_item_of_the_content_reaches_the_packet(generate: Make, library: Library) -> None:
    handout, consent = section_text(generate(flags=["sedation", "contrast_allergy", "anticoagulant"]).path)
    everything = normalize(handout + " " + consent)
    items = list(every_item(library.contents["vertebroplasty"]))
    assert len(items) > 50
    for item in items:
        assert normalize(item.text.split("{{")[0]) in everything, item.id
    when = "When to call After you go home, call your care team right away if you have:"
    assert when in handout
    checklist = "Your checklist ☐ Nothing to eat or drink after 11:59 PM on Sunday, December 6. ☐ Arrive by Monday"
    assert f"{checklist}, December 7, at 6:30 AM" in handout
    assert "What is vertebroplasty? Fractures in the bones of the spine" in handout
    assert "Questions for my doctor Write your questions here" in handout
    # The daytime number (the department's) and the layout's after-hours number, in the box.
    assert "During the day, call (217) 555-0142. At night or on weekends, call (217) 555-0100." in handout


def test_the_interpreter_is_required_when_the_patients_language_is_not_the_care_teams(generate: Make) -> None:
    _, consent = section_text(generate(language="vi").path)
    assert "Interpreter (required)" in consent
    assert "Interpreter (if one was used)" not in consent
    assert "I interpreted this form and the talk about it into Vietnamese." in consent
    _, spanish = section_text(generate(language="es").path)
    assert "Intérprete (obligatorio)" in spanish
    assert "Interpreté este formulario y la conversación sobre él al español." in spanish


def test_the_consent_names_the_site_and_levels_or_leaves_a_line(generate: Make) -> None:
    _, consent = section_text(generate(site="T12 and L1", encounter="V-778812").path)
    assert "Site and levels: T12 and L1" in consent
    assert "The procedure will treat these levels of my spine: T12 and L1." in consent
    assert "Encounter: V-778812" in consent
    _, blank = section_text(generate().path)
    assert "Site and levels: ______________________________" in blank
    assert "The procedure will treat these levels of my spine: ______________________________." in blank
    assert "Encounter:" not in blank
    # Treating levels found during the procedure has its own initials box.
    assert "I agree that they may be treated too. Initials" in blank


@pytest.mark.process  # starts `generate.py` as a program
def test_same_inputs_give_identical_bytes_across_processes(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        subprocess.run(
            [sys.executable, "generate.py", "packet", "examples/appointments/obrien.json", "--out", str(out)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )
        outputs.append((out / "DEMO-0002.pdf").read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.process  # starts `generate.py` as a program
def test_caches_do_not_leak_between_packets_in_one_process(tmp_path: Path, library: Library) -> None:
    # Parsed paragraphs, styles and fonts are reused across packets: output must not depend on order.
    # Large print draws with DejaVu Sans as a fallback, which letter uses as its main font.
    order = [
        ("wang.yaml", "large-print"),
        ("obrien.json", None),
        ("ivanova.yaml", "large-print"),
        ("obrien.json", None),
    ]
    made = [
        make_packet(ROOT / "examples/appointments" / name, tmp_path / "a", layout, library=library).path.read_bytes()
        for name, layout in order
    ]
    assert made[1] == made[3]
    subprocess.run(
        [sys.executable, "generate.py", "packet", "examples/appointments/obrien.json", "--out", str(tmp_path / "b")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert made[1] == (tmp_path / "b" / "DEMO-0002.pdf").read_bytes()


def test_every_font_is_embedded(generate: Make) -> None:
    reader = PdfReader(generate(first_name="小明", last_name="王").path)
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(font["/BaseFont"])
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
    assert any("WenQuanYi" in n for n in names)
    assert any("DejaVuSans" in n for n in names)


def test_metadata_bookmarks_and_language(generate: Make) -> None:
    reader = PdfReader(generate().path)
    info = reader.metadata
    assert info is not None
    assert info.title == "Vertebroplasty: patient information and consent"
    assert "Nguy" not in str(dict(info))
    assert info["/Producer"].startswith("packetgen")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert [o["/Title"] for o in reader.outline] == ["Patient information", "Consent form"]
    assert reader.get_destination_page_number(reader.outline[0]) == 0


def test_letter_pages_and_all_but_the_small_print_at_least_12_pt(generate: Make, library: Library) -> None:
    path = generate(flags=["sedation", "contrast_allergy"], instructions=["Bring your walker."]).path
    reader = PdfReader(path)
    assert {(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages} == {(612.0, 792.0)}
    department, en = library.department("interventional-radiology"), LABELS["en"]
    small_print = {  # running header and footer, the figure's labels, the captions under signature lines
        *(f"{text}:" for text in (en.patient, en.date_of_birth, en.mrn)),
        "Nguyễn, Thị Ánh",
        "Mar 14, 1948",
        "00012345",
        department.name,
        ", ".join(dict(department.address)["en"]),
        "Questions? Call (217) 555-0142",
        "Form vp-handout, version 1.0.0, effective 2026-11-01",
        "Form vp-consent, version 1.0.0, effective 2026-11-01",
        *(label.text for _key, figure in figures_in(library.contents["vertebroplasty"]) for label in _labels(figure)),
        "Side view of vertebrae, disks, and nerves showing compression fractures in vertebrae.",
        *(en.signature, en.printed_name, en.signed_date, en.signed_time, en.relationship),
        *(en.interpreter_id, en.interpreted_language),
        *(f"Page {n} of {m}" for m in range(1, len(reader.pages)) for n in range(1, m + 1)),
        *(en.handout_copy, en.consent_copy, en.label_box, en.draft_mark, en.initials),
        *(en.representative_reason, en.telephone_person, en.relationship_to_patient, en.telephone_number),
    }
    address = ", ".join(dict(department.address)["en"])
    scan_data = re.compile(r"MRN 00012345 · DOC CONSENT · FORM vp-consent · VER 1\.0\.0 · PKT T-0001 · PG \d+/\d+")
    smaller: set[str] = set()
    body = 0
    for page in reader.pages:

        def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
            nonlocal body
            if text.strip() and size * tm[0] * cm[0] < 12:
                smaller.add(text.strip())
            elif text.strip():
                body += 1

        page.extract_text(visitor_text=visit)
    assert body > 100
    # The address may wrap beside the consent's label box; the scan-back data names each page.
    unexpected = {t for t in smaller - small_print if not scan_data.fullmatch(t) and t not in address}
    assert not unexpected, sorted(unexpected)


def test_nothing_but_the_pdf_is_written(generate: Make, tmp_path: Path) -> None:
    result = generate()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["T-0001.pdf"]
    assert result.path.stat().st_mode & 0o077 == 0, "packets are private to their owner"
    assert re.fullmatch(r"[0-9a-f]{64}", result.sha256)


def test_a_language_without_a_packet_gets_english_with_an_interpreter_notice(generate: Make) -> None:
    result = generate(language="vi")
    first = page_texts(result.path)[0]
    assert "Your preferred language is Vietnamese. This packet is in English." in first
    assert "free interpreter" in first
    assert any("warning: language: no vertebroplasty packet in 'vi'" in w for w in result.warnings)
    assert "Your preferred language" not in page_texts(generate().path)[0]


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["letter", "large-print"])
def test_every_risk_row_has_its_own_empty_initials_box(generate: Make, layout: str) -> None:
    path = generate(layout=layout).path
    first = consent_start(path) + 1
    initials_x = None
    rows: list[tuple[int, Word]] = []
    for page in range(first, len(PdfReader(path).pages) + 1):
        on_page = words(path, page)
        initials_x = initials_x or next((w.x0 for w in on_page if w.text in ("Initials",)), None)
        starts = {risk.split()[0] for risk in RISKS}
        rows += [(page, w) for w in on_page if w.text in starts and abs(w.x0 - on_page[0].x0) > 1 and w.x0 < 100]
    assert initials_x is not None
    assert [w.text for _page, w in rows] == [risk.split()[0] for risk in RISKS]
    boxes = []
    for page, word in rows:
        image = render(path, page)
        middle = int((word.y0 + word.y1) / 2)
        box = box_around(image, int(initials_x) + 10, middle, reach=120)
        assert box is not None, f"no box on the row of {word.text!r}"
        left, top, right, bottom = box
        assert left < initials_x < right
        assert right - left >= 60, "room to write initials"
        assert top < word.y0, "the box spans its row"
        assert bottom > word.y1, "the box spans its row"
        assert bottom - top < 4 * (word.y1 - word.y0), f"the box of {word.text!r} is not its own"
        inside = image.crop((left + 2, top + 2, right - 1, bottom - 1))
        assert inside.getextrema()[0] > 200, "the box is empty"
        boxes.append((page, top, bottom))
    for (page_a, _top_a, bottom_a), (page_b, top_b, _bottom_b) in itertools.pairwise(boxes):
        assert page_a < page_b or top_b >= bottom_a - 1, "each row has a box of its own"


def test_viewers_show_the_title_and_spanish_packets_have_spanish_bookmarks(generate: Make) -> None:
    for language, bookmarks in (
        ("en", ["Patient information", "Consent form"]),
        (  # and the English consent after the Spanish one, for the record
            "es",
            [
                "Información para pacientes",
                "Formulario de consentimiento",
                "Texto en inglés para el expediente: no se firma (English text for the record — not for signature)",
            ],
        ),
    ):
        reader = PdfReader(generate(language=language).path)
        assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"].value is True
        assert [o["/Title"] for o in reader.outline] == bookmarks
        assert reader.get_destination_page_number(reader.outline[1]) == consent_start(generate(language=language).path)


def _labels(figure: Figure) -> tuple[Label, ...]:
    """The texts of a figure's drawing (small print, as the figure's words always were)."""
    assert figure.read is not None
    return figure.read.labels


def test_the_consent_gives_each_alternatives_own_benefits_and_risks(generate: Make) -> None:
    """Informed choice (TJC RI.01.03.01; AHRQ): each alternative with what it offers and risks, and how
    likely the procedure is to help, in the patient's own voice."""
    _, consent = section_text(generate().path)
    alternatives = consent[consent.index("Alternatives") :]
    assert "as my provider advises. It has none of the procedure's risks." in alternatives
    assert "The pain often eases over weeks or months as the bone heals, but it can last longer." in alternatives
    assert "It may bring back some of the bone's height. Its risks are like those of vertebroplasty." in alternatives
    assert "the pain and loss of movement may go on or get worse." in alternatives
    assert "Many people have less pain within a few days." in consent
    assert "Your provider" not in alternatives  # the consent speaks in the first person
