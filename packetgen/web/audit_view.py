"""The admin page's audits, a page at a time: the access audit and the delivery audit (prints and
emails), filtered by a date range (the site's days), a user, an action and a patient (name or MRN, any
case: matched through the schedule's lines, by their ids), shown in the site's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from ..store.access import fields
from ..store.consents import SCAN_FILED, SCAN_INCOMPLETE, TABLET_ACTIONS
from ..store.schedule import fold
from ..store.tables import AccessEvent, AuditEvent, ScheduleEntry, utc

PER_PAGE = 200
"""Rows of an audit on one page."""


@dataclass(frozen=True)
class AuditFilter:
    """What the admin asked to see (empty: everything)."""

    since: date | None = None
    until: date | None = None
    """Both days included, at the site."""
    who: str = ""
    action: str = ""
    patient: str = ""
    """A name (or part of one) or an MRN, any case and accents."""
    appointment: str = ""
    page: int = 1
    """Of the access audit."""
    delivery_page: int = 1

    @property
    def any(self) -> bool:
        return bool(self.since or self.until or self.who or self.action or self.patient or self.appointment)


@dataclass(frozen=True)
class Page:
    """One page of an audit: its rows and where it is."""

    rows: list[Any]
    total: int
    number: int
    pages: int
    first: int
    last: int
    headers: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        """`rows 1–200 of 5,310` (or `no rows`)."""
        if not self.total:
            return "no rows"
        if self.total == 1:
            return "1 row"
        return f"rows {self.first:,}–{self.last:,} of {self.total:,}"


def _bounds(chosen: AuditFilter, zone: str) -> tuple[datetime | None, datetime | None]:
    tz = ZoneInfo(zone)  # the site's midnights, as the moments in UTC the store compares
    start = datetime.combine(chosen.since, time(), tz).astimezone(UTC) if chosen.since else None
    end = datetime.combine(chosen.until + timedelta(days=1), time(), tz).astimezone(UTC) if chosen.until else None
    return start, end


def _patients(session: Session, text: str) -> tuple[set[int], set[str], set[str]]:
    """The schedule lines of patients matching `text` (name or MRN, any case): their line ids,
    appointment ids and packet hashes."""
    folded, lowered = fold(text.strip()), text.strip().lower()
    query = select(ScheduleEntry.id, ScheduleEntry.appointment_id, ScheduleEntry.sha256).where(
        or_(
            ScheduleEntry.name_key.contains(folded, autoescape=True),
            func.lower(ScheduleEntry.patient).contains(lowered, autoescape=True),
            func.lower(ScheduleEntry.mrn) == lowered,
        )
    )
    ids, appointments, hashes = set(), set(), set()
    for entry_id, appointment_id, sha256 in session.execute(query):
        ids.add(entry_id)
        if appointment_id:
            appointments.add(appointment_id)
        if sha256:
            hashes.add(sha256)
    return ids, appointments, hashes


def _page_of(session: Session, query: Any, number: int) -> tuple[list[Any], int, int, int]:
    total = int(session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(1, number), pages)
    rows = list(session.scalars(query.offset((number - 1) * PER_PAGE).limit(PER_PAGE)).all())
    return rows, total, number, pages


def _page(rows: list[Any], total: int, number: int, pages: int) -> Page:
    first = (number - 1) * PER_PAGE + 1 if total else 0
    return Page(rows, total, number, pages, first, first + len(rows) - 1 if rows else 0)


def access_page(session: Session, chosen: AuditFilter, zone: str) -> Page:
    """The access audit, newest first: each row's cells as `store.access.fields` gives them, the moment
    in the site's time zone."""
    query = _narrowed(select(AccessEvent).order_by(AccessEvent.id.desc()), AccessEvent, chosen, zone)
    if chosen.who:
        query = query.where(AccessEvent.who == chosen.who)
    if chosen.patient:
        ids, appointments, _hashes = _patients(session, chosen.patient)
        query = query.where(
            or_(AccessEvent.entry_id.in_(ids), AccessEvent.appointment_id.in_(appointments))
            if ids or appointments
            else false()
        )
    rows, total, number, pages = _page_of(session, query, chosen.page)
    tz = ZoneInfo(zone)
    shown = [(local(e.at, tz), *fields(e)[1:]) for e in rows]
    return _page(shown, total, number, pages)


def _narrowed(
    query: Select[Any], table: type[AccessEvent] | type[AuditEvent], chosen: AuditFilter, zone: str
) -> Select[Any]:
    """`query` of either audit kept to the chosen days (the site's), action and appointment."""
    start, end = _bounds(chosen, zone)
    if start is not None:
        query = query.where(table.at >= start)
    if end is not None:
        query = query.where(table.at < end)
    if chosen.action:
        query = query.where(table.action == chosen.action)
    if chosen.appointment:
        query = query.where(table.appointment_id == chosen.appointment)
    return query


def delivery_page(session: Session, chosen: AuditFilter, zone: str) -> Page:
    """The delivery audit (prints, emails and the consents scans found), newest first."""
    query = _narrowed(select(AuditEvent).order_by(AuditEvent.id.desc()), AuditEvent, chosen, zone)
    if chosen.who:  # the web's actors are `web:NAME`
        query = query.where(or_(AuditEvent.actor == chosen.who, AuditEvent.actor == f"web:{chosen.who}"))
    if chosen.patient:
        _ids, appointments, hashes = _patients(session, chosen.patient)
        query = query.where(
            or_(AuditEvent.appointment_id.in_(appointments), AuditEvent.packet_sha256.in_(hashes))
            if appointments or hashes
            else false()
        )
    rows, total, number, pages = _page_of(session, query, chosen.delivery_page)
    tz = ZoneInfo(zone)
    shown = [(local(e.at, tz), e.actor, e.action, e.appointment_id or "", e.target, e.result) for e in rows]
    return _page(shown, total, number, pages)


def local(at: datetime, tz: ZoneInfo) -> str:
    """A stored moment as the site's clock shows it."""
    return utc(at).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def actions(extra: Sequence[str]) -> list[str]:
    """Every action a filter may name: the access audit's and the deliveries' (`print`, `email`, and the
    consents scans found: `scan-filed`, `scan-incomplete`; those signed on a tablet: `tablet-signed`…)."""
    return sorted({*extra, "print", "email", SCAN_FILED, SCAN_INCOMPLETE, *TABLET_ACTIONS.values()})
