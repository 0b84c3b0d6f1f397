"""Cardiac catheterization (issue 25), as the Heart and Vascular Center wrote it: its packets in every
layout, read back from the PDF: the title, the cardiology department's address and phones, every risk on
the handout and initialled on the consent, the preparation timeline and the medicine table at the
patient's real dates (metformin started again 48 hours after the test), the medicine table's rows only for
the flags the record carries, what each flag adds (and its absence without it), the access choice and the
stent statement with its own initials, the shared fragments, the figure's labels, a step already past,
identifiers on every page; `list` shows it, `validate` passes it, a scheduler's names find it, the demo
appointment makes its packet, and for any start the lab books the dates are counted right.

The packets are made once for the module (a fixed clock, a fixed appointment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from packetgen.build import Generated, make_packet
from packetgen.cli import main
from packetgen.library import Library
from packetgen.timing import instant, moment
from tests.helpers.pdftext import body, consent_start, numbering, page_texts
from tests.helpers.site import BASE_APPOINTMENT, ROOT, TODAY, ZONE

LAYOUTS = ("letter", "a4", "large-print")
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


@dataclass(frozen=True)
class Words:
    """What one language's packet must say."""

    header: tuple[str, ...]
    """The identifiers every page carries."""
    page: str
    """`Page N of M` in the language, with `{n}` and `{m}`."""
    handout: tuple[str, ...]
    """The title, the department's address and phones, the arrival."""
    consent: tuple[str, ...]
    """The title, the address, the procedure's line."""
    risks: tuple[str, ...]
    """Every patient's risks as printed (with their frequency), in the content's order."""
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
    passed_line: str


ENGLISH = Words(
    header=("Patient: Brennan, Walter", "Date of birth: Jul 19, 1951", "MRN: 00072245"),
    page="Page {n} of {m}",
    handout=(
        "Cardiac catheterization Information for patients",
        "Heart and Vascular Center, North Pavilion, 3rd floor, 1250 River Road, Springfield, IL 62701",
        "Questions: Riverside General Hospital, (217) 555-0188",
        "At night or on weekends, call (217) 555-0100 and ask for the heart doctor on call.",
        "Please arrive by 7:00 AM.",
    ),
    consent=(
        "Consent for cardiac catheterization",
        "Heart and Vascular Center, North Pavilion, 3rd floor, 1250 River Road, Springfield, IL 62701",
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
        "A reaction to the numbing medicine or the sedation, such as an allergy or trouble breathing",  # shared
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
        "☐ Do not eat after midnight on Wednesday, December 9.",
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
        "Because of your health conditions",
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
    passed_line="This date has passed.",
)

SPANISH = Words(
    header=("Paciente: Brennan, Walter", "Fecha de nacimiento: 19 jul 1951", "N.º de expediente: 00072245"),
    page="Página {n} de {m}",
    handout=(
        "Cateterismo cardíaco Información para pacientes",
        "Centro del Corazón y Vascular, Pabellón Norte, 3.er piso, 1250 River Road, Springfield, IL 62701",
        "Preguntas: Riverside General Hospital, (217) 555-0188",
        "De noche o los fines de semana, llame al (217) 555-0100 y pida hablar con el cardiólogo de guardia.",
        "llegue a más tardar a las 7:00 a. m.",
    ),
    consent=(
        "Consentimiento para cateterismo cardíaco",
        "Centro del Corazón y Vascular, Pabellón Norte, 3.er piso, 1250 River Road, Springfield, IL 62701",
        "Procedimiento: Cateterismo cardíaco, jueves, 10 de diciembre de 2026, 9:00 a. m.",
    ),
    risks=(
        "Sangrado o moretón donde entró el tubo (frecuente)",
        "Daño a la arteria por donde entró el tubo, como una arteria de la muñeca tapada o un bulto en la arteria "
        "de la ingle. La mayoría no causa problemas. Unos pocos necesitan tratamiento. (poco frecuente)",
        "Daño a los riñones por el tinte de contraste, sobre todo en personas que ya tienen una enfermedad de los "
        "riñones o diabetes (poco frecuente)",
        "Una reacción alérgica al tinte de contraste, desde un sarpullido leve hasta una reacción grave "
        "(poco frecuente)",
        "Latidos irregulares del corazón. Casi siempre se quitan solos, pero pueden necesitar medicina o una "
        "descarga eléctrica. (poco frecuente)",
        "Infección donde entró el tubo (raro)",
        "Si le ponen un stent: un coágulo en el stent, o que la arteria se vuelva a estrechar más adelante "
        "(poco frecuente)",
        "Un desgarro en una arteria del corazón o en el corazón que necesite una cirugía de emergencia (muy raro)",
        "Derrame cerebral, ataque al corazón o muerte (raro, alrededor de 1 de cada 1.000 o menos)",
        "Una reacción al medicamento para adormecer o a la sedación, como una alergia o dificultad para respirar",
        "Exposición a rayos X (radiación). La dosis es pequeña. En raros casos, un examen largo puede enrojecer "
        "la piel.",
    ),
    thinner_risk="Más sangrado, porque toma un anticoagulante",
    risk_table=(
        "Escriba sus iniciales junto a cada uno",
        "Otros riesgos para este paciente",
        "Escriba sus iniciales junto a cada uno para mostrar que se lo explicaron. Riesgos y complicaciones Iniciales",
    ),
    schedule=(
        "Cómo prepararse Siga estos pasos:",
        "jueves, 3 de diciembre Busque a un adulto que le lleve a casa en auto y se quede con usted la primera noche.",
        "miércoles, 9 de diciembre No coma nada después de la medianoche de hoy. Puede tomar sus pastillas con "
        "sorbos pequeños de agua.",
        "jueves, 10 de diciembre Tome sus medicinas de la mañana de siempre con sorbos de agua, menos las que su "
        "equipo de atención le dijo que no tomara.",
        "7:00 a. m. Llegue y regístrese en Heart and Vascular Center, 3rd floor. Es 2 horas antes del examen.",
    ),
    checklist=(
        "☐ No coma nada después de la medianoche del miércoles, 9 de diciembre.",
        "☐ Llegue 2 horas antes del examen, a más tardar el jueves, 10 de diciembre, a las 7:00 a. m.",
    ),
    table_head="Usted nos dijo que toma estas medicinas. Esto es lo que debe hacer: Medicina Qué hacer",
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
        "Debido a sus condiciones de salud",
        "Le dije a mi equipo de atención que tengo alergia al tinte de contraste.",
        "Entiendo que tomar un anticoagulante puede aumentar el riesgo de sangrado de este procedimiento.",
        "Entiendo que no debo tomar metformina durante 48 horas después del tinte de contraste",
        "Entiendo que la diabetes puede aumentar el riesgo de daño a los riñones por el tinte de contraste.",
        "La mayoría de las personas también reciben por la IV un medicamento para relajarse y sentir sueño",
        "Acepto recibir sedación. Entiendo que la sedación puede causar problemas para respirar",
    ),
    everyone=(
        "No deje de tomar un anticoagulante por su cuenta.",
        "Medicina para adormecer y sedación Una medicina adormecerá la piel por donde entra el tubo (anestesia local).",
    ),
    access="El procedimiento El tubo se pondrá en una arteria de: Marque una opción. ☐ Mi muñeca (arteria "
    "radial) ☐ Mi ingle (arteria femoral) ☐ Mi muñeca o mi ingle: el médico decidirá durante el procedimiento",
    stent="Si se encuentra una arteria estrecha, el médico puede abrirla con un globo y un stent en el mismo "
    "procedimiento. Acepto esto. Entiendo que un stent tiene sus propios riesgos, que están en la lista de abajo, "
    "y que después tendré que tomar una medicina para la sangre. Iniciales",
    after_care=("Si el tubo entró por la muñeca • Una banda apretada en la muñeca", "Si el tubo entró por la ingle"),
    rights="Puedo decir que no a este procedimiento.",
    figure="Corazón Arterias del corazón (arterias coronarias) Aorta Tubo delgado (catéter) Muñeca (arteria "
    "radial) Ingle (arteria femoral) El tubo fino (línea de puntos) puede entrar por la muñeca o por la ingle.",
    passed="viernes, 20 de noviembre Busque a un adulto que le lleve a casa en auto y se quede con usted la "
    "primera noche. Prepare una bolsa pequeña por si tiene que quedarse en el hospital. Esta fecha ya pasó. Llame "
    "a Riverside General Hospital al (217) 555-0188 antes de seguir. jueves, 26 de noviembre No coma nada",
    passed_line="Esta fecha ya pasó.",
)

WORDS = {"en": ENGLISH, "es": SPANISH}
LANGUAGES = tuple(WORDS)
RADIOLOGY = ("Interventional Radiology", "Radiología Intervencionista", "(217) 555-0142")
"""What the radiology department prints, and a cardiology packet must not."""


def _sections(path: Path) -> tuple[str, str]:
    """(handout text, consent text), each page's body joined, without the hospital's name each draft page
    repeats under its mark (so a sentence running over a page reads whole)."""
    texts = [body(text).removeprefix("Riverside General Hospital ") for text in page_texts(path)]
    split = consent_start(path)
    return " ".join(texts[:split]), " ".join(texts[split:])


def _make(library: Library, out: Path, name: str, layout: str = "letter", **changes: Any) -> Generated:
    record = {**RECORD, "appointment_id": name, **changes}
    path = out / f"{name}.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return make_packet(path, out / "pdf", layout, library=library, today=TODAY)


@pytest.fixture(scope="module")
def packets(library: Library, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Generated]:
    """Each language in every layout with every flag; and in letter: no flags, warfarin alone, and made late."""
    out = tmp_path_factory.mktemp("cardiac-catheterization")
    made: dict[tuple[str, str], Generated] = {}
    for language in LANGUAGES:
        for layout in LAYOUTS:
            made[language, layout] = _make(
                library, out, f"CC-{language}-{layout}", layout, language=language, flags=FLAGS
            )
        made[language, "no-flags"] = _make(library, out, f"CC-{language}-none", language=language)
        made[language, "warfarin"] = _make(library, out, f"CC-{language}-w", language=language, flags=["warfarin"])
        made[language, "late"] = _make(library, out, f"CC-{language}-late", language=language, start=LATE_START)
    return made


@pytest.fixture(scope="module")
def texts(packets: dict[tuple[str, str], Generated]) -> dict[tuple[str, str], tuple[str, str]]:
    return {key: _sections(made.path) for key, made in packets.items()}


EVERY_LAYOUT = [(language, layout) for language in LANGUAGES for layout in LAYOUTS]
Texts = dict[tuple[str, str], tuple[str, str]]


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_packet_prints_its_title_and_the_heart_centers_address_and_phones(
    packets: dict[tuple[str, str], Generated], texts: Texts, language: str, layout: str
) -> None:
    made, words = packets[language, layout], WORDS[language]
    assert (made.content_id, made.language, made.layout, made.department, made.warnings) == (
        "cardiac-catheterization",
        language,
        layout,
        "cardiology",
        (),
    )
    handout, consent = texts[language, layout]
    for text in words.handout:
        assert text in handout, text
    for text in words.consent:
        assert text in consent, text
    for text in RADIOLOGY:
        assert text not in handout + consent


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_risk_is_on_the_handout_and_initialled_on_the_consent(texts: Texts, language: str, layout: str) -> None:
    handout, consent = texts[language, layout]
    words = WORDS[language]
    risks = (words.risks[0], words.thinner_risk, *words.risks[1:])  # the content's order, the thinner's in place
    start, end, table = words.risk_table
    listed = consent[consent.index(start) : consent.index(end)]
    for risk in risks:
        assert handout.count(risk) == 1, risk
        assert listed.count(risk) == 1, risk  # in the consent's table of risks, each with its box
    for text in (handout, listed):
        at = [text.index(risk) for risk in risks]
        assert at == sorted(at)
    assert listed.startswith(table)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_page_identifies_the_patient_and_counts_its_document_pages(
    packets: dict[tuple[str, str], Generated], language: str, layout: str
) -> None:
    path, words = packets[language, layout].path, WORDS[language]
    for text, (number, count) in zip(page_texts(path), numbering(path), strict=True):
        for identifier in words.header:
            assert identifier in text, (identifier, text[:200])
        assert words.page.format(n=number, m=count) in text


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_timeline_table_and_checklist_print_the_patients_real_dates(
    texts: Texts, language: str, layout: str
) -> None:
    handout, _ = texts[language, layout]
    words = WORDS[language]
    for line in (*words.schedule, *words.checklist, words.table_head, *words.rows.values(), words.figure):
        assert line in handout, line
    at = [handout.index(step) for step in words.schedule]  # in the order they are done
    assert at == sorted(at)
    rows = [handout.index(row) for row in words.rows.values()]  # the content's order, not the record's flags'
    assert rows == sorted(rows)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_medicine_table_has_a_row_only_for_the_flags_the_record_carries(texts: Texts, language: str) -> None:
    words = WORDS[language]
    warfarin = " ".join(texts[language, "warfarin"])
    assert words.table_head in warfarin
    assert words.rows["warfarin"] in warfarin
    for flag in ("metformin", "doac", "diabetes"):
        assert words.rows[flag] not in warfarin, flag
    assert warfarin.count(words.thinner_risk) == 2  # warfarin alone is enough for the blood thinner's risk
    assert words.flag_texts[5] in warfarin  # and for the consent's clause
    plain = " ".join(texts[language, "no-flags"])
    assert words.table_head.split(": ")[0] not in plain  # no row printed: no table, no lead line either
    assert words.table_head.rsplit(": ", 1)[1] not in plain


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_flag_adds_its_text_and_risk_only_for_a_patient_with_it(texts: Texts, language: str) -> None:
    words = WORDS[language]
    flagged = " ".join(texts[language, "letter"])
    plain_handout, plain_consent = texts[language, "no-flags"]
    plain = f"{plain_handout} {plain_consent}"
    for text in words.flag_texts:
        assert text in flagged, text
        assert text not in plain, text
    assert flagged.count(words.thinner_risk) == 2  # on the handout, and initialled on the consent
    assert words.thinner_risk not in plain
    for risk in words.risks:
        assert risk in plain_handout, risk
        assert risk in plain_consent, risk
    for text in (*words.schedule, *words.everyone):
        assert text in plain, text  # without sedation, the consent's section keeps the local anesthetic alone


@pytest.mark.parametrize(
    ("language", "case"), [(language, case) for language in LANGUAGES for case in ("letter", "no-flags")]
)
def test_the_access_choice_the_stent_statement_and_both_after_cares_print_for_everyone(
    texts: Texts, language: str, case: str
) -> None:
    handout, consent = texts[language, case]
    words = WORDS[language]
    assert words.access in consent
    assert words.stent in consent
    assert consent.index(words.access) < consent.index(words.stent) < consent.index(words.risk_table[0])
    assert words.rights in consent
    for text in words.after_care:
        assert text in handout, text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shared_fragments_are_included_by_id_and_version(library: Library, language: str) -> None:
    content = library.contents["cardiac-catheterization"]
    if language != "en":
        content = library.translations["cardiac-catheterization"][language]
    included = {(fragment.id, fragment.version, fragment.language) for fragment in content.fragments}
    names = ("sedation-consent", "sedation-risks", "patient-rights", "consent-attestations")
    assert included == {(name, "1.0.0", language) for name in names}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_step_already_past_says_so_with_the_departments_phone_and_warns(
    packets: dict[tuple[str, str], Generated], texts: Texts, language: str
) -> None:
    made, words = packets[language, "late"], WORDS[language]
    handout, _ = texts[language, "late"]
    assert words.passed in handout
    assert handout.count(words.passed_line) == 1  # only the week-before step
    (warning,) = made.warnings
    assert "cardiac-catheterization timeline step step-plan (week_before) has passed" in warning
    assert "Brennan" not in warning  # no patient data in a warning


def test_list_shows_the_procedure_with_its_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"], {}) == 0
    out = capsys.readouterr().out.splitlines()
    (line,) = [line for line in out if line.startswith("  cardiac-catheterization ")]
    assert f"Cardiac catheterization | version 1.0.0 | languages: {', '.join(LANGUAGES)}" in line
    assert line.endswith("CPT 93458, CPT 93454, SNOMED CT 41976001")
    (department,) = [line for line in out if line.startswith("  cardiology ")]
    assert "Riverside General Hospital, Heart and Vascular Center, North Pavilion, 3rd floor | (217) 555-0188" in (
        department
    )


def test_validate_passes_the_content_and_every_part_reads_at_grade_8(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # validate reports a file by the path it was given, relative to the project
    files = {"en": "packets/cardiac-catheterization.yaml", "es": "packets/cardiac-catheterization.es.yaml"}
    assert main(["validate", *files.values(), "departments/cardiology.yaml"], {}) == 0
    captured = capsys.readouterr()
    for language, file in files.items():
        assert f"{file}: cardiac-catheterization 1.0.0 ({language})" in captured.out
    assert captured.out.count("target 8") == 4  # each file's parts and its new text
    assert "ABOVE TARGET" not in captured.out
    assert "department cardiology: ok" in captured.out
    assert captured.err == ""


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
    made = make_packet(ROOT / "examples" / "appointments" / "jefferson.yaml", tmp_path, library=library, today=TODAY)
    assert (made.appointment_id, made.content_id, made.department, made.warnings) == (
        "DEMO-0008",
        "cardiac-catheterization",
        "cardiology",
        (),
    )
    handout, _ = _sections(made.path)
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
