"""Many appointments: stream the records, render them in worker processes, keep a manifest.

Every input record ends as exactly one manifest line: `ok` (written, or
reused by `--resume`), `error` (with its `PATH:LINE` messages), or `skipped`
(e.g. a cancelled appointment). A bad record never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__
from .assemble import write_print_run
from .build import Generated, Generator
from .errors import InputErrors, PacketError
from .intake import match_content
from .intake.batch_file import read_batch
from .intake.columns import load_column_map
from .intake.raw import RawRecord, RecordFailure
from .library import Library, load_library
from .manifest import Entry, ManifestWriter, previous_entries
from .models import Content
from .output import remove_stale_temp_files
from .render import load_fonts
from .timing import Site


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
    printable: list[Entry] = field(default_factory=list)

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


Report = Callable[[str], None]


def run_batch(
    options: BatchOptions,
    report: Report,
    advance: Callable[[], None] = lambda: None,
    library: Library | None = None,
) -> BatchResult:
    """Run a batch (with the project's content, or `library`); UnusableInput/InputErrors/UsageError
    before anything is written if the input is unusable."""
    library = library or load_library()
    default_layout = library.layout(options.layout_name)
    today = options.today or Site.now(default_layout.facility.timezone).today
    columns = load_column_map(options.columns)
    _kind, stream = read_batch(options.source, columns, library.procedure_keys(), options.encoding)
    first = next(stream, None)  # a bad header or encoding is found here, before any output
    records = _chain(first, stream)
    options.out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_stale_temp_files(options.out_dir)
    previous = previous_entries(options.out_dir) if options.resume else {}
    generator = Generator(library, options.out_dir, today, options.layout_name)
    result = BatchResult()
    writer = ManifestWriter(options.out_dir)
    started = time.perf_counter()
    for entry in _execute(_tasks(records, previous), generator, options.workers):
        writer.write(entry)
        _tally(entry, result, report, keep_for_print=options.print_run)
        advance()
    result.seconds = time.perf_counter() - started
    result.manifest = writer.close()
    if options.print_run:
        result.print_run = write_print_run(result.printable, options.out_dir)
    return result


def _chain(
    first: RawRecord | RecordFailure | None, rest: Iterator[RawRecord | RecordFailure]
) -> Iterator[RawRecord | RecordFailure]:
    if first is not None:
        yield first
        yield from rest


def _tasks(records: Iterator[RawRecord | RecordFailure], previous: dict[str, dict[str, Any]]) -> Iterator[Task | Entry]:
    """Records → tasks for the workers, or entries decided here (unreadable, skipped, duplicate)."""
    first_place: dict[str, str] = {}
    for record in records:
        if isinstance(record, RecordFailure):
            message = "\n".join(str(e) for e in record.errors)
            yield Entry(str(record.place), record.appointment_id, "error", error=message)
            continue
        appointment_id = record.fields.get("appointment_id")
        if not record.fields and record.warnings:
            yield Entry(str(record.place), None, "skipped", warnings=list(record.warnings))
            continue
        if isinstance(appointment_id, str):
            if appointment_id in first_place:
                error = PacketError(
                    record.place, "appointment_id", f"duplicate of the record at {first_place[appointment_id]}"
                )
                yield Entry(str(record.place), appointment_id, "error", error=str(error))
                continue
            first_place[appointment_id] = str(record.place)
        yield Task(record, previous.get(appointment_id) if isinstance(appointment_id, str) else None)


def _tally(entry: Entry, result: BatchResult, report: Report, keep_for_print: bool) -> None:
    result.warnings += len(entry.warnings)
    for line in entry.warnings:
        report(line)
    if entry.status == "ok":
        result.ok += 1
        result.reused += int(entry.reused)
        if keep_for_print:  # otherwise a long batch would hold an entry per record
            result.printable.append(Entry(entry.place, entry.appointment_id, "ok", file=entry.file, start=entry.start))
    elif entry.status == "skipped":
        result.skipped += 1
    else:
        result.failed += 1
        report(entry.error or f"{entry.place}: failed")


# ---- execution: in this process for one worker, else a bounded pool of forked processes ----

_GENERATOR: Generator | None = None


def _init_worker(generator: Generator) -> None:
    """Once per worker: keep the loaded content and register the default layout's fonts."""
    global _GENERATOR
    _GENERATOR = generator
    load_fonts(generator.library.layout(generator.layout_name).fonts)


def _execute(tasks: Iterator[Task | Entry], generator: Generator, workers: int) -> Iterator[Entry]:
    if workers <= 1:
        _init_worker(generator)
        for task in tasks:
            yield task if isinstance(task, Entry) else run_task(task)
        return
    context = multiprocessing.get_context("fork")  # workers inherit the parsed content and models
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(generator,)) as pool:
        pending: set[Future[Entry]] = set()
        for task in tasks:
            if isinstance(task, Entry):
                yield task
                continue
            pending.add(pool.submit(run_task, task))
            if len(pending) >= workers * 8:  # bounded: a 100,000-row file is never all in memory
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)


def run_task(task: Task) -> Entry:
    """Validate, match, and render one record (or reuse its packet); never raises."""
    assert _GENERATOR is not None, "worker not initialised"
    generator, record = _GENERATOR, task.record
    raw_id = record.fields.get("appointment_id")
    entry = Entry(
        str(record.place), raw_id if isinstance(raw_id, str) else None, "error", warnings=list(record.warnings)
    )
    try:
        appointment = record.appointment(generator.today)
        content = match_content(appointment, generator.library)
        layout = generator.layout_for(appointment)
        fingerprint = _fingerprint(record, generator.library, content, layout.name)
        reused = _reusable(task.previous, fingerprint, generator.out_dir)
        if reused is not None:
            return reused
        made = generator.generate(appointment, content)
    except InputErrors as exc:
        entry.error = "\n".join(str(e) for e in exc.errors)
        return entry
    except PacketError as exc:
        entry.error = str(exc)
        return entry
    except Exception as exc:  # a bug must not sink the batch: record it, go on
        entry.error = f"{record.place}: internal error ({type(exc).__name__}); please report it"
        return entry
    return _ok(entry, made, fingerprint)


def _ok(entry: Entry, made: Generated, fingerprint: str) -> Entry:
    entry.status = "ok"
    entry.file = made.path.name
    entry.sha256, entry.pages, entry.start = made.sha256, made.pages, made.start
    entry.procedure, entry.content_version = made.content_id, made.content_version
    entry.language, entry.layout = made.language, made.layout
    entry.input_sha256 = fingerprint
    entry.warnings += list(made.warnings)
    return entry


def _fingerprint(record: RawRecord, library: Library, content: Content, layout_name: str) -> str:
    """Everything a packet's bytes depend on: the record, its content (in its language) and layout
    files, this program."""
    basis = {
        "record": record.fields,
        "content": [content.id, content.language, content.version, library.source_of(content).digest],
        "layout": [layout_name, library.layout_digests.get(layout_name, "")],
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
