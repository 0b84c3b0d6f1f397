"""The day's print run, made in the background with its progress on a page of its own (its routes:
`routes/print_runs.py`).

Starting a run records it in the database and answers at once with the run's page; a thread of
this instance merges the packets, noting each one, then prints the file (waiting for the job) or
keeps it to be downloaded. The page asks for the run's state every second (`static/progress.js`;
without script it reloads itself), so any instance can show any run. A run that stops changing
before it has finished was cut off by a restart, and says so.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..delivery.printing import PrintServer
from ..delivery.service import print_run
from ..errors import UsageError
from ..models.entry import Entry
from ..pdf import print_run as pdf_print_run
from ..store.tables import PrintRun, ScheduleEntry, utc
from .context import Context

logger = logging.getLogger(__name__)

STALLED = timedelta(minutes=5)
"""An unfinished run with no progress for this long was cut off (its instance stopped)."""
KEPT = timedelta(hours=1)
"""A run made to be downloaded waits this long, then is removed (it holds patient data)."""
_UNFINISHED = ("merging", "printing")


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


def take_download(context: Context, run_id: int, taker: str | None) -> bytes | None:
    """A run made to be downloaded, once, by the user who started it (`taker`; None: an admin, anyone's):
    it leaves the output folder as it is taken (None when it is not there for this taker)."""
    with context.store.session() as session:
        _expire(session, context.settings.web.out_dir, _now())  # checked at every access, not only at the next run
        run = session.get(PrintRun, run_id)
        if run is None or run.state != "ready" or not run.file or taker not in (None, run.started_by):
            return None
        path = context.settings.web.out_dir / run.file
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        path.unlink(missing_ok=True)
        run.state, run.file, run.updated_at = "downloaded", None, _now()
    return data


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
                   state == "ready")  # fmt: skip


def _words(run: PrintRun, state: str) -> str:
    job = f" (job {run.job_id})" if run.job_id else ""
    words = {
        "merging": f"Putting the packets together: {run.merged} of {run.total}.",
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
                keep = True
                logger.info("print run %d ready to download", self.run_id)
            else:
                self._print(path, self.target)
        except UsageError as exc:
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
        pdf_print_run.write_print_run(
            entries, path.parent, path.name, progress=lambda merged: self._note(merged=merged)
        )

    def _print(self, path: Path, target: str) -> None:
        settings = self.context.settings
        self._note(state="printing")
        packets = [(e.appointment_id, e.sha256 or "") for e in self.entries]
        server = PrintServer(settings.cups_server)
        layout = self.context.library.layout(None)
        job = print_run(self.context.store, server, target, path, packets, layout, self.actor, settings.print_timeout,
                        submitted=lambda job_id: self._note(job_id=job_id))  # fmt: skip
        done = f"Printed {_packets(len(self.entries))} on {target} (job {job.job_id})."
        self._note(state="printed", message=done)
        logger.info("print run %d printed: job %d", self.run_id, job.job_id)

    def _note(self, **changes: Any) -> None:
        with self.context.store.session() as session:
            run = session.get(PrintRun, self.run_id)
            if run is not None:
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


def _packets(count: int) -> str:
    return "1 packet" if count == 1 else f"{count} packets"


def _now() -> datetime:
    return datetime.now(UTC)
