"""Making the packets of acknowledged messages, in the background, with the batch machinery.

A thread takes stored messages oldest first and hands them to `pool.Workers`
running `batch.run_task`, as `generate.py batch` does. Messages for one
appointment run one after another in arrival order (a later SIU^S13 wins, an
S15 removes the packet); different appointments run side by side. Each result
becomes a manifest line, then the message is marked done in the same
transaction that records the appointment's packet; when the queue is empty,
each touched day's print run (`print-run-YYYY-MM-DD.pdf`) is written again
from the packets the appointments have now.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import UTC, date, datetime
from pathlib import Path

from ..batch.manifest import ManifestAppender
from ..batch.pool import Workers
from ..batch.run import Task, run_task
from ..build import Generator
from ..errors import SourcePos
from ..intake.hl7_charset import decode_message
from ..intake.hl7_file import read_message
from ..intake.raw import RecordFailure
from ..models.entry import Entry
from ..pdf.output import remove_pdf
from ..pdf.print_run import write_print_run
from ..settings import Hl7Settings
from ..store import Store
from ..store.schedule import put_entry
from ..timing import Site
from . import inbox

_WINDOW = 8
"""Messages in flight per worker."""
_CHECKPOINT_EVERY = 200
logger = logging.getLogger(__name__)


class Processor:
    """The background thread that turns stored messages into packets."""

    def __init__(
        self,
        generator: Generator,
        hl7: Hl7Settings,
        store: Store,
        manifest: ManifestAppender,
        workers: int,
        today: date | None,
    ) -> None:
        self.generator, self.hl7, self.store, self.manifest, self.workers = generator, hl7, store, manifest, workers
        self._out = str(generator.out_dir)
        """The output folder, as the packet table names it."""
        self._fixed_today = today
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="packet-maker", daemon=True)
        self._idle = threading.Event()
        self._signals = threading.Lock()
        """Orders `wake` against the loop's going idle: a message stored as the loop finds no work
        must not leave it looking idle (wait_idle would return with the message not yet made)."""

    def today(self) -> date:
        """Today at the site (fixed in tests)."""
        return self._fixed_today or Site.now(self.generator.site.timezone).today

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """A message was stored: look for work now."""
        with self._signals:
            self._idle.clear()
            self._wake.set()

    def stop(self) -> None:
        """Finish what is in hand, then end the thread."""
        self._stopping.set()
        self._wake.set()
        self._thread.join()

    def wait_idle(self, timeout: float) -> bool:
        """Block until every stored message is done (for tests and benchmarks)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        try:
            self._loop()
        except Exception:  # never a silent end; what is stored waits for the next start
            logger.exception("the packet maker stopped: stored messages wait until the listener is started again")

    def _loop(self) -> None:
        days: set[str] = set()
        done = 0
        # Rendering in processes of their own, at a lower priority: acknowledgements come first.
        with Workers(run_task, self.generator, self.workers, processes=True, background=True) as workers:
            flight: dict[Future[Entry], tuple[int, str | None]] = {}
            while True:
                self._claim(workers, flight)
                if flight:
                    finished, _ = wait(set(flight), timeout=0.5, return_when=FIRST_COMPLETED)
                    for future in finished:
                        message_id, _appointment = flight.pop(future)
                        days |= self._record(future.result(), message_id)
                        done += 1
                    if done >= _CHECKPOINT_EVERY:  # a long busy spell: keep the write-ahead log short
                        self.store.checkpoint()
                        done = 0
                    continue
                if days:
                    started = time.perf_counter()
                    self._print_runs(workers, days)
                    logger.info("print runs of %d days written: %.2f s", len(days), time.perf_counter() - started)
                    days = set()
                self.store.checkpoint()
                if self._stopping.is_set():
                    return
                with self._signals:
                    if not self._wake.is_set():  # nothing stored since this pass looked for work
                        self._idle.set()
                self._wake.wait(1.0)
                self._wake.clear()

    def _claim(self, workers: Workers[Task, Entry], flight: dict[Future[Entry], tuple[int, str | None]]) -> None:
        room = self.workers * _WINDOW - len(flight)
        if room <= 0 or self._stopping.is_set():
            return
        busy = {appointment for _id, appointment in flight.values()}
        taken = {message_id for message_id, _ in flight.values()}
        with self.store.reading() as session:
            rows = [(r.id, r.appointment_id, r.raw, r.control_id) for r in inbox.waiting(session, limit=room * 4)]
        for message_id, appointment_id, raw, control_id in rows:
            if message_id in taken:
                continue
            if appointment_id is not None and appointment_id in busy:
                continue  # an earlier message of this appointment is in hand: keep their order
            busy.add(appointment_id)
            place = SourcePos("mllp", (control_id or "").strip() or str(message_id))
            text = decode_message(raw.decode("latin-1")).text or ""  # judged decodable when it was received
            record = read_message(text, place, self.hl7, self.generator.library.is_procedure)
            if isinstance(record, RecordFailure):  # judged at receipt; the content may have changed since
                error = "\n".join(str(e) for e in record.errors)
                self._record(Entry(str(place), appointment_id, "error", error=error), message_id)
                continue
            flight[workers.submit(Task(record, None, today=self.today()))] = (message_id, appointment_id)
            room -= 1
            if room <= 0:
                return

    def _record(self, entry: Entry, message_id: int) -> set[str]:
        """The manifest line, then the message done and the appointment's packet, in one commit."""
        self.manifest.write(entry)
        made = f" ({entry.file})" if entry.file and entry.status == "ok" else ""
        logger.info("message %d: appointment %s: %s%s", message_id, entry.appointment_id, entry.status, made)
        days = {entry.start[:10]} if entry.start else set()
        with self.store.session() as session:
            state = inbox.DONE if entry.status != "error" else inbox.ERROR
            inbox.finish(session, message_id, state, entry.to_json())
            if entry.appointment_id and entry.status in ("ok", "skipped"):
                ok = entry.status == "ok"
                before = inbox.set_packet(
                    session,
                    self._out,
                    entry.appointment_id,
                    entry.start if ok else None,
                    entry.file if ok else None,
                    message_id,
                )
                days |= {before} if before else set()
            put_entry(  # on the web app's schedule
                session, entry, datetime.now(UTC), folder=str(self.generator.out_dir.resolve()), today=self.today()
            )
        return days

    def _print_runs(self, workers: Workers[Task, Entry], days: set[str]) -> None:
        """Each day's print run again, from the packets its appointments have now (in a worker:
        merging a day's packets is work the listener's own process should not do)."""
        runs = []
        for day in sorted(days):
            with self.store.reading() as session:
                packets = [
                    Entry("", p.appointment_id, "ok", file=p.file, start=p.local_start)
                    for p in inbox.packets_on(session, self._out, day)
                ]
            runs.append(workers.call(write_day, packets, self.generator.out_dir, day))
        for run in runs:
            run.result()


def write_day(packets: list[Entry], folder: Path, day: str) -> None:
    """Write a day's print run, or remove it when the day has no packet left."""
    name = f"print-run-{day}"
    if packets:
        write_print_run(packets, folder, f"{name}.pdf")
    else:
        remove_pdf(folder, name)
