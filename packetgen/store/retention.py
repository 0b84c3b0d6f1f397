"""Retention: patient data at rest removed once a site no longer needs it (issue 26).

`purge` deletes, in the caller's transaction:
- schedule lines whose appointment (or, without a start, whose upload) is more than `schedule_days`
  ago, with the packet each made in the web output folder; the listener's packets of those days,
  with their files; the inbox's messages received before then that were dealt with (a message
  still `stored` waits for its packet); sent emails' rows (the recipient's address); finished
  print runs; what scans found (`scanned_consent`: the filed PDFs themselves are the site's record);
  the chart's outbox rows (`chart_message`, each holding its PDF until sent) that were sent, refused or
  replaced (a row still queued or being sent waits for its answer); signing sessions (`signing_session`,
  what a tablet captured) open longer than `SIGNING_LIFETIME`, abandoned;
- packets older than `packets_days` in the web output folder (a line keeps its record and can be
  made again);
- the audits' rows (deliveries and access) older than `audit_years`: six at least, and the database
  refuses to delete a younger row whatever the settings say (migration 0015).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from ..settings import Settings
from .engine import Store
from .tables import (
    AccessEvent,
    AuditEvent,
    ChartMessage,
    InboxMessage,
    OutboxMessage,
    Packet,
    PrintRun,
    ScannedConsent,
    ScheduleEntry,
    SigningSession,
)

logger = logging.getLogger(__name__)

_FINISHED_RUNS = ("printed", "downloaded", "expired", "failed")
_DONE_CHART = ("sent", "failed", "replaced")
SIGNING_LIFETIME = timedelta(hours=2)
"""A signing session open longer than this is abandoned: what it captured is removed."""


@dataclass(frozen=True)
class Purged:
    """How many of each were removed."""

    schedule_lines: int = 0
    packets: int = 0
    inbox_messages: int = 0
    listener_packets: int = 0
    sent_emails: int = 0
    print_runs: int = 0
    audit_events: int = 0
    """Rows of both audits (deliveries and access)."""
    scanned_consents: int = 0
    """Rows of what scans found (`scanned_consent`), not the filed PDFs."""
    chart_messages: int = 0
    """The chart's outbox rows (`chart_message`) done with: sent, refused or replaced."""
    signing_sessions: int = 0
    """Signing sessions left open past their lifetime (what a tablet captured, never signed)."""

    def line(self) -> str:
        counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in vars(self).items())
        return f"purge: removed {counts}"


def purge(
    session: Session,
    out_dir: Path,
    now: datetime,
    zone: ZoneInfo,
    schedule_days: int,
    packets_days: int,
    audit_years: int = 6,
) -> Purged:
    """Remove what the retention periods have passed (see the module's docstring)."""
    cutoff = now - timedelta(days=schedule_days)
    local_cutoff = cutoff.astimezone(zone).strftime("%Y-%m-%dT%H:%M")  # starts are site-local text
    old_lines = session.scalars(
        select(ScheduleEntry).where(
            ScheduleEntry.uploaded_at < cutoff, or_(ScheduleEntry.start.is_(None), ScheduleEntry.start < local_cutoff)
        )
    ).all()
    files = sum(_remove(entry.packet_path(out_dir)) for entry in old_lines if entry.folder is None)
    for entry in old_lines:
        session.delete(entry)
    files += _expire_packets(session, out_dir, now - timedelta(days=packets_days))
    listener = session.scalars(select(Packet).where(Packet.local_start < local_cutoff)).all()
    for packet in listener:
        _remove(Path(packet.out_dir) / packet.file)
        session.delete(packet)
    inbox = session.execute(
        delete(InboxMessage).where(InboxMessage.received_at < cutoff, InboxMessage.state != "stored")
    ).rowcount  # type: ignore[attr-defined]
    sent = session.execute(
        delete(OutboxMessage).where(OutboxMessage.state == "sent", OutboxMessage.created_at < cutoff)
    ).rowcount  # type: ignore[attr-defined]
    runs = session.scalars(
        select(PrintRun).where(PrintRun.state.in_(_FINISHED_RUNS), PrintRun.started_at < cutoff)
    ).all()
    for run in runs:
        if run.file:
            _remove(out_dir / run.file)
        session.delete(run)
    audits = _purge_audits(session, _years_before(now.astimezone(UTC), audit_years))
    scanned = session.execute(delete(ScannedConsent).where(ScannedConsent.scanned_at < cutoff)).rowcount  # type: ignore[attr-defined]
    charted = session.execute(
        delete(ChartMessage).where(ChartMessage.state.in_(_DONE_CHART), ChartMessage.created_at < cutoff)
    ).rowcount  # type: ignore[attr-defined]
    signing = purge_signing_sessions(session, now)
    return Purged(
        len(old_lines), files, int(inbox), len(listener), int(sent), len(runs), audits, int(scanned), int(charted),
        signing,
    )  # fmt: skip


def purge_signing_sessions(session: Session, now: datetime) -> int:
    """Signing sessions opened more than `SIGNING_LIFETIME` before `now`, removed with what they captured."""
    removed = session.execute(delete(SigningSession).where(SigningSession.created_at < now - SIGNING_LIFETIME))
    return int(removed.rowcount)  # type: ignore[attr-defined]


def _years_before(now: datetime, years: int) -> datetime:
    """The same day and time `years` earlier (28 February for a 29th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _purge_audits(session: Session, before: datetime) -> int:
    """Both audits' rows from before `before`, in a savepoint: should the database refuse (its clock
    behind this machine's, with `audit_years` at six), the audits are kept, a warning logged, and the
    rest of the purge stands."""
    try:
        with session.begin_nested():
            removed = 0
            for table in (AuditEvent, AccessEvent):
                removed += session.execute(delete(table).where(table.at < before)).rowcount  # type: ignore[attr-defined]
    except DatabaseError as error:
        logger.warning(
            "purge: the database kept the audits' rows before %s (%s)", before.isoformat(), type(error).__name__
        )
        return 0
    return int(removed)


def _expire_packets(session: Session, out_dir: Path, before: datetime) -> int:
    """Packets in the web output folder last written before `before`: removed, and the lines that
    name them told they have none (made again from their record when asked)."""
    removed = 0
    for path in sorted(out_dir.glob("*.pdf")) if out_dir.is_dir() else ():
        if path.name.startswith("print-run-"):
            continue  # a run's file goes with its run (an hour after it was made)
        if datetime.fromtimestamp(path.stat().st_mtime, UTC) < before and _remove(path):
            removed += 1
            for entry in session.scalars(
                select(ScheduleEntry).where(ScheduleEntry.file == path.name, ScheduleEntry.folder.is_(None))
            ):
                entry.file, entry.sha256 = None, None
    return removed


def _remove(path: Path | None) -> bool:
    """Delete one file; whether there was one."""
    if path is None or not path.is_file():
        return False
    path.unlink()
    return True


def purge_site(store: Store, settings: Settings, now: datetime | None = None) -> Purged:
    """`purge` with the site's settings (`retention`, `web.out_dir`, `timezone`), in one transaction."""
    with store.session() as session:
        return purge(
            session,
            settings.web.out_dir,
            now or datetime.now(UTC),
            ZoneInfo(settings.timezone),
            settings.retention.schedule_days,
            settings.retention.packets_days,
            settings.retention.audit_years,
        )
