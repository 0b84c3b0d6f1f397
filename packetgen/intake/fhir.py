"""FHIR R4 Bundles: each Appointment with the Patient, Practitioner and Location it references.

Resources are read through typed R4 models (`fhir.resources`, R4B, whose
Appointment, Patient, Practitioner and Location are R4's): every valid FHIR
`instant`, `dateTime` and `date` is accepted and an invalid one is an error
naming the resource and element, so no hand-written JSON walking decides what
a date is. Records are named by resource id (`Appointment/a1`, `Patient/p1`).

- Status: booked, arrived, checked-in and fulfilled make a packet; proposed,
  pending and waitlist are not yet booked and cancelled, noshow and
  entered-in-error will not happen: those are skipped with the reason.
- Patient instructions: `patientInstruction` only (never `comment` or `description`).
- The performing provider: a Practitioner or PractitionerRole actor, preferring
  participant type PPRF, then ATND, SPRF, PART, then an untyped participant;
  a display-only actor of no known type (a room) never is (`fhir_people`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from ..errors import PacketError, SourcePos, UnusableInput
from ..settings import FhirSettings
from .code_systems import ProcedureTest, fhir_system
from .fhir_people import Actors, Index, id_in_url, ordered_side, resolve_actors, typed
from .raw import RawRecord, RecordFailure, instruction_lines

MAKES = {"booked", "arrived", "checked-in", "fulfilled"}
SKIPS = {
    "cancelled": "cancelled",
    "noshow": "a no-show",
    "entered-in-error": "entered in error",
    "proposed": "only proposed, not yet booked",
    "pending": "pending, not yet booked",
    "waitlist": "on a waiting list, not yet booked",
}
PATIENT_FIELDS = ("mrn", "first_name", "last_name", "name", "name_suffix", "date_of_birth", "language", "email")
CANCELS = {"cancelled", "noshow", "entered-in-error"}
LABELS = {
    "appointment_id": "id",
    "start": "start",
    "procedure": "serviceType/appointmentType",
    "procedure_system": "serviceType/appointmentType (coding.system)",
    "instructions": "patientInstruction",
    "provider": "participant.actor (Practitioner)",
    "location": "participant.actor (Location)",
    "mrn": "identifier (of type MR)",
    "last_name": "name.family",
    "first_name": "name.given",
    "name": "name.text",
    "name_suffix": "name.suffix",
    "date_of_birth": "birthDate",
    "language": "communication.language",
    "email": "telecom (system email)",
    "encounter": "Encounter.identifier",
    "laterality": "ServiceRequest.bodySite",
}
Resource = dict[str, Any]


def read_fhir(
    path: Path, shown: str, settings: FhirSettings, is_procedure: ProcedureTest
) -> Iterator[RawRecord | RecordFailure]:
    """Yield one record per Appointment in the Bundle."""
    bundle = _load(path, shown)
    index = _index(bundle)
    encounters = _encounters(index)
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "Appointment":
            record = _appointment(resource, index, shown, settings, is_procedure)
            found = encounters.get(id(resource))
            if isinstance(record, RawRecord) and not record.skip and found:
                record.fields["encounter"], record.lines["encounter"] = found
            if isinstance(record, RawRecord) and not record.skip:
                record = _with_side(record, resource, index, shown)
            yield record


def _with_side(record: RawRecord, resource: Resource, index: Index, shown: str) -> RawRecord:
    """The record with the side its order names (`basedOn` ServiceRequest's `bodySite`), if any."""
    ordered = ordered_side(resource, index, shown)
    if ordered.side is not None and ordered.where is not None:
        record.fields["laterality"], record.lines["laterality"] = ordered.side, ordered.where
    return dataclasses.replace(record, warnings=record.warnings + ordered.warnings) if ordered.warnings else record


def _load(path: Path, shown: str) -> Resource:
    try:
        bundle = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise UnusableInput(PacketError(SourcePos(shown, 1), "", "not UTF-8 text")) from None
    except json.JSONDecodeError as exc:
        raise UnusableInput(PacketError(SourcePos(shown, exc.lineno), "", f"JSON syntax error: {exc.msg}")) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise UnusableInput(PacketError(SourcePos(shown, 1), "resourceType", "expected a FHIR Bundle"))
    return bundle


def _index(bundle: Resource) -> Index:
    """Resources by every name a reference may use: fullUrl and Type/id."""
    index = Index()
    for number, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        url = str(entry.get("fullUrl") or "")
        if url:
            index[url], index.urls[id(resource)] = resource, url
        if resource.get("id"):
            index[f"{kind}/{resource['id']}"] = resource
        index.names[id(resource)] = f"{kind}/{resource['id']}" if resource.get("id") else url or f"entry[{number}]"
    return index


def _encounters(index: Index) -> dict[int, tuple[str, str]]:
    """The visit number of each Appointment an Encounter in the Bundle names (`Encounter.appointment`):
    its official identifier (else its first), by the Appointment resource it references."""
    found: dict[int, tuple[str, str]] = {}
    for resource in {id(r): r for r in index.values() if r.get("resourceType") == "Encounter"}.values():
        identifiers = [i for i in resource.get("identifier") or [] if isinstance(i, dict) and i.get("value")]
        identifiers.sort(key=lambda i: i.get("use") != "official")
        if not identifiers:
            continue
        for reference in resource.get("appointment") or []:
            target = index.get(str(reference.get("reference", ""))) if isinstance(reference, dict) else None
            if target is not None:
                found.setdefault(id(target), (str(identifiers[0]["value"]), index.name(resource)))
    return found


def _appointment(
    resource: Resource,
    index: Index,
    shown: str,
    settings: FhirSettings,
    is_procedure: ProcedureTest,
) -> RawRecord | RecordFailure:
    place = SourcePos(shown, index.name(resource))
    # A message Bundle names its entries by fullUrl (`urn:uuid:…`) and may give no id: the fullUrl's.
    url = index.urls.get(id(resource))
    own_id = resource.get("id") or (id_in_url(url) if url else None)
    appt = typed(FhirAppointment, resource, place)
    if isinstance(appt, RecordFailure):
        return RecordFailure(place, appt.errors, own_id)
    status = str(appt.status or "")
    if status in SKIPS:
        warning = f"{place}: warning: status: the appointment is {SKIPS[status]}; skipped"
        only_id = {"appointment_id": own_id} if own_id else {}
        return RawRecord(place, only_id, warnings=(warning,), skip=SKIPS[status], cancels=status in CANCELS)
    actors = resolve_actors(appt, index, shown, place)
    if isinstance(actors, RecordFailure):
        return RecordFailure(place, actors.errors, own_id)
    labels = LABELS if resource.get("id") else {**LABELS, "appointment_id": "fullUrl"}
    return _record(appt, own_id, actors, place, settings, is_procedure, labels)


def _record(
    appt: Any,
    own_id: str | None,
    actors: Actors,
    place: SourcePos,
    settings: FhirSettings,
    is_procedure: ProcedureTest,
    labels: dict[str, str],
) -> RawRecord | RecordFailure:
    patient = actors.patient_fields(settings)
    if isinstance(patient, RecordFailure):
        return RecordFailure(place, patient.errors, own_id)
    warnings = [*patient.warnings]
    procedure, procedure_system = _procedure(appt, is_procedure, settings)
    fields: dict[str, Any] = {
        "appointment_id": own_id,
        "start": appt.start.isoformat(timespec="seconds") if appt.start else None,
        "procedure": procedure,
        "procedure_system": procedure_system,
        "instructions": instruction_lines(appt.patientInstruction or ""),
        "location": actors.location,
        **patient.fields,
    }
    provider_from = None
    if actors.provider is not None:
        fields["provider"], provider_from = actors.provider
    else:
        warnings.append(
            f"{place}: warning: participant: no Practitioner or PractitionerRole performs the appointment; "
            "the consent leaves the provider's name to be written in"
        )
    lines: dict[str, int | str] = dict.fromkeys(PATIENT_FIELDS, actors.patient_ref)
    lines.update(actors.lines)
    return RawRecord(
        place,
        {k: v for k, v in fields.items() if v not in (None, "", [])},
        lines,
        warnings=tuple(warnings),
        labels=labels,
        provider_optional=True,
        provider_from=provider_from,
    )


def _procedure(appt: Any, is_procedure: ProcedureTest, settings: FhirSettings) -> tuple[str | None, str | None]:
    """The first serviceType or appointmentType code (or its display or text) a packet is for, else the
    first (for the error to name); with the code, its coding system where the coding's `system` is one
    this program (or the site's `fhir.code_systems`) knows: the code then matches only that system's."""
    concepts = [*(appt.serviceType or []), *([appt.appointmentType] if appt.appointmentType else [])]
    names: list[tuple[str, str | None]] = []
    for concept in concepts:
        for coding in concept.coding or []:
            if coding.code:
                names.append((str(coding.code), fhir_system(coding.system, settings.code_systems)))
            if coding.display:
                names.append((str(coding.display), None))
        if concept.text:
            names.append((str(concept.text), None))
    return next((n for n in names if is_procedure(*n)), names[0] if names else (None, None))
