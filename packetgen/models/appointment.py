"""The schema of one appointment record, whatever format it arrived in.

Fields are those of the appointment record (docs/integrating/appointment-record.md).
Values are checked for form here; whether the procedure and flags exist is checked
against the content library by `intake`, and the start time against the site's time
zone by `personalize`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from babel.core import get_global
from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..errors import SourcePos
from .codes import canonical_system
from .types import Id, LanguageTag, Model, Side, Text, _require_str, parse_iso_date

_START = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?")
_APPOINTMENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def parse_start(value: Any) -> datetime:
    """`YYYY-MM-DDTHH:MM`, optional seconds and UTC offset; naive means site time."""
    text = _require_str(value).strip()
    match = _START.fullmatch(text)
    if not match:
        raise PydanticCustomError("start_format", "expected a date and time as YYYY-MM-DDTHH:MM")
    day, hour, minute, second, offset = match.groups()
    iso = f"{day}T{hour}:{minute}:{second or '00'}"
    if offset:
        iso += "+00:00" if offset == "Z" else offset
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        raise PydanticCustomError("start_impossible", "not a real date and time") from None


def _check_appointment_id(value: str) -> str:
    if not _APPOINTMENT_ID.fullmatch(value) or set(value) == {"."}:
        raise PydanticCustomError(
            "appointment_id", "expected 1-64 characters of A-Z a-z 0-9 . _ - (it names the output file)"
        )
    return value


def canonical_language(tag: str) -> str:
    """BCP 47 with the primary language in its shortest CLDR form: `SPA` and `spa` (HL7's ISO 639-2) → `es`."""
    primary, *rest = tag.split("-")
    primary = get_global("language_aliases").get(primary.lower(), primary.lower())
    return "-".join([primary.split("_")[0], *rest])


def _check_email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email  # here: only a record with an email needs it

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise PydanticCustomError("email", "expected an email address such as name@example.org") from None


def _side(value: Any) -> Any:
    """`Left`, ` RIGHT ` are `left`, `right`: a side's word in any case."""
    return value.strip().lower() if isinstance(value, str) else value


def _record_system(value: str) -> str:
    """A record's coding system, spelled as content spells it; `local` alone allowed (HL7 `L`)."""
    return canonical_system(value, unnamed_local=True)


def _as_list(value: Any) -> Any:
    """A single value where a list is expected is taken as a list of one."""
    return [value] if isinstance(value, str) else value


class Appointment(Model):
    """One patient's appointment for one procedure."""

    appointment_id: Annotated[Text, AfterValidator(_check_appointment_id)]
    """Unique within a batch; names the output file."""
    mrn: Text
    """Medical record number, kept exactly as given (leading zeros)."""
    first_name: Text | None = None
    """Given name(s). Required with `last_name`, unless the source gives only a whole `name`."""
    last_name: Text | None = None
    name: Text | None = None
    """The whole name as the source gives it, printed as it is, when it has no parts (a FHIR
    HumanName with only `text`)."""
    name_suffix: Annotated[Text, Field(max_length=40)] | None = None
    """What follows the name and tells people of one name apart (`Jr`, `III`; HL7 XPN.4, a FHIR
    HumanName's `suffix`): printed with the family name wherever the name is ("Okafor Jr, James")."""
    date_of_birth: Annotated[date, BeforeValidator(parse_iso_date)]
    procedure: Text
    """A packet id, or one of the codes that packet lists (a title or alias too)."""
    procedure_system: Annotated[Text, AfterValidator(_record_system)] | None = None
    """The coding system of `procedure` when the source gives one (`CPT`, `HCPCS`, `SNOMED CT`, `LOINC`,
    `ICD-10-PCS`, `local:NAME`, or `local` for a site's own system it does not name): the code then
    matches only that system's codes. Without it, `procedure` matches as before, in any system."""
    start: Annotated[datetime, BeforeValidator(parse_start)]
    """Local clock time at the site; an offset, if given, is honoured."""
    provider: Text | None = None
    """The practitioner performing the procedure, as it should be printed. Required in appointment
    files and CSV; a feed that names no performing person leaves it out, and the consent then has
    a line to write the name in by hand."""
    location: Text | None = None
    language: Annotated[LanguageTag, AfterValidator(canonical_language)] = "en"
    flags: Annotated[tuple[Id, ...], BeforeValidator(_as_list)] = ()
    instructions: Annotated[tuple[Text, ...], BeforeValidator(_as_list)] = Field(default=(), max_length=50)
    """The patient's own preparation instructions, printed verbatim."""
    layout: Id | None = None
    """The print format (`a4`, `large-print`) when the run chooses none; `--layout` (or the web reprint's
    layout) wins over it, with a warning naming this field."""
    department: Id | None = None
    """The department (`departments/<id>.yaml`) whose name, address and phones the packet prints,
    instead of the procedure's own; an unknown one is an error (never dropped: it is where the
    patient goes and whom they call)."""
    site: Annotated[Text, Field(max_length=80)] | None = None
    """The body site and levels as the consent prints them ("T12 and L1"); without it the consent
    leaves a line to complete by hand before signing."""
    laterality: Annotated[Side, BeforeValidator(_side)] | None = None
    """The side the procedure is done on: `left`, `right` or `bilateral`, printed through the content's
    names for the sides in the packet's language (`{{ side }}`). A procedure that requires a side and
    has none gets a Side line to mark and verify before the procedure."""
    encounter: Annotated[Text, Field(max_length=40)] | None = None
    """The visit or account number (HL7 PV1-19, a FHIR Encounter's identifier): printed on the consent
    and in its scan-back code."""
    email: Annotated[Text, AfterValidator(_check_email)] | None = None
    """Where the patient receives packets by email."""

    _origin: dict[str, SourcePos] = PrivateAttr(default_factory=dict)
    _labels: dict[str, str] = PrivateAttr(default_factory=dict)
    _warnings: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today")
        if today is not None and value > today:
            raise PydanticCustomError("dob_future", "date of birth is in the future")
        if today is not None and value.year < today.year - 130:
            raise PydanticCustomError("dob_old", "date of birth is more than 130 years ago")
        return value

    @field_validator("flags")
    @classmethod
    def _no_repeated_flags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("flags_repeat", "a flag is listed twice")
        return value

    def __repr_args__(self) -> Any:
        # Only the opaque id: a model printed into a log must not carry PHI.
        yield "appointment_id", self.appointment_id

    def pos(self, field: str) -> SourcePos:
        """Where `field` was given in the input (the record's start if unknown)."""
        return self._origin.get(field) or self._origin.get("", SourcePos("<appointment>", 1))

    def label(self, field: str) -> str:
        """How errors name `field`: the place it was read from (`AIS-3`, `PID-3 (an identifier of
        type MR)`), or our field name for formats whose names are ours."""
        return self._labels.get(field, field)

    def printed_names(self) -> tuple[str, ...]:
        """The patient's name as every page prints it: (last and suffix, first), or the whole name as
        given (its suffix after it)."""
        family = " ".join(p for p in (self.last_name, self.name_suffix) if p)
        if self.first_name and self.last_name:
            return (family, self.first_name)
        if self.name:
            return (" ".join(p for p in (self.name, self.name_suffix) if p),)
        return (family or self.first_name or "",)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What reading the record found unusable and left out (`PATH:LINE: warning: …` lines)."""
        return self._warnings

    def with_language(self, language: str) -> Appointment:
        """The same appointment in another language (`--language`), keeping its positions."""
        copy = self.model_copy(update={"language": language})
        return copy.with_origin(self._origin, self._labels, self._warnings)

    def with_origin(
        self, origin: dict[str, SourcePos], labels: dict[str, str] | None = None, warnings: tuple[str, ...] = ()
    ) -> Appointment:
        """Attach the input positions of each field, the names of the places they were read from, and
        the warnings reading it gave (kept out of the schema)."""
        self._origin = dict(origin)
        self._labels = dict(labels or {})
        self._warnings = tuple(warnings)
        return self
