"""The schedule's lines (`schedule_entry`), as uploads (the web app) and the MLLP listener put them."""

from __future__ import annotations

import json
from datetime import datetime

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
    session: Session, entry: Entry, moment: datetime, hide: str = "", folder: str | None = None
) -> ScheduleEntry:
    """The line for what a batch or the listener made of one record: a record for an appointment
    already on the schedule updates its line (whose number, and so its URL, stays). `hide` is removed
    from places and errors (a temporary folder the record was read from); `folder` is where the
    packet was written, when not the web app's output folder (the listener's). A record refused for
    naming another patient than the appointment's packet is for gets a line of its own."""
    found = None
    if entry.appointment_id and not entry.other_patient:  # another patient's record never takes a line
        query = select(ScheduleEntry).where(ScheduleEntry.appointment_id == entry.appointment_id)
        found = session.scalars(query).first()
    row = found or ScheduleEntry()
    patient = entry.patient
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
    if found is None:
        session.add(row)
    return row
