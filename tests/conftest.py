"""Shared fixtures: the library, a fixed clock, packet generation and PDF reading."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from argon2 import PasswordHasher

from packetgen import library as library_package
from packetgen.build import Generated, make_packet
from packetgen.library import Library, load_library
from packetgen.settings import project_root
from packetgen.timing import CLOCK_VARIABLE
from packetgen.web import accounts
from tests.helpers.site import BASE_APPOINTMENT, TODAY

# Every command a test runs, in this process or as a program, reads the same fixed clock: noon on TODAY at
# the site. Tests of the real clock take it out.
os.environ[CLOCK_VARIABLE] = f"{TODAY.isoformat()}T12:00"


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


@pytest.fixture
def write_appointment(tmp_path: Path) -> Callable[..., Path]:
    """Write an appointment (BASE_APPOINTMENT updated with overrides) as YAML; return its path."""

    def write(name: str = "appt.yaml", **overrides: Any) -> Path:
        record = {**BASE_APPOINTMENT, **overrides}
        record = {k: v for k, v in record.items() if v is not None}
        path = tmp_path / name
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def generate(tmp_path: Path, library: Library, write_appointment: Callable[..., Path]) -> Callable[..., Generated]:
    """Generate a packet for BASE_APPOINTMENT with overrides, into tmp_path/out."""

    def run(**overrides: Any) -> Generated:
        return make_packet(write_appointment(**overrides), tmp_path / "out", library=library, today=TODAY)

    return run


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """Argon2id at a low cost for the apps and commands in this process (as Django's docs advise for tests): the
    same hashing and checking, a fraction of the time per sign-in. Returns the app's own hasher,
    whose cost a test checks; `generate.py serve` processes keep it."""
    original = accounts._HASHER
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    return original


_LOADED: dict[tuple[Path, bool, bool, str], Library] = {}


def _content_digest(root: Path) -> str:
    """SHA-256 of every file a content root's library is read from (content, fragments, figures, layouts,
    departments), with its name."""
    digest = hashlib.sha256()
    for folder in ("packets", "layouts", "departments"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(f"{path.relative_to(root)}\0{path.stat().st_size}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(autouse=True)
def _content_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands a test runs in this process (`main([...])`) load a content root's library once per
    test process and state of its files, as loading it again would give the same library: the edit-test
    loop spends its time on what each test is about. Tests of loading call `load_library` themselves."""
    load = library_package.load_library

    def load_once(
        root: Path | None = None, files: Sequence[Path] = (), *, strict: bool = True, defer_figures: bool = False
    ) -> Library:
        if files:
            return load(root, files, strict=strict, defer_figures=defer_figures)
        where = (root or project_root()).resolve()
        key = (where, strict, defer_figures, _content_digest(where))
        if key not in _LOADED:
            _LOADED[key] = load(root, strict=strict, defer_figures=defer_figures)
        return _LOADED[key]

    monkeypatch.setattr(library_package, "load_library", load_once)


@pytest.fixture(autouse=True)
def _no_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test that logs unexpectedly (WeasyPrint's assert_no_logs)."""
    yield
    unexpected = [r for r in caplog.get_records("call") if r.levelname in ("WARNING", "ERROR", "CRITICAL")]
    assert not unexpected, [r.getMessage() for r in unexpected]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A private PostgreSQL server for the tests' PostgreSQL pass (see tests/servers.py)."""
    from tests.helpers.servers import MissingServer, private_postgres

    try:
        with private_postgres() as server:
            yield server
    except MissingServer as exc:
        pytest.fail(str(exc))


_SERVER_FIXTURES = {"postgres", "cups_server", "browser"}
"""Fixtures that start a system server the fast loop leaves out: PostgreSQL, CUPS, Chromium."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a system server (`servers`): it uses one of `_SERVER_FIXTURES`,
    runs on the PostgreSQL side of a database parameter, or is marked so by hand (PDFBox Preflight).
    `make test-fast` leaves these out; `make test` runs them all, and fails when a tool is missing."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if fixtures & _SERVER_FIXTURES or "postgresql" in params.values():
            item.add_marker(pytest.mark.servers)
