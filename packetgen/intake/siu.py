"""One HL7 v2 SIU message → a record: where each of our fields lives (HL7 v2.5.1, chapter 10).

- Event (MSH-9.2): S12 booked, S13 rescheduled and S14 modified make a packet;
  S15 cancelled, S16 discontinued, S17 deleted and S26 no-show skip it (and remove
  an earlier one); other SIU events change resources, not the appointment.
- Start: the service's own start AIS-4, then TQ1-7, then SCH-11.4 (deprecated
  since v2.5), then the starts of the resources booked with the service (AIL-6,
  AIP-6, AIG-8); when any of those present disagrees with the one used, a
  warning names both fields.
- Patient instructions: only NTEs whose comment type NTE-4 is `PI` (table 0364,
  or the site's `hl7.patient_note_types`), or NTEs under segments the site names;
  every other NTE is a staff note and never prints.
- Provider: only a person (AIP), preferring AIP-4 roles that mean performing;
  rooms (AIL) and equipment (AIG) never are.
- Errors and warnings name the segment-field read (`AIS-3`, `PID-3 (an identifier of type MR)`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..errors import PacketError, SourcePos
from ..settings import Hl7Settings
from .code_systems import ProcedureTest, hl7_system
from .raw import RawRecord, RecordFailure, instruction_lines, side_of_modifiers, usable_language

MAKES = {"S12": "booked", "S13": "rescheduled", "S14": "modified"}
SKIPS = {"S15": "cancelled", "S16": "discontinued", "S17": "deleted", "S26": "a no-show"}
_DTM = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?:\.\d+)?([+-]\d{4})?")
_DEGREES = {"MD", "DO", "PHD", "NP", "PA", "PA-C", "RN", "CRNA", "DDS", "DPM", "MBBS", "FRCR", "FACR"}

LABELS = {
    "appointment_id": "SCH-1",
    "procedure": "AIS-3",
    "procedure_system": "AIS-3.3",
    "mrn": "PID-3 (an identifier of type MR)",
    "last_name": "PID-5.1",
    "first_name": "PID-5.2",
    "date_of_birth": "PID-7",
    "language": "PID-15",
    "provider": "AIP-3",
    "location": "AIL-3",
    "instructions": "NTE-3",
    "encounter": "PV1-19",
    "email": "PID-13 (XTN-4)",
    "name_suffix": "PID-5.4",
}


def read_siu(
    message: Any, place: SourcePos, settings: Hl7Settings, is_procedure: ProcedureTest
) -> RawRecord | RecordFailure:
    """The record one parsed message holds (or why it holds none)."""
    kind, event = _get(message, "MSH", 9, 1).upper(), _get(message, "MSH", 9, 2).upper()
    name = f"{kind}^{event}"
    appointment_id, id_from = appointment_id_of(message, settings)
    mrn, mrn_problem = _mrn(message, settings)
    if kind != "SIU":
        return RecordFailure(place, (PacketError(place, "MSH-9", f"expected an SIU message, got {name}"),))
    if event in SKIPS or event not in MAKES:
        reason = (
            f"the appointment was {SKIPS[event]}" if event in SKIPS else "it changes resources, not the appointment"
        )
        warning = f"{place}: warning: MSH-9: {name}: {reason}; skipped"
        # The MRN too: a cancellation may remove an earlier packet only for the same patient.
        only_id = {k: v for k, v in (("appointment_id", appointment_id), ("mrn", mrn)) if v}
        return RawRecord(
            place,
            only_id,
            warnings=(warning,),
            labels=dict(LABELS, appointment_id=id_from),
            event=name,
            skip=SKIPS.get(event, "not read"),
            cancels=event in SKIPS,
        )
    warnings: list[str] = []
    labels = dict(LABELS, appointment_id=id_from)
    ais = _procedure_service(message, is_procedure, settings)
    procedure, procedure_system = _procedure(message, ais, settings)[0]
    start, labels["start"] = _start(message, ais, place, warnings)
    provider, provider_from = _provider(message, settings, place, warnings)
    language = _get(message, "PID", 15, 1)
    fields: dict[str, Any] = {
        "appointment_id": appointment_id,
        "start": start,
        "procedure": procedure,
        "procedure_system": procedure_system,
        "mrn": mrn,
        **_patient_name(message),
        "date_of_birth": _date(_get(message, "PID", 7, 1)),
        "language": _language(language, place, warnings),
        "provider": provider,
        "location": _location(message),
        "instructions": list(_patient_notes(message, settings)),
        "encounter": _get(message, "PV1", 19, 1),
        "email": _email(message),
    }
    if settings.laterality_field:  # the site's field of CPT modifiers: LT, RT, 50 give the side
        labels["laterality"] = settings.laterality_field
        fields["laterality"] = _side(message, settings.laterality_field, ais, place, warnings)
    reasons = {"mrn": mrn_problem} if mrn_problem else {}
    kept = {k: v for k, v in fields.items() if v not in (None, "", [])}
    return RawRecord(
        place,
        kept,
        warnings=tuple(warnings),
        labels=labels,
        event=name,
        provider_optional=True,
        provider_from=provider_from,
        missing_because=reasons,
    )


def appointment_id_of(message: Any, settings: Hl7Settings) -> tuple[str, str]:
    """The appointment id from the first of the site's `hl7.appointment_id` fields that has one, and
    that field's name (the first named when none has)."""
    for name in settings.appointment_id:
        segment, _, rest = name.partition("-")
        field, _, component = rest.partition(".")
        value = _get(message, segment, int(field), int(component or 1))
        if value:
            return value, name
    return "", settings.appointment_id[0]


def _side(message: Any, name: str, ais: int, place: SourcePos, warnings: list[str]) -> str | None:
    """The side the CPT modifiers in field `name` (`hl7.laterality_field`, `AIS-12`) name: component 1
    of each repetition (or the one `name` gives), in the procedure's own AIS; a warning when they name
    different sides."""
    segment, _, rest = name.partition("-")
    field, _, component = rest.partition(".")
    occurrence = ais if segment == "AIS" else 1
    codes = [
        _get(message, segment, int(field), int(component or 1), occurrence, repetition)
        for repetition in range(1, _repetitions(message, segment, int(field), occurrence) + 1)
    ]
    side, warning = side_of_modifiers(codes, f"{place}: warning: {name}")
    if warning:
        warnings.append(warning)
    return side


def _get(message: Any, segment: str, field: int, component: int, occurrence: int = 1, repetition: int = 1) -> str:
    """One component of one field, unescaped by python-hl7; '' when absent."""
    try:
        return str(message.extract_field(segment, occurrence, field, repetition, component)).strip()
    except (KeyError, IndexError):
        return ""


def _count(message: Any, segment: str) -> int:
    try:
        return len(message.segments(segment))
    except KeyError:
        return 0


def _repetitions(message: Any, segment: str, field: int, occurrence: int = 1) -> int:
    try:
        value = message.segments(segment)[occurrence - 1][field]
    except (KeyError, IndexError):
        return 0
    return len(value) if value and isinstance(value[0], list) else 1


def _procedure_service(message: Any, is_procedure: ProcedureTest, settings: Hl7Settings) -> int:
    """The AIS occurrence (1-based) whose service a packet describes, else the first."""
    for n in range(1, _count(message, "AIS") + 1):
        if any(is_procedure(value, system) for value, system in _procedure(message, n, settings)):
            return n
    return 1


def _procedure(message: Any, ais: int, settings: Hl7Settings) -> list[tuple[str, str | None]]:
    """What AIS-3 of one occurrence names the service by, first the one the record keeps: its code (3.1)
    with the coding system 3.3 names (None when it names none, or one not known), then its text (3.2)
    with none; `[("", None)]` when it has neither."""
    code, text = _get(message, "AIS", 3, 1, ais), _get(message, "AIS", 3, 2, ais)
    named = [(code, hl7_system(_get(message, "AIS", 3, 3, ais), settings.code_systems))] if code else []
    named += [(text, None)] if text else []
    return named or [("", None)]


_RESOURCE_STARTS = {"AIL": 6, "AIP": 6, "AIG": 8}
"""Where each resource segment holds its start (HL7 v2.5.1 chapter 10; AIG-6 is its quantity)."""


def _start(message: Any, ais: int, place: SourcePos, warnings: list[str]) -> tuple[str | None, str]:
    """The start by the documented precedence; a warning for every other start field that differs."""
    found = [
        ("AIS-4", _get(message, "AIS", 4, 1, ais)),
        ("TQ1-7", _get(message, "TQ1", 7, 1)),
        ("SCH-11.4", _get(message, "SCH", 11, 4)),
        *_resource_starts(message, ais),
    ]
    present = [(label, value) for label, value in found if value]
    if not present:
        return None, "AIS-4"
    (used, value), *others = present
    named: set[str] = set()
    for label, other in others:
        if label not in named and not _same_moment(value, other):
            named.add(label)
            warnings.append(f"{place}: warning: {used}: {used} and {label} give different start times; {used} was used")
    return _timestamp(value), used


def _resource_starts(message: Any, ais: int) -> list[tuple[str, str]]:
    """AIL-6, AIP-6 and AIG-8 of the resources booked with the service (its RGS group; the whole
    message when it has no RGS segments)."""
    group, seen, owner = 0, dict.fromkeys(("AIS", *_RESOURCE_STARTS), 0), {}
    for segment in message:
        name = str(segment[0]).strip()
        if name == "RGS":
            group += 1
        elif name in seen:
            seen[name] += 1
            owner[(name, seen[name])] = group
    wanted = owner.get(("AIS", ais), 0)
    starts = []
    for name, field in _RESOURCE_STARTS.items():
        for n in range(1, seen[name] + 1):
            if owner[(name, n)] == wanted:
                label = f"{name}-{field}" if seen[name] == 1 else f"{name}-{field} ({name} {n})"
                starts.append((label, _get(message, name, field, 1, n)))
    return starts


def _same_moment(a: str, b: str) -> bool:
    first, second = _parse(a), _parse(b)
    if first is None or second is None:
        return a == b
    if (first.tzinfo is None) != (second.tzinfo is None):
        return first.replace(tzinfo=None) == second.replace(tzinfo=None)
    return first == second


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(_timestamp(value))
    except ValueError:
        return None


def _timestamp(value: str) -> str:
    """HL7 DTM `YYYYMMDDHHMM[SS[.S]][+ZZZZ]` → ISO; anything else is left for validation to refuse."""
    match = _DTM.fullmatch(value)
    if not match or match.group(4) is None:
        return value
    y, mo, d, h, mi, s, offset = match.groups()
    text = f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}"
    return text + (f"{offset[:3]}:{offset[3:]}" if offset else "")


def _date(value: str) -> str:
    match = _DTM.fullmatch(value)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else value


def _mrn(message: Any, settings: Hl7Settings) -> tuple[str, str | None]:
    """PID-3's identifier of type MR (PID-3.5), else one from an assigning authority (PID-3.4) the
    site names (`hl7.mrn_assigning_authorities`); a lone untyped identifier is taken as the MRN.
    Else '' and, where untyped identifiers were passed over, why (naming the setting that would take one)."""
    count = _repetitions(message, "PID", 3)
    authorities = {a.upper() for a in settings.mrn_assigning_authorities}
    untyped: list[tuple[int, set[str]]] = []
    for repetition in range(1, count + 1):
        kind = _get(message, "PID", 3, 5, repetition=repetition).upper()
        if kind in ("MR", "MRN"):
            return _get(message, "PID", 3, 1, repetition=repetition), None
        if not kind:
            untyped.append((repetition, _authority(message, repetition)))
    for repetition, authority in untyped:
        if authority & authorities:
            return _get(message, "PID", 3, 1, repetition=repetition), None
    if count == 1 and untyped:
        return _get(message, "PID", 3, 1), None
    named = sorted(a for _, found in untyped for a in found if re.fullmatch(r"[A-Za-z0-9._-]{1,20}", a))
    if not named:
        return "", None
    return "", (
        f"no identifier typed MR (PID-3.5); one assigned by '{named[0]}' (PID-3.4) has no type: if that "
        f"authority assigns this site's medical record numbers, add it to hl7.mrn_assigning_authorities"
    )


def _authority(message: Any, repetition: int) -> set[str]:
    """An identifier's assigning authority (CX-4, a HD): its namespace id and universal id."""
    names = set()
    for sub in (1, 2):
        with contextlib.suppress(KeyError, IndexError):
            names.add(str(message.extract_field("PID", 1, 3, repetition, 4, sub)).strip().upper())
    return names - {""}


def _email(message: Any) -> str:
    """PID-13's Internet address (XTN-4), in the repetition whose use code (XTN-2) is `NET` or whose
    equipment type (XTN-3) is `Internet` or `X.400`; never a phone repetition's XTN-4."""
    for repetition in range(1, _repetitions(message, "PID", 13) + 1):
        use, kind = (_get(message, "PID", 13, c, repetition=repetition).upper() for c in (2, 3))
        if use == "NET" or kind in ("INTERNET", "X.400"):
            found = _get(message, "PID", 13, 4, repetition=repetition)
            if found:
                return found
    return ""


def _patient_name(message: Any) -> dict[str, str]:
    """PID-5, the legal name (XPN.7 = L) where several are given: family, given and further given
    names, and the suffix (XPN.4, `JR`, `III`), which tells a father from his son. The prefix (XPN.5)
    and degree (XPN.6) are titles, not part of the name on a wristband: not printed."""
    count = _repetitions(message, "PID", 5)
    chosen = next((r for r in range(1, count + 1) if _get(message, "PID", 5, 7, repetition=r) == "L"), 1)
    given = " ".join(p for p in (_get(message, "PID", 5, c, repetition=chosen) for c in (2, 3)) if p)
    return {
        "last_name": _get(message, "PID", 5, 1, repetition=chosen),
        "first_name": given,
        "name_suffix": _get(message, "PID", 5, 4, repetition=chosen),
    }


def _language(code: str, place: SourcePos, warnings: list[str]) -> str | None:
    if not code:
        return None
    tag = usable_language(code)
    if tag is None:
        warnings.append(f"{place}: warning: PID-15: not a language code the packets know; English was used")
    return tag


def _provider(
    message: Any, settings: Hl7Settings, place: SourcePos, warnings: list[str]
) -> tuple[str | None, str | None]:
    """The performing person from AIP: by AIP-4 role; a lone AIP without a role; else none."""
    people = []
    for n in range(1, _count(message, "AIP") + 1):
        name = _person(message, n)
        role = (_get(message, "AIP", 4, 1, n) or _get(message, "AIP", 4, 2, n)).upper()
        if name:
            people.append((n, name, role))
    roles = [r.upper() for r in settings.performing_roles]
    performing = sorted((roles.index(role), n, name, role) for n, name, role in people if role in roles)
    if performing:
        _rank, n, name, role = performing[0]
        return name, f"AIP {n} (AIP-4 {role})"
    if len(people) == 1 and not people[0][2]:
        return people[0][1], "AIP 1 (no AIP-4 role)"
    why = "no AIP segment names a person" if not people else "no AIP-4 role marks who performs the procedure"
    warnings.append(f"{place}: warning: AIP-3: {why}; the consent leaves the provider's name to be written in")
    return None, None


def _person(message: Any, occurrence: int) -> str:
    """AIP-3 (XCN) as printed: prefix, given, middle, family, suffix, then the degree."""
    part = {c: _get(message, "AIP", 3, c, occurrence) for c in (2, 3, 4, 5, 6, 7)}
    prefix, degree = part[6], part[7]
    if prefix.upper().replace(".", "") in _DEGREES and not degree:
        prefix, degree = "", prefix  # a degree sent as the prefix is still a degree
    name = " ".join(p for p in (prefix, part[3], part[4], part[2], part[5]) if p)
    return f"{name}, {degree}" if name and degree else name


def _location(message: Any) -> str:
    """AIL-3 (PL): its description (AIL-3.9), else point of care, room and bed."""
    for n in range(1, _count(message, "AIL") + 1):
        description = _get(message, "AIL", 3, 9, n)
        parts = [p for p in (_get(message, "AIL", 3, c, n) for c in (1, 2, 3)) if p]
        if description or parts:
            return description or ", ".join(dict.fromkeys(parts))  # a value repeated in each component once
    return ""


def _patient_notes(message: Any, settings: Hl7Settings) -> Iterator[str]:
    """NTE-3 lines of the notes meant for the patient (by NTE-4 type, or the segment they follow)."""
    types = {t.upper() for t in settings.patient_note_types}
    segments = {s.upper() for s in settings.patient_note_segments}
    parent, occurrence = "", 0
    for segment in message:
        name = str(segment[0]).strip()
        if name != "NTE":
            parent = name
            continue
        occurrence += 1
        kind = (_get(message, "NTE", 4, 1, occurrence) or "").upper()
        if kind not in types and parent not in segments:
            continue
        for repetition in range(1, _repetitions(message, "NTE", 3, occurrence) + 1):
            yield from instruction_lines(_get(message, "NTE", 3, 1, occurrence, repetition))
