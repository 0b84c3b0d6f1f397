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
        "arrive_by": "Please arrive by {arrival}",
        "provider": "Provider",
        "location": "Location",
        "phone": "Questions",
        "your_instructions": "Your instructions from your care team",
        "figure": "Figure",
        "consent_procedure": "Procedure",
        "consent_facility": "Facility",
        "consent_provider": "Performing provider",
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
        "relationship": "If signed by a representative: relationship to patient",
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
    }
}


def labels_for(language: str) -> dict[str, str]:
    """The labels for a BCP 47 tag, by its primary language; English if none."""
    return LABELS.get(language.split("-")[0].lower(), LABELS["en"])
