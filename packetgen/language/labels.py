"""Fixed wording of the packet (headers, signature blocks), per language.

Content files hold what a procedure says; these are the words every packet
shares: one `Labels` per language, read as attributes (`labels.date_long`), so
a misspelt name is a type error, not a KeyError while a packet is drawn.
Date and time patterns are CLDR patterns for Babel; text in braces is filled
with `str.format` where it prints, and a translation keeps the English text's
placeholders (tests/test_languages.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Labels:
    """The fixed wording of a packet in one language: every attribute is required, so a language
    missing one cannot be made (a TypeError on import; mypy names it). `checks.check_packet`
    checks every one against the layout's fonts, drawn or not."""

    date_long: str
    """CLDR date pattern of the appointment's date ("Monday, December 7, 2026"): the appointment
    panel, the consent's procedure line, `{{ procedure_date }}` and `{{ arrival_date }}` in the
    content, the overdue mark's date."""
    date_weekday: str
    """CLDR date pattern of a date without its year ("Sunday, December 6"): a content time shown
    as a date, and the date in `time_on_date`."""
    date_medium: str
    """CLDR date pattern of the date of birth ("Mar 14, 1948"): running header, consent's identification box."""
    time: str
    """CLDR time pattern of every clock time printed ("7:30 AM")."""
    patient: str
    """Before the patient's name: running header of every page, consent's identification box."""
    date_of_birth: str
    """Before the date of birth: running header of every page, consent's identification box."""
    mrn: str
    """Before the medical record number: running header of every page, consent's identification box."""
    page: str
    """Right of every page's footer, counted in the page's part (handout or consent): `{page}`, `{total}`."""
    form: str
    """Left of every page's footer, the part's form stamp: `{form_id}`, `{version}`, `{effective}`."""
    blank_page: str
    """Centred on the blank back page left so that the consent starts on a front page."""
    appointment: str
    """Heading of the handout's appointment panel."""
    date: str
    """Appointment panel: before the appointment's date."""
    time_label: str
    """Appointment panel: before `time_line`."""
    time_line: str
    """Appointment panel: the start `{time}` and the `{arrival}` time."""
    time_on_date: str
    """A time shown as `time` that falls on another date than the appointment's, with that date after
    it so that it still reads after "at" or "by" ("11:30 PM on Monday, December 14"): `{time}`,
    `{date}` as `date_weekday`."""
    date_at_time: str
    """A moment shown as `datetime` (`{{ arrival }}`, a `times:` entry, a timeline's step): the date,
    then the time ("Wednesday, January 13, at 6:00 PM"): `{date}` as `date_weekday`, `{time}`."""
    timeline_when: str
    """A timeline printed as a table: the header of its first column, the moment of each step."""
    timeline_what: str
    """A timeline printed as a table: the header of its second column, what to do."""
    timeline_passed: str
    """Printed at a timeline step whose moment has passed when the packet is made: `{department}` (the
    department's name) and `{phone}` (its phone)."""
    provider: str
    """Appointment panel: before the provider's name (printed only when the appointment names one)."""
    location: str
    """Appointment panel: before the place."""
    phone: str
    """Appointment panel: before the facility and its phone number."""
    your_instructions: str
    """Handout heading over the appointment's own instructions (printed only when it has some)."""
    figure: str
    """The word for a figure: printed nowhere yet (checked like every label)."""
    consent_procedure: str
    """Consent's identification box: before the procedure, its date and time."""
    consent_facility: str
    """Consent's identification box: before the facility."""
    consent_provider: str
    """Consent's identification box: before the performing provider (or `blank_line`)."""
    blank_line: str
    """A line to write on where a value is unknown: the consent's provider, site and levels, the
    interpreted language; `{{ provider }}` in the consent's text, `{{ site }}`, `{{ interpreted_language }}`."""
    record_blank: str
    """Where the consent leaves `blank_line` in a sentence, the same sentence printed for the record says this
    (a record has nothing to write on): `{{ site }}`, `{{ provider }}`, `{{ interpreted_language }}` unknown."""
    provider_unknown: str
    """`{{ provider }}` in the handout's text when the appointment names no provider."""
    risks: str
    """Consent heading over the risks, and the header of the risk table's first column."""
    initials: str
    """Header of the risk table's initials column; in the box beside a consent statement to initial (`initialled`)."""
    signatures: str
    """Consent heading over the signature blocks."""
    signature: str
    """Caption under the first line of every signature block."""
    printed_name: str
    """Caption under the second line of every signature block."""
    signed_date: str
    """Caption under the date line of every signature block."""
    signed_time: str
    """Caption under the time line of every signature block."""
    signer_patient: str
    """Heading of the patient's signature block."""
    relationship: str
    """Caption in the patient's signature block: a representative's relationship."""
    signer_provider: str
    """Heading of the consenting provider's signature block."""
    signer_witness: str
    """Heading of the witness's signature block."""
    signer_interpreter: str
    """Heading of the interpreter's signature block when the packet is in the patient's language."""
    interpreted_language: str
    """Caption in the interpreter's signature block, above the patient's language where it is known."""
    interpreter_id: str
    """Caption in the interpreter's signature block."""
    patient_choices: tuple[str, ...]
    """Check boxes in the patient's signature block: who signs."""
    interpreter_choices: tuple[str, ...]
    """Check boxes in the interpreter's signature block: how the interpreting was done."""
    handout_bookmark: str
    """The handout's bookmark (the PDF's outline)."""
    consent_bookmark: str
    """The consent's bookmark (the PDF's outline)."""
    title: str
    """The PDF's title (document info and XMP): `{procedure}`, never the patient."""
    interpreter_notice: str
    """Boxed first in the handout when the patient's language has no packet: `{language}`, the
    patient's language named in the packet's."""
    draft_mark: str
    """Under the running header of every page of a packet from draft content."""
    overdue_mark: str
    """Under the running header of every page of a packet from content past its review: `{date}` (`date_long`)."""
    handout_copy: str
    """Top left of every handout page."""
    consent_copy: str
    """Top left of every consent page (and of the pages after it that print the source language's consent
    for the record)."""
    record_banner: str
    """Boxed under the running header of every page that prints, after a translated consent, the same consent
    in the content's source language (English) for the record, and that part's bookmark: in the packet's
    language, then in English."""
    label_box: str
    """In the chart-label box at the top right of the consent's first page."""
    signer_interpreter_required: str
    """Heading of the interpreter's signature block when the patient's language is not the packet's."""
    representative_reason: str
    """Caption in the patient's signature block: why a representative signs."""
    signer_telephone: str
    """Heading of the second witness's signature block, for consent by telephone."""
    telephone_person: str
    """Caption in the telephone witness's signature block."""
    relationship_to_patient: str
    """Caption in the telephone witness's signature block."""
    telephone_number: str
    """Caption in the telephone witness's signature block."""
    encounter: str
    """Consent's identification box: before the encounter number (printed only when there is one)."""
    side: str
    """Before the side the procedure is done on (the content's name for it): the handout's appointment
    panel and the consent's identification box; and first on the Side line."""
    side_choices: tuple[str, ...]
    """The Side line's check boxes, in the order left, right, both: printed when a procedure requires a
    side and the record gives none."""
    side_to_verify: str
    """The Side line's last words, after its check boxes: who completes it, and when."""
    side_unknown: str
    """`{{ side }}` in the content's text when the record gives no side: a phrase that points to the
    Side line (never a blank in a sentence)."""
    own_risks: str
    """Above the consent's ruled lines where the physician writes other risks."""
    frequency_very_rare: str
    """A risk's frequency `very rare`, in brackets after it on the handout and the consent."""
    frequency_rare: str
    """A risk's frequency `rare`."""
    frequency_uncommon: str
    """A risk's frequency `uncommon`."""
    frequency_common: str
    """A risk's frequency `common`."""
    frequency_about: str
    """A risk's frequency as a number in the content's words: `{about}` ("about 1 in 1,000"), after the
    frequency's word and a comma where it has one ("rare, about 1 in 1,000")."""
    choose_one: str
    """Under a consent choice's question when the patient ticks one box."""
    choose_many: str
    """Under a consent choice's question when the patient ticks as many boxes as apply."""
    other: str
    """A consent choice's last box, before a line to write on: "Other"."""
    email_subject: str
    """Not in the PDF: the subject of the email carrying an encrypted packet (`delivery/message.py`):
    `{facility}`; no patient data, no procedure, no date."""
    email_body: str
    """Not in the PDF: that email's text: `{facility}`, `{phone}`; no patient data, no procedure, no date."""
    email_attachment: str
    """Not in the PDF: the file name of that email's attachment."""


ENGLISH = Labels(
    date_long="EEEE, MMMM d, y",
    date_weekday="EEEE, MMMM d",
    date_medium="MMM d, y",
    time="h:mm a",
    patient="Patient",
    date_of_birth="Date of birth",
    mrn="MRN",
    page="Page {page} of {total}",
    form="Form {form_id}, version {version}, effective {effective}",
    blank_page="This page is intentionally blank.",
    appointment="Your appointment",
    date="Date",
    time_label="Time",
    time_line="{time}. Please arrive by {arrival}.",
    time_on_date="{time} on {date}",
    date_at_time="{date}, at {time}",
    timeline_when="When",
    timeline_what="What to do",
    timeline_passed="This date has passed. Call {department} at {phone} before you go on.",
    provider="Provider",
    location="Location",
    phone="Questions",
    your_instructions="Your instructions from your care team",
    figure="Figure",
    consent_procedure="Procedure",
    consent_facility="Facility",
    consent_provider="Performing provider",
    blank_line="______________________________",
    provider_unknown="your care team",
    risks="Risks and complications",
    initials="Initials",
    signatures="Signatures",
    signature="Signature",
    printed_name="Printed name",
    signed_date="Date",
    signed_time="Time",
    signer_patient="Patient or legal representative",
    relationship="Representative's relationship to patient",
    signer_provider="Provider who obtained consent",
    signer_witness="Witness",
    signer_interpreter="Interpreter (if one was used)",
    interpreted_language="Language interpreted",
    interpreter_id="Interpreter ID number or agency",
    patient_choices=("Patient", "Legal representative"),
    interpreter_choices=("In person", "By phone", "By video"),
    handout_bookmark="Patient information",
    consent_bookmark="Consent form",
    title="{procedure}: patient information and consent",
    interpreter_notice=(
        "Your preferred language is {language}. This packet is in English. You have the right to a "
        "free interpreter: ask your care team for one before you read or sign anything."
    ),
    draft_mark="DRAFT — not approved for clinical use",
    overdue_mark="Overdue for review: review was due {date}",
    handout_copy="Patient copy",
    consent_copy="Chart copy",
    record_banner="English text for the record — not for signature",
    record_blank="(as written on the signed consent)",
    label_box="Place patient label here",
    signer_interpreter_required="Interpreter (required)",
    representative_reason="Why the patient cannot sign",
    signer_telephone="Consent by telephone: second witness",
    telephone_person="Person who gave consent",
    relationship_to_patient="Relationship to patient",
    telephone_number="Telephone number called",
    encounter="Encounter",
    side="Side",
    side_choices=("Left", "Right", "Both"),
    side_to_verify="to be completed and verified before the procedure",
    side_unknown="the side marked on the Side line",
    own_risks="Other risks for this patient (written by the physician)",
    frequency_very_rare="very rare",
    frequency_rare="rare",
    frequency_uncommon="uncommon",
    frequency_common="common",
    frequency_about="about {about}",
    choose_one="Check one.",
    choose_many="Check all that apply.",
    other="Other",
    email_subject="Documents from {facility}",
    email_body=(
        "Hello,\n\n"
        "{facility} has sent you documents for your visit. They are in the PDF file attached to this "
        "email.\n\n"
        "The file is locked with a password. We will give you the password by phone or in person. "
        "It is never in an email.\n\n"
        "Questions? Call us at {phone}. If you did not expect this email, please call us and delete it.\n\n"
        "Please do not reply with health information: email is not a private way to reach us.\n"
    ),
    email_attachment="documents.pdf",
)
"""English, the language of the source content; the labels of any language without its own."""

# A draft, like the Spanish content; a qualified medical translator must review it.
SPANISH = Labels(
    date_long="EEEE, d 'de' MMMM 'de' y",
    date_weekday="EEEE, d 'de' MMMM",
    date_medium="d MMM y",
    time="h:mm a",
    patient="Paciente",
    date_of_birth="Fecha de nacimiento",
    mrn="N.º de expediente",
    page="Página {page} de {total}",
    form="Formulario {form_id}, versión {version}, vigente desde {effective}",
    blank_page="Esta página se ha dejado en blanco intencionalmente.",
    appointment="Su cita",
    date="Fecha",
    time_label="Hora",
    time_line="{time}; llegue a más tardar a las {arrival}",
    time_on_date="{time} del {date}",
    date_at_time="{date}, a las {time}",
    timeline_when="Cuándo",
    timeline_what="Qué hacer",
    timeline_passed="Esta fecha ya pasó. Llame a {department} al {phone} antes de seguir.",
    provider="Profesional de salud",
    location="Lugar",
    phone="Preguntas",
    your_instructions="Instrucciones de su equipo de atención",
    figure="Figura",
    consent_procedure="Procedimiento",
    consent_facility="Centro",
    consent_provider="Profesional que realiza el procedimiento",
    blank_line="______________________________",
    provider_unknown="su equipo de atención",
    risks="Riesgos y complicaciones",
    initials="Iniciales",
    signatures="Firmas",
    signature="Firma",
    printed_name="Nombre en letra de molde",
    signed_date="Fecha",
    signed_time="Hora",
    signer_patient="Paciente o representante legal",
    relationship="Representante: relación con la persona que recibe la atención",
    signer_provider="Profesional que obtuvo el consentimiento",
    signer_witness="Testigo",
    signer_interpreter="Intérprete (si se usó)",
    interpreted_language="Idioma interpretado",
    interpreter_id="N.º de identificación o agencia del intérprete",
    patient_choices=("Paciente", "Representante legal"),
    interpreter_choices=("En persona", "Por teléfono", "Por video"),
    handout_bookmark="Información para pacientes",
    consent_bookmark="Formulario de consentimiento",
    title="{procedure}: información para pacientes y consentimiento",
    interpreter_notice=(
        "Su idioma preferido es {language}. Estos documentos están en español. Tiene derecho a un "
        "intérprete gratis: pídalo a su equipo de atención antes de leer o firmar cualquier documento."
    ),
    draft_mark="BORRADOR — no aprobado para uso clínico (DRAFT — not approved for clinical use)",
    overdue_mark="Revisión vencida: debía revisarse el {date} (overdue for review)",
    handout_copy="Su copia",
    consent_copy="Copia para el expediente",
    record_banner="Texto en inglés para el expediente: no se firma (English text for the record — not for signature)",
    record_blank="(como está escrito en el consentimiento firmado)",
    label_box="Coloque aquí la etiqueta de identificación",
    signer_interpreter_required="Intérprete (obligatorio)",
    representative_reason="Por qué no puede firmar la persona que recibe la atención",
    signer_telephone="Consentimiento por teléfono: segundo testigo",
    telephone_person="Persona que dio el consentimiento",
    relationship_to_patient="Relación con la persona que recibe la atención",
    telephone_number="Número de teléfono al que se llamó",
    encounter="N.º de visita",
    side="Lado",
    side_choices=("Izquierdo", "Derecho", "Ambos"),
    side_to_verify="debe completarse y verificarse antes del procedimiento",
    side_unknown="el lado marcado en la línea «Lado»",
    own_risks="Otros riesgos en su caso (los escribe el médico)",
    # Said with a verb, not an adjective ("muy raro"), so that the words agree with every risk's noun
    # whatever its gender ("Muerte (ocurre muy rara vez)").
    frequency_very_rare="ocurre muy rara vez",
    frequency_rare="ocurre rara vez",
    frequency_uncommon="ocurre con poca frecuencia",
    frequency_common="ocurre con frecuencia",
    frequency_about="alrededor de {about}",
    choose_one="Marque una opción.",
    choose_many="Marque todas las que correspondan.",
    other="Otro",
    email_subject="Documentos de {facility}",
    email_body=(
        "Hola:\n\n"
        "{facility} le envía documentos para su visita. Están en el archivo PDF adjunto a este "
        "correo.\n\n"
        "El archivo está protegido con una contraseña. Le daremos la contraseña por teléfono o en "
        "persona. Nunca va en un correo.\n\n"
        "¿Preguntas? Llámenos al {phone}. Si no esperaba este correo, llámenos y bórrelo.\n\n"
        "No responda con información de salud: el correo no es una forma privada de comunicarse con "
        "nosotros.\n"
    ),
    email_attachment="documentos.pdf",
)
"""Spanish."""


LABELS: dict[str, Labels] = {"en": ENGLISH, "es": SPANISH}
"""The labels of each language that has content, by primary language subtag."""


TITLE_ARTICLES: dict[str, dict[str, str]] = {
    # In Spanish a title before a name takes its article in a sentence: "Pido que la Dra. Ana Beltrán ...".
    "es": {"Dr.": "el", "Dra.": "la", "Doctor": "el", "Doctora": "la", "Lic.": "el", "Lcda.": "la"},
}
"""Per language, the article each title takes before a name in running text (none in English)."""


def labels_for(language: str) -> Labels:
    """The labels for a BCP 47 tag, by its primary language; English if none.

    Only languages that have content need labels: a packet's labels are always in its content's language."""
    return LABELS.get(language.split("-")[0].lower(), LABELS["en"])
