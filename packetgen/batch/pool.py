"""Rendering in worker processes, safe to start from a threaded, long-lived process.

Workers come from a fork server (`multiprocessing`'s "forkserver" start
method): a clean process that has imported the pipeline and forks each worker,
so a worker never inherits the threads, sockets or locks of the process that
asked for it (the MLLP listener, the web service). Each worker receives the
run's `Generator` once, when it starts, and keeps it for every task.

With one worker, tasks run in the calling thread (no processes at all), unless
the caller must stay responsive (`processes=True`: the listener answers
acknowledgements while packets render, and rendering in its own process keeps
it from holding the listener's interpreter).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Generic, TypeVar

from typing_extensions import TypeIs

from .. import logs
from ..build import Generator
from ..render import load_fonts

T = TypeVar("T")
R = TypeVar("R")
Job = Callable[[T, Generator], R]
"""A module-level function (workers receive it by name): one task, with the worker's generator."""

_PRELOAD = ["packetgen.batch.run"]
_WINDOW = 8
"""Tasks in flight per worker: enough to keep workers busy, few enough that a 100,000-record
file is never all in memory."""

logger = logging.getLogger(__name__)

# Set only inside a worker process, by `_start_worker`; never in the process that owns the pool.
_worker_generator: Generator | None = None


def _start_worker(generator: Generator, niceness: int, log_level: str | None) -> None:
    """Once per worker: log as the process that owns the pool does, keep the generator and register
    the default layout's fonts; background workers step back so the process that owns them gets the
    CPU when it needs it."""
    global _worker_generator
    if log_level is not None:
        logs.configure(log_level)
    _worker_generator = generator
    if niceness:
        os.nice(niceness)
    prepare(generator)


def _in_worker(job: Job[T, R], task: T) -> R:
    assert _worker_generator is not None, "worker not started"
    try:
        return job(task, _worker_generator)
    except Exception:  # the caller gets only its text: its traceback is logged here, where it happened
        logger.exception("worker %d: %s failed", os.getpid(), getattr(job, "__name__", "a job"))
        raise


def _call_in_worker(function: Callable[..., object], *args: object) -> object:
    try:
        return function(*args)
    except Exception:  # as in `_in_worker`
        logger.exception("worker %d: %s failed", os.getpid(), getattr(function, "__name__", "a call"))
        raise


def prepare(generator: Generator) -> None:
    """Load what every packet of a run needs (the default layout's fonts) before the first one, and
    leave what is loaded for good out of the garbage collector's full passes (they would scan it
    again and again while packets are made)."""
    load_fonts(generator.library.layout(generator.layout_name).fonts, generator.font_dirs)
    gc.collect()
    gc.freeze()


class Workers(Generic[T, R]):
    """Runs `job` on tasks, in `workers` processes or (one worker) in this thread."""

    def __init__(
        self, job: Job[T, R], generator: Generator, workers: int, processes: bool = False, background: bool = False
    ) -> None:
        self.job, self.generator, self.workers = job, generator, workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1 or processes:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(generator, 10 if background else 0, logs.configured_level()),
            )
        else:
            prepare(generator)

    def __enter__(self) -> Workers[T, R]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Wait for the workers to finish what they hold, then stop them."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)

    def submit(self, task: T) -> Future[R]:
        """Start one task; in-process, it has run by the time this returns."""
        if self._pool is not None:
            return self._pool.submit(_in_worker, self.job, task)
        return _here(self.job, task, self.generator)

    def call(self, function: Callable[..., object], *args: object) -> Future[object]:
        """Run another module-level function in a worker (in-process: here and now)."""
        if self._pool is not None:
            return self._pool.submit(_call_in_worker, function, *args)
        return _here(function, *args)

    def run(
        self,
        items: Iterable[T | R],
        is_task: Callable[[T | R], TypeIs[T]],
        in_order: Callable[[T], bool] = lambda _task: False,
    ) -> Iterator[R]:
        """Results in the order they finish. Items that are not tasks (`is_task`) are results
        decided already and pass straight through; tasks run a bounded number at a time. A task
        that must come `in_order` starts only after every earlier task has finished."""
        pending: set[Future[R]] = set()
        for item in items:
            if not is_task(item):
                yield item
                continue
            if self._pool is None:  # in this thread: each result as soon as it is made, in input order
                yield self.job(item, self.generator)
                continue
            if in_order(item) and pending:
                yield from (future.result() for future in _all_done(pending))
                pending = set()
            pending.add(self.submit(item))
            if len(pending) >= self.workers * _WINDOW:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in finished)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in finished)


def _here(function: Callable[..., R], *args: object) -> Future[R]:
    """Run now, in this thread, with the outcome in a future as a pool would hand it back."""
    future: Future[R] = Future()
    try:
        future.set_result(function(*args))
    except BaseException as exc:  # handed to whoever reads the future
        future.set_exception(exc)
    return future


def _all_done(pending: set[Future[R]]) -> list[Future[R]]:
    finished, _ = wait(pending)
    return list(finished)
