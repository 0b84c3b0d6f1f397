"""The schema of a department file (`departments/<id>.yaml`): where the patient goes and whom they call.

Owned by the department's front desk: the name printed on every packet, its address, its phones, the
line in every footer and the sender of emailed packets. A procedure names its default department
(`department:` in its content); a record may name another. No clinical text, no print format.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field

from .types import Id, LanguageTag, Model, Text


def pairs(value: Any) -> Any:
    """A mapping as (key, value) pairs: a model is immutable and hashable."""
    return tuple(value.items()) if isinstance(value, dict) else value


def _lines_by_language(value: Any) -> Any:
    """One list of lines, or one per language, as (language, lines) pairs: a single list is English's,
    which every language without its own prints."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(line, str) for line in value):
        return (("en", value),)
    return pairs(value)


def _mailbox(value: str) -> str:
    """`Name <address>` or a bare address, checked for form (RFC 5322) without a network lookup."""
    from email.utils import parseaddr

    from email_validator import EmailNotValidError, validate_email

    _name, address = parseaddr(value)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("expected an address such as packets@example.org or Clinic <packets@example.org>") from None
    return value


Mailbox = Annotated[Text, AfterValidator(_mailbox)]

# What a file holds where the model keeps (language, value) pairs: the shape its JSON Schema describes.
_Lines = Annotated[list[Text], Field(min_length=1)]
_T = TypeVar("_T")
_ByLanguage = Annotated[dict[LanguageTag, _T], Field(min_length=1)]


class EmailSender(Model):
    """Whom a packet's email comes from; its words are the labels' (`language/labels.py`), never patient data."""

    sender: Mailbox
    """The From address, e.g. `Riverside General Hospital <packets@riverside.example.org>`: the relay
    must accept mail from it (SPF/DKIM are the relay's business)."""
    reply_to: Mailbox | None = None
    """Where patients' replies go, e.g. the front desk's shared mailbox; default: no Reply-To."""


class Department(Model):
    """One department of the site: the name, address and phones printed on its packets, and the
    sender of their emails."""

    id: Id
    """How procedures and records name it; default: the file's name (`departments/<id>.yaml`)."""
    name: Text
    """The name printed at the top of every page, on the consent and in the email (the hospital's,
    e.g. `Riverside General Hospital`); also what `{{ location }}` prints when a record gives none."""
    address: Annotated[
        tuple[tuple[LanguageTag, Annotated[tuple[Text, ...], Field(min_length=1)]], ...],
        Field(min_length=1),
        BeforeValidator(_lines_by_language, json_schema_input_type=_Lines | _ByLanguage[_Lines]),
    ]
    """Lines of the address, the department's own first (`Interventional Radiology, 2nd floor`): one
    list, or one list per language (`{en: [...], es: [...]}`; a packet in another language prints the
    `en` one), kept as (language, lines) pairs."""
    phone: Text
    """The department's number: the handout's appointment box, `{{ facility_phone }}`, the email."""
    after_hours_phone: Text | None = None
    """Whom patients call at night and at weekends (the handout's "When to call" box,
    `{{ after_hours_phone }}`); default `phone`."""
    email: EmailSender | None = None
    """The From and Reply-To of its emailed packets; needed to email them."""
    footer_note: (
        Text
        | Annotated[
            tuple[tuple[LanguageTag, Text], ...], BeforeValidator(pairs, json_schema_input_type=_ByLanguage[Text])
        ]
        | None
    ) = None
    """A short line printed in every footer, e.g. a help line: one text, or one per language
    (`{en: ..., es: ...}`; a packet in another language prints the `en` one)."""

    @property
    def night_phone(self) -> str:
        """The number for nights and weekends: `after_hours_phone`, else `phone`."""
        return self.after_hours_phone or self.phone
