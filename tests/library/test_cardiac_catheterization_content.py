"""Cardiac catheterization (issue 25), as the Heart and Vascular Center wrote it: its packets in every
layout, read back from the PDF: the title, the cardiology department's address and phones, every risk on
the handout and initialled on the consent, the preparation timeline and the medicine table at the
patient's real dates (metformin started again 48 hours after the test), the medicine table's rows only for
the flags the record carries, what each flag adds (and its absence without it), the access choice and the
stent statement with its own initials, the shared fragments, the figure's labels, a step already past,
identifiers on every page; a scheduler's names find it, the demo appointment makes its packet, and for any
start the lab books the dates are counted right. (`list`, with the cardiology department, and `validate`:
test_procedures_content.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packetgen.library import Library
from packetgen.timing import instant, moment
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
    assert_prints_none,
    assert_shares_fragments,
    demo_handout,
    make_packets,
)
from tests.helpers.site import BASE_APPOINTMENT, ZONE

FLAGS = ["metformin", "diabetes", "warfarin", "doac", "contrast_allergy", "sedation"]
RECORD: dict[str, Any] = {
    **BASE_APPOINTMENT,
    "first_name": "Walter",
    "last_name": "Brennan",
    "date_of_birth": "1951-07-19",
    "mrn": "00072245",
    "procedure": "93458",  # left heart catheterization, by its CPT code
    "start": "2026-12-10T09:00",  # a Thursday, sixteen days after the fixed clock's today
    "provider": "Dr. Priya Raman, MD",
    "location": "Heart and Vascular Center, 3rd floor",
}
LATE_START = "2026-11-27T09:00"
"""Three days after the fixed clock's today: the week-before step has passed when the packet is made."""


@dataclass(frozen=True, kw_only=True)
class Words(PacketWords):
    """What one language's packet must say besides what every procedure's must; its `handout` has the
    arrival too, its `consent` the procedure's line, and its `risks` are in the content's order."""

    thinner_risk: str
    """The risk a blood thinner adds (warfarin or a direct oral anticoagulant): printed second."""
    risk_table: tuple[str, str, str]
    """Where the consent's risks start and end, and how the table starts."""
    schedule: tuple[str, ...]
    """The timeline for every patient as read back: its lead, then each step's real date (or time) and text."""
    checklist: tuple[str, ...]
    table_head: str
    rows: dict[str, str]
    """Each row of the medicine table, after the flag that prints it."""
    flag_texts: tuple[str, ...]
    """Text the flags add: the handout's boxes, the consent's clauses, the shared consent to sedation."""
    everyone: tuple[str, ...]
    """Text every patient gets where flagged text may stand: the medicines' warning, the consent's
    section on numbing medicine without sedation."""
    access: str
    stent: str
    after_care: tuple[str, ...]
    rights: str
    figure: str
    """The figure's labels (drawn as text) and its caption."""
    passed: str
    """The late packet's week-before step, the line saying its date has passed, and the next step."""


ENGLISH = Words(
    header=("Patient: Brennan, Walter", "Date of birth: Jul 19, 1951", "MRN: 00072245"),
    address="Heart and Vascular Center, North Pavilion, 3rd floor, 1250 River Road, Springfield, IL 62701",
    handout=(
        "Cardiac catheterization Information for patients",
        "Questions: Riverside General Hospital, (217) 555-0188",
        "At night or on weekends, call (217) 555-0100 and ask for the heart doctor on call.",
        "Please arrive by 7:00 AM.",
    ),
    consent=(
        "Consent for cardiac catheterization",
        "Procedure: Cardiac catheterization, Thursday, December 10, 2026, 9:00 AM",
    ),
    risks=(
        "Bleeding or bruising where the tube went in (common)",
        "Damage to the artery where the tube went in, such as a blocked wrist artery or a bulge in the groin "
        "artery. Most do not cause problems. A few need treatment. (uncommon)",
        "Kidney injury from the contrast dye, most often in people who already have kidney disease or diabetes "
        "(uncommon)",
        "An allergic reaction to the contrast dye, from a mild rash to a serious reaction (uncommon)",
        "An irregular heartbeat. It most often stops on its own, but may need medicine or a shock to treat it. "
        "(uncommon)",
        "Infection where the tube went in (rare)",
        "If a stent is placed: a blood clot in the stent, or the artery narrowing again later (uncommon)",
        "A tear in a heart artery or the heart that needs emergency heart surgery (very rare)",
        "Stroke, heart attack, or death (rare, about 1 in 1,000 or less)",
        "A reaction to the numbing medicine or the sedation, such as an allergy, trouble breathing, or low "
        "blood pressure",  # shared
        "Exposure to X-rays (radiation). The dose is small. Rarely, a long test can redden the skin.",
    ),
    thinner_risk="More bleeding, because you take a blood thinner",
    risk_table=(
        "Initial each one",
        "Other risks for this patient",
        "Initial each one to show it was explained to you. Risks and complications Initials",
    ),
    schedule=(
        "Getting ready Follow these steps:",
        "Thursday, December 3 Plan for an adult to drive you home and stay with you the first night.",
        "Wednesday, December 9 Do not eat after midnight tonight. You may take your pills with small sips of water.",
        "Thursday, December 10 Take your usual morning medicines with sips of water, except the ones your care "
        "team told you to skip.",
        "7:00 AM Arrive and check in at Heart and Vascular Center, 3rd floor. This is 2 hours before the test.",
    ),
    checklist=(
        "☐ Nothing to eat after 11:59 PM on Wednesday, December 9.",
        "☐ Arrive by Thursday, December 10, at 7:00 AM. This is 2 hours before the test.",
    ),
    table_head="You told us you take these medicines. Here is what to do with them: Medicine What to do",
    rows={
        "metformin": "Metformin (Glucophage, Glumetza, and pills that contain it, like Janumet) Do not take it on "
        "the morning of Thursday, December 10. Start it again on Saturday, December 12, 48 hours after the test, "
        "unless your care team tells you to wait longer.",
        "warfarin": "Warfarin (Coumadin, Jantoven) Take it as your care team directs. They will tell you if and "
        "when to stop it, and when to start it again.",
        "doac": "Apixaban (Eliquis), rivaroxaban (Xarelto), dabigatran (Pradaxa), or edoxaban (Savaysa) Take it "
        "as your care team directs. Do not stop it unless they tell you to.",
        "diabetes": "Insulin The evening before and the morning of the test, take the dose your care team tells you.",
    },
    flag_texts=(
        "You told us you are allergic to contrast dye (X-ray dye) • You may need medicine before the test",
        "You have diabetes and take insulin • Check your blood sugar on the morning of the test.",
        "You will be given medicine to help you relax and feel sleepy (sedation) • For 24 hours after the test",
        "Because of my health conditions",
        "I told my care team that I am allergic to contrast dye.",
        "I understand that taking a blood thinner can increase the risk of bleeding from this procedure.",
        "I understand that I should not take metformin for 48 hours after the contrast dye",
        "I understand that diabetes can raise the risk of kidney injury from the contrast dye.",
        # The shared consent to sedation, included only with the flag.
        "Most people also get medicine through an IV to help them relax and feel sleepy (sedation).",
        "I agree to receive sedation. I understand that sedation can cause breathing problems",
    ),
    everyone=(
        "Do not stop a blood thinner on your own.",
        "Numbing medicine and sedation A medicine will numb the skin where the tube goes in (local anesthetic).",
    ),
    access="The procedure The tube will be put into an artery in: Check one. ☐ My wrist (radial artery) ☐ My "
    "groin (femoral artery) ☐ My wrist or my groin: the doctor will choose during the procedure",
    stent="If a narrowed artery is found, the doctor may open it with a balloon and stent during the same "
    "procedure. I agree to this. I understand that a stent adds its own risks, listed below, and that I will "
    "need to take blood-thinning medicine afterward. Initials",
    after_care=("If the tube went in at your wrist • A tight band on your wrist", "If the tube went in at your groin"),
    rights="I may refuse this procedure, or withdraw my consent at any time before it starts",
    figure="Heart Heart arteries (coronary arteries) Aorta Thin tube (catheter) Wrist artery (radial artery) Groin "
    "artery (femoral artery) The thin tube (dashed line) can go in at the wrist or the groin.",
    passed="Friday, November 20 Plan for an adult to drive you home and stay with you the first night. Pack a "
    "small bag in case you need to stay in the hospital. This date has passed. Call Riverside General Hospital "
    "at (217) 555-0188 before you go on. Thursday, November 26 Do not eat after midnight tonight.",
)

SPANISH = Words(
    header=("Paciente: Brennan, Walter", "Fecha de nacimiento: 19 jul 1951", "N.º de expediente: 00072245"),
    address="Centro del Corazón y Vascular, Pabellón Norte, 3.er piso, 1250 River Road, Springfield, IL 62701",
    handout=(
        "Cateterismo cardíaco Información para pacientes",
        "Preguntas: Riverside General Hospital, (217) 555-0188",
        "De noche o los fines de semana, llame al (217) 555-0100 y pida hablar con el cardiólogo de guardia.",
        "llegue a más tardar a las 7:00 a. m.",
    ),
    consent=(
        "Consentimiento para cateterismo cardíaco",
        "Procedimiento: Cateterismo cardíaco, jueves, 10 de diciembre de 2026, 9:00 a. m.",
    ),
    risks=(
        "Sangrado o moretón donde entró el tubo (ocurre con frecuencia)",
        "Daño a la arteria por donde entró el tubo, como una arteria de la muñeca tapada o un bulto en la arteria "
        "de la ingle. La mayoría no causa problemas. Unos pocos necesitan tratamiento. (ocurre con poca frecuencia)",
        "Daño a los riñones por el tinte de contraste, sobre todo en personas que ya tienen una enfermedad de los "
        "riñones o diabetes (ocurre con poca frecuencia)",
        "Una reacción alérgica al tinte de contraste, desde un sarpullido leve hasta una reacción grave "
        "(ocurre con poca frecuencia)",
        "Latidos irregulares del corazón. Casi siempre se quitan solos, pero pueden necesitar un medicamento o una "
        "descarga eléctrica. (ocurre con poca frecuencia)",
        "Infección donde entró el tubo (ocurre rara vez)",
        "Si le ponen un stent: un coágulo en el stent, o que la arteria se vuelva a estrechar más adelante "
        "(ocurre con poca frecuencia)",
        "Un desgarro en una arteria del corazón o en el corazón que necesite una cirugía de emergencia del corazón "
        "(ocurre muy rara vez)",
        "Derrame cerebral, ataque al corazón o muerte (ocurre rara vez, alrededor de 1 de cada 1.000 o menos)",
        "Una reacción al medicamento para adormecer o a la sedación, como una alergia, dificultad para respirar o "
        "presión arterial baja",
        "Exposición a rayos X (radiación). La dosis es pequeña. En raros casos, un examen largo puede enrojecer "
        "la piel.",
    ),
    thinner_risk="Más sangrado, porque toma un anticoagulante",
    risk_table=(
        "Escriba sus iniciales junto a cada uno",
        "Otros riesgos en su caso",
        "Escriba sus iniciales junto a cada uno para mostrar que se lo explicaron. Riesgos y complicaciones Iniciales",
    ),
    schedule=(
        "Cómo prepararse Siga estos pasos:",
        "jueves, 3 de diciembre Busque a una persona adulta que le lleve a casa en auto y se quede con usted la "
        "primera noche.",
        "miércoles, 9 de diciembre No coma nada después de la medianoche de hoy. Puede tomar sus pastillas con "
        "sorbos pequeños de agua.",
        "jueves, 10 de diciembre Tome con sorbos de agua los medicamentos que toma siempre en la mañana, menos los "
        "que su equipo de atención le dijo que no tomara.",
        "7:00 a. m. Llegue y regístrese en Heart and Vascular Center, 3rd floor. Es decir, 2 horas antes del examen.",
    ),
    checklist=(
        "☐ No coma nada después de las 11:59 p. m. del miércoles, 9 de diciembre.",
        "☐ Llegue a más tardar el jueves, 10 de diciembre, a las 7:00 a. m. Es decir, 2 horas antes del examen.",
    ),
    table_head="Usted nos dijo que toma estos medicamentos. Esto es lo que debe hacer: Medicamento Qué hacer",
    rows={
        "metformin": "Metformina (Glucophage, Glumetza y las pastillas que la tienen, como Janumet) No la tome la "
        "mañana del jueves, 10 de diciembre. Vuelva a tomarla el sábado, 12 de diciembre, 48 horas después del "
        "examen, a menos que su equipo de atención le diga que espere más.",
        "warfarin": "Warfarina (Coumadin, Jantoven) Tómela como le indique su equipo de atención. Ellos le dirán "
        "si debe dejarla, cuándo, y cuándo volver a tomarla.",
        "doac": "Apixabán (Eliquis), rivaroxabán (Xarelto), dabigatrán (Pradaxa) o edoxabán (Savaysa) Tómelo "
        "como le indique su equipo de atención. No lo deje a menos que ellos se lo digan.",
        "diabetes": "Insulina La noche antes y la mañana del examen, use la dosis que le diga su equipo de atención.",
    },
    flag_texts=(
        "Usted nos dijo que tiene alergia al tinte de contraste (tinte para rayos X) • Es posible que necesite",
        "Usted tiene diabetes y usa insulina • Mídase el azúcar en la sangre la mañana del examen.",
        "Le darán un medicamento para ayudarle a relajarse y sentir sueño (sedación) • Durante 24 horas",
        "Debido a mi estado de salud",
        "Le dije a mi equipo de atención que tengo alergia al tinte de contraste.",
        "Entiendo que tomar un anticoagulante puede aumentar el riesgo de sangrado por este procedimiento.",
        "Entiendo que no debo tomar metformina durante 48 horas después del tinte de contraste",
        "Entiendo que la diabetes puede aumentar el riesgo de daño a los riñones por el tinte de contraste.",
        "La mayoría de las personas también reciben un medicamento por una vía intravenosa (IV) para relajarse",
        "Acepto recibir sedación. Entiendo que la sedación puede causar problemas para respirar",
    ),
    everyone=(
        "No deje de tomar un anticoagulante por su cuenta.",
        "Medicamento para adormecer y sedación Un medicamento adormecerá la piel por donde entra el tubo (anestesia "
        "local).",
    ),
    access="El procedimiento El tubo se pondrá en una arteria de: Marque una opción. ☐ Mi muñeca (arteria "
    "radial) ☐ Mi ingle (arteria femoral) ☐ Mi muñeca o mi ingle: el médico decidirá durante el procedimiento",
    stent="Si se encuentra una arteria estrecha, el médico puede abrirla con un globo y un stent en el mismo "
    "procedimiento. Acepto esto. Entiendo que un stent tiene sus propios riesgos, que están en la lista de abajo, "
    "y que después tendré que tomar un medicamento para evitar coágulos. Iniciales",
    after_care=("Si el tubo entró por la muñeca • Una banda apretada en la muñeca", "Si el tubo entró por la ingle"),
    rights="Puedo decir que no a este procedimiento.",
    figure="Corazón Arterias del corazón (arterias coronarias) Aorta Tubo delgado (catéter) Muñeca (arteria "
    "radial) Ingle (arteria femoral) El tubo delgado (línea de puntos) puede entrar por la muñeca o por la ingle.",
    passed="viernes, 20 de noviembre Busque a una persona adulta que le lleve a casa en auto y se quede con usted la "
    "primera noche. Prepare una bolsa pequeña por si tiene que quedarse en el hospital. Esta fecha ya pasó. Llame "
    "a Riverside General Hospital al (217) 555-0188 antes de seguir. jueves, 26 de noviembre No coma nada",
)

WORDS = {"en": ENGLISH, "es": SPANISH}
FRAGMENTS = ("sedation-consent", "patient-rights", "sedation-risks", "consent-attestations")
RADIOLOGY = ("Interventional Radiology", "Radiología Intervencionista", "(217) 555-0142")
"""What the radiology department prints, and a cardiology packet must not."""


@pytest.fixture(scope="module")
def packets(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Packets:
    """Made once for the module, at the fixed clock: each language in every layout with every flag; and in
    letter: no flags, warfarin alone, and made late."""
    cases: dict[str, dict[str, Any]] = {
        "no-flags": {},
        "warfarin": {"flags": ["warfarin"]},
        "late": {"start": LATE_START},
    }
    return make_packets(library, tmp_path_factory.mktemp("cardiac-catheterization"), RECORD, FLAGS, cases)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_packet_prints_its_title_and_the_heart_centers_address_and_phones(
    packets: Packets, language: str, layout: str
) -> None:
    assert_packet_of(packets, (language, layout), "cardiac-catheterization", "cardiology", WORDS[language])
    assert_prints_none(packets.text(language, layout), RADIOLOGY)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_risk_is_on_the_handout_and_initialled_on_the_consent(
    packets: Packets, language: str, layout: str
) -> None:
    handout, consent = packets.texts(language, layout)
    words = WORDS[language]
    risks = (words.risks[0], words.thinner_risk, *words.risks[1:])  # the content's order, the thinner's in place
    start, end, table = words.risk_table
    listed = consent[consent.index(start) : consent.index(end)]
    assert_each_once_in_order(handout, risks)
    assert_each_once_in_order(listed, risks)  # in the consent's table of risks, each with its box
    assert listed.startswith(table)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_page_identifies_the_patient_and_counts_its_document_pages(
    packets: Packets, language: str, layout: str
) -> None:
    assert_every_page_identifies(packets[language, layout].path, language, WORDS[language].header)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_timeline_table_and_checklist_print_the_patients_real_dates(
    packets: Packets, language: str, layout: str
) -> None:
    handout, _ = packets.texts(language, layout)
    words = WORDS[language]
    assert_in_order(handout, words.schedule)  # in the order they are done
    assert_in_order(handout, tuple(words.rows.values()))  # the content's order, not the record's flags'
    assert_prints(handout, (*words.checklist, words.table_head))
    assert_prints(unkeyed(handout), (words.figure,))  # large print: the labels in the figure's key


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_medicine_table_has_a_row_only_for_the_flags_the_record_carries(packets: Packets, language: str) -> None:
    words = WORDS[language]
    warfarin = packets.text(language, "warfarin")
    assert words.table_head in warfarin
    assert words.rows["warfarin"] in warfarin
    for flag in ("metformin", "doac", "diabetes"):
        assert words.rows[flag] not in warfarin, flag
    assert warfarin.count(words.thinner_risk) == 2  # warfarin alone is enough for the blood thinner's risk
    assert words.flag_texts[5] in warfarin  # and for the consent's clause
    plain = packets.text(language, "no-flags")
    assert words.table_head.split(": ")[0] not in plain  # no row printed: no table, no lead line either
    assert words.table_head.rsplit(": ", 1)[1] not in plain


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_flag_adds_its_text_and_risk_only_for_a_patient_with_it(packets: Packets, language: str) -> None:
    words = WORDS[language]
    flagged, plain = packets.text(language, "letter"), packets.text(language, "no-flags")
    assert_only_with_flags(flagged, plain, words.flag_texts)
    assert_only_with_flags(flagged, plain, (words.thinner_risk,), times=2)  # on the handout, initialled on the consent
    for text in packets.texts(language, "no-flags"):
        assert_prints(text, words.risks)
    # Without sedation, the consent's section keeps the local anesthetic alone.
    assert_prints(plain, (*words.schedule, *words.everyone))


@pytest.mark.parametrize(
    ("language", "case"), [(language, case) for language in LANGUAGES for case in ("letter", "no-flags")]
)
def test_the_access_choice_the_stent_statement_and_both_after_cares_print_for_everyone(
    packets: Packets, language: str, case: str
) -> None:
    handout, consent = packets.texts(language, case)
    words = WORDS[language]
    assert_in_order(consent, (words.access, words.stent, words.risk_table[0]))
    assert words.rights in consent
    assert_prints(handout, words.after_care)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shared_fragments_are_included_by_id_and_version(packets: Packets, library: Library, language: str) -> None:
    assert_shares_fragments(library, packets[language, "letter"], FRAGMENTS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_step_already_past_says_so_with_the_departments_phone_and_warns(packets: Packets, language: str) -> None:
    # Only the week-before step.
    step = "cardiac-catheterization timeline step step-plan (week_before)"
    assert_one_step_passed(packets, language, WORDS[language].passed, step)


@pytest.mark.parametrize(
    "name",
    [
        "cardiac-catheterization",
        "93458",
        "93454",
        "41976001",
        "Heart cath",
        "CORONARY ANGIOGRAM",
        "lhc",
        "CATETERISMO CARDÍACO",  # the Spanish title
    ],
)
def test_a_scheduler_may_name_it_by_id_code_alias_or_title(library: Library, name: str) -> None:
    assert library.find_procedure(name).id == "cardiac-catheterization"


def test_the_demo_appointment_makes_its_packet(library: Library, tmp_path: Path) -> None:
    handout = demo_handout(library, tmp_path, "jefferson.yaml", ("DEMO-0008", "cardiac-catheterization", "cardiology"))
    assert "Start it again on Friday, December 18, 48 hours after the test" in handout  # metformin
    assert ENGLISH.rows["doac"] in handout
    assert ENGLISH.rows["warfarin"] not in handout
    assert "Take your last dose of apixaban (Eliquis) on the evening of Monday, December 14." in handout


@settings(max_examples=80, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    minutes=st.integers(min_value=6 * 60, max_value=16 * 60).map(lambda m: m - m % 15),
)
def test_the_dates_are_counted_right_for_any_start(library: Library, day: date, minutes: int) -> None:
    """Any start the cath lab books (6:00 AM to 4:00 PM, any day, the days the clocks change too):
    metformin starts again 48 real hours after the start, two calendar days later; the patient arrives
    2 real hours before; the steps fall a week before, the day before and on the day."""
    content = library.contents["cardiac-catheterization"]
    start = datetime.combine(day, time(minutes // 60, minutes % 60))
    times, before = content.times, content.arrive_minutes_before

    def at(name: str) -> datetime:
        return moment(start, times[name], ZONE, before)

    real_start = instant(start, ZONE)
    assert instant(at("metformin_restart"), ZONE) - real_start == timedelta(hours=48)
    assert at("metformin_restart").date() == day + timedelta(days=2)
    assert real_start - instant(at("check_in"), ZONE) == timedelta(minutes=before) == timedelta(hours=2)
    assert at("check_in").date() == day
    assert [at(name).date() for name in ("week_before", "night_before", "procedure_day")] == [
        day - timedelta(days=7),
        day - timedelta(days=1),
        day,
    ]
