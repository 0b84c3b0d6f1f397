"""The web app as people and systems meet it. Most tests drive the app in this process through
FastAPI's TestClient (httpx, no socket: fast); `start_app(process=True)` starts `generate.py serve`
as a real process on loopback, for what needs one: TLS, several instances, worker processes, a real
browser (Selenium, Debian's chromium-driver)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from packetgen.library import Library
from packetgen.settings import load_settings
from packetgen.web.app import create_app
from tests.delivery.conftest import certificates, cups_server, relay, start_relay  # noqa: F401 (fixtures)
from tests.helpers.servers import free_port
from tests.helpers.site import ROOT
from tests.helpers.web import App, make_site


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
        library: Library | None = None,
        **env: str,
    ) -> App:
        """`web`: more lines of the settings file's `web:` block; `tls`: (authority, cert, key) to serve
        HTTPS (in a process); `process`: run `generate.py serve` rather than the app in this process;
        `library`: the content the app in this process serves (default: the project's)."""
        database_url, out_dir, token = site or make_site(tmp_path, database_url or fresh_database())
        settings = tmp_path / f"settings-{len(apps)}.yaml"
        # TestClient's requests name the host `testserver`: the app in this process answers to it (unless
        # the test names its own web.allowed_hosts); a `serve` process keeps the default (loopback).
        hosts = "  allowed_hosts: [testserver]\n" if not (process or tls or "allowed_hosts:" in web) else ""
        settings.write_text(f"web:\n  out_dir: {out_dir}\n{hosts}{web}")
        environ = {
            "PACKETGEN_DATABASE_URL": database_url,
            "PACKETGEN_SETTINGS": str(settings),
            "PACKETGEN_WORKERS": "1",
        }
        if not (process or tls):
            # The project's content, loaded once per test session; packet workers started at the first packet.
            asgi = create_app(load_settings({**environ, **env}), library=library or content, start_workers=False)
            runner = TestClient(asgi, base_url="http://testserver")
            runner.__enter__()  # the app's start-up (its packet workers, the watched folder) until the test ends
            running.append(runner)
            app = App("http://testserver", database_url, out_dir, token, asgi=asgi, portal=runner.portal)
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
