"""`serve` purges what the retention settings have passed once at start-up and then once a day, in a
thread of its own (every instance may: a purge removes only what is there to remove)."""

from __future__ import annotations

import logging
import threading

from ..settings import Settings
from ..store import Store
from ..store.retention import purge_site

DAY_SECONDS = 24 * 60 * 60
logger = logging.getLogger(__name__)


class DailyPurge:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="daily-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                logger.info(purge_site(self.store, self.settings).line())  # counts only: no patient data
            except Exception:  # a purge that failed is tried again tomorrow; the app goes on
                logger.exception("the daily purge failed")
            self._stop.wait(DAY_SECONDS)
