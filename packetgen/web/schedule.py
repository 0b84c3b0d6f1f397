"""The schedule: uploads read by the batch intake into entries, and what has been done with each."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ..batch.run import BatchOptions, run_batch
from ..delivery.chart_outbox import sent_to_chart
from ..errors import PacketgenError
from ..library import Library
from ..settings import Settings
from ..store import Store
from ..store.consents import FILED, consent_states, consent_words
from ..store.schedule import fold, patient_of, put_entry
from ..store.tables import AuditEvent, ScheduleEntry
from ..timing import Site
from .context import RENDERING

_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"


class UploadRefused(Exception):
    """The file cannot be read at all; `lines` say why, naming it as it was uploaded."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Row:
    """One schedule line as the page shows it."""

    entry: ScheduleEntry
    state: str
    """`error`, `skipped`, `made`, `printed`, `emailed` or `printed, emailed`."""
    consent: str | None = None
    """The latest scanned consent's state in words (`signed consent filed`, `consent incomplete: missing
    page 3 of 5`), when a scan has found one for the appointment."""


def upload(store: Store, settings: Settings, library: Library, raw: bytes, filename: str) -> int:
    """Read an uploaded CSV, FHIR Bundle or HL7 file as `batch` does, make its packets into the web
    output folder, and put every record on the schedule (a record for an appointment already there
    replaces it). Returns the number of records; PacketgenError if the file is unusable, in the
    words `batch` uses, naming the file as uploaded."""
    name = "".join(c if c in _SAFE else "_" for c in Path(filename).name)[:80] or "upload"
    with tempfile.TemporaryDirectory(prefix="packetgen-upload-") as folder:
        source = Path(folder) / name
        source.write_bytes(raw)
        options = BatchOptions(
            source=source,
            out_dir=settings.web.out_dir,
            workers=1,
            keep_entries=True,
            earlier_patient=lambda appointment_id: _patient_on_schedule(store, appointment_id),
        )
        prefix = f"{folder}/"
        try:
            with RENDERING:
                result = run_batch(options, report=lambda _line: None, library=library, settings=settings)
        except PacketgenError as exc:  # the file as a whole: named as uploaded, not as stored
            raise UploadRefused([line.replace(prefix, "") for line in exc.lines()]) from None
        moment = datetime.now(UTC)
        with store.session() as session:
            for entry in result.entries:
                put_entry(session, entry, moment, prefix, today=Site.now(settings.timezone).today)
        return len(result.entries)


def _patient_on_schedule(store: Store, appointment_id: str) -> str | None:
    with store.reading() as session:
        return patient_of(session, appointment_id)


def rows(session: Session) -> list[Row]:
    """Every entry in time order (errors first: they need a person), with what was done with its packet."""
    order = (ScheduleEntry.status == "ok", func.coalesce(ScheduleEntry.start, ""), ScheduleEntry.id)
    entries = session.scalars(select(ScheduleEntry).order_by(*order)).all()
    done = _done(session, [e.sha256 for e in entries if e.sha256])
    consents = _consents(session, entries)
    return [Row(e, _state(e, done.get(e.sha256 or "", set())), consents.get(e.id)) for e in entries]


def entry(session: Session, entry_id: int) -> Row | None:
    found = session.get(ScheduleEntry, entry_id)
    if found is None:
        return None
    done = _done(session, [found.sha256] if found.sha256 else [])
    return Row(found, _state(found, done.get(found.sha256 or "", set())), _consents(session, [found]).get(found.id))


def _consents(session: Session, entries: Sequence[ScheduleEntry]) -> dict[int, str]:
    """Per line (its number), its appointment's latest scanned consent in words, for those that have one
    (`signed consent filed, sent to the chart` once the chart has it)."""
    states = consent_states(session, (e.appointment_id for e in entries if e.status == "ok"))
    charted = sent_to_chart(session, (a for a, row in states.items() if row.state == FILED))
    return {
        e.id: consent_words(states[e.appointment_id]) + (", sent to the chart" if e.appointment_id in charted else "")
        for e in entries
        if e.status == "ok" and e.appointment_id in states
    }


def _done(session: Session, hashes: Sequence[str]) -> dict[str, set[str]]:
    """Per packet hash, the deliveries that went: `printed`, `emailed`."""
    return _done_among(session, hashes) if hashes else {}


def _state(found: ScheduleEntry, done: set[str]) -> str:
    if found.status != "ok":
        return found.status
    return ", ".join(sorted(done)) if done else "made"


PAGE_SIZE = 100
"""Lines on one page of the schedule."""

SORTS = ("time", "patient", "procedure", "state")
"""What the schedule's columns sort by (`?sort=`; `-time` the other way round)."""

_STATE_ORDER = {"error": 0, "skipped": 1, "made": 2, "emailed": 3, "printed": 4, "emailed, printed": 5}


@dataclass(frozen=True)
class Listing:
    """One page of the day's (or a search's) lines, and what the page says about all of them."""

    rows: list[Row]
    total: int
    counts: dict[str, int]
    """Lines per state (`made`, `printed`, `emailed`, `error`, `skipped`; `printed` includes lines
    also emailed), and `draft`: lines whose packet was made from content not yet approved."""
    page: int
    pages: int
    sort: str

    @property
    def first(self) -> int:
        """The number of this page's first line (1-based; 0 when there is none)."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants the day at the site starts and ends (its midnight to the next)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def on_day(day: date, timezone: str, department: str | None = None) -> ColumnElement[bool]:
    """The lines the schedule shows on `day`: those starting that day at the site, and those with no
    start (a record that could not be read) uploaded that day; narrowed to a department, with every
    line that has none (a record refused before its department was known: never hidden)."""
    start, end = day_bounds(day, timezone)
    unread = and_(ScheduleEntry.day.is_(None), ScheduleEntry.uploaded_at >= start, ScheduleEntry.uploaded_at < end)
    found = or_(ScheduleEntry.day == day, unread)
    if department:
        found = and_(found, or_(ScheduleEntry.department == department, ScheduleEntry.department.is_(None)))
    return found


def matching(text: str) -> ColumnElement[bool] | None:
    """The lines a search finds: the name (every word of `text` in it, any case and accents), or the MRN
    exactly, or the appointment id (any case). None when `text` holds nothing to search for."""
    words = [w for w in re.split(r"[\s,]+", fold(text)) if w]
    if not words:
        return None
    exact = text.strip()
    name = and_(*(ScheduleEntry.name_key.like(f"%{_escaped(w)}%", escape="\\") for w in words))
    return or_(name, ScheduleEntry.mrn == exact, func.lower(ScheduleEntry.appointment_id) == exact.lower())


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def listing(session: Session, where: ColumnElement[bool], sort: str = "time", page: int = 1) -> Listing:
    """A page of the lines `where` finds, sorted by `sort` (one of SORTS, `-` before it the other way
    round), with the count of each state over all of them. Reads a few columns of every line found
    (thousands a day) and whole lines only for the page."""
    e = ScheduleEntry
    columns = (e.id, e.start, e.name_key, e.procedure, e.status, e.sha256, e.approval)
    found: list[tuple[Any, ...]] = [tuple(line) for line in session.execute(select(*columns).where(where))]
    hashes = select(ScheduleEntry.sha256).where(where, ScheduleEntry.sha256.is_not(None))
    done = _done_among(session, hashes)
    nothing: set[str] = set()
    states: dict[int, str] = {}
    counts: dict[str, int] = {}
    for number, _start, _name, _procedure, status, sha256, approval in found:
        state = states[number] = _state_of(status, done.get(sha256, nothing) if sha256 else nothing)
        shown = "printed" if "printed" in state else state
        counts[shown] = counts.get(shown, 0) + 1
        if approval and "draft" in approval:
            counts["draft"] = counts.get("draft", 0) + 1
    backwards = sort.startswith("-")
    by = sort.lstrip("-")
    if by not in SORTS:
        by, backwards = "time", False
    column = {"patient": 2, "procedure": 3}.get(by)

    def order(line: tuple[Any, ...]) -> tuple[Any, ...]:
        if column is not None:
            return (line[column] or "", line[1] or "", line[0])
        if by == "state":
            return (_STATE_ORDER.get(states[line[0]], 9), line[1] or "", line[0])
        return (line[1] or "", line[0])

    ordered = sorted(found, key=order, reverse=backwards)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    ids = [line[0] for line in ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    whole = {e.id: e for e in session.scalars(select(ScheduleEntry).where(ScheduleEntry.id.in_(ids)))} if ids else {}
    consents = _consents(session, list(whole.values()))
    rows = [Row(whole[i], states[i], consents.get(i)) for i in ids if i in whole]
    return Listing(rows, len(ordered), counts, page, pages, ("-" if backwards else "") + by)


def neighbours(session: Session, found: ScheduleEntry) -> tuple[int | None, int | None]:
    """The lines before and after `found` on its day, in time order (the patient page's previous and
    next patient): (None, None) for a line without a day."""
    if found.day is None:
        return None, None
    same_day = (ScheduleEntry.day == found.day, ScheduleEntry.id != found.id)
    when = found.start or ""
    before = session.scalars(
        select(ScheduleEntry.id)
        .where(
            *same_day, or_(ScheduleEntry.start < when, and_(ScheduleEntry.start == when, ScheduleEntry.id < found.id))
        )
        .order_by(ScheduleEntry.start.desc(), ScheduleEntry.id.desc())
        .limit(1)
    ).first()
    after = session.scalars(
        select(ScheduleEntry.id)
        .where(
            *same_day, or_(ScheduleEntry.start > when, and_(ScheduleEntry.start == when, ScheduleEntry.id > found.id))
        )
        .order_by(ScheduleEntry.start, ScheduleEntry.id)
        .limit(1)
    ).first()
    return before, after


def _done_among(session: Session, hashes: Select[Any] | Sequence[str]) -> dict[str, set[str]]:
    """Per packet hash, the deliveries that went (`printed`, `emailed`), for the packets `hashes` names
    or selects (a subquery: any number of them)."""
    events = session.execute(
        select(AuditEvent.packet_sha256, AuditEvent.action, AuditEvent.result).where(
            AuditEvent.packet_sha256.in_(hashes), AuditEvent.action.in_(("print", "email"))
        )
    )
    done: dict[str, set[str]] = {}
    for sha256, action, result in events:
        if action == "print" and result.startswith("printed"):
            done.setdefault(sha256, set()).add("printed")
        elif action == "email" and result == "sent":
            done.setdefault(sha256, set()).add("emailed")
    return done


def _state_of(status: str, done: set[str]) -> str:
    if status != "ok":
        return status
    return ", ".join(sorted(done)) if done else "made"
