"""Many appointments: stream the records, render them in worker processes, keep a manifest.

Every input record ends as exactly one manifest line: `ok` (written, or
reused by `--resume`), `error` (with its `PATH:LINE` messages), or `skipped`
(e.g. a cancelled appointment). A bad record never stops the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from typing_extensions import TypeIs

from .. import __version__
from ..build import Generated, Generator, make_generator
from ..errors import InputErrors, PacketError, PacketgenError, error_lines
from ..intake import match_content
from ..intake.batch_file import ReadOptions, read_batch
from ..intake.columns import load_column_map
from ..intake.raw import RawRecord, RecordFailure
from ..library import Library
from ..library.figures import figures_in
from ..models import Content
from ..models.entry import Entry, Patient
from ..pdf.output import remove_pdf, remove_stale_temp_files
from ..pdf.print_run import write_print_run
from ..settings import Settings
from ..timing import Site
from .manifest import ManifestWriter, previous_entries
from .pool import Workers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOptions:
    """What `generate.py batch` was asked to do."""

    source: Path
    out_dir: Path
    workers: int = 1
    layout_name: str | None = None
    columns: Path | None = None
    resume: bool = False
    print_run: bool = False
    encoding: str | None = None
    today: date | None = None
    allow_overdue: bool = False
    """Print from content past its review date, marked overdue, instead of refusing those records."""
    keep_recipients: bool = False
    """Keep each packet that has an email address for the caller to email (`BatchResult.to_email`)."""
    keep_entries: bool = False
    """Keep every record's entry, with its patient (`BatchResult.entries`): for a caller that shows
    them (the web schedule), on inputs small enough to hold."""
    earlier_patient: Callable[[str], str | None] | None = None
    """The MRN an earlier run made an appointment's packet for (the web schedule's), if any: a record
    for that appointment naming another patient is refused and never replaces that packet."""
    each: Callable[[Entry], None] | None = None
    """Called with every record's entry as it finishes (the web upload's progress, without holding them all)."""


@dataclass
class BatchResult:
    """Counts for the closing summary, and where the outputs are."""

    ok: int = 0
    reused: int = 0
    failed: int = 0
    skipped: int = 0
    warnings: int = 0
    seconds: float = 0.0
    manifest: Path | None = None
    print_run: Path | None = None
    printable: dict[str, Entry] = field(default_factory=dict)
    """The packet of each appointment for the print run: a later event's replaces an earlier one's,
    a cancellation removes it."""
    entries: list[Entry] = field(default_factory=list)
    """With `keep_entries`: every record's entry, in finishing order."""
    to_email: dict[str, Entry] = field(default_factory=dict)
    """With `keep_recipients`: the packet of each appointment whose record has an email address."""

    def summary(self) -> str:
        made = self.ok - self.reused
        rate = made / self.seconds if self.seconds > 0 else 0.0
        return (
            f"batch: {self.ok} ok ({self.reused} reused), {self.failed} failed, {self.skipped} skipped, "
            f"{self.warnings} warnings, {rate:.1f} packets/s; manifest: {self.manifest}"
        )


@dataclass(frozen=True)
class Task:
    """One record for a worker, with what an earlier run made of it (for `--resume`)."""

    record: RawRecord
    previous: dict[str, Any] | None
    after_earlier: bool = False
    """An earlier record of the run is for the same appointment: this one must run after it."""
    today: date | None = None
    """Today at the site, for a long-lived process whose generator was made on an earlier day."""


Report = Callable[[str], None]


def run_batch(
    options: BatchOptions,
    report: Report,
    advance: Callable[[], None] = lambda: None,
    library: Library | None = None,
    settings: Settings | None = None,
) -> BatchResult:
    """Run a batch (with the project's content, or `library`); UnusableInput/InputErrors/UsageError
    before anything is written if the input is unusable."""
    settings = settings or Settings()
    generator = make_generator(
        settings, options.out_dir, options.layout_name, library, options.today, options.allow_overdue
    )
    read = ReadOptions(
        is_procedure=generator.library.is_procedure,
        columns=load_column_map(options.columns),
        encoding=options.encoding,
        hl7=settings.hl7,
        fhir=settings.fhir,
    )
    _kind, stream = read_batch(options.source, read)
    first = next(stream, None)  # a bad header or encoding is found here, before any output
    records = _chain(first, stream)
    options.out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_stale_temp_files(options.out_dir)
    previous = previous_entries(options.out_dir) if options.resume else {}
    result = BatchResult()
    writer = ManifestWriter(options.out_dir)
    started = time.perf_counter()
    logger.info(
        "batch started: %d workers, resume %s, print run %s", options.workers, options.resume, options.print_run
    )
    with Workers(run_task, generator, options.workers) as workers:
        for entry in workers.run(_tasks(records, previous, options.earlier_patient), _is_task, _in_order):
            writer.write(entry)
            if options.keep_entries:
                result.entries.append(entry)
            if options.each is not None:
                options.each(entry)
            _tally(entry, result, report, keep_for_print=options.print_run, keep_recipients=options.keep_recipients)
            logger.debug("record %s: appointment %s: %s", where(entry.place), entry.appointment_id, _outcome(entry))
            advance()
    result.seconds = time.perf_counter() - started
    result.manifest = writer.close()
    if options.print_run:
        result.print_run = write_print_run(list(result.printable.values()), options.out_dir)
    logger.info(
        "batch finished: %d records: %d ok (%d reused), %d failed, %d skipped, %d warnings; %.2f s",
        result.ok + result.failed + result.skipped,
        result.ok,
        result.reused,
        result.failed,
        result.skipped,
        result.warnings,
        result.seconds,
    )
    return result


def where(place: str) -> str:
    """A record's place for the log: its line, message number or resource id, without the file's
    path (a file's name is its sender's, and may name a patient)."""
    _path, colon, line = place.rpartition(":")
    return line if colon else "?"


def _outcome(entry: Entry) -> str:
    return "ok (reused)" if entry.reused else entry.status


def _chain(
    first: RawRecord | RecordFailure | None, rest: Iterator[RawRecord | RecordFailure]
) -> Iterator[RawRecord | RecordFailure]:
    if first is not None:
        yield first
        yield from rest


def _tasks(
    records: Iterator[RawRecord | RecordFailure],
    previous: dict[str, dict[str, Any]],
    earlier_patient: Callable[[str], str | None] | None = None,
) -> Iterator[Task | Entry]:
    """Records → tasks for the workers, or entries decided here (unreadable, skipped, duplicate).

    A feed's events for one appointment (SIU^S12, then S13 or S15) are taken in order: the later
    one waits for the earlier and wins. Elsewhere a second record for one appointment is an error."""
    first_place: dict[str, str] = {}
    patients: dict[str, tuple[str, str]] = {}  # appointment id → (MRN, place) of the first record naming one
    for record in records:
        if isinstance(record, RecordFailure):
            yield Entry(
                str(record.place), record.appointment_id, "error", error=error_lines(InputErrors(record.errors))
            )
            continue
        appointment_id = record.appointment_id
        repeated = appointment_id is not None and appointment_id in first_place
        if repeated and record.event is None:
            message = f"duplicate of the record at {first_place[appointment_id or '']}"
            error = PacketError(record.place, record.labels.get("appointment_id", "appointment_id"), message)
            yield _decided(record, "error", error=str(error))
            continue
        mrn = record.fields.get("mrn")
        if appointment_id is not None and isinstance(mrn, str) and mrn:
            if appointment_id not in patients and earlier_patient is not None:
                made_for = earlier_patient(appointment_id)
                if made_for is not None:
                    patients[appointment_id] = (made_for, "")
            earlier = patients.setdefault(appointment_id, (mrn, str(record.place)))
            if earlier[0] != mrn:
                said = f"an earlier {'message' if record.event else 'record'} for this appointment"
                error = different_patient(record, f"{said} ({earlier[1]})" if earlier[1] else f"{said}, already made")
                yield _decided(record, "error", error=str(error), other_patient=True)
                continue
        if appointment_id is not None:
            first_place.setdefault(appointment_id, str(record.place))
        if record.skip and not (record.cancels and appointment_id):
            yield _decided(record, "skipped", warnings=list(record.warnings))
            continue
        yield Task(record, previous.get(appointment_id or ""), after_earlier=repeated)


def _decided(record: RawRecord, status: str, **details: Any) -> Entry:
    """The entry for `record` decided before any packet is made (an error, a skip): its place,
    appointment, event and what it gives of who and when."""
    entry = Entry(str(record.place), record.appointment_id, status, event=record.event, **details)
    return given_by(entry, record.fields)


def given_by(entry: Entry, fields: Mapping[str, Any]) -> Entry:
    """`entry` (refused or skipped) with the name, MRN and start its record's input gives, as given: the web
    schedule shows whose line it is and puts it on that day."""
    entry.named = named(fields)
    entry.named_mrn = _given(fields.get("mrn"))
    entry.named_start = _given(fields.get("start"))
    return entry


def _given(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def different_patient(record: RawRecord, earlier: str) -> PacketError:
    """A later message for an appointment naming another patient (MRN) than `earlier` did: it never
    replaces that patient's packet."""
    label = record.labels.get("appointment_id", "appointment_id")
    hint = f" (if {label} does not name one appointment at this site, set hl7.appointment_id)" if record.event else ""
    message = f"a different patient than {earlier}; the earlier packet stays as it was{hint}"
    return PacketError(record.place, label, message)


def _tally(entry: Entry, result: BatchResult, report: Report, keep_for_print: bool, keep_recipients: bool) -> None:
    result.warnings += len(entry.warnings)
    for line in entry.warnings:
        report(line)
    if entry.status == "ok":
        result.ok += 1
        result.reused += int(entry.reused)
        if keep_for_print and entry.appointment_id:  # otherwise a long batch would hold an entry per record
            kept = Entry(
                entry.place, entry.appointment_id, "ok", file=entry.file, start=entry.start, sha256=entry.sha256
            )
            result.printable[entry.appointment_id] = kept
        if keep_recipients and entry.appointment_id and entry.patient and entry.patient.email:
            result.to_email[entry.appointment_id] = Entry(
                entry.place,
                entry.appointment_id,
                "ok",
                file=entry.file,
                sha256=entry.sha256,
                language=entry.language,
                layout=entry.layout,
                department=entry.department,
                patient=entry.patient,
            )
    elif entry.status == "skipped":
        result.skipped += 1
        result.printable.pop(entry.appointment_id or "", None)
        result.to_email.pop(entry.appointment_id or "", None)
    else:
        result.failed += 1
        report(entry.error or f"{entry.place}: failed")


def _is_task(item: Task | Entry) -> TypeIs[Task]:
    return isinstance(item, Task)


def _in_order(task: Task) -> bool:
    return task.after_earlier


def run_task(task: Task, generator: Generator) -> Entry:
    """Validate, match, and render one record (or reuse its packet); never raises."""
    record = task.record
    entry = Entry(
        str(record.place),
        record.appointment_id,
        "error",
        warnings=list(record.warnings),
        event=record.event,
        provider_from=record.provider_from,
    )
    if record.skip:
        return _cancel(given_by(entry, record.fields), generator.out_dir)
    if task.today is not None and task.today != generator.today:
        generator = dataclasses.replace(generator, site=Site(generator.site.timezone, task.today))
    try:
        appointment = record.appointment(generator.today)
        content = match_content(appointment, generator.library)
        layout = generator.layout_for(appointment)
        department = generator.department_for(appointment, content)
        approval = generator.approval(content)  # overdue content refuses before a packet is reused
        fingerprint = _fingerprint(record, generator.library, content, layout.name, department.id, approval.state)
        patient = Patient(
            ", ".join(appointment.printed_names()), appointment.date_of_birth, appointment.email, record.fields
        )
        reused = _reusable(task.previous, fingerprint, generator.out_dir)
        if reused is not None:
            reused.patient = patient
            return reused
        made = generator.generate(appointment, content)
    except PacketgenError as exc:
        entry.error = error_lines(exc)
        return given_by(entry, record.fields)
    except Exception as exc:  # a bug must not sink the batch: record it, log its traceback, go on
        logger.exception(
            "record %s: appointment %s: internal error (%s)",
            where(str(record.place)),
            record.appointment_id,
            type(exc).__name__,
        )
        entry.error = f"{record.place}: internal error ({type(exc).__name__}); please report it"
        return entry
    entry.patient = patient
    return _ok(entry, made, fingerprint)


def named(fields: Mapping[str, Any]) -> str | None:
    """The patient's name as a record gives it, "Last, First" (or its whole name), where it gives one:
    whose refused record it is, for the web schedule."""
    parts = [fields.get(key) for key in ("last_name", "first_name")]
    shown = ", ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    whole = fields.get("name")
    return shown or (whole.strip() if isinstance(whole, str) and whole.strip() else None)


def _cancel(entry: Entry, out_dir: Path) -> Entry:
    """An appointment that will not happen: its packet, made by an earlier record or run, is removed."""
    entry.status = "skipped"
    if entry.appointment_id and remove_pdf(out_dir, entry.appointment_id):
        entry.warnings.append(f"{entry.place}: warning: appointment_id: its packet was removed")
    return entry


def _ok(entry: Entry, made: Generated, fingerprint: str) -> Entry:
    entry.status = "ok"
    entry.file = made.path.name
    entry.sha256, entry.pages, entry.start = made.sha256, made.pages, made.start
    entry.procedure, entry.content_version = made.content_id, made.content_version
    entry.language, entry.layout, entry.department = made.language, made.layout, made.department
    entry.input_sha256 = fingerprint
    entry.approval = made.approval
    entry.fragments = dict(made.fragments)
    entry.warnings += list(made.warnings)
    return entry


def _fingerprint(
    record: RawRecord, library: Library, content: Content, layout_name: str, department: str, approval: str
) -> str:
    """Everything a packet's bytes depend on: the record, its content (in its language) and the shared
    fragments it includes, layout and department files, its figures' files, this program."""
    basis = {
        "record": record.fields,
        "content": [content.id, content.language, content.version, library.source_of(content).digest],
        "fragments": [[f.id, f.language, f.version, f.digest] for f in content.fragments],  # each file's bytes
        "figures": [figure.read.digest for _key, figure in figures_in(content) if figure.read],  # each file's bytes
        "layout": [layout_name, library.layout_digests.get(layout_name, "")],
        "department": [department, library.department_digests.get(department, "")],
        "approval": approval,  # a content that becomes overdue is marked so
        "packetgen": __version__,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()


def _reusable(previous: dict[str, Any] | None, fingerprint: str, out_dir: Path) -> Entry | None:
    """The earlier entry, if its packet is whole (same bytes as recorded) and its inputs unchanged."""
    if not previous or previous.get("input_sha256") != fingerprint or not previous.get("file"):
        return None
    path = out_dir / str(previous["file"])
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    if digest != previous.get("sha256"):
        return None
    fields = {k: v for k, v in previous.items() if k in Entry.__dataclass_fields__}
    return Entry(**{**fields, "reused": True})


def default_workers() -> int:
    """The machine's cores (the CPUs this process may use)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
