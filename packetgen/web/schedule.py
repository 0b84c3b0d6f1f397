"""The schedule: uploads read by the batch intake into entries, and what has been done with each."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..batch.run import BatchOptions, run_batch
from ..errors import PacketgenError
from ..library import Library
from ..settings import Settings
from ..store import Store
from ..store.schedule import patient_of, put_entry
from ..store.tables import AuditEvent, ScheduleEntry
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
                put_entry(session, entry, moment, prefix)
        return len(result.entries)


def _patient_on_schedule(store: Store, appointment_id: str) -> str | None:
    with store.reading() as session:
        return patient_of(session, appointment_id)


def rows(session: Session) -> list[Row]:
    """Every entry in time order (errors first: they need a person), with what was done with its packet."""
    order = (ScheduleEntry.status == "ok", func.coalesce(ScheduleEntry.start, ""), ScheduleEntry.id)
    entries = session.scalars(select(ScheduleEntry).order_by(*order)).all()
    done = _done(session, [e.sha256 for e in entries if e.sha256])
    return [Row(e, _state(e, done.get(e.sha256 or "", set()))) for e in entries]


def entry(session: Session, entry_id: int) -> Row | None:
    found = session.get(ScheduleEntry, entry_id)
    if found is None:
        return None
    done = _done(session, [found.sha256] if found.sha256 else [])
    return Row(found, _state(found, done.get(found.sha256 or "", set())))


def _done(session: Session, hashes: Sequence[str]) -> dict[str, set[str]]:
    """Per packet hash, the deliveries that went: `printed`, `emailed`."""
    if not hashes:
        return {}
    events = session.execute(
        select(AuditEvent.packet_sha256, AuditEvent.action, AuditEvent.result).where(
            AuditEvent.packet_sha256.in_(set(hashes))
        )
    )
    done: dict[str, set[str]] = {}
    for sha256, action, result in events:
        if action == "print" and result.startswith("printed"):
            done.setdefault(sha256, set()).add("printed")
        elif action == "email" and result == "sent":
            done.setdefault(sha256, set()).add("emailed")
    return done


def _state(found: ScheduleEntry, done: set[str]) -> str:
    if found.status != "ok":
        return found.status
    return ", ".join(sorted(done)) if done else "made"
