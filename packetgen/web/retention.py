"""`serve` purges what the retention settings have passed once at start-up and then once a day, in a
thread of its own (every instance may: a purge removes only what is there to remove); between those,
every `SWEEP_SECONDS`, signing sessions left open past their lifetime (what a tablet captured)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from ..settings import Settings
from ..store import Store
from ..store.retention import purge_signing_sessions, purge_site

DAY_SECONDS = 24 * 60 * 60
SWEEP_SECONDS = 10 * 60
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
        next_full = time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() >= next_full:
                next_full = time.monotonic() + DAY_SECONDS
                try:
                    logger.info(purge_site(self.store, self.settings).line())  # counts only: no patient data
                except Exception:  # a purge that failed is tried again tomorrow; the app goes on
                    logger.exception("the daily purge failed")
            else:
                try:
                    with self.store.session() as session:
                        purge_signing_sessions(session, datetime.now(UTC))
                except Exception:
                    logger.exception("the signing sessions' purge failed")
            self._stop.wait(SWEEP_SECONDS)
