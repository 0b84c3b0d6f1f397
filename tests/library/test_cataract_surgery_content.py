"""Cataract surgery (issue 25), as the Eye Center wrote it: its packets in every layout and language,
read back from the PDF: the title, the department's address and phones, every risk on the handout
and initialled on the consent, the drop schedule at the patient's real dates, what each flag adds (and
its absence without the flag), the side (given, missing, both eyes), the lens choice, identifiers on
every page, the shared fragments; the demo appointment makes its packet. (`list` and `validate`:
test_procedures_content.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from packetgen.library import Library
from tests.helpers.procedure_packets import (
    EVERY_LAYOUT,
    LANGUAGES,
    Packets,
    PacketWords,
    assert_each_once_in_order,
    assert_every_page_identifies,
    assert_in_order,
    assert_only_with_flags,
    assert_packet_of,
    assert_prints,
    assert_prints_none,
    assert_shares_fragments,
    demo_handout,
    make_packets,
)
from tests.helpers.site import BASE_APPOINTMENT

FLAGS = ["anticoagulant", "diabetes", "alpha_blocker", "sedation"]
RECORD: dict[str, Any] = {
    **BASE_APPOINTMENT,
    "first_name": "Walter",
    "last_name": "Kowalczyk",
    "date_of_birth": "1949-08-17",
    "mrn": "00074410",
    "procedure": "cataract-surgery",
    "start": "2026-12-10T08:30",  # a Thursday; the drop schedule runs into January
    "provider": "Dr. Priya Raman, MD",
    "location": "Eye Center, 3rd floor, Surgery Suite 3",
    "laterality": "left",
}


@dataclass(frozen=True, kw_only=True)
class Words(PacketWords):
    """What one language's packet must say besides what every procedure's must."""

    flagged_risks: tuple[str, ...]
    """The risks printed only with a flag: sedation's (a shared fragment's), a blood thinner's, tamsulosin's."""
    unflagged_risks: tuple[str, ...]
    """The risks printed only without a flag: the numbing medicine's alone, without sedation."""
    schedule: tuple[str, ...]
    """The drop schedule's rows as read back: the real date, then what to do."""
    checklist: tuple[str, ...]
    """Lines with the patient's own day before and arrival time."""
    flag_texts: tuple[str, ...]
    """Text each flag adds (the handout's boxes and the consent's clauses)."""
    conditions_heading: str
    drive_home: tuple[str, str]
    """The consent's line on the ride home: the content's own without sedation, the shared sedation
    consent's with it."""
    rights: str
    """A line of the shared patient's rights."""
    side_line: str
    no_side_request: str
    both_eyes: tuple[str, ...]
    """What a record for both eyes adds: the handout's box and the consent's choice of eye."""
    one_eye_request: str
    lens_choice: tuple[str, ...]
    figure: tuple[str, ...]
    """The figure's caption and its labels (drawn as text)."""


ENGLISH = Words(
    address="Eye Center, Medical Office Building, 3rd floor, 1250 River Road, Springfield, IL 62701",
    handout=(
        "Cataract surgery",
        "Information for patients: surgery on the left eye",
        "(217) 555-0176",
        "At night or on weekends, call (217) 555-0100 and ask for the eye doctor on call.",
    ),
    consent=("Consent for cataract surgery",),
    header=("Patient: Kowalczyk, Walter", "Date of birth: Aug 17, 1949", "MRN: 00074410"),
    risks=(
        "Higher pressure in the eye for a few days, treated with drops or pills (common)",
        "Months or years later, the thin layer behind the new lens can turn cloudy (posterior capsule "
        "opacification). A quick laser treatment in the office clears it (common)",
        "Glare, halos, or rings around lights, mostly at night (common)",
        "Swelling of the center of the retina (macular edema), which blurs vision for weeks. It is treated with "
        "drops (uncommon, about 1 to 2 in 100)",
        "Swelling of the clear front of the eye (cornea). Most often it clears in a few days; rarely it needs "
        "another surgery (uncommon)",
        "A piece of the cataract is left behind, or the new lens moves out of place. Either may need another "
        "surgery (uncommon)",
        "The retina pulls away from the back of the eye (retinal detachment). It needs surgery right away "
        "(uncommon, about 1 in 100)",
        "Infection inside the eye, called endophthalmitis (rare, about 1 in 1,000)",
        "Bleeding inside the eye (rare)",
        "Loss of vision in the eye (very rare)",
        "A reaction to the eye drops, such as redness, itching, or swelling of the eyelids",
    ),
    flagged_risks=(
        "A reaction to the numbing medicine or the sedation, such as an allergy, trouble breathing, or low "
        "blood pressure",
        "Bruising or bleeding around the eye, which is more likely when you take a blood thinner (uncommon)",
        "The iris may be floppy during surgery (floppy iris syndrome). This can make surgery harder and raise the "
        "chance of other problems",
    ),
    unflagged_risks=("A reaction to the numbing medicine, such as an allergy",),
    schedule=(
        "Thursday, December 10 Keep the shield on your eye until your visit tomorrow.",
        "Friday, December 11 Go to your follow-up visit. After it, start both drops: antibiotic drops 4 times a "
        "day, and steroid drops 4 times a day.",
        "Thursday, December 17 Use your antibiotic drops for the last time today.",
        "Friday, December 18 Steroid drops: now 3 times a day, for 1 week.",
        "Friday, December 25 Steroid drops: now 2 times a day, for 1 week.",
        "Friday, January 1 Steroid drops: now 1 time a day, for 1 week.",
        "Friday, January 8 Stop the steroid drops, unless your surgeon tells you to keep using them.",
    ),
    checklist=(
        "Nothing to eat after 11:59 PM on Wednesday, December 9.",
        "Arrive by Thursday, December 10, at 7:30 AM.",
        "You may drink clear liquids, such as water, apple juice, or black coffee, until 5:30 AM.",
    ),
    flag_texts=(
        "Most people keep taking their blood thinner for cataract surgery.",
        "Check your blood sugar on the morning of surgery, and bring your meter.",
        "Tell your surgeon, even if you stopped taking it long ago.",
        "For 24 hours after surgery, do not drive, use machines, drink alcohol, or sign important papers.",
        "I take a blood thinner. I understand that it can raise the chance of bleeding or bruising around the eye.",
        "I have diabetes. I understand that it raises the chance of swelling in the retina after surgery",
        "I told my surgeon that I take, or have taken, tamsulosin (Flomax) or a similar medicine.",
        "I agree to receive sedation. I understand that sedation can cause breathing problems",
    ),
    conditions_heading="Because of my health conditions",
    drive_home=(
        "After surgery, I may not drive. An adult must take me home.",
        "After the procedure, I may not drive. An adult must take me home.",
    ),
    rights="I may refuse this procedure, or withdraw my consent at any time before it starts",
    side_line="Side: ☐ Left ☐ Right ☐ Both — to be completed and verified before the procedure",
    no_side_request="to do cataract surgery on the side marked on the Side line.",
    both_eyes=(
        "Your schedule says both eyes",
        "to do cataract surgery on one eye, the eye checked below. I will sign a new form for my other eye.",
        "This form is for surgery on: Check one. ☐ My left eye ☐ My right eye",
    ),
    one_eye_request="I ask Dr. Priya Raman and the care team at Riverside General Hospital to do cataract "
    "surgery on the left eye. This form is for one eye only.",
    lens_choice=(
        "My surgeon and I chose this type of lens: Check one. ☐ A standard lens (monofocal).",
        "☐ A toric lens. It also corrects astigmatism",
        "☐ A multifocal or extended depth of focus lens.",
        "☐ Other:",
        "Some lenses cost extra and are not covered by Medicare or other insurance.",
    ),
    figure=(
        "Before surgery After surgery Cornea Iris Cloudy lens (cataract) Retina Optic nerve Tiny cut New lens "
        "(implant) Lens capsule",
        "The eye seen from the side, before and after cataract surgery.",
    ),
)

SPANISH = Words(
    address="Centro de la Vista, Edificio de Consultorios Médicos, 3.er piso, 1250 River Road, Springfield, IL 62701",
    handout=(
        "Cirugía de cataratas",
        "Información para pacientes: cirugía en el ojo izquierdo",
        "(217) 555-0176",
        "De noche o los fines de semana, llame al (217) 555-0100 y pida hablar con el oftalmólogo de guardia.",
    ),
    consent=("Consentimiento para la cirugía de cataratas",),
    header=("Paciente: Kowalczyk, Walter", "Fecha de nacimiento: 17 ago 1949", "N.º de expediente: 00074410"),
    risks=(
        "Más presión dentro del ojo durante unos días, que se trata con gotas o pastillas (ocurre con frecuencia)",
        "Meses o años después, la capa delgada detrás del lente nuevo puede nublarse (opacidad de la cápsula "
        "posterior). Un tratamiento rápido con láser en el consultorio la aclara (ocurre con frecuencia)",
        "Deslumbramiento, halos o anillos alrededor de las luces, sobre todo de noche (ocurre con frecuencia)",
        "Hinchazón del centro de la retina (edema macular), que hace ver borroso durante semanas. Se trata con gotas "
        "(ocurre con poca frecuencia, alrededor de 1 a 2 de cada 100)",
        "Hinchazón de la parte transparente del frente del ojo (córnea). Casi siempre se quita en unos días; rara vez "
        "necesita otra cirugía (ocurre con poca frecuencia)",
        "Queda un pedazo de la catarata, o el lente nuevo se mueve de su lugar. En los dos casos, puede ser necesaria "
        "otra cirugía (ocurre con poca frecuencia)",
        "La retina se despega del fondo del ojo (desprendimiento de retina). Necesita cirugía enseguida (ocurre con "
        "poca frecuencia, alrededor de 1 de cada 100)",
        "Infección dentro del ojo, llamada endoftalmitis (ocurre rara vez, alrededor de 1 de cada 1.000)",
        "Sangrado dentro del ojo (ocurre rara vez)",
        "Pérdida de la vista en el ojo (ocurre muy rara vez)",
        "Una reacción a las gotas, como enrojecimiento, picazón o hinchazón de los párpados",
    ),
    flagged_risks=(
        "Una reacción al medicamento para adormecer o a la sedación, como una alergia, dificultad para respirar o "
        "presión arterial baja",
        "Moretones o sangrado alrededor del ojo, que son más probables si toma un anticoagulante (ocurre con poca "
        "frecuencia)",
        "El iris puede estar flojo durante la cirugía (síndrome del iris flácido). Esto puede hacer la cirugía más "
        "difícil y aumentar la probabilidad de otros problemas",
    ),
    unflagged_risks=("Una reacción al medicamento para adormecer, como una alergia",),
    schedule=(
        "jueves, 10 de diciembre Deje el protector sobre el ojo hasta su cita de mañana.",
        "viernes, 11 de diciembre Venga a su cita de control. Después, empiece los dos tipos de gotas: gotas de "
        "antibiótico 4 veces al día, y gotas de esteroide 4 veces al día.",
        "jueves, 17 de diciembre Hoy use las gotas de antibiótico por última vez.",
        "viernes, 18 de diciembre Gotas de esteroide: ahora 3 veces al día, durante 1 semana.",
        "viernes, 25 de diciembre Gotas de esteroide: ahora 2 veces al día, durante 1 semana.",
        "viernes, 1 de enero Gotas de esteroide: ahora 1 vez al día, durante 1 semana.",
        "viernes, 8 de enero Deje de usar las gotas de esteroide, a menos que su cirujano le diga que las siga usando.",
    ),
    checklist=(
        "No coma nada después de las 11:59 p. m. del miércoles, 9 de diciembre.",
        "Llegue a más tardar el jueves, 10 de diciembre, a las 7:30 a. m.",
        "Hasta las 5:30 a. m., puede tomar líquidos claros, como agua, jugo de manzana o café sin leche.",
    ),
    flag_texts=(
        "La mayoría de las personas siguen tomando su anticoagulante para la cirugía de cataratas.",
        "Mídase el azúcar en la sangre la mañana de la cirugía, y traiga su medidor.",
        "Dígaselo a su cirujano, aunque lo haya dejado hace mucho.",
        "Durante 24 horas después de la cirugía, no maneje, no use máquinas, no tome alcohol y no firme papeles "
        "importantes.",
        "Tomo un anticoagulante. Entiendo que con él es más fácil tener sangrado o moretones cerca del ojo.",
        "Tengo diabetes. Entiendo que así es más fácil que la retina se hinche después de la cirugía",
        "Le dije a mi cirujano que tomo, o tomé, tamsulosina (Flomax) u otro medicamento parecido.",
        "Acepto recibir sedación. Entiendo que la sedación puede causar problemas para respirar",
    ),
    conditions_heading="Debido a mi estado de salud",
    drive_home=(
        "Después de la cirugía, no puedo manejar. Una persona adulta debe llevarme a casa.",
        "Después del procedimiento no podré manejar. Una persona adulta debe llevarme a casa.",
    ),
    rights="Puedo decir que no a este procedimiento. También puedo cambiar de opinión y retirar mi consentimiento",
    side_line="Lado: ☐ Izquierdo ☐ Derecho ☐ Ambos — debe completarse y verificarse antes del procedimiento",
    no_side_request="me hagan una cirugía de cataratas en el lado marcado en la línea «Lado».",
    both_eyes=(
        "Su cita dice ambos ojos",
        "me hagan una cirugía de cataratas en un ojo, el que está marcado abajo. Firmaré otro formulario para mi "
        "otro ojo.",
        "Este formulario es para la cirugía en: Marque una opción. ☐ Mi ojo izquierdo ☐ Mi ojo derecho",
    ),
    one_eye_request="Pido que el Dr. Priya Raman y el equipo de atención de Riverside General Hospital me hagan "
    "una cirugía de cataratas en el ojo izquierdo. Este formulario es para un solo ojo.",
    lens_choice=(
        "Mi cirujano y yo elegimos este tipo de lente: Marque una opción. ☐ Un lente común (monofocal).",
        "☐ Un lente tórico. También corrige el astigmatismo",
        "☐ Un lente multifocal o de foco extendido.",
        "☐ Otro:",
        "Algunos lentes cuestan más y no los cubre Medicare ni otros seguros.",
    ),
    figure=(
        "Antes de la cirugía Después de la cirugía Córnea Iris Cristalino nublado (catarata) Retina Nervio óptico "
        "Corte pequeño Lente nuevo (implante) Cápsula",
        "El ojo visto de lado, antes y después de la cirugía de cataratas.",
    ),
)

WORDS = {"en": ENGLISH, "es": SPANISH}
FRAGMENTS = ("sedation-consent", "patient-rights", "sedation-risks", "consent-attestations")


@pytest.fixture(scope="module")
def packets(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Packets:
    """Made once for the module, at the fixed clock: every language in every layout with every flag (left
    eye); and in letter: no flags (right eye), no side, both eyes."""
    cases: dict[str, dict[str, Any]] = {
        "no-flags": {"laterality": "right"},
        "no-side": {"laterality": None, "flags": ["sedation"]},
        "both": {"laterality": "bilateral"},
    }
    return make_packets(library, tmp_path_factory.mktemp("cataract"), RECORD, FLAGS, cases)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_packet_prints_its_title_and_its_departments_address_and_phones(
    packets: Packets, language: str, layout: str
) -> None:
    assert_packet_of(packets, (language, layout), "cataract-surgery", "ophthalmology", WORDS[language])


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_risk_is_on_the_handout_and_initialled_on_the_consent(
    packets: Packets, language: str, layout: str
) -> None:
    words = WORDS[language]
    for text in packets.texts(language, layout):  # every flag set: each flag's risk after every patient's
        assert_each_once_in_order(text, (*words.risks, *words.flagged_risks))
        assert_prints_none(text, words.unflagged_risks)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_every_page_identifies_the_patient_and_counts_its_document_pages(
    packets: Packets, language: str, layout: str
) -> None:
    assert_every_page_identifies(packets[language, layout].path, language, WORDS[language].header)


@pytest.mark.parametrize(("language", "layout"), EVERY_LAYOUT)
def test_the_drop_schedule_and_the_checklist_print_the_patients_real_dates(
    packets: Packets, language: str, layout: str
) -> None:
    handout, _ = packets.texts(language, layout)
    words = WORDS[language]
    # In the content's order: surgery day first, the last steroid drop four weeks on.
    assert_in_order(handout, words.schedule)
    assert_prints(handout, words.checklist)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_flag_adds_its_text_and_its_risks_only_for_a_patient_with_it(packets: Packets, language: str) -> None:
    words = WORDS[language]
    flagged, plain = packets.text(language, "letter"), packets.text(language, "no-flags")
    assert_only_with_flags(flagged, plain, (*words.flag_texts, words.conditions_heading))
    assert_only_with_flags(flagged, plain, words.flagged_risks, times=2)  # on the handout and on the consent
    for text in packets.texts(language, "no-flags"):
        assert_prints(text, (*words.risks, *words.unflagged_risks))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shared_fragments_say_sedation_rights_and_the_ride_home_once(
    packets: Packets, library: Library, language: str
) -> None:
    words = WORDS[language]
    own, shared = words.drive_home
    _, sedated = packets.texts(language, "letter")
    _, awake = packets.texts(language, "no-flags")
    assert (sedated.count(own), sedated.count(shared)) == (0, 1)
    assert (awake.count(own), awake.count(shared)) == (1, 0)
    assert words.rights in sedated
    assert words.rights in awake
    assert_shares_fragments(library, packets[language, "letter"], FRAGMENTS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_consent_is_for_one_eye_named_by_the_records_side(packets: Packets, language: str) -> None:
    words = WORDS[language]
    _, consent = packets.texts(language, "letter")
    assert words.one_eye_request in consent
    assert words.side_line not in consent
    assert all(text not in consent for text in words.both_eyes)
    assert packets[language, "letter"].warnings == ()


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_a_side_the_packet_asks_for_it_and_warns(packets: Packets, language: str) -> None:
    made, words = packets[language, "no-side"], WORDS[language]
    handout, consent = packets.texts(language, "no-side")
    assert words.side_line in handout
    assert words.side_line in consent
    assert words.no_side_request in consent
    assert any("laterality" in warning for warning in made.warnings), made.warnings


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_record_for_both_eyes_gets_a_consent_for_one_eye_with_the_eye_to_tick(
    packets: Packets, language: str
) -> None:
    words = WORDS[language]
    handout, consent = packets.texts(language, "both")
    box, request, choice = words.both_eyes
    assert box in handout
    assert request in consent
    assert choice in consent
    assert words.one_eye_request not in consent


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_lens_is_chosen_on_the_consent_and_the_figure_is_labelled(packets: Packets, language: str) -> None:
    handout, consent = packets.texts(language, "letter")
    assert_prints(consent, WORDS[language].lens_choice)
    assert_prints(handout, WORDS[language].figure)


def test_the_demo_appointment_makes_its_packet(library: Library, tmp_path: Path) -> None:
    handout = demo_handout(library, tmp_path, "kowalczyk.yaml", ("DEMO-0007", "cataract-surgery", "ophthalmology"))
    assert "Surgery Suite 3" in handout
