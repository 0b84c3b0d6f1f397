"""The people and places an FHIR Appointment references: patient, performing provider, location;
and the side of the body its order (`basedOn` ServiceRequest) names.

Each referenced resource is read through its typed R4 model. The provider is
always a person: a Practitioner, or a PractitionerRole's practitioner, chosen
by participant type (PPRF, then ATND/SPRF/PART, then untyped; a referrer or
admitter never). A display-only actor counts only when its reference says it is
a Practitioner; "Endoscopy Rooms" with no reference is never printed as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.location import Location
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import BaseModel, ValidationError

from ..errors import PacketError, SourcePos
from ..models.types import Side
from ..settings import FhirSettings
from .raw import RecordFailure, usable_language

Resource = dict[str, Any]


class Index(dict[str, Resource]):
    """A Bundle's resources by every name a reference may use (fullUrl and Type/id), and the name
    each is called by in errors: `Type/id`, else its fullUrl (a message Bundle's `urn:uuid:…`), else
    its entry's place (`entry[3]`)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[int, str] = {}
        self.urls: dict[int, str] = {}
        """Each resource's fullUrl, where its entry has one."""

    def name(self, resource: Resource) -> str:
        return self.names.get(id(resource)) or str(resource.get("resourceType", "resource"))


def id_in_url(url: str) -> str:
    """The id a fullUrl gives its resource: the last segment of `…/Type/id`, or what follows
    `urn:uuid:` or `urn:oid:`."""
    for scheme in ("urn:uuid:", "urn:oid:"):
        if url.startswith(scheme):
            return url[len(scheme) :]
    return url.rstrip("/").rsplit("/", 1)[-1]


PEOPLE = ("Practitioner", "PractitionerRole")
# participant.type codes (v3 ParticipationType) by preference for the performing provider
_RANK = {"PPRF": 0, "ATND": 1, "SPRF": 1, "PART": 1, "": 2}
_MR_TEXTS = {"MR", "MRN", "MEDICAL RECORD NUMBER", "MEDICAL RECORD"}
_LANGUAGE_SYSTEMS = {"urn:ietf:bcp:47", "urn:iso:std:iso:639-1", "urn:iso:std:iso:639-2", "urn:iso:std:iso:639-3"}


def typed(model: type[BaseModel], resource: Resource, place: SourcePos) -> Any:
    """The resource as its R4 model, or a RecordFailure naming each invalid element."""
    try:
        return model.model_validate(resource)
    except ValidationError as exc:
        errors = tuple(PacketError(place, _element(e["loc"]), _fhir_message(e)) for e in exc.errors())
        return RecordFailure(place, errors)


def _element(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _fhir_message(error: Any) -> str:
    """Pydantic's message about a FHIR element, without the value it was given."""
    kind, text = error["type"], str(error.get("msg", ""))
    element = str(error["loc"][-1]) if error.get("loc") else ""
    stu3 = "; this looks like an STU3 resource (expected FHIR R4)"
    if kind == "extra_forbidden":
        return "not an element of this resource in FHIR R4" + (stu3 if element in _STU3_ONLY else "")
    if kind == "list_type":
        return "expected a list (FHIR R4 repeats this element)" + (stu3 if element in _STU3_SINGLE else "")
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "missing" or text.endswith("is required."):
        return "required field is missing"
    if "Instant" in text:
        return "expected a FHIR instant: a date and a time with seconds and a time zone (2026-12-07T07:30:00-06:00)"
    if "DateTime" in text or kind.startswith("datetime"):
        return "expected a FHIR dateTime (2026-12-07T07:30:00-06:00)"
    if "Date" in text or kind.startswith("date"):
        return "expected a FHIR date (YYYY-MM-DD)"
    value = error.get("input")
    text = text.removeprefix("Value error, ")
    if text.startswith("Input should be "):  # pydantic's words: said as ours
        text = "expected " + text.removeprefix("Input should be ").split(",")[0]
    return text if value is None or str(value) not in text else "not a valid value for this element"


# Elements that FHIR STU3 had and R4 renamed or removed (Appointment.reason became reasonCode,
# indication reasonReference, incomingReferral basedOn), and elements STU3 gave once and R4 repeats.
_STU3_ONLY = {"indication", "reason", "incomingReferral", "animal"}
_STU3_SINGLE = {"serviceCategory"}
_PLAIN = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "json_invalid": 'expected an object (a FHIR Reference is {"reference": "Type/id"})',
}


@dataclass(frozen=True)
class PatientFields:
    """The patient's part of a record, and warnings about it."""

    fields: dict[str, Any]
    warnings: tuple[str, ...] = ()


@dataclass
class Actors:
    """What an Appointment's participants resolved to."""

    shown: str
    patient: Resource
    patient_ref: str
    provider: tuple[str, str] | None = None
    """(name as printed, which participant and why)."""
    location: str | None = None
    lines: dict[str, str] = field(default_factory=dict)

    def patient_fields(self, settings: FhirSettings) -> PatientFields | RecordFailure:
        """Our patient fields from the Patient resource (typed), or why it cannot give them."""
        place = SourcePos(self.shown, self.patient_ref)
        patient = typed(Patient, self.patient, place)
        if isinstance(patient, RecordFailure):
            return patient
        warnings: list[str] = []
        fields = {
            "mrn": _mrn(patient, settings),
            **_name(patient),
            "date_of_birth": str(patient.birthDate) if patient.birthDate else None,
            "language": _language(patient, place, warnings),
            "email": _email(patient),
        }
        return PatientFields({k: v for k, v in fields.items() if v}, tuple(warnings))


def resolve_actors(appt: Any, index: Index, shown: str, place: SourcePos) -> Actors | RecordFailure:
    """The patient, the performing provider and the location among the participants."""
    patient: tuple[str, Resource] | None = None
    people: list[tuple[int, int, str, str, str]] = []  # (rank, order, name, reference, participant type)
    location: tuple[str, str] | None = None
    for order, participant in enumerate(appt.participant or []):
        actor = participant.actor
        if actor is None:
            continue
        reference = str(actor.reference or "")
        target = index.get(reference)
        kind = str(target.get("resourceType")) if target else (reference.split("/")[0] if "/" in reference else "")
        kind = kind or str(actor.type or "")
        if kind == "Patient" and target is not None and patient is None:
            patient = (index.name(target), target)
        elif kind in PEOPLE and (rank := _rank(participant)) is not None:  # a referrer is never read
            found = _person(kind, target, actor, index, shown)
            if isinstance(found, RecordFailure):
                return found
            if found:
                people.append((rank, order, *found, _code(participant) or "none"))
        elif kind == "Location" and location is None:
            place_name = _location_name(target, actor)
            if place_name:
                location = (place_name, index.name(target) if target else reference)
    if patient is None:
        return RecordFailure(place, (PacketError(place, "participant", "no Patient participant found in the Bundle"),))
    actors = Actors(shown, patient[1], patient[0])
    if people:
        _, _, name, ref, role = min(people)
        actors.provider = (name, f"{ref} (participant type {role})")
        actors.lines["provider"] = ref
    if location:
        actors.location, actors.lines["location"] = location
    return actors


def _code(participant: Any) -> str:
    codes = [str(c.code) for concept in participant.type or [] for c in concept.coding or [] if c.code]
    return next((c for c in codes if c in _RANK), codes[0] if codes else "")


def _rank(participant: Any) -> int | None:
    """Preference of a participant as the performing provider; None for a role that never is."""
    return _RANK.get(_code(participant))


def _person(
    kind: str, target: Resource | None, actor: Any, index: Index, shown: str
) -> tuple[str, str] | RecordFailure | None:
    """(printed name, reference) of a Practitioner or a PractitionerRole's practitioner."""
    if target is None:  # not in the Bundle: its reference says what it is; print its display
        return (str(actor.display), str(actor.reference or kind)) if actor.display else None
    ref = index.name(target)
    model = typed(Practitioner if kind == "Practitioner" else PractitionerRole, target, SourcePos(shown, ref))
    if isinstance(model, RecordFailure):
        return model
    if kind == "PractitionerRole":
        practitioner = model.practitioner
        if practitioner is None:
            return None
        inner = index.get(str(practitioner.reference or ""))
        if inner is None:
            return (str(practitioner.display), ref) if practitioner.display else None
        return _person("Practitioner", inner, practitioner, index, shown)
    name = person_name(model.name or [])
    return (name, ref) if name else None


def person_name(names: list[Any]) -> str | None:
    """A HumanName as printed: its text, else prefix, given, family, suffix (`Dr. Pat Granite, MD`)."""
    chosen = _preferred(names)
    if chosen is None:
        return None
    if chosen.text:
        return str(chosen.text)
    prefix = " ".join(chosen.prefix or [])
    core = " ".join(str(p) for p in (prefix, *(chosen.given or []), chosen.family) if p)
    suffix = ", ".join(chosen.suffix or [])
    return f"{core}, {suffix}" if core and suffix else core or None


def _preferred(names: list[Any]) -> Any:
    """The official name, else the usual one, else the first (old names and nicknames last)."""
    usable = [n for n in names if n.use not in ("old", "nickname", "anonymous")] or list(names)
    for use in ("official", "usual"):
        found = next((n for n in usable if n.use == use), None)
        if found is not None:
            return found
    return usable[0] if usable else None


def _location_name(target: Resource | None, actor: Any) -> str | None:
    if target is None:
        return str(actor.display) if actor.display else None
    model = typed(Location, target, SourcePos("", ""))
    if isinstance(model, RecordFailure):
        return str(target.get("name")) if target.get("name") else None
    return str(model.name) if model.name else (str(actor.display) if actor.display else None)


def _email(patient: Any) -> str | None:
    """The patient's email address (`telecom` of system `email`), preferring rank 1 and not `old`."""
    emails = [t for t in patient.telecom or [] if t.system == "email" and t.value and t.use != "old"]
    emails.sort(key=lambda t: t.rank or 1_000_000)
    return str(emails[0].value) if emails else None


def _mrn(patient: Any, settings: FhirSettings) -> str | None:
    """The identifier typed MR (v2-0203), or typed only by text ("MRN"), or in a system the site names."""
    for identifier in patient.identifier or []:
        concept = identifier.type
        codes = {str(c.code) for c in (concept.coding or [])} if concept else set()
        text = str(concept.text or "").strip().upper() if concept else ""
        if "MR" in codes or (not codes and text in _MR_TEXTS) or identifier.system in settings.mrn_systems:
            return str(identifier.value) if identifier.value else None
    return None


def _name(patient: Any) -> dict[str, str | None]:
    """The chosen HumanName's family, given names and suffix (`Jr`, which tells a father from his son);
    its prefix (`Mr.`, `Dr.`) is a title, not printed on a patient's identifiers."""
    chosen = _preferred(patient.name or [])
    if chosen is None:
        return {}
    if chosen.family or chosen.given:
        suffix = " ".join(str(s) for s in chosen.suffix or []) or None
        return {"last_name": chosen.family, "first_name": " ".join(chosen.given or []) or None, "name_suffix": suffix}
    return {"name": chosen.text}  # only text: printed as given (a suffix is already in it)


def _language(patient: Any, place: SourcePos, warnings: list[str]) -> str | None:
    """The preferred communication language coded in BCP 47 (or ISO 639); others are ignored."""
    communications = sorted(patient.communication or [], key=lambda c: not c.preferred)
    for communication in communications:
        for coding in communication.language.coding or []:
            if coding.code and (coding.system in _LANGUAGE_SYSTEMS or coding.system is None):
                tag = usable_language(str(coding.code))
                if tag:
                    return tag
    if communications:
        warnings.append(
            f"{place}: warning: communication.language: no language coded in BCP 47 or ISO 639; English was used"
        )
    return None


SNOMED = "http://snomed.info/sct"
SNOMED_SIDES: dict[str, Side] = {"7771000": "left", "24028007": "right", "51440002": "bilateral"}
"""SNOMED CT's laterality qualifiers: Left, Right, Right and left."""
_SCTID = re.compile(r"\d{6,18}")


@dataclass(frozen=True)
class OrderedSide:
    """The side an Appointment's order names, where it was read, and warnings about it."""

    side: Side | None = None
    where: str | None = None
    """The ServiceRequest it was read from (`ServiceRequest/sr1`)."""
    warnings: tuple[str, ...] = ()


def ordered_side(appointment: Resource, index: Index, shown: str) -> OrderedSide:
    """The side the ServiceRequests in the Bundle that the Appointment is `basedOn` name in `bodySite`:
    the SNOMED CT laterality codes (7771000 left, 24028007 right, 51440002 bilateral) in its codings,
    as a qualifier's coding of its own or inside a post-coordinated expression
    (`71341001:272741003=7771000`). Codes for different sides are a warning, and no side is taken; an
    invalid ServiceRequest is a warning, and its body site is not read."""
    found: dict[Side, str] = {}
    warnings: list[str] = []
    for reference in appointment.get("basedOn") or []:
        target = index.get(str(reference.get("reference", ""))) if isinstance(reference, dict) else None
        if target is None or target.get("resourceType") != "ServiceRequest":
            continue
        name = index.name(target)
        request = typed(ServiceRequest, target, SourcePos(shown, name))
        if isinstance(request, RecordFailure):
            first = request.errors[0]
            warnings.append(f"{first.pos}: warning: {first.field}: {first.message}; its bodySite was not read")
            continue
        for concept in request.bodySite or []:
            for coding in concept.coding or []:
                if coding.system == SNOMED and coding.code:
                    for code in _SCTID.findall(str(coding.code)):
                        if code in SNOMED_SIDES:
                            found.setdefault(SNOMED_SIDES[code], name)
    if len(found) > 1:
        sides = ", ".join(found)
        where = next(iter(found.values()))
        warnings.append(
            f"{SourcePos(shown, where)}: warning: bodySite: SNOMED CT codes for different sides ({sides}); "
            "no side was taken"
        )
        return OrderedSide(warnings=tuple(warnings))
    for side, where in found.items():
        return OrderedSide(side, where, tuple(warnings))
    return OrderedSide(warnings=tuple(warnings))
