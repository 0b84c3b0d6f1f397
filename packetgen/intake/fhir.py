"""FHIR R4 Bundles: each Appointment with the Patient, Practitioner and Location it references.

Records are named by resource id (`Appointment/a1`, `Patient/p1`) since a
JSON file's lines say little. Cancelled appointments are skipped with a
warning. The Bundle is one JSON document, so it is read whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import PacketError, SourcePos
from .raw import RawRecord, RecordFailure, UnusableInput

SKIPPED_STATUSES = {"cancelled", "noshow", "entered-in-error"}
Resource = dict[str, Any]


def read_fhir(path: Path, shown: str, procedure_keys: frozenset[str]) -> Iterator[RawRecord | RecordFailure]:
    """Yield one record per Appointment in the Bundle."""
    bundle = _load(path, shown)
    resources = [e.get("resource") for e in bundle.get("entry") or [] if isinstance(e, dict)]
    index = _index(bundle)
    for resource in resources:
        if isinstance(resource, dict) and resource.get("resourceType") == "Appointment":
            yield _appointment(resource, index, shown, procedure_keys)


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


def _index(bundle: Resource) -> dict[str, Resource]:
    """Resources by every name a reference may use: fullUrl and Type/id."""
    index: dict[str, Resource] = {}
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if entry.get("fullUrl"):
            index[str(entry["fullUrl"])] = resource
        if resource.get("id"):
            index[f"{resource.get('resourceType')}/{resource['id']}"] = resource
    return index


def _appointment(
    appt: Resource, index: dict[str, Resource], shown: str, procedure_keys: frozenset[str]
) -> RawRecord | RecordFailure:
    ref = f"Appointment/{appt.get('id', '?')}"
    place = SourcePos(shown, ref)
    if appt.get("status") in SKIPPED_STATUSES:
        return RawRecord(place, {}, warnings=(f"{place}: warning: status: appointment is {appt['status']}; skipped",))
    actors = _actors(appt, index)
    patient = actors.get("Patient")
    if patient is None:
        error = PacketError(place, "participant", "no Patient participant found in the Bundle")
        return RecordFailure(place, (error,), appt.get("id"))
    patient_ref = f"Patient/{patient.get('id', '?')}"
    fields: dict[str, Any] = {"appointment_id": appt.get("id"), "start": appt.get("start")}
    fields["procedure"] = _procedure(appt, procedure_keys)
    if appt.get("patientInstruction"):
        fields["instructions"] = [s.strip() for s in str(appt["patientInstruction"]).splitlines() if s.strip()]
    fields.update(_patient(patient))
    if "Practitioner" in actors:
        fields["provider"] = _person_name(actors["Practitioner"])
    elif actors.get("display"):
        fields["provider"] = actors["display"]
    if "Location" in actors:
        fields["location"] = actors["Location"].get("name")
    lines: dict[str, int | str] = {
        k: patient_ref for k in ("mrn", "first_name", "last_name", "date_of_birth", "language")
    }
    return RawRecord(place, {k: v for k, v in fields.items() if v not in (None, "", [])}, lines)


def _actors(appt: Resource, index: dict[str, Resource]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for participant in appt.get("participant") or []:
        actor = participant.get("actor") if isinstance(participant, dict) else None
        if not isinstance(actor, dict):
            continue
        target = index.get(str(actor.get("reference", "")))
        if target is not None:
            found.setdefault(str(target.get("resourceType")), target)
        elif actor.get("display") and not str(actor.get("reference", "")).startswith("Patient"):
            found.setdefault("display", actor["display"])
    return found


def _procedure(appt: Resource, keys: frozenset[str]) -> str | None:
    codes = [
        str(coding.get("code"))
        for concept in [*(appt.get("serviceType") or []), appt.get("appointmentType") or {}]
        for coding in (concept.get("coding") or [] if isinstance(concept, dict) else [])
        if isinstance(coding, dict) and coding.get("code")
    ]
    return next((c for c in codes if c in keys), codes[0] if codes else None)


def _patient(patient: Resource) -> dict[str, Any]:
    name = _official(patient.get("name") or [])
    return {
        "mrn": _mrn(patient.get("identifier") or []),
        "last_name": name.get("family"),
        "first_name": " ".join(name.get("given") or []) or None,
        "date_of_birth": patient.get("birthDate"),
        "language": _language(patient.get("communication") or []),
    }


def _official(names: list[Any]) -> dict[str, Any]:
    usable = [n for n in names if isinstance(n, dict)]
    return next((n for n in usable if n.get("use") == "official"), usable[0] if usable else {})


def _mrn(identifiers: list[Any]) -> str | None:
    for identifier in identifiers:
        codings = ((identifier.get("type") or {}).get("coding") or []) if isinstance(identifier, dict) else []
        if any(isinstance(c, dict) and c.get("code") == "MR" for c in codings):
            value = identifier.get("value")
            return None if value is None else str(value)
    return None


def _language(communications: list[Any]) -> str | None:
    usable = [c for c in communications if isinstance(c, dict)]
    chosen = next((c for c in usable if c.get("preferred")), usable[0] if usable else None)
    codings = ((chosen or {}).get("language") or {}).get("coding") or []
    return next((str(c["code"]) for c in codings if isinstance(c, dict) and c.get("code")), None)


def _person_name(person: Resource) -> str | None:
    name = _official(person.get("name") or [])
    if name.get("text"):
        return str(name["text"])
    parts = [*(name.get("prefix") or []), *(name.get("given") or []), name.get("family"), *(name.get("suffix") or [])]
    return " ".join(str(p) for p in parts if p) or None
