"""Colonoscopy (issue 25), as the Digestive Health and Endoscopy Center wrote it: its packets in every
layout and language, read back from the PDF: the title, the department's address and phones, every risk
on the handout and initialled on the consent, the split-dose preparation at the patient's real dates and
times (and a step already past when the packet is made), what each flag adds (and its absence without
it), the polyp-removal statement with its own initials, the shared fragments, the figure's labels,
identifiers on every page; `list` shows it, `validate` passes it, the demo appointment makes its packet,
and for any start the endoscopy unit books the steps print in the order they are done.

The packets are made once for the module (a fixed clock, a fixed appointment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from packetgen.build import Generated, make_packet
from packetgen.cli import main
from packetgen.language.labels import LABELS
from packetgen.library import Library
from packetgen.timelines import moments_of
from packetgen.timing import Site, instant
from tests.helpers.pdftext import numbering, page_texts, section_text
from tests.helpers.site import BASE_APPOINTMENT, ROOT, TODAY, ZONE

LAYOUTS = ("letter", "a4", "large-print")
FLAGS = ["diabetes", "anticoagulant", "glp1", "sedation"]
RECORD: dict[str, Any] = {
    **BASE_APPOINTMENT,
    "first_name": "Grace",
    "last_name": "Okonkwo",
    "date_of_birth": "1958-04-02",
    "mrn": "00063310",
    "procedure": "45385",  # colonoscopy with polyp removal, by its CPT code
    "start": "2026-12-10T08:30",  # a Thursday, sixteen days after the fixed clock's today
    "provider": "Dr. Samuel Adeyemi, MD",
    "location": "Endoscopy Center, 3rd floor, Room 3",
}
LATE_START = "2026-11-27T08:30"
"""Three days after the fixed clock's today: the week-before step has passed when the packet is made."""


@dataclass(frozen=True)
class Words:
    """What one language's packet must say."""

    title: str
    consent_title: str
    address: str
    phone: str
    after_hours: str
    header: tuple[str, ...]
    """The identifiers every page carries."""
    risks: tuple[str, ...]
    """Every patient's risks as printed (with their frequency)."""
    flagged_risks: tuple[str, ...]
    """The risks printed only with a flag: sedation's, a blood thinner's, diabetes', a GLP-1 medicine's."""
    schedule: tuple[str, ...]
    """The preparation's steps for every patient as read back: the real date (and time), then what to do."""
    flagged_steps: tuple[str, ...]
    """The steps a flag adds: a blood thinner's, a GLP-1 medicine's, diabetes'."""
    checklist: tuple[str, ...]
    flag_texts: tuple[str, ...]
    """Text each flag adds: the handout's boxes, the checklist's driver, the consent's clauses and the
    shared consent to sedation."""
    conditions_heading: str
    polyps: str
    """The polyp-removal and biopsy statement, then its initials box."""
    liquids: tuple[str, ...]
    """The clear-liquid table: its header and a row."""
    rights: str
    """A line of the shared patient's rights."""
    figure: tuple[str, ...]
    """The figure's labels (drawn as text) and its caption."""
    passed: str
    """The late packet's week-before step, with the line saying its date has passed, and the next step."""
    passed_line: str


ENGLISH = Words(
    title="Colonoscopy Information for patients",
    consent_title="Consent for colonoscopy",
    address="Digestive Health and Endoscopy Center, 3rd floor, 1200 River Road, Springfield, IL 62701",
    phone="Questions: Riverside General Hospital, (217) 555-0160",
    after_hours="At night or on weekends, call (217) 555-0100 and ask for the doctor on call for the digestive "
    "health team.",
    header=("Patient: Okonkwo, Grace", "Date of birth: Apr 2, 1958", "MRN: 00063310"),
    risks=(
        "Problems from the bowel prep, such as nausea, throwing up, bloating, or losing too much fluid (common)",
        "Cramps, bloating, or gas pain after the test (common)",
        "Bleeding where a polyp was removed or a biopsy was taken, sometimes up to 2 weeks after the test "
        "(uncommon, about 1 in 100 people who have a polyp removed)",
        "A tear or hole in the wall of the colon, which may need surgery to fix (rare, about 1 in 1,000)",
        "A polyp or cancer that the test does not find, such as one hidden behind a fold of the colon",
        "Infection (very rare)",
        "Death (very rare)",
    ),
    flagged_risks=(
        "A reaction to the sedation, such as trouble breathing, low blood pressure, or an allergy (uncommon)",
        "More bleeding because you take a blood thinner, or a blood clot or stroke if you stop it for the test",
        "Blood sugar that is too low or too high while you prepare",
        "Food left in your stomach that could get into your lungs during sedation; if this may happen, the test "
        "may be moved to another day",
    ),
    schedule=(
        "Follow these steps. Each one shows the day and time to do it. Thursday, December 3",
        "Thursday, December 3 Stop taking iron pills and fiber supplements (such as psyllium).",
        "Monday, December 7 Start a low-fiber diet (see below).",
        "Wednesday, December 9 Have only clear liquids all day. Do not eat any solid food.",
        "Wednesday, December 9, at 6:00 PM Drink the first half of your bowel prep",
        "Thursday, December 10, at 3:30 AM Drink the second half of your bowel prep. Finish it within 1 hour.",
        "Thursday, December 10, at 6:30 AM Stop drinking. Have nothing by mouth, not even water, gum, or mints.",
        "Thursday, December 10, at 7:30 AM Arrive for your colonoscopy.",
    ),
    flagged_steps=(
        "Thursday, December 3 By today, your care team should have told you if and when to stop your blood "
        "thinner. If not, call us.",
        "Thursday, December 3 Ask your care team if you should skip your next dose of your GLP-1 medicine.",
        "Wednesday, December 9 Check your blood sugar at least 4 times today.",
    ),
    checklist=(
        "☐ Have only clear liquids all day on Wednesday, December 9.",
        "☐ Arrive by Thursday, December 10, at 7:30 AM.",
    ),
    flag_texts=(
        "You have diabetes • You will eat less while you prepare",
        "You take a medicine that thins your blood (blood thinner) • Do not stop your blood thinner on your own.",
        "You take a GLP-1 medicine, such as semaglutide (Ozempic, Wegovy) or tirzepatide (Mounjaro, Zepbound)",
        "An adult must drive you home.",
        "☐ Bring an adult who will drive you home.",
        "I understand that taking a blood thinner can increase the risk of bleeding",
        "I understand that the prep and the fasting can make my blood sugar too low or too high.",
        "I told my care team that I take a GLP-1 medicine.",
        "Sedation • Most people also get medicine through an IV to help them relax and feel sleepy (sedation).",
        "I agree to receive sedation. I understand that sedation can cause breathing problems",
    ),
    conditions_heading="Because of your health conditions",
    polyps="Removing polyps and taking biopsies If the doctor finds polyps or tissue that does not look normal, "
    "I agree that they may remove the polyps and take small pieces of tissue (biopsies). These will be checked "
    "in a lab. The doctor may also mark the spot with a little ink, so it can be found again later. Initials",
    liquids=(
        "Clear liquids Clear liquids are liquids you can see through.",
        "Allowed Not allowed Water, plain or fizzy Milk, cream, or nondairy creamer",
        "Sports drinks and clear sodas, such as ginger ale Anything red or purple",
    ),
    rights="I may refuse this procedure, or withdraw my consent at any time before it starts",
    figure=(
        "Colon (large intestine) Rectum Anus Colonoscope Camera and light at the tip Polyp Appendix",
        "The colon (large intestine) seen from the front, with a colonoscope inside it.",
    ),
    passed="Friday, November 20 Stop taking iron pills and fiber supplements (such as psyllium). Make sure you have "
    "your bowel prep. This date has passed. Call Riverside General Hospital at (217) 555-0160 before you go on. "
    "Tuesday, November 24 Start a low-fiber diet",
    passed_line="This date has passed.",
)

SPANISH = Words(
    title="Colonoscopia Información para pacientes",
    consent_title="Consentimiento para colonoscopia",
    address="Centro de Salud Digestiva y Endoscopia, 3.er piso, 1200 River Road, Springfield, IL 62701",
    phone="Preguntas: Riverside General Hospital, (217) 555-0160",
    after_hours="De noche o los fines de semana, llame al (217) 555-0100 y pida hablar con el médico de guardia "
    "del equipo de salud digestiva.",
    header=("Paciente: Okonkwo, Grace", "Fecha de nacimiento: 2 abr 1958", "N.º de expediente: 00063310"),
    risks=(
        "Problemas por la preparación intestinal, como náuseas, vómitos, hinchazón o pérdida de demasiado "
        "líquido (frecuente)",
        "Cólicos, hinchazón o dolor por gases después del examen (frecuente)",
        "Sangrado donde se sacó un pólipo o se tomó una biopsia, a veces hasta 2 semanas después del examen "
        "(poco frecuente, alrededor de 1 de cada 100 personas a quienes se les saca un pólipo)",
        "Un desgarro o agujero en la pared del colon, que puede necesitar cirugía para repararlo (raro, alrededor "
        "de 1 de cada 1.000)",
        "Un pólipo o un cáncer que el examen no encuentra, por ejemplo uno escondido detrás de un pliegue del colon",
        "Infección (muy raro)",
        "Muerte (muy raro)",
    ),
    flagged_risks=(
        "Una reacción a la sedación, como dificultad para respirar, presión arterial baja o una alergia "
        "(poco frecuente)",
        "Más sangrado porque toma un anticoagulante, o un coágulo o un derrame cerebral si lo deja para el examen",
        "Azúcar en la sangre demasiado baja o demasiado alta mientras se prepara",
        "Comida en el estómago que podría pasar a los pulmones durante la sedación; si esto puede pasar, quizá "
        "se cambie el examen a otro día",
    ),
    schedule=(
        "Siga estos pasos. Cada uno dice el día y la hora en que debe hacerlo. jueves, 3 de diciembre",
        "jueves, 3 de diciembre Deje de tomar pastillas de hierro y suplementos de fibra (como psyllium).",
        "lunes, 7 de diciembre Empiece una dieta baja en fibra (vea abajo).",
        "miércoles, 9 de diciembre Tome solo líquidos claros todo el día. No coma nada sólido.",
        "miércoles, 9 de diciembre, a las 6:00 p. m. Tome la primera mitad de la preparación intestinal",
        "jueves, 10 de diciembre, a las 3:30 a. m. Tome la segunda mitad de la preparación intestinal.",
        "jueves, 10 de diciembre, a las 6:30 a. m. Deje de tomar líquidos.",
        "jueves, 10 de diciembre, a las 7:30 a. m. Llegue para su colonoscopia.",
    ),
    flagged_steps=(
        "jueves, 3 de diciembre Para hoy, su equipo de atención ya debe haberle dicho si debe dejar su "
        "anticoagulante y cuándo. Si no, llámenos.",
        "jueves, 3 de diciembre Pregunte a su equipo de atención si debe saltarse la próxima dosis de su "
        "medicamento GLP-1.",
        "miércoles, 9 de diciembre Mídase el azúcar en la sangre por lo menos 4 veces hoy.",
    ),
    checklist=(
        "☐ Tome solo líquidos claros todo el día del miércoles, 9 de diciembre.",
        "☐ Llegue a más tardar el jueves, 10 de diciembre, a las 7:30 a. m. ☐",  # the abbreviation ends it
    ),
    flag_texts=(
        "Usted tiene diabetes • Comerá menos mientras se prepara",
        "Usted toma un medicamento que hace la sangre más líquida (anticoagulante) • No deje de tomar su "
        "anticoagulante por su cuenta.",
        "Usted toma un medicamento GLP-1, como semaglutida (Ozempic, Wegovy) o tirzepatida (Mounjaro, Zepbound)",
        "Un adulto debe llevarle a casa en auto.",
        "☐ Venga con un adulto que pueda llevarle a casa en auto.",
        "Entiendo que tomar un anticoagulante puede aumentar el riesgo de sangrado",
        "Entiendo que la preparación y el ayuno pueden hacer que mi azúcar en la sangre baje o suba demasiado.",
        "Le dije a mi equipo de atención que tomo un medicamento GLP-1.",
        "Sedación • La mayoría de las personas también reciben por la IV un medicamento",
        "Acepto recibir sedación. Entiendo que la sedación puede causar problemas para respirar",
    ),
    conditions_heading="Debido a sus condiciones de salud",
    polyps="Sacar pólipos y tomar biopsias Si el médico encuentra pólipos o tejido que no se ve normal, acepto "
    "que saque los pólipos y tome trocitos de tejido (biopsias). Los analizarán en un laboratorio. El médico "
    "también puede marcar el lugar con un poco de tinta, para encontrarlo otra vez más adelante. Iniciales",
    liquids=(
        "Líquidos claros Los líquidos claros son los que dejan ver a través de ellos.",
        "Permitido No permitido Agua sola o con gas Leche, crema o sustituto de crema",
        "Bebidas deportivas y refrescos claros, como ginger ale Cualquier cosa roja o morada",
    ),
    rights="Puedo decir que no a este procedimiento.",
    figure=(
        "Colon (intestino grueso) Recto Ano Colonoscopio Cámara y luz en la punta Pólipo Apéndice",
        "El colon (intestino grueso) visto de frente, con un colonoscopio adentro.",
    ),
    passed="viernes, 20 de noviembre Deje de tomar pastillas de hierro y suplementos de fibra (como psyllium). "
    "Asegúrese de tener su preparación intestinal. Esta fecha ya pasó. Llame a Riverside General Hospital al "
    "(217) 555-0160 antes de seguir. martes, 24 de noviembre Empiece una dieta baja en fibra",
    passed_line="Esta fecha ya pasó.",
)

WORDS = {"en": ENGLISH, "es": SPANISH}
LANGUAGES = tuple(WORDS)


def _make(library: Library, out: Path, name: str, layout: str = "letter", **changes: Any) -> Generated:
    record = {**RECORD, "appointment_id": name, **changes}
    path = out / f"{name}.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return make_packet(path, out / "pdf", layout, library=library, today=TODAY)


@pytest.fixture(scope="module")
def packets(library: Library, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Generated]:
    """Every language in every layout with every flag; and in letter: no flags, and made late."""
    out = tmp_path_factory.mktemp("colonoscopy")
    made: dict[tuple[str, str], Generated] = {}
    for language in LANGUAGES:
        for layout in LAYOUTS:
            made[language, layout] = _make(
                library, out, f"CO-{language}-{layout}", layout, language=language, flags=FLAGS
            )
        made[language, "no-flags"] = _make(library, out, f"CO-{language}-none", language=language)
        made[language, "late"] = _make(library, out, f"CO-{language}-late", language=language, start=LATE_START)
    return made


EVERY_LAYOUT = [(language, layout) for language in LANGUAGES for layout in LAYOUTS]


@cache
def _texts(path: Path) -> tuple[str, str]:
    """(handout, consent) of a packet, read once for the module's tests."""
    return section_text(path)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_packet_prints_its_title_and_its_departments_address_and_phones(
    packets: dict[tuple[str, str], Generated], language: str, layout: str
) -> None:
    made, words = packets[language, layout], WORDS[language]
    assert (made.content_id, made.language, made.layout, made.department, made.warnings) == (
        "colonoscopy",
        language,
        layout,
        "gastroenterology",
        (),
    )
    handout, consent = _texts(made.path)
    for text in (words.title, words.address, words.phone, words.after_hours):
        assert text in handout, text
    for text in (words.consent_title, words.address):
        assert text in consent, text


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_risk_is_on_the_handout_and_initialled_on_the_consent(
    packets: dict[tuple[str, str], Generated], language: str, layout: str
) -> None:
    handout, consent = _texts(packets[language, layout].path)
    risks = (*WORDS[language].risks, *WORDS[language].flagged_risks)  # every flag set
    for risk in risks:
        assert handout.count(risk) == 1, risk
        assert consent.count(risk) == 1, risk
    # In the content's order on both (a conditional risk in its place among the others).
    for text in (handout, consent):
        at = [text.index(risk) for risk in (*risks[:5], *risks[7:], *risks[5:7])]
        assert at == sorted(at)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_page_identifies_the_patient_and_counts_its_document_pages(
    packets: dict[tuple[str, str], Generated], language: str, layout: str
) -> None:
    path = packets[language, layout].path
    texts = page_texts(path)
    for text, (number, count) in zip(texts, numbering(path), strict=True):
        for identifier in WORDS[language].header:
            assert identifier in text, (identifier, text[:200])
        assert f"Page {number} of {count}" in text or f"Página {number} de {count}" in text


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_preparation_and_the_checklist_print_the_patients_real_dates_and_times(
    packets: dict[tuple[str, str], Generated], language: str, layout: str
) -> None:
    handout, _ = _texts(packets[language, layout].path)
    words = WORDS[language]
    for line in (*words.schedule, *words.flagged_steps, *words.checklist):
        assert line in handout, line
    # In the content's order, which is the order they are done: a week before, down to the arrival.
    at = [handout.index(row) for row in words.schedule]
    assert at == sorted(at)
    for line in (*words.liquids, *words.figure):
        assert line in handout, line


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_flag_adds_its_text_steps_and_risks_only_for_a_patient_with_it(
    packets: dict[tuple[str, str], Generated], language: str
) -> None:
    words = WORDS[language]
    flagged = " ".join(_texts(packets[language, "letter"].path))
    plain_handout, plain_consent = _texts(packets[language, "no-flags"].path)
    plain = f"{plain_handout} {plain_consent}"
    for text in (*words.flag_texts, *words.flagged_steps, words.conditions_heading):
        assert text in flagged, text
        assert text not in plain, text
    for risk in words.flagged_risks:
        assert flagged.count(risk) == 2, risk  # on the handout and on the consent
        assert risk not in plain, risk
    for text in (*words.risks, *words.schedule, words.rights):
        assert text in plain_handout + plain_consent, text
    for risk in words.risks:
        assert risk in plain_consent, risk


@pytest.mark.parametrize("language", LANGUAGES)
def test_polyp_removal_has_its_own_initials_and_the_fragments_are_shared(
    packets: dict[tuple[str, str], Generated], library: Library, language: str
) -> None:
    words = WORDS[language]
    for case in ("letter", "no-flags"):
        _, consent = _texts(packets[language, case].path)
        assert words.polyps in consent
        assert words.rights in consent
    content = library.contents["colonoscopy"]
    if language != "en":
        content = library.translations["colonoscopy"][language]
    included = {(fragment.id, fragment.version, fragment.language) for fragment in content.fragments}
    names = ("sedation-consent", "patient-rights", "consent-attestations")
    assert included == {(name, "1.0.0", language) for name in names}
    # The manifest's `fragments` and the PDF's metadata name each one with its version.
    made = packets[language, "letter"]
    assert made.fragments == tuple((name, "1.0.0") for name in names)
    metadata = PdfReader(made.path).trailer["/Root"]["/Metadata"].get_data().decode()
    assert all(f"<rdf:li>{name} 1.0.0</rdf:li>" in metadata for name in names)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_step_already_past_says_so_with_the_departments_phone_and_warns(
    packets: dict[tuple[str, str], Generated], language: str
) -> None:
    made = packets[language, "late"]
    handout, _ = _texts(made.path)
    words = WORDS[language]
    assert words.passed in handout
    assert handout.count(words.passed_line) == 1  # only the week-before step: no flag adds another
    steps = [warning for warning in made.warnings if "timeline step" in warning]
    assert len(steps) == 1
    assert "colonoscopy timeline step step-iron (week_before) has passed when the packet is made" in steps[0]
    assert "Okonkwo" not in " ".join(made.warnings)  # no patient data in a warning


def test_list_shows_the_procedure_with_its_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"], {}) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  colonoscopy ")]
    assert "Colonoscopy | version 1.0.0" in line
    assert f"languages: {', '.join(LANGUAGES)}" in line
    assert line.endswith("CPT 45378, CPT 45380, CPT 45385, SNOMED CT 73761001")


def test_validate_passes_the_content_and_every_part_reads_at_grade_8(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # validate reports a file by the path it was given, relative to the project
    for file in ("packets/colonoscopy.yaml", "packets/colonoscopy.es.yaml"):
        assert main(["validate", file], {}) == 0, file
        captured = capsys.readouterr()
        assert f"{file}: colonoscopy 1.0.0" in captured.out
        assert "target 8" in captured.out
        assert "ABOVE TARGET" not in captured.out
        assert captured.err == ""


@pytest.mark.parametrize("name", ["colonoscopy", "Screening colonoscopy", "45378", "73761001", "COLONOSCOPIA"])
def test_a_scheduler_may_name_it_by_id_code_alias_or_title(library: Library, name: str) -> None:
    assert library.find_procedure(name).id == "colonoscopy"


def test_the_demo_appointment_makes_its_packet(library: Library, tmp_path: Path) -> None:
    made = make_packet(ROOT / "examples" / "appointments" / "holloway.yaml", tmp_path, library=library, today=TODAY)
    assert (made.appointment_id, made.content_id, made.department, made.warnings) == (
        "DEMO-0006",
        "colonoscopy",
        "gastroenterology",
        (),
    )
    handout, _ = section_text(made.path)
    assert "Wednesday, January 13, at 6:00 PM Drink the first half of your bowel prep" in handout
    assert "Take half of your usual long-acting insulin dose" in handout  # the patient's own instruction


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    minutes=st.integers(min_value=6 * 60, max_value=17 * 60).map(lambda m: m - m % 15),
)
def test_the_steps_are_in_the_order_they_are_done_for_any_start(library: Library, day: date, minutes: int) -> None:
    """Any start the endoscopy unit books (6:00 AM to 5:00 PM, any day, the days the clocks change too):
    each step is no earlier than the one before it, the first half of the prep is at 6:00 PM the day
    before, the second half 5 real hours before the start and nothing by mouth 2 real hours before."""
    content = library.contents["colonoscopy"]
    start = datetime.combine(day, time(minutes // 60, minutes % 60))
    site = Site(ZONE, day - timedelta(days=30))
    moments = moments_of(content, start, site, LABELS["en"], "en", ("Riverside General Hospital", "(217) 555-0160"))
    (timeline,) = [
        block
        for section in content.handout.sections
        for block in section.blocks
        if getattr(block, "type", None) == "timeline"
    ]
    steps = [moments.by_name[step.time] for step in timeline.steps]  # type: ignore[attr-defined]
    days = [step.at.date() for step in steps]
    assert days == sorted(days)
    timed = [instant(step.at, ZONE) for step in steps if step.at.date() == day]
    assert timed == sorted(timed)
    assert not any(step.passed for step in steps)
    by_name = moments.by_name
    assert by_name["prep_evening"].at == datetime.combine(day - timedelta(days=1), time(18, 0))
    real_start = instant(start, ZONE)
    assert real_start - instant(by_name["second_half"].at, ZONE) == timedelta(hours=5)
    assert real_start - instant(by_name["nothing_by_mouth"].at, ZONE) == timedelta(hours=2)
    assert instant(by_name["prep_evening"].at, ZONE) < instant(by_name["second_half"].at, ZONE)
