"""The web app as people and systems meet it. Most tests drive the app in this process through
FastAPI's TestClient (httpx, no socket: fast); `start_app(process=True)` starts `generate.py serve`
as a real process on loopback, for what needs one: TLS, several instances, worker processes, a real
browser (Selenium, Debian's chromium-driver)."""

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
from fastapi.testclient import TestClient

from packetgen.library import Library
from packetgen.settings import Settings, load_settings
from packetgen.store import open_store
from packetgen.web.accounts import add_token, add_user
from packetgen.web.app import create_app

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
    process: subprocess.Popen[bytes] | None = None
    verify: Any = True
    clients: list[httpx.Client] = field(default_factory=list)
    asgi: Any = None
    """The app itself when it runs in this process (driven by TestClient, no socket)."""

    def client(self) -> httpx.Client:
        """A new browser-like client (its own cookies), closed when the app stops."""
        client: httpx.Client
        if self.asgi is not None:
            client = TestClient(self.asgi, base_url=self.url, follow_redirects=False, raise_server_exceptions=False)
        else:
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
def start_app(tmp_path: Path, web_database: Callable[[], str | None], library: Library) -> Iterator[Callable[..., App]]:
    """Start the app (in this process, or `generate.py serve` on a free port); `env` adds settings
    (relay, print server)."""
    yield from _starter(tmp_path, web_database, library)


@pytest.fixture(scope="module")
def shared_app(
    tmp_path_factory: pytest.TempPathFactory, web_database: Callable[[], str | None], library: Library
) -> Iterator[App]:
    """One app for a module's tests that change nothing another test reads."""
    for start in _starter(tmp_path_factory.mktemp("app"), web_database, library):
        yield start()


def _starter(
    tmp_path: Path, fresh_database: Callable[[], str | None], content: Library
) -> Iterator[Callable[..., App]]:
    processes: list[subprocess.Popen[bytes]] = []
    apps: list[App] = []
    running: list[TestClient] = []

    def start(
        database_url: str | None = None,
        site: tuple[str, Path, str] | None = None,
        web: str = "",
        tls: tuple[Path, Path, Path] | None = None,
        process: bool = False,
        **env: str,
    ) -> App:
        """`web`: more lines of the settings file's `web:` block; `tls`: (authority, cert, key) to serve
        HTTPS (in a process); `process`: run `generate.py serve` rather than the app in this process."""
        database_url, out_dir, token = site or make_site(tmp_path, database_url or fresh_database())
        settings = tmp_path / f"settings-{len(apps)}.yaml"
        settings.write_text(f"web:\n  out_dir: {out_dir}\n{web}")
        environ = {
            "PACKETGEN_DATABASE_URL": database_url,
            "PACKETGEN_SETTINGS": str(settings),
            "PACKETGEN_WORKERS": "1",
        }
        if not (process or tls):
            # The project's content, loaded once per test session; packet workers started at the first packet.
            asgi = create_app(load_settings({**environ, **env}), library=content, start_workers=False)
            runner = TestClient(asgi, base_url="http://testserver")
            runner.__enter__()  # the app's start-up (its packet workers, the watched folder) until the test ends
            running.append(runner)
            app = App("http://testserver", database_url, out_dir, token, asgi=asgi)
            apps.append(app)
            return app
        port = free_port()
        environ = {**os.environ, **environ, **env}
        with (tmp_path / f"serve-{port}.log").open("wb") as log:
            options = ["--certfile", str(tls[1]), "--keyfile", str(tls[2])] if tls else []
            served = subprocess.Popen(
                [sys.executable, "generate.py", "serve", "--port", str(port), *options],
                cwd=ROOT,
                env=environ,
                stdout=log,
                stderr=log,
            )
        processes.append(served)
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        verify: Any = ssl.create_default_context(cafile=str(tls[0])) if tls else True
        deadline = time.monotonic() + 30
        while True:
            assert served.poll() is None, (tmp_path / f"serve-{port}.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1, verify=verify).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)
        app = App(url, database_url, out_dir, token, served, verify=verify)
        apps.append(app)
        return app

    yield start
    for app in apps:
        for client in app.clients:
            client.close()
    for runner in running:
        runner.__exit__(None, None, None)
    for served in processes:
        served.terminate()
        served.wait(timeout=10)


@pytest.fixture
def app(start_app: Callable[..., App]) -> App:
    return start_app()
