"""Watched folders: files a scheduling system drops in `web.watch_dir` join the schedule, as an upload
would; a scanner's PDF or TIFF files dropped in `scan.watch_dir` are read as `generate.py scan` reads
them, their complete consents filed and every consent's state put on the schedule.

Each file is claimed by renaming it into `processing/` (a rename is atomic, so of several app
instances watching one folder exactly one takes it), read by the batch intake, then moved to `done/`
or, when the file as a whole cannot be read, to `failed/` with a `.errors.txt` beside it. Files
whose names start with `.` are being written and are left alone, as are files changed in the last
two seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from ..errors import PacketgenError
from ..library import Library
from ..settings import Settings
from ..store import Store
from . import schedule

SETTLE_SECONDS = 2.0
logger = logging.getLogger(__name__)


class Watcher:
    """Polls `settings.web.watch_dir` every `settings.web.watch_seconds` in a thread of its own."""

    NAME = "watch-folder"

    def __init__(self, store: Store, settings: Settings, library: Library) -> None:
        self.folder = self._folder(settings)
        self.store, self.settings, self.library = store, settings, library
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.NAME, daemon=True)

    @staticmethod
    def _folder(settings: Settings) -> Path:
        assert settings.web.watch_dir is not None
        return settings.web.watch_dir

    def _wanted(self, path: Path) -> bool:
        return True

    def start(self) -> None:
        for name in ("processing", "done", "failed"):
            (self.folder / name).mkdir(mode=0o700, parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception:  # never a silent end: logged, and the folder looked at again next time
                logger.exception("watched folder: internal error")
            self._stop.wait(self.settings.web.watch_seconds)

    def scan(self) -> int:
        """Take every settled file once; returns how many were taken."""
        taken = 0
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.name.startswith(".") or not self._wanted(path):
                continue
            if time.time() - path.stat().st_mtime < SETTLE_SECONDS:
                continue
            claimed = self.folder / "processing" / path.name
            try:
                path.rename(claimed)
            except OSError:
                continue  # another instance took it
            taken += 1
            self._read(claimed)
        return taken

    def _read(self, path: Path) -> None:
        try:  # the file's name is the sender's (it may name a patient): never logged
            records = schedule.upload(self.store, self.settings, self.library, path.read_bytes(), path.name)
        except schedule.UploadRefused as exc:
            logger.info("watched folder: a file refused (%d errors), moved to failed/", len(exc.lines))
            path.rename(self.folder / "failed" / path.name)
            (self.folder / "failed" / f"{path.name}.errors.txt").write_text(
                "\n".join(exc.lines) + "\n", encoding="utf-8"
            )
            return
        path.rename(self.folder / "done" / path.name)
        logger.info("watched folder: a file of %d records read, moved to done/", records)


class ScanWatcher(Watcher):
    """Polls `settings.scan.watch_dir` for a scanner's PDF and TIFF files (other files are left alone):
    each is read and its complete consents filed in `settings.signed_dir`, what each consent came to put
    in the store, and the file moved to `done/` (even with consents incomplete: the schedule says so), or
    to `failed/` with a `.errors.txt` beside it when it cannot be read at all."""

    NAME = "watch-scans"
    ACTOR = "scan folder"
    """Who filed a consent, as the audit says it."""
    SUFFIXES = (".pdf", ".tif", ".tiff")

    @staticmethod
    def _folder(settings: Settings) -> Path:
        assert settings.scan.watch_dir is not None
        return settings.scan.watch_dir

    def _wanted(self, path: Path) -> bool:
        return path.suffix.lower() in self.SUFFIXES

    def _read(self, path: Path) -> None:
        from ..delivery.chart import after_scan
        from ..scanning.filing import file_scan, record  # the scanning libraries only when a scan comes

        try:
            report = file_scan(path, self.settings.signed_dir)
        except PacketgenError as exc:
            logger.info("watched scan folder: a file that cannot be read, moved to failed/")
            path.rename(self.folder / "failed" / path.name)
            (self.folder / "failed" / f"{path.name}.errors.txt").write_text(
                "\n".join(exc.lines()) + "\n", encoding="utf-8"
            )
            return
        moment = datetime.now(UTC)
        record(self.store, report, moment, self.ACTOR)
        after_scan(self.store, self.settings, report, moment, self.ACTOR)  # to the chart, when chart.* is set
        path.rename(self.folder / "done" / path.name)
        logger.info(
            "watched scan folder: a scan of %d consents read (%d filed), moved to done/",
            len(report.consents),
            len(report.filed),
        )
