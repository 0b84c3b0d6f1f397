"""Fixed wording of the packet (headers, signature blocks), per language.

Content files hold what a procedure says; these are the words every packet
shares. Date patterns are CLDR patterns for Babel.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "date_long": "EEEE, MMMM d, y",
        "date_weekday": "EEEE, MMMM d",
        "date_medium": "MMM d, y",
        "time": "h:mm a",
        "patient": "Patient",
        "date_of_birth": "Date of birth",
        "mrn": "MRN",
        "page": "Page {page} of {total}",
        "form": "Form {form_id}, version {version}, effective {effective}",
        "blank_page": "This page is intentionally blank.",
        "appointment": "Your appointment",
        "date": "Date",
        "time_label": "Time",
        "time_line": "{time}. Please arrive by {arrival}.",
        # A time with its own date: a `datetime`, or a time on another date than the appointment's.
        "time_on_date": "{time} on {date}",
        "provider": "Provider",
        "location": "Location",
        "phone": "Questions",
        "your_instructions": "Your instructions from your care team",
        "figure": "Figure",
        "consent_procedure": "Procedure",
        "consent_facility": "Facility",
        "consent_provider": "Performing provider",
        "blank_line": "______________________________",
        "provider_unknown": "your care team",
        "benefits": "Benefits",
        "risks": "Risks and complications",
        "initials": "Initials",
        "flag_clauses": "Because of your health conditions",
        "alternatives": "Alternatives",
        "rights": "Your rights",
        "signatures": "Signatures",
        "signature": "Signature",
        "printed_name": "Printed name",
        "signed_date": "Date",
        "signed_time": "Time",
        "signer_patient": "Patient or legal representative",
        "relationship": "Representative's relationship to patient",
        "signer_provider": "Provider who obtained consent",
        "signer_witness": "Witness",
        "signer_interpreter": "Interpreter (if one was used)",
        "interpreted_language": "Language interpreted",
        "interpreter_id": "Interpreter ID number or agency",
        "patient_choices": "Patient|Legal representative",
        "interpreter_choices": "In person|By phone|By video",
        "handout_bookmark": "Patient information",
        "consent_bookmark": "Consent form",
        "title": "{procedure}: patient information and consent",
        "interpreter_notice": (
            "Your preferred language is {language}. This packet is in English. You have the right to a "
            "free interpreter: ask your care team for one before you read or sign anything."
        ),
        "figure_vertebra": "Vertebra",
        "figure_disk": "Disk",
        "figure_compression": "Compression",
        "figure_fracture": "fracture",
        "figure_nerve": "Nerve",
        "figure_cord": "Spinal cord",
        "figure_needle": "Needle",
        "figure_cement": "Cement",
        "figure_before": "A compression fracture",
        "figure_after": "Vertebroplasty: cement fills the bone",
        "draft_mark": "DRAFT — not approved for clinical use",
        "overdue_mark": "Overdue for review: review was due {date}",
        "handout_copy": "Patient copy",
        "consent_copy": "Chart copy",
        "label_box": "Place patient label here",
        "signer_interpreter_required": "Interpreter (required)",
        "representative_reason": "Why the patient cannot sign",
        "signer_telephone": "Consent by telephone: second witness",
        "telephone_person": "Person who gave consent",
        "relationship_to_patient": "Relationship to patient",
        "telephone_number": "Telephone number called",
        "consent_site": "Site and levels",
        "encounter": "Encounter",
        "procedure_heading": "The procedure",
        "anesthesia": "Anesthesia and sedation",
        "own_risks": "Other risks for this patient (written by the physician)",
        # The email that carries an encrypted packet: no patient data, no procedure, no date.
        "email_subject": "Documents from {facility}",
        "email_body": (
            "Hello,\n\n"
            "{facility} has sent you documents for your visit. They are in the PDF file attached to this "
            "email.\n\n"
            "The file is locked with a password. We will give you the password by phone or in person. "
            "It is never in an email.\n\n"
            "Questions? Call us at {phone}. If you did not expect this email, please call us and delete it.\n\n"
            "Please do not reply with health information: email is not a private way to reach us.\n"
        ),
        "email_attachment": "documents.pdf",
    },
    # Spanish: a draft, like the Spanish content; a qualified medical translator must review it.
    "es": {
        "date_long": "EEEE, d 'de' MMMM 'de' y",
        "date_weekday": "EEEE, d 'de' MMMM",
        "date_medium": "d MMM y",
        "time": "h:mm a",
        "patient": "Paciente",
        "date_of_birth": "Fecha de nacimiento",
        "mrn": "N.º de expediente",
        "page": "Página {page} de {total}",
        "form": "Formulario {form_id}, versión {version}, vigente desde {effective}",
        "blank_page": "Esta página se ha dejado en blanco intencionalmente.",
        "appointment": "Su cita",
        "date": "Fecha",
        "time_label": "Hora",
        "time_line": "{time}; llegue a más tardar a las {arrival}",
        "time_on_date": "{time} del {date}",
        "provider": "Profesional de salud",
        "location": "Lugar",
        "phone": "Preguntas",
        "your_instructions": "Sus instrucciones de su equipo de atención",
        "figure": "Figura",
        "consent_procedure": "Procedimiento",
        "consent_facility": "Centro",
        "consent_provider": "Profesional que realiza el procedimiento",
        "blank_line": "______________________________",
        "provider_unknown": "su equipo de atención",
        "benefits": "Beneficios",
        "risks": "Riesgos y complicaciones",
        "initials": "Iniciales",
        "flag_clauses": "Debido a sus condiciones de salud",
        "alternatives": "Alternativas",
        "rights": "Sus derechos",
        "signatures": "Firmas",
        "signature": "Firma",
        "printed_name": "Nombre en letra de molde",
        "signed_date": "Fecha",
        "signed_time": "Hora",
        "signer_patient": "Paciente o representante legal",
        "relationship": "Relación del representante con el paciente",
        "signer_provider": "Profesional que obtuvo el consentimiento",
        "signer_witness": "Testigo",
        "signer_interpreter": "Intérprete (si se usó)",
        "interpreted_language": "Idioma interpretado",
        "interpreter_id": "N.º de identificación o agencia del intérprete",
        "patient_choices": "Paciente|Representante legal",
        "interpreter_choices": "En persona|Por teléfono|Por video",
        "handout_bookmark": "Información para el paciente",
        "consent_bookmark": "Formulario de consentimiento",
        "title": "{procedure}: información para pacientes y consentimiento",
        "interpreter_notice": (
            "Su idioma preferido es {language}. Este paquete está en español. Tiene derecho a un intérprete "
            "gratuito: pídalo a su equipo de atención antes de leer o firmar cualquier documento."
        ),
        "figure_vertebra": "Vértebra",
        "figure_disk": "Disco",
        "figure_compression": "Fractura por",
        "figure_fracture": "compresión",
        "figure_nerve": "Nervio",
        "figure_cord": "Médula espinal",
        "figure_needle": "Aguja",
        "figure_cement": "Cemento",
        "figure_before": "Una fractura por compresión",
        "figure_after": "Vertebroplastia: el cemento llena el hueso",
        "draft_mark": "BORRADOR — no aprobado para uso clínico (DRAFT — not approved for clinical use)",
        "overdue_mark": "Revisión vencida: debía revisarse el {date} (overdue for review)",
        "handout_copy": "Copia del paciente",
        "consent_copy": "Copia para el expediente",
        "label_box": "Coloque aquí la etiqueta del paciente",
        "signer_interpreter_required": "Intérprete (obligatorio)",
        "representative_reason": "Por qué el paciente no puede firmar",
        "signer_telephone": "Consentimiento por teléfono: segundo testigo",
        "telephone_person": "Persona que dio el consentimiento",
        "relationship_to_patient": "Relación con el paciente",
        "telephone_number": "Número de teléfono al que se llamó",
        "consent_site": "Zona y niveles",
        "encounter": "N.º de visita",
        "procedure_heading": "El procedimiento",
        "anesthesia": "Anestesia y sedación",
        "own_risks": "Otros riesgos para este paciente (los escribe el médico)",
        "email_subject": "Documentos de {facility}",
        "email_body": (
            "Hola:\n\n"
            "{facility} le envía documentos para su visita. Están en el archivo PDF adjunto a este "
            "correo.\n\n"
            "El archivo está protegido con una contraseña. Le daremos la contraseña por teléfono o en "
            "persona. Nunca va en un correo.\n\n"
            "¿Preguntas? Llámenos al {phone}. Si no esperaba este correo, llámenos y bórrelo.\n\n"
            "No responda con información de salud: el correo no es una forma privada de comunicarse con "
            "nosotros.\n"
        ),
        "email_attachment": "documentos.pdf",
    },
}


TITLE_ARTICLES: dict[str, dict[str, str]] = {
    # In Spanish a title before a name takes its article in a sentence: "Pido que la Dra. Ana Beltrán ...".
    "es": {"Dr.": "el", "Dra.": "la", "Doctor": "el", "Doctora": "la", "Lic.": "el", "Lcda.": "la"},
}
"""Per language, the article each title takes before a name in running text (none in English)."""


def labels_for(language: str) -> dict[str, str]:
    """The labels for a BCP 47 tag, by its primary language; English if none.

    Only languages that have content need labels: a packet's labels are always in its content's language."""
    return LABELS.get(language.split("-")[0].lower(), LABELS["en"])
