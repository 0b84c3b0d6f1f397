"""Colonoscopy (issue 25), as the Digestive Health and Endoscopy Center wrote it: its packets in every
layout and language, read back from the PDF: the title, the department's address and phones, every risk
on the handout and initialled on the consent, the split-dose preparation at the patient's real dates and
times (and a step already past when the packet is made), what each flag adds (and its absence without
it), the polyp-removal statement with its own initials, the shared fragments, the figure's labels,
identifiers on every page; a scheduler's names find it, the demo appointment makes its packet, and for
any start the endoscopy unit books the steps print in the order they are done. (`list` and `validate`:
test_procedures_content.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packetgen.language.labels import LABELS
from packetgen.library import Library
from packetgen.timelines import moments_of
from packetgen.timing import Site, instant
from tests.helpers.figures import unkeyed
from tests.helpers.procedure_packets import (
    EVERY_LAYOUT,
    LANGUAGES,
    Packets,
    PacketWords,
    assert_each_once_in_order,
    assert_every_page_identifies,
    assert_in_order,
    assert_one_step_passed,
    assert_only_with_flags,
    assert_packet_of,
    assert_prints,
    assert_shares_fragments,
    demo_handout,
    make_packets,
)
from tests.helpers.site import BASE_APPOINTMENT, ZONE

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


@dataclass(frozen=True, kw_only=True)
class Words(PacketWords):
    """What one language's packet must say besides what every procedure's must."""

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


ENGLISH = Words(
    address="Digestive Health and Endoscopy Center, 3rd floor, 1200 River Road, Springfield, IL 62701",
    handout=(
        "Colonoscopy Information for patients",
        "Questions: Riverside General Hospital, (217) 555-0160",
        "At night or on weekends, call (217) 555-0100 and ask for the doctor on call for the digestive health team.",
    ),
    consent=("Consent for colonoscopy",),
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
    conditions_heading="Because of my health conditions",
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
)

SPANISH = Words(
    address="Centro de Salud Digestiva y Endoscopia, 3.er piso, 1200 River Road, Springfield, IL 62701",
    handout=(
        "Colonoscopia Información para pacientes",
        "Preguntas: Riverside General Hospital, (217) 555-0160",
        "De noche o los fines de semana, llame al (217) 555-0100 y pida hablar con el médico de guardia "
        "del equipo de salud digestiva.",
    ),
    consent=("Consentimiento para colonoscopia",),
    header=("Paciente: Okonkwo, Grace", "Fecha de nacimiento: 2 abr 1958", "N.º de expediente: 00063310"),
    risks=(
        "Problemas por la preparación intestinal, como náuseas, vómitos, hinchazón o pérdida de demasiado "
        "líquido (ocurre con frecuencia)",
        "Cólicos, hinchazón o dolor por gases después del examen (ocurre con frecuencia)",
        "Sangrado donde se sacó un pólipo o se tomó una biopsia, a veces hasta 2 semanas después del examen "
        "(ocurre con poca frecuencia, alrededor de 1 de cada 100 personas a quienes se les saca un pólipo)",
        "Un desgarro o agujero en la pared del colon, que puede necesitar cirugía para repararlo (ocurre rara "
        "vez, alrededor de 1 de cada 1.000)",
        "Un pólipo o un cáncer que el examen no encuentra, por ejemplo uno escondido detrás de un pliegue del colon",
        "Infección (ocurre muy rara vez)",
        "Muerte (ocurre muy rara vez)",
    ),
    flagged_risks=(
        "Una reacción a la sedación, como dificultad para respirar, presión arterial baja o una alergia "
        "(ocurre con poca frecuencia)",
        "Más sangrado porque toma un anticoagulante, o un coágulo o un derrame cerebral si deja de tomarlo para "
        "el examen",
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
        "jueves, 3 de diciembre A más tardar hoy, su equipo de atención ya debe haberle dicho si debe dejar de "
        "tomar su anticoagulante y cuándo. Si no, llámenos.",
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
        "Usted toma un anticoagulante (un medicamento que ayuda a evitar los coágulos de sangre) • No deje de "
        "tomar su anticoagulante por su cuenta.",
        "Usted toma un medicamento GLP-1, como semaglutida (Ozempic, Wegovy) o tirzepatida (Mounjaro, Zepbound)",
        "Una persona adulta debe llevarle a casa en auto.",
        "☐ Venga con una persona adulta que pueda llevarle a casa en auto.",
        "Entiendo que tomar un anticoagulante puede aumentar el riesgo de sangrado",
        "Entiendo que la preparación y el ayuno pueden hacer que mi azúcar en la sangre baje o suba demasiado.",
        "Le dije a mi equipo de atención que tomo un medicamento GLP-1.",
        "Sedación • La mayoría de las personas también reciben un medicamento por una vía intravenosa (IV)",
        "Acepto recibir sedación. Entiendo que la sedación puede causar problemas para respirar",
    ),
    conditions_heading="Debido a mi estado de salud",
    polyps="Sacar pólipos y tomar biopsias Si el médico encuentra pólipos o tejido que no se ve normal, acepto "
    "que saque los pólipos y tome trocitos de tejido (biopsias). Los analizarán en un laboratorio. El médico "
    "también puede marcar el lugar con un poco de tinta, para encontrarlo otra vez más adelante. Iniciales",
    liquids=(
        "Líquidos claros Los líquidos claros son transparentes: se puede ver a través de ellos.",
        "Permitido No permitido Agua sola o con gas Leche, crema o sustituto de crema",
        "Bebidas deportivas y refrescos transparentes, como ginger ale Cualquier cosa roja o morada",
    ),
    rights="Puedo decir que no a este procedimiento.",
    figure=(
        "Colon (intestino grueso) Recto Ano Colonoscopio Cámara y luz en la punta Pólipo Apéndice",
        "El colon (intestino grueso) visto de frente, con un colonoscopio adentro.",
    ),
    passed="viernes, 20 de noviembre Deje de tomar pastillas de hierro y suplementos de fibra (como psyllium). "
    "Asegúrese de tener su preparación intestinal. Esta fecha ya pasó. Llame a Riverside General Hospital al "
    "(217) 555-0160 antes de seguir. martes, 24 de noviembre Empiece una dieta baja en fibra",
)

WORDS = {"en": ENGLISH, "es": SPANISH}
FRAGMENTS = ("sedation-consent", "patient-rights", "consent-attestations")


@pytest.fixture(scope="module")
def packets(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Packets:
    """Made once for the module, at the fixed clock: every language in every layout with every flag; and in
    letter: no flags, and made late."""
    cases: dict[str, dict[str, Any]] = {"no-flags": {}, "late": {"start": LATE_START}}
    return make_packets(library, tmp_path_factory.mktemp("colonoscopy"), RECORD, FLAGS, cases)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_packet_prints_its_title_and_its_departments_address_and_phones(
    packets: Packets, language: str, layout: str
) -> None:
    assert_packet_of(packets, (language, layout), "colonoscopy", "gastroenterology", WORDS[language])


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_risk_is_on_the_handout_and_initialled_on_the_consent(
    packets: Packets, language: str, layout: str
) -> None:
    words = WORDS[language]
    # Every flag set; in the content's order, each conditional risk in its place among the others.
    risks = (*words.risks[:5], *words.flagged_risks, *words.risks[5:])
    for text in packets.texts(language, layout):
        assert_each_once_in_order(text, risks)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_page_identifies_the_patient_and_counts_its_document_pages(
    packets: Packets, language: str, layout: str
) -> None:
    assert_every_page_identifies(packets[language, layout].path, language, WORDS[language].header)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_preparation_and_the_checklist_print_the_patients_real_dates_and_times(
    packets: Packets, language: str, layout: str
) -> None:
    handout, _ = packets.texts(language, layout)
    words = WORDS[language]
    # In the content's order, which is the order they are done: a week before, down to the arrival.
    assert_in_order(handout, words.schedule)
    assert_prints(handout, (*words.flagged_steps, *words.checklist, *words.liquids))
    assert_prints(unkeyed(handout), words.figure)  # large print: the labels in the figure's key


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_flag_adds_its_text_steps_and_risks_only_for_a_patient_with_it(packets: Packets, language: str) -> None:
    words = WORDS[language]
    flagged, plain = packets.text(language, "letter"), packets.text(language, "no-flags")
    assert_only_with_flags(flagged, plain, (*words.flag_texts, *words.flagged_steps, words.conditions_heading))
    assert_only_with_flags(flagged, plain, words.flagged_risks, times=2)  # on the handout and on the consent
    plain_handout, plain_consent = packets.texts(language, "no-flags")
    assert_prints(plain_handout, (*words.risks, *words.schedule))
    assert_prints(plain_consent, (*words.risks, words.rights))


@pytest.mark.parametrize("language", LANGUAGES)
def test_polyp_removal_has_its_own_initials_and_the_fragments_are_shared(
    packets: Packets, library: Library, language: str
) -> None:
    words = WORDS[language]
    for case in ("letter", "no-flags"):
        _, consent = packets.texts(language, case)
        assert_prints(consent, (words.polyps, words.rights))
    assert_shares_fragments(library, packets[language, "letter"], FRAGMENTS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_step_already_past_says_so_with_the_departments_phone_and_warns(packets: Packets, language: str) -> None:
    # Only the week-before step: no flag adds another.
    assert_one_step_passed(
        packets, language, WORDS[language].passed, "colonoscopy timeline step step-iron (week_before)"
    )


@pytest.mark.parametrize("name", ["colonoscopy", "Screening colonoscopy", "45378", "73761001", "COLONOSCOPIA"])
def test_a_scheduler_may_name_it_by_id_code_alias_or_title(library: Library, name: str) -> None:
    assert library.find_procedure(name).id == "colonoscopy"


def test_the_demo_appointment_makes_its_packet(library: Library, tmp_path: Path) -> None:
    handout = demo_handout(library, tmp_path, "holloway.yaml", ("DEMO-0006", "colonoscopy", "gastroenterology"))
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
