"""The schedule's lines (`schedule_entry`), as uploads (the web app) and the MLLP listener put them."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.entry import Entry
from .tables import ScheduleEntry


def patient_of(session: Session, appointment_id: str) -> str | None:
    """The MRN of the record an appointment's packet on the schedule was made from, if any."""
    query = select(ScheduleEntry.record).where(
        ScheduleEntry.appointment_id == appointment_id, ScheduleEntry.status == "ok"
    )
    for record in session.scalars(query):
        mrn = json.loads(record).get("mrn") if record else None
        if isinstance(mrn, str) and mrn:
            return mrn
    return None


def put_entry(
    session: Session,
    entry: Entry,
    moment: datetime,
    hide: str = "",
    folder: str | None = None,
    *,
    today: date | None = None,
) -> ScheduleEntry:
    """The line for what a batch or the listener made of one record: a record for an appointment
    already on the schedule updates its line (whose number, and so its URL, stays). `hide` is removed
    from places and errors (a temporary folder the record was read from); `folder` is where the
    packet was written, when not the web app's output folder (the listener's). A record refused for
    naming another patient than the appointment's packet is for gets a line of its own. The line's
    day is its start's date; a record refused for another reason, the date its input gives as its start
    (`named_start`) when there is one. A record without a start keeps the day of the line it updates (a
    cancellation keeps its time and patient too); a new one (a record that could not be read) is on
    `today`, the site's day it was read, or when that is not given, the day at the site of `moment`."""
    found = None
    lines: dict[str, ScheduleEntry] = session.info.setdefault(_LINES, {})
    if entry.appointment_id and not entry.other_patient:  # another patient's record never takes a line
        found = lines.get(entry.appointment_id)
        if found is None:
            # Lines this session added are in `lines` (only this function makes them): the query needs no
            # flush first, so a batch's new lines are written together when it commits.
            query = select(ScheduleEntry).where(ScheduleEntry.appointment_id == entry.appointment_id)
            with session.no_autoflush:
                found = session.scalars(query).first()
    row = found or ScheduleEntry()
    patient = entry.patient
    cancelled = found is not None and entry.status == "skipped" and patient is None and not entry.start
    kept = (found.start, found.patient, found.date_of_birth, found.mrn, found.provider) if found and cancelled else None
    row.appointment_id = entry.appointment_id
    row.place = entry.place.replace(hide, "") if hide else entry.place
    row.start = entry.start
    row.patient = patient.name if patient else None
    row.procedure = entry.procedure
    row.language = entry.language
    row.layout = entry.layout
    row.department = entry.department
    row.status = entry.status
    row.error = (entry.error.replace(hide, "") if hide else entry.error) if entry.error else None
    row.file = entry.file
    row.sha256 = entry.sha256
    row.email = patient.email if patient else None
    row.date_of_birth = patient.date_of_birth if patient else None
    row.record = json.dumps(dict(patient.fields), ensure_ascii=False) if patient else None
    row.folder = folder
    row.uploaded_at = moment
    given = _day_of(entry.named_start) if entry.status == "error" else None  # a refused record's own day
    row.day = _day_of(entry.start) or given or (row.day if found is not None else None) or today
    fields = patient.fields if patient else {}
    row.mrn = _text(fields.get("mrn"), 64)
    row.provider = _text(fields.get("provider"), 300)
    if kept is not None:  # a cancellation of a line on the schedule: still whose, and when, it was
        row.start, row.patient, row.date_of_birth, row.mrn, row.provider = kept
    if row.patient is None and entry.named:  # a refused record's name, where its input gives one
        row.patient = entry.named[:300]
    if row.mrn is None and entry.named_mrn:  # and its MRN
        row.mrn = entry.named_mrn[:64]
    row.name_key = fold(row.patient)[:300] if row.patient else None
    row.warnings = (
        "\n".join(entry.warnings).replace(hide, "") if entry.warnings and hide else "\n".join(entry.warnings) or None
    )
    row.approval = entry.approval
    row.pages = entry.pages if entry.status == "ok" else None
    if found is None:
        session.add(row)
    if row.appointment_id and not entry.other_patient:
        lines[row.appointment_id] = row
    return row


_LINES = "packetgen.schedule_lines"
"""`Session.info`'s key for the lines `put_entry` found or made in that session, by appointment id."""


def fold(text: str) -> str:
    """`text` for a search that ignores case and accents: "Nguyễn" and "NGUYEN" are both "nguyen"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _day_of(start: str | None) -> date | None:
    try:
        return date.fromisoformat(start[:10]) if start else None
    except ValueError:
        return None


def _text(value: Any, most: int) -> str | None:
    return value[:most] if isinstance(value, str) and value else None
