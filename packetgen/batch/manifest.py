"""The batch manifest: one JSON line per input record (`models.entry.Entry`), written as records finish.

A run writes `manifest.jsonl.partial` (flushed per line, fsynced every few
lines) and renames it to `manifest.jsonl` when it ends, so after a crash the
partial file still says what was done; `--resume` reads both.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import IO, Any

from ..models.entry import Entry

NAME = "manifest.jsonl"
PARTIAL = "manifest.jsonl.partial"
_FSYNC_EVERY = 50


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
