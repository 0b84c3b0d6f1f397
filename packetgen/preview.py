"""Sample packets for made-up patients, for the people who write content (`generate.py preview`).

A writer sees what a change looks like on paper without an appointment file: one packet with every
flag the content declares, one with none, and, for a procedure that requires a side, one without a
side (its Side line); each for a clearly made-up patient ("Sample Patient", MRN `PREVIEW-0001`…, a
fixed date of birth), an appointment `DAYS_AHEAD` days after today at 09:00, every page marked
SAMPLE (as a draft's are marked DRAFT). `watch` remakes them whenever a content, layout or department
file changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from .build import Generated, make_generator
from .errors import UsageError
from .intake.record import from_located
from .library import FOLDERS, Library
from .models import Appointment, Content
from .models.types import Side
from .pdf.output import write_atomic
from .settings import Settings
from .yamlsafe import Located

DAYS_AHEAD = 14
"""The sample appointment is this many days after today (the site's), at `START`."""
START = "09:00"
DATE_OF_BIRTH = "1950-01-01"
SAMPLE_SIDE: Side = "left"
"""The side a sample of a procedure done on a side is for."""

SAMPLE_MARKS = {
    "en": "SAMPLE — not for a patient",
    "es": "MUESTRA — no es para un paciente (SAMPLE — not for a patient)",
}
"""Printed on every page of a preview, by the packet's primary language (English for others)."""


@dataclass(frozen=True)
class Sample:
    """One made-up appointment, named for what it shows: `all-flags`, `no-flags`, `no-side`."""

    name: str
    flags: tuple[str, ...]
    side: Side | None


SAMPLE_NAMES = frozenset({"all-flags", "no-flags", "no-side"})


@dataclass(frozen=True)
class Preview:
    """A sample packet written: where, what it shows, and what it was made from."""

    path: Path
    sample: Sample
    made: Generated


def samples(content: Content) -> list[Sample]:
    """The samples that show a content's variations: every flag it declares and none (on its sample
    side, for a procedure done on one); for a procedure that requires a side, also none given (the
    packet asks for it to be marked: its Side line)."""
    side = SAMPLE_SIDE if content.laterality != "none" else None
    made = [Sample("all-flags", tuple(content.flags), side)]
    if content.flags:
        made.append(Sample("no-flags", (), side))
    if content.laterality == "required":
        made.append(Sample("no-side", tuple(content.flags), None))
    return made


def sample_record(
    content: Content, sample: Sample, number: int, today: date, department: str | None
) -> dict[str, object]:
    """The appointment record of a made-up patient for `sample` (fields as an appointment file's)."""
    record: dict[str, object] = {
        "appointment_id": f"PREVIEW-{number:04d}",
        "mrn": f"PREVIEW-{number:04d}",
        "first_name": "Sample",
        "last_name": "Patient",
        "date_of_birth": DATE_OF_BIRTH,
        "procedure": content.id,
        "start": f"{(today + timedelta(days=DAYS_AHEAD)).isoformat()}T{START}",
        "provider": "Dr. Sample Provider",
        "language": content.language,
        "flags": list(sample.flags),
    }
    if sample.side is not None:
        record["laterality"] = sample.side
    if department is not None:
        record["department"] = department
    return record


def make_previews(
    library: Library,
    settings: Settings,
    procedure: str,
    out_dir: Path,
    language: str | None = None,
    layout_name: str | None = None,
    department: str | None = None,
    today: date | None = None,
) -> list[Preview]:
    """Write the sample packets of `procedure` (its id, a code, a title) into `out_dir`, as
    `<id>.<language>.<layout>.<sample>.pdf`. In `language` (a translation; default the content's own),
    `layout_name` (default letter) and `department` (default the procedure's). UsageError for an
    unknown procedure, language, layout or department; InputErrors with a file's errors when what is
    asked for is unavailable; content past its review date is made, marked overdue."""
    content = library.find_procedure(procedure)
    if content is None:
        raise UsageError(f"unknown procedure '{procedure}'; expected one of: {library.procedure_names(procedure)}")
    if language is not None:
        edition = library.in_language(content, language)
        if edition.language.split("-")[0].lower() != language.split("-")[0].lower():
            known = ", ".join(library.languages(content.id))
            raise UsageError(f"{content.id} has no {language} edition; languages: {known}")
        content = edition
    if department is not None:
        library.department(department)  # unknown or unavailable: said before anything is made
    generator = make_generator(settings, out_dir, layout_name, library, today, allow_overdue=True)
    generator = replace(generator, run_marks=_sample_marks())
    layout = library.layout(layout_name).name
    made = []
    for number, sample in enumerate(samples(content), start=1):
        record = sample_record(content, sample, number, generator.today, department)
        appointment = _appointment(record, generator.today)
        data, generated = generator.draw(appointment, content)
        path = out_dir / f"{content.id}.{content.language}.{layout}.{sample.name}.pdf"
        write_atomic(data, path)
        made.append(Preview(path, sample, replace(generated, path=path)))
    for name in SAMPLE_NAMES - {preview.sample.name for preview in made}:  # a sample the content no longer has
        (out_dir / f"{content.id}.{content.language}.{layout}.{name}.pdf").unlink(missing_ok=True)
    return made


def _appointment(record: dict[str, object], today: date) -> Appointment:
    return from_located(Located(record, "preview"), today)


def _sample_marks() -> tuple[tuple[str, str], ...]:
    return tuple(SAMPLE_MARKS.items())


# Watching the files


Snapshot = dict[Path, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """Every content, layout and department file under `root`, and every figure file, with its
    modification time and size."""
    found: Snapshot = {}
    figures = [path for path in (root / "packets" / "figures").rglob("*") if path.suffix.lower() in (".svg", ".png")]
    for path in [*(path for folder in FOLDERS for path in sorted((root / folder).glob("*.yaml"))), *sorted(figures)]:
        try:
            status = path.stat()
        except FileNotFoundError:  # removed while we looked
            continue
        found[path] = (status.st_mtime_ns, status.st_size)
    return found


def changed(before: Snapshot, after: Snapshot) -> list[Path]:
    """The files added, removed or changed between two snapshots."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def watch(
    root: Path,
    remake: Callable[[list[Path]], None],
    since: Snapshot | None = None,
    interval: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Call `remake(changed files)` whenever a content, layout or department file under `root` is saved,
    added or removed after `since` (default: now), looking every `interval` seconds, until interrupted
    (Ctrl-C: KeyboardInterrupt), or `rounds` looks (for tests). A change made while `remake` runs is
    seen at the next look."""
    before = snapshot(root) if since is None else since
    count = 0
    while rounds is None or count < rounds:
        sleep(interval)
        count += 1
        after = snapshot(root)
        files = changed(before, after)
        if files:
            before = after
            remake(files)
