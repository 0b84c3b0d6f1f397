"""The API's packets, made in worker processes.

A packet costs tens of milliseconds of CPU. Made in the request's own process it would hold the
event loop (and every other request with it) and share one core; here requests wait in one queue
served by `settings.workers` processes (default: the machine's cores), first come first served,
while the event loop goes on answering. The workers are the batch's (`pool.Workers`): started from
a fork server, each with the site's library and fonts loaded once. A worker that dies (killed, out
of memory) costs the request it held a 500; the pool is started again for the next one.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures.process import BrokenProcessPool

from ..batch.pool import Workers
from ..build import RecordOutcome, RecordTask, draw_record, site_today
from .context import Context


class Renderer:
    """A queue of API records and the worker processes that make them into packets."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.processes = context.settings.workers or len(os.sched_getaffinity(0))
        self._lock = threading.Lock()
        self._workers: Workers[RecordTask, RecordOutcome] | None = None

    def start(self) -> None:
        """Start every worker now, in the background, rather than at the first requests: each loads
        the library and its fonts. (The executor starts a process only when a task finds none idle,
        so ask all at once.)"""
        workers = self._pool()
        for _ in range(self.processes):
            workers.call(os.getpid)

    def stop(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.close()

    async def draw(self, data: bytes) -> RecordOutcome:
        """The packet for a JSON record, made today at the site, or its errors. A pool found broken
        before the task was handed over is started again for it; a worker lost while it held the
        task is an error for this request only (the same record might kill the next worker too)."""
        task = RecordTask(data, site_today(self.context.settings))
        for _attempt in range(2):
            workers = self._pool()
            try:
                future = workers.submit(task)
            except BrokenProcessPool:
                self._discard(workers)
                continue
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self._discard(workers)
                raise
        raise BrokenProcessPool("the packet workers could not be started")

    def _discard(self, workers: Workers[RecordTask, RecordOutcome]) -> None:
        with self._lock:
            if self._workers is workers:
                self._workers = None
        workers.close()

    def _pool(self) -> Workers[RecordTask, RecordOutcome]:
        with self._lock:
            if self._workers is None:
                generator = self.context.generator()
                self._workers = Workers(draw_record, generator, self.processes, processes=True)
            return self._workers
