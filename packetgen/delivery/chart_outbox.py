"""The chart's outbox (`chart_message`): each filed consent to send to the chart, per route, committed
before its first attempt and sent at most once, as the email outbox (`outbox`) does it.

A row is `queued` until an attempt claims it (`sending`, committed before a byte leaves; only one
process can claim it). The receiver taking it makes it `sent` (its PDF is then no longer kept); one
that refuses it (an ACK AE or AR, an HTTP 4xx) makes it `failed` with the reason, not retried by itself
(`chart send --all` tries it again); no answer puts it back to `queued` with a back-off
(`outbox.backoff`). The same filed bytes are queued once per route; a consent filed again before the
earlier filing was sent makes that one `replaced` (never sent).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..store.tables import ChartMessage, ScannedConsent, ScheduleEntry, utc
from .outbox import QUEUED, SENT, backoff, claim_row

FAILED, REPLACED = "failed", "replaced"
MDM, FHIR = "mdm", "fhir"


def enqueue(
    session: Session,
    *,
    appointment_id: str,
    destination: str,
    document_id: str,
    file: str,
    sha256: str,
    pdf: bytes,
    filed_at: datetime,
    now: datetime,
    actor: str,
) -> ChartMessage | None:
    """A new queued row (the caller commits it before any attempt); None when these bytes are already
    queued or sent by this route. Earlier filings of the consent still waiting are `replaced`."""
    known = select(ChartMessage.id).where(ChartMessage.sha256 == sha256, ChartMessage.destination == destination)
    if session.execute(known.limit(1)).first() is not None:
        return None
    session.execute(
        update(ChartMessage)
        .where(
            ChartMessage.appointment_id == appointment_id,
            ChartMessage.destination == destination,
            ChartMessage.state.in_((QUEUED, FAILED)),
        )
        .values(state=REPLACED, pdf=b"", next_attempt_at=None)
    )
    row = ChartMessage(
        appointment_id=appointment_id,
        destination=destination,
        document_id=document_id,
        file=file[:200],
        sha256=sha256,
        filed_at=filed_at,
        created_at=now,
        actor=actor[:200],
        pdf=pdf,
        state=QUEUED,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(row)
    session.flush()
    return row


def claim(session: Session, row_id: int) -> ChartMessage | None:
    """Mark a queued row `sending` (one attempt more); None if another attempt has it or it is done."""
    return claim_row(session, ChartMessage, row_id)


def last_sent(session: Session, appointment_id: str, destination: str) -> ChartMessage | None:
    """The latest version of an appointment's consent this route has sent: what a new one replaces."""
    query = (
        select(ChartMessage)
        .where(
            ChartMessage.appointment_id == appointment_id,
            ChartMessage.destination == destination,
            ChartMessage.state == SENT,
        )
        .order_by(ChartMessage.sent_at.desc(), ChartMessage.id.desc())
    )
    return session.scalars(query.limit(1)).first()


def mark_sent(row: ChartMessage, now: datetime, receipt: str, replaces: str | None) -> None:
    """Taken by the chart: its PDF is no longer kept here."""
    row.state, row.sent_at, row.pdf, row.last_error = SENT, now, b"", None
    row.receipt, row.replaces = receipt[:200], replaces


def mark_refused(row: ChartMessage, reason: str) -> None:
    """Refused by the chart: `failed`, not retried by itself."""
    row.state, row.last_error = FAILED, reason


def mark_retry(row: ChartMessage, reason: str, now: datetime) -> None:
    """Not answered: queued again, due after the back-off."""
    row.state, row.last_error = QUEUED, reason
    row.next_attempt_at = now + backoff(row.attempts)


def due(session: Session, now: datetime | None) -> Sequence[int]:
    """Queued rows whose back-off has passed (every queued one when `now` is None), oldest first."""
    query = select(ChartMessage.id).where(ChartMessage.state == QUEUED).order_by(ChartMessage.id)
    if now is not None:
        query = query.where(ChartMessage.next_attempt_at <= now)
    return session.scalars(query).all()


def requeue_failed(session: Session, now: datetime) -> int:
    """Every refused row queued again, due now (`chart send --all`); how many."""
    result = session.execute(
        update(ChartMessage).where(ChartMessage.state == FAILED).values(state=QUEUED, next_attempt_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def filed_consents(session: Session) -> list[ScannedConsent]:
    """Each appointment's latest filed consent not yet queued (by any route: filing queues it when the
    chart is set), oldest filing first."""
    query = (
        select(ScannedConsent)
        .where(ScannedConsent.state == "filed", ScannedConsent.file.is_not(None))
        .order_by(ScannedConsent.scanned_at, ScannedConsent.id)
    )
    latest = {row.appointment_id: row for row in session.scalars(query)}  # the latest last: it wins
    if not latest:
        return []
    queued_query = (
        select(ChartMessage.appointment_id, func.max(ChartMessage.filed_at))
        .where(ChartMessage.appointment_id.in_(latest))
        .group_by(ChartMessage.appointment_id)
    )
    queued = {a: utc(at) for a, at in session.execute(queued_query)}
    waiting = [r for a, r in latest.items() if a not in queued or queued[a] < utc(r.scanned_at)]
    return sorted(waiting, key=lambda r: (r.scanned_at, r.id))


def patient_record(session: Session, appointment_id: str) -> dict[str, object] | None:
    """The record (its fields, as the feed gave them) the appointment's packet on the schedule was made
    from, if any."""
    query = select(ScheduleEntry.record).where(
        ScheduleEntry.appointment_id == appointment_id, ScheduleEntry.status == "ok", ScheduleEntry.record.is_not(None)
    )
    for record in session.scalars(query.order_by(ScheduleEntry.uploaded_at.desc())):
        fields = json.loads(record) if record else None
        if isinstance(fields, dict) and isinstance(fields.get("mrn"), str) and fields["mrn"]:
            return fields
    return None


def sent_to_chart(session: Session, appointment_ids: Iterable[str | None]) -> set[str]:
    """The appointments whose latest filed consent has been sent to the chart (by any route)."""
    wanted = {a for a in appointment_ids if a}
    if not wanted:
        return set()
    query = select(ChartMessage.appointment_id, ChartMessage.file, ChartMessage.state, ChartMessage.filed_at).where(
        ChartMessage.appointment_id.in_(wanted), ChartMessage.state != REPLACED
    )
    latest: dict[str, tuple[datetime, bool]] = {}
    for appointment_id, _file, state, filed_at in session.execute(query):
        seen = latest.get(appointment_id)
        if seen is None or filed_at > seen[0]:
            latest[appointment_id] = (filed_at, state == SENT)
        elif filed_at == seen[0]:
            latest[appointment_id] = (filed_at, seen[1] or state == SENT)
    return {a for a, (_at, sent) in latest.items() if sent}


def listing(session: Session, include_sent: bool = False) -> Sequence[ChartMessage]:
    """Rows not yet sent (and, asked, the sent ones), oldest first."""
    query = select(ChartMessage).order_by(ChartMessage.id)
    if not include_sent:
        query = query.where(ChartMessage.state.not_in((SENT, REPLACED)))
    return session.scalars(query).all()
