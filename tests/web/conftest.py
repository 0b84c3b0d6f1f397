"""The web app as people and systems meet it: `generate.py serve` as a real process on loopback,
driven over real HTTP (httpx) and in a real browser (Selenium, Debian's chromium-driver)."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.web.accounts import add_token, add_user

from ..delivery.conftest import certificates, cups_server, relay, start_relay  # noqa: F401 (fixtures)
from ..servers import free_port

ROOT = Path(__file__).parent.parent.parent
PASSWORD = "correct horse battery"
ROLES = ("scheduler", "clinician", "admin")


@dataclass
class App:
    url: str
    database_url: str
    out_dir: Path
    token: str
    process: subprocess.Popen[bytes]
    verify: Any = True
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A new browser-like client (its own cookies), closed when the app stops."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, verify=self.verify)
        self.clients.append(client)
        return client

    def signed_in(self, role: str) -> tuple[httpx.Client, str]:
        """A client with a session for the test user of `role`, and the session's CSRF token."""
        client = self.client()
        page = client.get("/sign-in")
        token = csrf(page.text)
        response = client.post("/sign-in", data={"name": role, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.text
        schedule = client.get("/")
        assert schedule.status_code == 200
        return client, csrf(schedule.text)


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def make_site(tmp_path: Path, database_url: str | None = None) -> tuple[str, Path, str]:
    """A database with a user per role and an API token; returns (database URL, output folder, token)."""
    database_url = database_url or f"sqlite:///{tmp_path / 'var' / 'packetgen.sqlite'}"
    store = open_store(Settings(database_url=database_url))
    with store.session() as session:
        for role in ROLES:
            add_user(session, role, role, PASSWORD)
        token = add_token(session, "test-ehr")
    store.close()
    return database_url, tmp_path / "web-out", token


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_database(request: pytest.FixtureRequest) -> Callable[[], str | None]:
    """Every web test runs on both databases a site may use: this makes a fresh one (None: SQLite in
    the test's folder; else an empty database on the tests' private PostgreSQL server)."""
    if request.param == "sqlite":
        return lambda: None
    server = request.getfixturevalue("postgres")
    return server.database  # type: ignore[no-any-return]


@pytest.fixture
def start_app(tmp_path: Path, web_database: Callable[[], str | None]) -> Iterator[Callable[..., App]]:
    """Start `generate.py serve` on a free port; `env` adds settings (relay, print server)."""
    yield from _starter(tmp_path, web_database)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, web_database: Callable[[], str | None]) -> Iterator[App]:
    """One app for a module's tests that change nothing another test reads."""
    for start in _starter(tmp_path_factory.mktemp("app"), web_database):
        yield start()


def _starter(tmp_path: Path, fresh_database: Callable[[], str | None]) -> Iterator[Callable[..., App]]:
    processes: list[subprocess.Popen[bytes]] = []
    apps: list[App] = []

    def start(
        database_url: str | None = None,
        site: tuple[str, Path, str] | None = None,
        web: str = "",
        tls: tuple[Path, Path, Path] | None = None,
        **env: str,
    ) -> App:
        """`web`: more lines of the settings file's `web:` block; `tls`: (authority, cert, key) to serve HTTPS."""
        database_url, out_dir, token = site or make_site(tmp_path, database_url or fresh_database())
        settings = tmp_path / f"settings-{len(processes)}.yaml"
        settings.write_text(f"web:\n  out_dir: {out_dir}\n{web}")
        port = free_port()
        environ = {
            **os.environ,
            "PACKETGEN_DATABASE_URL": database_url,
            "PACKETGEN_SETTINGS": str(settings),
            "PACKETGEN_WORKERS": "1",
            **env,
        }
        with (tmp_path / f"serve-{port}.log").open("wb") as log:
            options = ["--certfile", str(tls[1]), "--keyfile", str(tls[2])] if tls else []
            process = subprocess.Popen(
                [sys.executable, "generate.py", "serve", "--port", str(port), *options],
                cwd=ROOT,
                env=environ,
                stdout=log,
                stderr=log,
            )
        processes.append(process)
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        verify: Any = ssl.create_default_context(cafile=str(tls[0])) if tls else True
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / f"serve-{port}.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1, verify=verify).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)
        app = App(url, database_url, out_dir, token, process, verify=verify)
        apps.append(app)
        return app

    yield start
    for app in apps:
        for client in app.clients:
            client.close()
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def app(start_app: Callable[..., App]) -> App:
    return start_app()
