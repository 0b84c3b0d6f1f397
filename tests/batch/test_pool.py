"""Worker processes: never forked from the caller, so a threaded service may start them."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from packetgen.batch.pool import Workers
from packetgen.build import Generator, make_generator
from packetgen.settings import Settings
from tests.helpers.site import TODAY


def _whose_child(task: int, generator: Generator) -> tuple[int, int, str]:
    return task, os.getppid(), generator.library.layout(None).name


def _fails(task: int, generator: Generator) -> int:
    raise ValueError(f"task {task}")


def test_workers_are_not_forked_from_a_threaded_caller(tmp_path: Path) -> None:
    generator = make_generator(Settings(), tmp_path, today=TODAY)
    results: list[tuple[int, int, str]] = []
    holder = threading.Lock()
    holder.acquire()  # a lock held by another thread of the caller: a forked child would inherit it held

    def run() -> None:
        with Workers(_whose_child, generator, 2) as workers:
            results.extend(workers.run(range(20), lambda item: isinstance(item, int)))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    holder.release()
    assert sorted(task for task, _parent, _layout in results) == list(range(20))
    assert {layout for _task, _parent, layout in results} == {"letter"}
    assert os.getpid() not in {parent for _task, parent, _layout in results}


def test_one_worker_runs_in_this_thread_and_hands_errors_back(tmp_path: Path) -> None:
    generator = make_generator(Settings(), tmp_path, today=TODAY)
    with Workers(_whose_child, generator, 1) as workers:
        assert workers.submit(3).result() == (3, os.getppid(), "letter")
    with Workers(_fails, generator, 1) as workers:
        error = workers.submit(4).exception()
    assert isinstance(error, ValueError)
    assert str(error) == "task 4"


def test_a_background_worker_is_a_process_even_alone(tmp_path: Path) -> None:
    generator = make_generator(Settings(), tmp_path, today=TODAY)
    with Workers(_whose_child, generator, 1, processes=True, background=True) as workers:
        results = list(workers.run(range(3), lambda item: isinstance(item, int)))
        _task, parent, _layout = workers.submit(9).result()
    assert parent != os.getpid()
    assert sorted(task for task, _p, _l in results) == [0, 1, 2]
    assert all(p != os.getpid() for _t, p, _l in results)
