"""The batch manifest: one JSON line per input record, written as records finish.

A run writes `manifest.jsonl.partial` (flushed per line, fsynced every few
lines) and renames it to `manifest.jsonl` when it ends, so after a crash the
partial file still says what was done; `--resume` reads both.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

NAME = "manifest.jsonl"
PARTIAL = "manifest.jsonl.partial"
_FSYNC_EVERY = 50


@dataclass(frozen=True)
class Patient:
    """Who a record's packet is for, as its caller needs them: the name as the packet prints it
    (the web schedule), the email address and date of birth (`batch --email`, a date-of-birth
    passphrase). Kept in memory for the run only: never written to the manifest."""

    name: str
    date_of_birth: date
    email: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    """The record's fields as read (text, or lists of text): a caller may make the packet again
    in another layout or language (the web app's reprint)."""


@dataclass
class Entry:
    """What happened to one input record. Holds no patient names: ids, hashes and codes only."""

    place: str
    """Where the record is in the input: `FILE:LINE`, `FILE:<message number>` or `FILE:Appointment/<id>`."""
    appointment_id: str | None
    status: str
    """`ok`, `error`, or `skipped` (e.g. a cancelled appointment)."""
    file: str | None = None
    sha256: str | None = None
    pages: int | None = None
    procedure: str | None = None
    content_version: str | None = None
    language: str | None = None
    layout: str | None = None
    start: str | None = None
    input_sha256: str | None = None
    """Hash of the record, its content (id, version, file) and layout: unchanged inputs can be reused."""
    reused: bool = False
    """True when `--resume` kept a whole, current packet instead of making it again."""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    event: str | None = None
    """The scheduling event that sent the record (`SIU^S13`), where the format has events."""
    approval: str | None = None
    """The content's approval state the packet was marked with: `approved`, `draft` (DRAFT on every page),
    `overdue` or `draft, overdue` (printed with --allow-overdue)."""
    provider_from: str | None = None
    """Which participant the printed provider is (`AIP 2 (AIP-4 PP)`, `Practitioner/dr1 (participant type
    PPRF)`), where a feed named several people or none was chosen by its role."""

    patient: Patient | None = field(default=None, repr=False)
    """Who the packet is for: patient data, never written (see `to_json`)."""
    other_patient: bool = field(default=False, repr=False)
    """Refused because the appointment's packet was made for another patient: a caller keeping one
    line per appointment (the web schedule) adds this one beside it instead of replacing it."""

    def to_json(self) -> str:
        """The entry as its manifest line (without the line end)."""
        data = asdict(self)
        del data["patient"], data["other_patient"]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


class ManifestWriter:
    """Appends entries to the partial manifest; `close()` makes it the manifest."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        fd = os.open(out_dir / PARTIAL, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # PHI-adjacent: private
        self._handle: IO[str] = os.fdopen(fd, "w", encoding="utf-8")
        self._since_sync = 0

    def write(self, entry: Entry) -> None:
        self._handle.write(entry.to_json() + "\n")
        self._handle.flush()
        self._since_sync += 1
        if self._since_sync >= _FSYNC_EVERY:
            os.fsync(self._handle.fileno())
            self._since_sync = 0

    def close(self) -> Path:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        final = self.out_dir / NAME
        os.replace(self.out_dir / PARTIAL, final)
        return final


class ManifestAppender:
    """Appends entries to `manifest.jsonl` as a long-lived listener makes them, each line on disk
    before the next (safe to call from several threads)."""

    def __init__(self, out_dir: Path) -> None:
        fd = os.open(out_dir / NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._handle: IO[str] = os.fdopen(fd, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, entry: Entry) -> None:
        with self._lock:
            self._handle.write(entry.to_json() + "\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


def previous_entries(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The last `ok` entry per appointment id from earlier runs (finished or crashed)."""
    found: dict[str, dict[str, Any]] = {}
    for name in (NAME, PARTIAL):
        path = out_dir / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the torn last line of a killed run
                if isinstance(entry, dict) and entry.get("status") == "ok" and entry.get("appointment_id"):
                    found[str(entry["appointment_id"])] = entry
    return found
