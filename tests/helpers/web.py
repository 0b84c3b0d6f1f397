"""Talking to the web app in tests: the app (in this process or a `serve` process), signed-in
clients, the test site's users and token, uploads, print runs followed to their end."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pyotp
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import WebSession, WebUser
from packetgen.web.accounts import add_token, add_user, digest, now, open_session
from packetgen.web.pages import SESSION_COOKIE
from tests.helpers.stores import migrated_sqlite

ROOT = Path(__file__).parent.parent.parent


PASSWORD = "correct horse battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"""The test site's admin's second factor (what their authenticator app holds)."""


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
    portal: Any = None
    """The event loop the app in this process runs on (its TestClient's, started with the app): every
    client's requests run on it, as a server's would, rather than each on a loop of its own."""

    def client(self, peer: str | None = None) -> httpx.Client:
        """A new browser-like client (its own cookies), closed when the app stops; `peer`: the address it
        comes from (in this process, the app's view of it; for a process, the loopback address its socket
        is bound to, e.g. 127.0.0.2). Default: TestClient's `testclient`, or 127.0.0.1."""
        client: httpx.Client
        if self.asgi is not None:
            client = TestClient(
                self.asgi,
                base_url=self.url,
                follow_redirects=False,
                raise_server_exceptions=False,
                client=(peer or "testclient", 50000),
            )
            client.portal = self.portal
        else:
            transport = httpx.HTTPTransport(local_address=peer, verify=self.verify) if peer else None
            client = httpx.Client(
                base_url=self.url, follow_redirects=False, timeout=30, verify=self.verify, transport=transport
            )
        self.clients.append(client)
        return client

    def signed_in(self, role: str, through_form: bool = False) -> tuple[httpx.Client, str]:
        """A client with a session for the test user of `role`, and the session's CSRF token. For the app in
        this process the session is opened in the database, as a sign-in with both factors would open it
        (Django's `force_login`: no password hashed, no page asked); a `serve` process, or `through_form`,
        signs in through the pages, the admin (who has a second factor, `TOTP_SECRET`) answering the code
        page as their authenticator app would. Tests of signing in itself use the pages."""
        if self.asgi is not None and not through_form:
            return self._session_opened(role)
        client = self.client()
        page = client.get("/sign-in")
        token = csrf(page.text)
        response = client.post("/sign-in", data={"name": role, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.text
        schedule = client.get("/")
        if schedule.status_code == 303 and schedule.headers["location"] == "/sign-in/code":
            answered = self.give_code(client, role)
            assert answered.status_code == 303, answered.text
            schedule = client.get("/")
        assert schedule.status_code == 200
        return client, csrf(schedule.text)

    def _session_opened(self, role: str) -> tuple[httpx.Client, str]:
        with Session(_engine(self.database_url)) as session, session.begin():
            user = session.scalar(select(WebUser).where(WebUser.name == role))
            assert user is not None, role
            cookie, signed = open_session(session, user, address="testclient")
            session.flush()
            opened = session.get(WebSession, digest(cookie))
            assert opened is not None
            opened.confirmed_at = now()  # both factors given at sign-in: an admin's changes need no password yet
        client = self.client()
        client.cookies.set(SESSION_COOKIE, cookie)
        return client, signed.csrf_token

    def confirm_password(self, client: httpx.Client, password: str = PASSWORD, then: str = "admin") -> httpx.Response:
        """Give the signed-in `client`'s password again (`/account/confirm`): an admin's changes of users
        and sessions need it within five minutes, unless they signed in with both factors by then."""
        token = csrf(client.get("/account/confirm").text)
        return client.post("/account/confirm", data={"password": password, "then": then, "csrf_token": token})

    def give_code(self, client: httpx.Client, name: str, secret: str = "") -> httpx.Response:
        """Answer the code page with the current code of `name`'s TOTP secret (default: `TOTP_SECRET`).
        A code is accepted once per 30-second step, and tests sign in many times a step: the step last
        used is forgotten first, in the database, as if that much time had passed."""
        forget_last_code(self.database_url, name)
        token = csrf(client.get("/sign-in/code").text)
        return client.post("/sign-in/code", data={"code": pyotp.TOTP(secret or TOTP_SECRET).now(), "csrf_token": token})


@cache
def _engine(database_url: str) -> Engine:
    return create_engine(database_url, poolclass=NullPool)


def forget_last_code(database_url: str, name: str) -> None:
    """Let `name` give a TOTP code of a step already used (tests sign in many times in 30 seconds)."""
    with _engine(database_url).begin() as connection:
        connection.execute(text("UPDATE web_user SET totp_last_step = NULL WHERE name = :name"), {"name": name})


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def make_site(tmp_path: Path, database_url: str | None = None) -> tuple[str, Path, str]:
    """A database with a user per role and an API token; returns (database URL, output folder, token).
    A SQLite site starts as a copy of one made once per test process (migrated, with its users)."""
    if database_url is None:
        path = tmp_path / "var" / "packetgen.sqlite"
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_bytes(_sqlite_site())
        path.chmod(0o600)
        database_url = f"sqlite:///{path}"
    else:
        _add_users(database_url)
    store = open_store(Settings(database_url=database_url))
    with store.session() as session:
        token = add_token(session, "test-ehr")
    store.close()
    return database_url, tmp_path / "web-out", token


@cache
def _sqlite_site() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "packetgen.sqlite"
        _add_users(migrated_sqlite(path))
        return path.read_bytes()


def _add_users(database_url: str) -> None:
    store = open_store(Settings(database_url=database_url))
    with store.session() as session:
        for role in ROLES:
            added = add_user(session, role, role, PASSWORD)
            if role == "admin":  # admins sign in with a second factor
                added.totp_secret = TOTP_SECRET
    store.close()


CSV = """appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,location,language,email
W-1,00012345,Nguyễn,Thị Ánh,1948-03-14,vertebroplasty,2026-12-07T07:30,Dr. Alvarez,Room 214,en,anh@example.org
W-2,0000987654,O'Brien,Seán,1939-11-02,vertebroplasty,2026-12-07T09:15,Dr. Okafor,Suite B,es,
W-3,0000555,Wang,Wei,1950-02-30,vertebroplasty,2026-12-07T11:00,Dr. Okafor,Suite B,en,
"""


def upload(client: httpx.Client, token: str, text: str = CSV, name: str = "today.csv") -> httpx.Response:
    """Upload a file and, when it is read in the background, wait until it is done: the schedule then
    (or the answer to the POST itself: a file refused as a whole, a refused role)."""
    files = {"file": (name, text.encode(), "text/csv")}
    response = client.post("/upload", data={"csrf_token": token}, files=files)
    if response.status_code == 303 and response.headers["location"].startswith("/uploads/"):
        wait_for_upload(client, response.headers["location"])
        return client.get(schedule_of(text))
    return response


def schedule_of(text: str) -> str:
    """The schedule page of the day an upload's first appointment is on (the schedule shows one day;
    a text with no date in the CSV's form: today's)."""
    found = re.search(r"\b(\d{4}-\d{2}-\d{2})T\d", text)
    return f"/schedule?day={found.group(1)}" if found else "/"


SCHEDULE = "/schedule?day=2026-12-07"
"""The schedule of the day `CSV`'s appointments are on."""


def wait_for_upload(client: httpx.Client, page: str) -> dict[str, Any]:
    """The upload at `page` followed until it is done: its last status."""
    deadline = time.monotonic() + 120
    while True:
        status = client.get(f"{page}/status").json()
        if status["finished"]:
            return dict(status)
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def entry_ids(page: str) -> dict[str, int]:
    return {name: int(number) for number, name in re.findall(r'<a href="/entries/(\d+)">([^<]+)</a>', page)}


NGUYEN = ROOT / "examples/appointments/nguyen.yaml"


def record() -> dict[str, object]:
    data = yaml.safe_load(NGUYEN.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def once() -> str:
    """A fresh one-time token, as an action form carries (`packetgen/web/actions.py`)."""
    import secrets

    return secrets.token_urlsafe(24)


def act(client: httpx.Client, path: str, data: dict[str, Any], then: bool = True) -> httpx.Response:
    """Submit an action form as a browser does, with a fresh one-time token unless `data` has one: the
    POST answers 303 (post/redirect/get); with `then`, the page it leads to (a GET), else the 303."""
    response = client.post(path, data={"once": once(), **data})
    assert response.status_code == 303, (response.status_code, response.text[:500])
    return client.get(response.headers["location"]) if then else response


def follow(client: httpx.Client, response: httpx.Response) -> tuple[str, list[dict[str, Any]]]:
    """The run a start answered with, followed until it has finished: its page, and every state seen."""
    assert response.status_code == 303, response.text
    page = response.headers["location"]
    assert re.fullmatch(r"/print-runs/\d+", page)
    seen = []
    deadline = time.monotonic() + 60
    while True:
        status = client.get(f"{page}/status").json()
        seen.append(status)
        if status["finished"]:
            return page, seen
        assert time.monotonic() < deadline, seen
        time.sleep(0.05)
