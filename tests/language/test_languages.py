"""Languages: the Spanish packet, translations kept in step with English, interpreters."""

from __future__ import annotations

import dataclasses
import pickle
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.build import Generated
from packetgen.errors import InputErrors
from packetgen.language.direction import has_rtl
from packetgen.language.labels import ENGLISH, LABELS, Labels, labels_for
from packetgen.library import Library, load_library
from packetgen.yamlsafe import walk_strings
from tests.helpers.contentdata import every_item
from tests.helpers.pdfimage import words
from tests.helpers.pdftext import body, numbering, page_texts, section_text
from tests.helpers.site import ROOT, copy_site, normalize

Make = Callable[..., Generated]
ALL_FLAGS = ["sedation", "anticoagulant", "contrast_allergy"]


def _item_ids(library: Library, key: str) -> set[str]:
    return {
        text for path, text in walk_strings(library.sources[key].data) if path and path[-1] == "id" and len(path) > 1
    }


@pytest.mark.parametrize("tag", ["es", "es-MX", "es-US", "ES-mx"])
def test_spanish_tags_get_the_spanish_packet(generate: Make, tag: str) -> None:
    result = generate(language=tag)
    assert result.language == "es"
    assert not result.warnings
    texts = page_texts(result.path)
    for text, (number, count) in zip(texts, numbering(result.path), strict=True):  # all in Spanish, every page
        assert f"Página {number} de {count}" in text
        assert "Paciente: Nguyễn, Thị Ánh" in text
        assert "Fecha de nacimiento: 14 mar 1948" in text
        assert "N.º de expediente: 00012345" in text
        assert "Page " not in text
    handout, consent = section_text(result.path)
    assert "Fecha: lunes, 7 de diciembre de 2026" in handout  # CLDR month and weekday names via Babel
    assert "Hora: 7:30 a. m.; llegue a más tardar a las 6:30 a. m." in handout
    assert "No coma ni beba nada después de las 11:59 p. m. del domingo, 6 de diciembre." in handout  # in Spanish
    assert "Procedimiento: Vertebroplastia, lunes, 7 de diciembre de 2026, 7:30 a. m." in consent
    assert PdfReader(result.path).trailer["/Root"]["/Lang"] == "es"


def test_every_spanish_item_and_risk_reaches_the_packet(generate: Make, library: Library) -> None:
    spanish = library.translations["vertebroplasty"]["es"]
    handout, consent = section_text(generate(language="es-US", flags=ALL_FLAGS).path)
    for risk in spanish.risks:  # every risk on both, with its detail
        line = normalize(f"{risk.text} ({risk.detail})" if risk.detail else risk.text)
        assert line in handout
        assert line in consent
    everything = normalize(handout + " " + consent)
    for item in every_item(spanish):  # every paragraph, bullet, clause and attestation of the content
        assert normalize(item.text.split("{{")[0]) in everything or item.text.startswith("{{"), item.id
    labels = (
        "Riesgos y complicaciones",
        "Iniciales",
        "Firma",
        "Testigo",
        "Intérprete (obligatorio)",
        "Anestesia y sedación",
    )
    for label in labels:
        assert label in consent


def test_the_spanish_content_has_every_translatable_id_of_the_english(library: Library) -> None:
    english, spanish = _item_ids(library, "vertebroplasty"), _item_ids(library, "vertebroplasty.es")
    assert english == spanish
    assert len(english) > 40


def _texts(labels: Labels) -> list[tuple[str, str]]:
    """Every text of a language's labels, named by its attribute (each choice on its own)."""
    texts = []
    for field in dataclasses.fields(Labels):
        value = getattr(labels, field.name)
        texts += (
            [(f"{field.name}[{i}]", v) for i, v in enumerate(value)]
            if isinstance(value, tuple)
            else [(field.name, value)]
        )
    return texts


@pytest.mark.parametrize("language", sorted(LABELS))
def test_every_language_has_every_label(language: str) -> None:
    """A language missing a label cannot be made (a TypeError where its `Labels` is); each of its
    texts is non-empty and has the English text's placeholders (and as many choices)."""
    labels = LABELS[language]
    assert isinstance(labels, Labels)
    english = dict(_texts(ENGLISH))
    texts = _texts(labels)
    assert [name for name, _ in texts] == list(english)
    for name, text in texts:
        assert isinstance(text, str), name
        assert text.strip(), name
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", english[name])), name
    assert pickle.loads(pickle.dumps(labels)) == labels  # a packet's labels go to worker processes with it


def test_labels_cannot_be_made_without_every_text() -> None:
    every = {field.name: getattr(ENGLISH, field.name) for field in dataclasses.fields(Labels)}
    del every["signature"]
    with pytest.raises(TypeError, match="signature"):
        Labels(**every)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENGLISH.signature = "Sign"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("tag", "expected"), [("es", "es"), ("es-MX", "es"), ("ES-mx", "es"), ("en-GB", "en"), ("vi", "en")]
)
def test_labels_for_a_tag_are_its_primary_languages_or_english(tag: str, expected: str) -> None:
    assert labels_for(tag) is LABELS[expected]


def test_every_packet_language_has_its_labels(library: Library) -> None:
    for content, _located in library.editions():
        assert content.language in LABELS, content.language


def _library_copy(tmp_path: Path) -> Path:
    return copy_site(tmp_path) / "packets" / "vertebroplasty.es.yaml"


def _line(start: str) -> int:
    """The line of the shipped Spanish content that starts with `start` (its header comments change)."""
    text = (ROOT / "packets" / "vertebroplasty.es.yaml").read_text(encoding="utf-8")
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('  source_version: "1.0.0"', '  source_version: "0.9.0"'),
            rf"packets/vertebroplasty\.es\.yaml:{_line('  source_version:')}: translation\.source_version: translates "
            r"version 0\.9\.0, but the "
            r"en content is now version 1\.0\.0: update the translation, then its source_version",
        ),
        (
            ("        - id: during-iv\n", "        - id: during-intravenosa\n"),
            r"packets/vertebroplasty\.es\.yaml:\d+: handout\.sections\[2\]\.blocks\[0\]\.items: "
            r"missing the item with id 'during-iv' that the en content has",
        ),
        (
            ("        - id: during-iv\n", "        - id: during-intravenosa\n"),
            r"packets/vertebroplasty\.es\.yaml:\d+: handout\.sections\[2\]\.blocks\[0\]\.items\[1\]\.id: "
            r"id 'during-intravenosa' is not in the en content: translated items keep their ids",
        ),
        (  # the chart must tell the Spanish form from the English one
            ("  form_id: vp-consent-es\n", "  form_id: vp-consent\n"),
            rf"packets/vertebroplasty\.es\.yaml:{_line('  form_id: vp-consent-es')}: consent\.form_id: expected a form "
            r"id of its own, such as vp-consent-es: the en form is vp-consent",
        ),
        (
            ("  night_before: {days: -1, show: date}", "  night_before: {days: -2, show: date}"),
            r"packets/vertebroplasty\.es\.yaml:\d+: times: expected the same times as the en content",
        ),
        (
            ("  sedation:\n    label:", "  sedated:\n    label:"),
            r"packets/vertebroplasty\.es\.yaml:\d+: flags: expected the same flags as the en content",
        ),
        (  # a clause printed for other patients than the source's
            ("              when: {flag: contrast_allergy}\n", "              when: {not_flag: contrast_allergy}\n"),
            r"packets/vertebroplasty\.es\.yaml:\d+: consent\.after_risks\[2\]\.blocks\[0\]\.items\[0\]\.when: "
            r"expected the same condition \(when\) as the en content",
        ),
        (  # the same text in another kind of block
            ("          type: initialled\n", "          type: paragraph\n"),
            r"packets/vertebroplasty\.es\.yaml:\d+: consent\.sections\[1\]\.blocks\[1\]\.type: "
            r"expected initialled, as in the en content",
        ),
        (  # a block that lost its id
            ("        - id: consent-handout\n", "        - id: consent-handover\n"),
            r"packets/vertebroplasty\.es\.yaml:\d+: consent\.sections\[0\]\.blocks: missing the item with id "
            r"'consent-handout' that the en content has",
        ),
        (
            ('  - {system: CPT, code: "22512"}\n', ""),
            rf"packets/vertebroplasty\.es\.yaml:{_line('codes:')}: codes: expected the same codes as the en content",
        ),
        (
            ("arrive_minutes_before: 60", "arrive_minutes_before: 45"),
            rf"packets/vertebroplasty\.es\.yaml:{_line('arrive_minutes_before:')}: arrive_minutes_before: expected the "
            r"same arrive_minutes_before "
            r"as the en content",
        ),
        (  # a translation is the same procedure: its packets go to the same department
            ("department: interventional-radiology\n", "department: cardiology\n"),
            rf"packets/vertebroplasty\.es\.yaml:{_line('department:')}: department: expected the same department as "
            r"the en content",
        ),
    ],
)
def test_validate_fails_on_a_stale_or_incomplete_translation(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    spanish = _library_copy(tmp_path)
    text = spanish.read_text(encoding="utf-8")
    assert change[0] in text
    spanish.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_library(root=tmp_path)
    messages = [str(e) for e in info.value.errors]
    assert any(re.fullmatch(expected, m) for m in messages), messages


def test_a_translation_keeps_the_sources_order(tmp_path: Path) -> None:
    """Items line up by id and in the source's order: two alternatives swapped are named at the first."""
    spanish = _library_copy(tmp_path)
    text = spanish.read_text(encoding="utf-8")
    first, second = "            - id: alt-conservative\n", "            - id: alt-kyphoplasty\n"
    assert first in text
    assert second in text
    text = text.replace(first, "@").replace(second, first).replace("@", second)
    spanish.write_text(text, encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_library(root=tmp_path)
    line = text[: text.index(second)].count("\n") + 1
    assert [str(e) for e in info.value.errors] == [
        f"packets/vertebroplasty.es.yaml:{line}: consent.after_risks[3].blocks[0].items[0].id: id 'alt-kyphoplasty' "
        "is out of order: the en content has 'alt-conservative' here"
    ]


def test_the_english_moving_on_makes_the_translation_stale(tmp_path: Path) -> None:
    _library_copy(tmp_path)
    english = tmp_path / "packets" / "vertebroplasty.yaml"
    english.write_text(english.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.1.0"', 1))
    with pytest.raises(InputErrors) as info:
        load_library(root=tmp_path)
    assert [str(e) for e in info.value.errors] == [
        f"packets/vertebroplasty.es.yaml:{_line('  source_version:')}: translation.source_version: translates version "
        "1.0.0, but the en "
        "content is now version 1.1.0: update the translation, then its source_version"
    ]


@pytest.mark.parametrize(
    ("language", "interpreted"),
    [("en", None), ("vi", "into Vietnamese."), ("es-MX", "al español (México).")],
)
def test_the_interpreter_block_is_always_there_and_names_the_language(
    generate: Make, language: str, interpreted: str | None
) -> None:
    _, consent = section_text(generate(language=language).path)
    # Required when the patient's language is not the care team's; "if one was used" otherwise.
    assert ("Interpreter (if one was used)" in consent) == (language == "en")
    assert ("Interpreter (required)" in consent or "Intérprete (obligatorio)" in consent) == (language != "en")
    if interpreted is None:  # an English speaker: the line is left to write in
        assert "Language interpreted Interpreter ID" in consent
    else:  # named once, in the interpreter's statement: no line asks for it again
        assert interpreted in consent
        assert "Language interpreted" not in consent
        assert "Idioma interpretado" not in consent


def test_the_footer_note_follows_the_packet_language(generate: Make) -> None:
    english, spanish = page_texts(generate().path), page_texts(generate(language="es").path)
    assert all("Questions? Call (217) 555-0142" in t for t in english)
    assert all("¿Preguntas? Llame al (217) 555-0142" in t and "Questions?" not in t for t in spanish)
    assert "Riesgos y complicaciones" in " ".join(body(t) for t in spanish)


def _header_words(pdf: Path) -> list[tuple[float, str]]:
    """(x, text) of each word on the patient line of page 1, as pdftotext places them."""
    on_page = words(pdf, 1)
    patient_y = next(w.y0 for w in on_page if w.text == "Patient:")
    return sorted((w.x0, w.text) for w in on_page if abs(w.y0 - patient_y) < 1)


@pytest.mark.parametrize(
    ("first", "last"),
    [("محمد", "أحمد"), ("مُحَمَّد", "عبد الله"), ("דוד", "בן כהן"), ("Ali", "أبو بكر")],
)
def test_right_to_left_names_print_joined_and_in_reading_order(generate: Make, first: str, last: str) -> None:
    # The header reads `Patient: LAST, FIRST`; inside a right-to-left name the first word stands
    # rightmost, and Arabic letters are drawn in their joined (presentation) forms.
    words = [text for _x, text in _header_words(generate(first_name=first, last_name=last).path)]
    start = words.index("Patient:") + 1
    drawn = words[start : words.index("Date")]

    def logical(word: str) -> str:  # undo the drawing order and the joined forms; letters only
        letters = unicodedata.normalize("NFKC", word if word.isascii() else word[::-1]).strip(",")
        return "".join(ch for ch in letters if not unicodedata.combining(ch))

    # The whole name `LAST, FIRST` is one text laid out by the Unicode bidirectional algorithm: each
    # run of right-to-left words is drawn in reverse, so an Arabic reader reads LAST, FIRST from the right.
    expected: list[str] = []
    run: list[str] = []
    for word in f"{last}, {first}".split():
        if word.strip(",").isascii():
            expected += [*reversed(run), word]
            run = []
        else:
            run.append(word)
    expected += reversed(run)
    assert [logical(w) for w in drawn] == [logical(e if e.strip(",").isascii() else e[::-1]) for e in expected]
    for word in drawn:
        if any("\u0600" <= ch <= "\u06ff" or "\ufe70" <= ch <= "\ufeff" for ch in word):
            assert all(not "\u0620" <= ch <= "\u064a" for ch in word), f"{word!r} is not joined"


@pytest.mark.parametrize(("first", "last"), [("محمد", "العلي"), ("דוד", "בן כהן"), ("Ali", "أبو بكر")])
def test_a_right_to_left_name_reads_the_same_in_the_header_and_the_consents_box(
    generate: Make, first: str, last: str
) -> None:
    """The patient's name is drawn from one text everywhere: the text shown after `Patient:` (the
    running header of every page, and the consent's identification box) is the same glyphs in the
    same order. Read as drawn (pypdf's text operators, not poppler, which reads the box's /ActualText)."""
    pdf = generate(first_name=first, last_name=last).path
    shown: list[str] = []
    for page in PdfReader(pdf).pages:
        page.extract_text(visitor_text=lambda text, *_: shown.append(text))
    drawn = [t.strip() for t in shown if has_rtl(t)]
    pages = len(PdfReader(pdf).pages)
    assert len(drawn) == pages + 1, drawn  # every page's header, and the consent's identification box
    assert set(drawn) == {drawn[0]}, drawn


def test_right_to_left_scripts_without_joining_support_are_refused(generate: Make) -> None:
    with pytest.raises(InputErrors) as info:
        generate(last_name="ܫܠܡܐ")  # Syriac
    assert "is right-to-left text in a script packets cannot print yet (only Arabic and Hebrew)" in str(
        info.value.errors[0]
    )


@pytest.mark.parametrize(
    ("provider", "request_line", "explained"),
    [
        ("Dra. Ana Beltrán", "Pido que la Dra. Ana Beltrán y el equipo", "La Dra. Ana Beltrán o un miembro"),
        ("Dr. James Okafor", "Pido que el Dr. James Okafor y el equipo", "El Dr. James Okafor o un miembro"),
        ("Ana Beltrán", "Pido que Ana Beltrán y el equipo", "Ana Beltrán o un miembro"),
    ],
)
def test_spanish_puts_the_article_before_a_title(
    generate: Make, provider: str, request_line: str, explained: str
) -> None:
    _, consent = section_text(generate(language="es", provider=provider).path)
    assert request_line in consent
    assert explained in consent
    assert f"Profesional que realiza el procedimiento: {provider}" in consent  # a label's value: no article


def test_the_facility_address_is_in_the_packets_language(generate: Make) -> None:
    spanish, _ = section_text(generate(language="es").path)
    assert "Radiología Intervencionista, 2.º piso, 1200 River Road" in spanish
    english, _ = section_text(generate().path)
    assert "Interventional Radiology, 2nd floor, 1200 River Road" in english


def test_the_spanish_never_assumes_the_patients_gender(library: Library) -> None:
    from tests.helpers.contentdata import every_item

    spanish = library.translations["vertebroplasty"]["es"]
    texts = [item.text for item in every_item(spanish)] + [flag.label for flag in spanish.flags.values()]
    for text in texts:  # forms that agree with a man or a woman, said to the patient
        for word in ("es alérgic", "soy alérgic", "acostado", "acostada", "lo lleve", "la lleve", "listo"):
            assert word not in text, (word, text)
