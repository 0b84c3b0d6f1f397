"""The day's print run, made in the background with its progress on a page of its own (its routes:
`routes/print_runs.py`).

Starting a run records it in the database and answers at once with the run's page; a thread of
this instance merges the packets, noting each one, then prints the file (waiting for the job) or
keeps it to be downloaded. The page asks for the run's state every second (`static/progress.js`;
without script it reloads itself), so any instance can show any run. A run that stops changing
before it has finished was cut off by a restart, and says so.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..delivery import audit
from ..delivery.printing import PrintServer
from ..delivery.service import print_run
from ..errors import UsageError
from ..models.entry import Entry
from ..pdf import print_run as pdf_print_run
from ..settings import Settings
from ..store.tables import PrintRun, ScheduleEntry, utc
from . import schedule
from .context import Context

logger = logging.getLogger(__name__)

STALLED = timedelta(minutes=5)
"""An unfinished run with no progress for this long was cut off (its instance stopped)."""
KEPT = timedelta(hours=1)
"""A run made to be downloaded waits this long, then is removed (it holds patient data)."""
_UNFINISHED = ("merging", "printing")
CANCELLED = "cancelled"


class _Cancelled(Exception):
    """The run was cancelled from its page while it was being put together."""


def today(settings: Settings) -> date:
    """Today on the site's clock (`timezone`)."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def day_rows(session: Session, day: date, timezone: str, department: str | None = None) -> list[schedule.Row]:
    """The lines the schedule shows on `day` (their appointments' date at the site; `schedule.on_day`),
    in time order, with what was done with each packet; dismissed lines left out."""
    return _rows(session, schedule.on_day(day, timezone, department or None))


def chosen_rows(session: Session, ids: Sequence[int]) -> list[schedule.Row]:
    """The lines ticked (whatever their day: a search shows several), dismissed lines left out."""
    return _rows(session, ScheduleEntry.id.in_(list(ids))) if ids else []


def _rows(session: Session, where: Any) -> list[schedule.Row]:
    entries = session.scalars(
        select(ScheduleEntry)
        .where(where, ScheduleEntry.dismissed_at.is_(None))
        .order_by(ScheduleEntry.start, ScheduleEntry.id)
    ).all()
    done = schedule._done(session, [e.sha256 for e in entries if e.sha256])
    return [schedule.Row(e, schedule._state(e, done.get(e.sha256 or "", set()))) for e in entries]


def without_dismissed(session: Session, where: Any, shown: bool) -> tuple[Any, int]:
    """The schedule's lines `where` finds, without the error lines dismissed as handled unless `shown`;
    and how many such lines there are (the page's "show dismissed" link says so)."""
    dismissed = ScheduleEntry.dismissed_at.is_not(None)
    hidden = session.scalar(select(func.count()).select_from(ScheduleEntry).where(where, dismissed)) or 0
    return (where if shown else and_(where, ScheduleEntry.dismissed_at.is_(None))), int(hidden)


def pick(rows: Sequence[schedule.Row], which: str, chosen: set[int]) -> list[ScheduleEntry]:
    """The lines chosen (`selected`), or every line not yet printed, whose packet was made."""
    return [
        r.entry for r in rows
        if r.entry.status == "ok" and r.entry.file and r.entry.sha256
        and (r.entry.id in chosen if which == "selected" else "printed" not in r.state)
    ]  # fmt: skip


def pages_of(entries: Sequence[ScheduleEntry], out_dir: Path) -> int:
    """The pages the run of `entries` will have (`pdf.print_run.run_pages`: each packet's own, a blank
    back where the next would start on a back page)."""
    ordered = sorted(entries, key=lambda e: (e.start or "", e.appointment_id or ""))
    if all(entry.pages for entry in ordered):  # each line knows its packet's pages: no file opened
        return pdf_print_run.run_pages_of([entry.pages or 0 for entry in ordered])
    paths = [entry.packet_path(out_dir) for entry in ordered]
    return pdf_print_run.run_pages([path for path in paths if path is not None])


def start(context: Context, user: str, entries: Sequence[ScheduleEntry], target: str | None, action: str) -> int:
    """Record a run of `entries` (each with its packet) and start its work on a thread of this instance;
    returns its number. `target`: the print queue (checked already), or None to download it."""
    moment = _now()
    with context.store.session() as session:
        _expire(session, context.settings.web.out_dir, moment)
        run = PrintRun(started_by=user, started_at=moment, updated_at=moment, action=action, queue=target,
                       total=len(entries), merged=0, state="merging")  # fmt: skip
        session.add(run)
        session.flush()
        run_id = run.id
    work = _Work(context, run_id, list(entries), target, f"web:{user}")
    logger.info("print run %d started: %d packets, %s", run_id, len(entries), action)
    threading.Thread(target=work.run, name=f"print-run-{run_id}", daemon=True).start()
    return run_id


def take_download(context: Context, run_id: int, taker: str | None) -> Path | None:
    """A run made to be downloaded, once, by the user who started it (`taker`; None: an admin, anyone's):
    its file, renamed as it is taken so that no other request takes it too; the caller sends it from the
    disk (never held whole in memory) and removes it (None when it is not there for this taker)."""
    with context.store.session() as session:
        _expire(session, context.settings.web.out_dir, _now())  # checked at every access, not only at the next run
        run = session.get(PrintRun, run_id)
        if run is None or run.state != "ready" or not run.file or taker not in (None, run.started_by):
            return None
        path = context.settings.web.out_dir / run.file
        taken = path.with_name(f"taken-{secrets.token_hex(8)}-{path.name}")
        try:
            path.rename(taken)
        except FileNotFoundError:
            return None
        run.state, run.file, run.updated_at = "downloaded", None, _now()
    return taken


def cancel(context: Context, run_id: int, actor: str) -> str:
    """Cancel an unfinished run: one still being put together stops before it reaches the printer; one
    at the printer has its job cancelled there (IPP Cancel-Job), so what has not printed yet never
    prints. Returns what became of it, in words."""
    with context.store.session() as session:
        run = session.get(PrintRun, run_id)
        if run is None:
            return "There is no such print run."
        if run.state not in _UNFINISHED:
            return "This run had already finished: nothing was cancelled."
        job_id, queue = run.job_id, run.queue
        run.state, run.updated_at = CANCELLED, _now()
        at_printer = f": job {job_id} was cancelled at the printer; what had not printed by then will not."
        run.message = f"Cancelled by {actor}" + (
            at_printer if job_id else " before it reached the printer: nothing was printed."
        )
        said = run.message
    if job_id is not None:
        try:
            PrintServer(context.settings.cups_server).cancel_job(job_id)
        except UsageError as exc:
            said = f"{said} But the print server said: {exc}"
            _set(context, run_id, message=said)
    logger.info("print run %d cancelled (job %s on %s)", run_id, job_id, queue)
    return said


def _set(context: Context, run_id: int, **changes: Any) -> None:
    with context.store.session() as session:
        run = session.get(PrintRun, run_id)
        if run is not None:
            for key, value in changes.items():
                setattr(run, key, value)


@dataclass(frozen=True)
class RunView:
    """A run as its page shows it."""

    id: int
    state: str
    """The stored state, or `stopped` for a run cut off before it finished."""
    words: str
    merged: int
    total: int
    finished: bool
    downloadable: bool
    cancellable: bool
    started_by: str


def view(session: Session, run_id: int) -> RunView | None:
    """The run as its page shows it (None if there is no such run)."""
    run = session.get(PrintRun, run_id)
    if run is None:
        return None
    state = run.state
    if state in _UNFINISHED and _now() - utc(run.updated_at) > STALLED:
        state = "stopped"
    if state == "ready" and _now() - utc(run.started_at) > KEPT:  # removed at its next access
        state = "expired"
    return RunView(run.id, state, _words(run, state), run.merged, run.total, state not in _UNFINISHED,
                   state == "ready", state in _UNFINISHED, run.started_by)  # fmt: skip


def _words(run: PrintRun, state: str) -> str:
    job = f" (job {run.job_id})" if run.job_id else ""
    words = {
        "merging": f"Putting the {_packets(run.total)} together.",
        "printing": f"Printing {_packets(run.total)} on {run.queue}{job}: waiting for the printer.",
        "ready": f"Ready: {_packets(run.total)} in one file. It is kept for an hour, or until it is downloaded.",
        "downloaded": "Downloaded. To have it again, start a new run from the schedule.",
        "expired": "It was not downloaded within an hour, so it was removed. Start a new run from the schedule.",
        "stopped": "This run stopped before it finished (the app was restarted). Start it again from the schedule.",
    }
    return words.get(state) or run.message or state


class _Work:
    """One run's work, on its own thread: merge (noting each packet), then print or keep."""

    def __init__(
        self, context: Context, run_id: int, entries: Sequence[ScheduleEntry], target: str | None, actor: str
    ) -> None:
        self.context, self.run_id, self.entries, self.target, self.actor = context, run_id, entries, target, actor

    def run(self) -> None:
        try:
            self._run()
        except Exception:  # recording the outcome failed (the database?): the page will say it stopped
            logger.exception("print run %d stopped", self.run_id)

    def _run(self) -> None:
        name = f"print-run-{secrets.token_hex(8)}.pdf"
        path = self.context.settings.web.out_dir / name
        keep = False
        try:
            self._make(path)
            if self.target is None:
                self._note(state="ready", file=name)
                keep = not self._cancelled()
                logger.info("print run %d ready to download", self.run_id)
            else:
                self._print(path, self.target)
        except _Cancelled:
            self._record_cancelled()
        except UsageError as exc:
            if self._cancelled():  # the job cancelled from the run's page: its state says so already
                logger.info("print run %d: job cancelled", self.run_id)
                return
            logger.info("print run %d failed: %s", self.run_id, "; ".join(exc.lines()))  # our words, no values
            self._note(state="failed", message=f"Not printed: {exc}")
        except Exception:  # the page says so; the log has the traceback (its frames, no values)
            logger.exception("print run %d: internal error", self.run_id)
            self._note(state="failed", message="Something went wrong. Please try again, or call the help desk.")
        finally:
            if not keep:
                path.unlink(missing_ok=True)

    def _make(self, path: Path) -> None:
        out_dir = self.context.settings.web.out_dir
        entries = [Entry(e.place, e.appointment_id, "ok", file=str(e.packet_path(out_dir)), start=e.start)
                   for e in self.entries]  # fmt: skip
        pdf_print_run.write_print_run(entries, path.parent, path.name, progress=self._merged)
        if self._cancelled():
            raise _Cancelled

    def _merged(self, merged: int) -> None:
        if self._cancelled():
            raise _Cancelled
        self._note(merged=merged)

    def _cancelled(self) -> bool:
        with self.context.store.reading() as session:
            run = session.get(PrintRun, self.run_id)
            return run is not None and run.state == CANCELLED

    def _record_cancelled(self) -> None:
        """Cancelled before it reached the printer: each packet in the delivery audit, not printed."""
        logger.info("print run %d cancelled before printing", self.run_id)
        if self.target is None:
            return
        with self.context.store.session() as session:
            run = session.get(PrintRun, self.run_id)
            said = (run.message if run else None) or "cancelled"
            for entry in self.entries:
                audit.record(session, _now(), self.actor, audit.PRINT, entry.appointment_id, entry.sha256 or "",
                             self.target, f"cancelled: {said}")  # fmt: skip

    def _submitted(self, job_id: int) -> None:
        """The job is at the printer: noted, or (the run cancelled meanwhile) cancelled there at once."""
        if self._cancelled():
            PrintServer(self.context.settings.cups_server).cancel_job(job_id)
            self._note(job_id=job_id, state=CANCELLED)
            return
        self._note(job_id=job_id)

    def _print(self, path: Path, target: str) -> None:
        settings = self.context.settings
        if self._cancelled():
            raise _Cancelled
        self._note(state="printing")
        packets = [(e.appointment_id, e.sha256 or "") for e in self.entries]
        server = PrintServer(settings.cups_server)
        layout = self.context.library.layout(None)
        job = print_run(self.context.store, server, target, path, packets, layout, self.actor, settings.print_timeout,
                        submitted=self._submitted)  # fmt: skip
        done = f"Printed {_packets(len(self.entries))} on {target} (job {job.job_id})."
        self._note(state="printed", message=done)
        logger.info("print run %d printed: job %d", self.run_id, job.job_id)

    def _note(self, **changes: Any) -> None:
        with self.context.store.session() as session:
            run = session.get(PrintRun, self.run_id)
            if run is not None:
                if run.state == CANCELLED:  # cancelled from its page meanwhile: that stays its state
                    changes = {k: v for k, v in changes.items() if k not in ("state", "message", "file")}
                for key, value in changes.items():
                    setattr(run, key, value)
                run.updated_at = _now()


def _expire(session: Session, out_dir: Path, moment: datetime) -> None:
    """Remove the files of runs made to be downloaded that nobody downloaded in time."""
    waiting = session.scalars(select(PrintRun).where(PrintRun.state == "ready")).all()
    for run in waiting:
        if moment - utc(run.started_at) > KEPT:
            if run.file:
                (out_dir / run.file).unlink(missing_ok=True)
            run.state, run.file, run.updated_at = "expired", None, moment
    for taken in out_dir.glob("taken-*.pdf"):  # a download cut off before its file was removed
        with contextlib.suppress(FileNotFoundError):
            if moment.timestamp() - taken.stat().st_mtime > KEPT.total_seconds():
                taken.unlink()


def _packets(count: int) -> str:
    return "1 packet" if count == 1 else f"{count} packets"


def _now() -> datetime:
    return datetime.now(UTC)
