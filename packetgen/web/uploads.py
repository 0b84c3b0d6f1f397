"""Uploads read in the background, with their progress on a page of their own (`/uploads/<id>`), and
the site's own CSV formats an admin names (a column map and an encoding, as `batch --columns` and
`--encoding` take them).

`POST /upload` keeps the file, records the upload and answers at once with its page; a thread of this
instance reads the file as `batch` does, putting each record on the schedule as its packet is made and
noting the counts. The page reloads itself until the upload is done, then says what became of it in
the words `batch` uses ("197 made, 3 errors"). An upload that stops changing before it has finished was
cut off by a restart, and says so.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..batch.run import BatchOptions, run_batch
from ..errors import PacketgenError
from ..intake.columns import load_column_map
from ..models.entry import Entry
from ..store.schedule import put_entry
from ..store.tables import CsvFormat, Upload, utc
from ..timing import Site
from .context import RENDERING, Context
from .plain import plain_lines
from .schedule import _SAFE, _patient_on_schedule

logger = logging.getLogger(__name__)

STALLED = timedelta(minutes=5)
"""An unfinished upload with no progress for this long was cut off (its instance stopped)."""
KEPT = timedelta(days=3)
"""How long an upload's page (its counts and errors) is kept; the schedule keeps its lines as retention says."""
_EVERY = 0.5
"""Seconds between notes of the progress (and commits of the records read meanwhile)."""
PICK_FORMAT = "pick the CSV format for this file, or ask an admin to add one"
"""What the web says where the command line tells its user to add `--columns` or `--encoding`."""
_FLAG_HINT = re.compile(r"; [^;]*--(?:columns|encoding)\b[^;]*")


@dataclass(frozen=True)
class Format:
    """A CSV format as an upload uses it."""

    name: str
    encoding: str | None
    columns: str


def web_words(line: str) -> str:
    """An error line of the batch without its command-line hints (`--columns`, `--encoding`)."""
    if "--columns" not in line and "--encoding" not in line:
        return line
    return _FLAG_HINT.sub(f"; {PICK_FORMAT}", line)


def plural(count: int, word: str) -> str:
    """`1 record`, `3 records`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def start(context: Context, user: str, raw: bytes, filename: str, fmt: Format | None, wait: float = 0) -> str:
    """Record an upload of `raw` and start reading it on a thread of this instance; returns its id,
    after up to `wait` seconds for its first record (or its refusal: then the caller can say so at once)."""
    upload_id = secrets.token_urlsafe(16)
    moment = _now()
    with context.store.session() as session:
        # An upload's page lists its errors, with patients' names: kept for a few days, not for years.
        session.execute(delete(Upload).where(Upload.started_at < moment - KEPT))
        session.add(Upload(id=upload_id, started_by=user, started_at=moment, updated_at=moment, state="reading",
                           records=0, made=0, failed=0, skipped=0))  # fmt: skip
    work = _Work(context, upload_id, raw, filename, fmt)
    logger.info("upload started: %d bytes", len(raw))
    # The thread carries the upload request's context: its log lines (the batch's too) keep its request id.
    threading.Thread(target=contextvars.copy_context().run, args=(work.run,), name="upload", daemon=True).start()
    work.begun.wait(wait)
    return upload_id


@dataclass(frozen=True)
class UploadView:
    """An upload as its page shows it."""

    id: str
    state: str
    """`reading`, `done`, `refused`, or `stopped` (cut off before it finished)."""
    records: int
    made: int
    failed: int
    skipped: int
    errors: list[str]
    days: list[str]
    """The days of the appointments read (to show them on the schedule)."""
    started_by: str
    """Who uploaded it: the page (its errors name patients) is theirs and admins'."""

    def may_see(self, user: str, role: str) -> bool:
        return role == "admin" or user == self.started_by

    @property
    def finished(self) -> bool:
        return self.state != "reading"

    @property
    def troubled(self) -> bool:
        """Something failed: the summary is a warning, never a green "done"."""
        return self.failed > 0 or self.state in ("refused", "stopped")

    @property
    def summary(self) -> str:
        """What became of it, as `batch` says it: "200 records read: 197 made, 3 errors"."""
        if self.state == "refused":
            return "The file could not be read; no packet was made."
        counts = f"{plural(self.records, 'record')} read: {self.made} made, {plural(self.failed, 'error')}"
        if self.skipped:
            counts += f", {self.skipped} skipped"
        if self.state == "reading":
            return f"Reading the file… {counts} so far."
        if self.state == "stopped":
            return f"This upload stopped before it finished (the app was restarted): {counts}. Upload the file again."
        return counts + "."


def view(session: Session, upload_id: str) -> UploadView | None:
    found = session.get(Upload, upload_id)
    if found is None:
        return None
    state = found.state
    if state == "reading" and _now() - utc(found.updated_at) > STALLED:
        state = "stopped"
    errors = found.errors.splitlines() if found.errors else []
    days = found.days.split() if found.days else []
    return UploadView(
        found.id, state, found.records, found.made, found.failed, found.skipped, errors, days, found.started_by
    )


def formats(session: Session) -> list[CsvFormat]:
    return list(session.scalars(select(CsvFormat).order_by(CsvFormat.name)).all())


def check_columns(text: str) -> list[str]:
    """What is wrong with a column map's text (empty: it is usable)."""
    with tempfile.TemporaryDirectory(prefix="packetgen-columns-") as folder:
        path = Path(folder) / "column map"
        path.write_text(text, encoding="utf-8")
        try:
            load_column_map(path)
        except PacketgenError as exc:
            return [line.replace(f"{folder}/", "") for line in exc.lines()]
    return []


def check_encoding(name: str) -> str | None:
    """The encoding's name as Python knows it, or None if there is none by that name."""
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


class _Work:
    """One upload's work, on its own thread."""

    def __init__(self, context: Context, upload_id: str, raw: bytes, filename: str, fmt: Format | None) -> None:
        self.context, self.upload_id, self.raw, self.filename, self.fmt = context, upload_id, raw, filename, fmt
        self.pending: list[Entry] = []
        self.records = self.made = self.failed = self.skipped = 0
        self.errors: list[str] = []
        self.days: set[str] = set()
        self.noted = time.monotonic()
        self.prefix = ""
        self.begun = threading.Event()
        """Set once the file has been found readable (its first record is in) or refused, or it is done."""

    def run(self) -> None:
        try:
            self._run()
        except Exception:  # the page says so; the log has the frames
            logger.exception("upload stopped")
            self._note(state="refused", extra=["Something went wrong. Please try again, or call the help desk."])
        finally:
            self.begun.set()

    def _run(self) -> None:
        name = "".join(c if c in _SAFE else "_" for c in Path(self.filename).name)[:80] or "upload"
        settings, store = self.context.settings, self.context.store
        with tempfile.TemporaryDirectory(prefix="packetgen-upload-") as folder:
            source = Path(folder) / name
            source.write_bytes(self.raw)
            self.raw = b""  # the file is on disk now: not held twice
            columns = None
            if self.fmt is not None:
                columns = Path(folder) / "column map"
                columns.write_text(self.fmt.columns, encoding="utf-8")
            self.prefix = f"{folder}/"
            options = BatchOptions(
                source=source,
                out_dir=settings.web.out_dir,
                workers=1,
                columns=columns,
                encoding=self.fmt.encoding if self.fmt else None,
                each=self._each,
                earlier_patient=lambda appointment_id: _patient_on_schedule(store, appointment_id),
            )
            try:
                with RENDERING:
                    run_batch(options, report=lambda _line: None, library=self.context.library, settings=settings)
            except PacketgenError as exc:  # the file as a whole: named as uploaded, not as stored
                lines = [web_words(line.replace(self.prefix, "")) for line in exc.lines()]
                self._note(state="refused", extra=lines)
                logger.info("upload refused")
                return
        self._note(state="done")
        logger.info("upload done: %d records, %d made, %d failed", self.records, self.made, self.failed)

    def _each(self, entry: Entry) -> None:
        self.records += 1
        if entry.start and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.start[:10]):
            self.days.add(entry.start[:10])
        if entry.status == "ok":
            self.made += 1
        elif entry.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            self.errors.extend(_said(entry, self.prefix))
        self.pending.append(entry)
        if not self.begun.is_set() or time.monotonic() - self.noted >= _EVERY:
            self._note()
            self.begun.set()

    def _note(self, state: str | None = None, extra: list[str] | None = None) -> None:
        """Put the records read since the last note on the schedule, and the counts on the upload."""
        moment = _now()
        self.errors.extend(extra or [])
        with self.context.store.session() as session:
            for entry in self.pending:
                put_entry(session, entry, moment, self.prefix, today=Site.now(self.context.settings.timezone).today)
            found = session.get(Upload, self.upload_id)
            if found is not None:
                found.records, found.made, found.failed, found.skipped = (
                    self.records, self.made, self.failed, self.skipped
                )  # fmt: skip
                found.errors = "\n".join(self.errors) or None
                found.days = " ".join(sorted(self.days)) or None
                found.updated_at = moment
                if state:
                    found.state = state
        self.pending = []
        self.noted = time.monotonic()


def _said(entry: Entry, hide: str) -> list[str]:
    """A failed record's errors in plain words, each naming the patient where the input has a name, and
    the record's place in the file: `Wang, Wei (today.csv:4): Date of birth: not a real calendar date
    (date_of_birth)`."""
    place = entry.place.replace(hide, "")
    name = entry.patient.name if entry.patient and entry.patient.name else entry.named
    where = f"{name} ({place})" if name else f"Record {place}"
    lines = (entry.error or "").replace(hide, "")
    return [f"{where}: {web_words(line)}" for line in plain_lines(lines)] or [f"{where}: could not be read"]


def _now() -> datetime:
    return datetime.now(UTC)
