"""The HTTP API over real HTTP: the same bytes as the CLI, errors in its words, tokens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from packetgen.cli import main
from tests.helpers.site import KNOWN_DEPARTMENTS
from tests.helpers.stores import migrated_sqlite
from tests.helpers.web import App, record


def test_health_needs_no_session(shared_app: App) -> None:
    response = shared_app.client().get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


def test_a_packet_is_the_same_bytes_the_cli_writes(shared_app: App, tmp_path: Path) -> None:
    body = json.dumps(record(), ensure_ascii=False).encode()
    response = shared_app.client().post(
        "/api/v1/packets",
        content=body,
        headers={"Authorization": f"Bearer {shared_app.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    source = tmp_path / "record.json"
    source.write_bytes(body)
    assert main(["packet", str(source), "--out", str(tmp_path / "cli")]) == 0
    assert response.content == (tmp_path / "cli" / "DEMO-0001.pdf").read_bytes()


def test_a_bad_record_is_422_in_the_clis_words_without_its_values(shared_app: App) -> None:
    bad = {**record(), "date_of_birth": "1948-02-30", "last_name": "Zyxwvut", "flags": ["secret-flag-value"]}
    response = shared_app.client().post(
        "/api/v1/packets",
        json=bad,
        headers={"Authorization": f"Bearer {shared_app.token}"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"field": "date_of_birth", "message": "not a real calendar date", "line": 1} in errors
    assert "1948-02-30" not in response.text
    assert "Zyxwvut" not in response.text
    not_json = shared_app.client().post(
        "/api/v1/packets",
        content=b"{not json",
        headers={"Authorization": f"Bearer {shared_app.token}", "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert "errors" in not_json.json()


def test_an_unknown_department_is_422_naming_the_field(shared_app: App) -> None:
    response = shared_app.client().post(
        "/api/v1/packets",
        json={**record(), "department": "oncology"},
        headers={"Authorization": f"Bearer {shared_app.token}"},
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "department"
    assert error["message"] == f"unknown department; expected one of: {KNOWN_DEPARTMENTS}"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_no_or_a_wrong_token_is_401(shared_app: App, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = shared_app.client().post("/api/v1/packets", json=record(), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "content_type",
    [None, "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x",
     "application/json; charset=latin-1", "application/jsonp", "application/json; x=1"],
)  # fmt: skip
def test_a_body_not_sent_as_json_is_415_in_our_words(shared_app: App, content_type: str | None) -> None:
    """ASVS 13.1.5: only `application/json` (utf-8) is read; anything else is refused before the body
    is, and the answer repeats nothing of it."""
    body = json.dumps({**record(), "last_name": "Qx-private-name"}).encode()
    headers = {"Authorization": f"Bearer {shared_app.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = shared_app.client().post("/api/v1/packets", content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert response.json() == {"errors": [{"field": "", "message": "the body must be sent as Content-Type: "
                                           "application/json (charset utf-8, if one is named)"}]}  # fmt: skip
    assert "Qx-private-name" not in response.text


@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; charset=UTF-8", 'application/json;charset="utf-8"']
)
def test_json_with_or_without_its_utf8_charset_is_read(shared_app: App, content_type: str) -> None:
    headers = {"Authorization": f"Bearer {shared_app.token}", "Content-Type": content_type}
    response = shared_app.client().post("/api/v1/packets", content=json.dumps(record()).encode(), headers=headers)
    assert response.status_code == 200, response.text


def test_the_api_is_described(shared_app: App) -> None:
    spec = shared_app.client().get("/api/openapi.json").json()
    assert "/api/v1/packets" in spec["paths"]
    assert "/healthz" in spec["paths"]
    docs = shared_app.client().get("/api/docs")
    assert docs.status_code == 200
    assert "POST /api/v1/packets" in docs.text
    assert "<script" not in docs.text


def test_the_api_describes_the_record_it_takes(shared_app: App) -> None:
    """OpenAPI shows the appointment record as the body (we read and check it ourselves, in the CLI's
    words), and the bearer token."""
    spec = shared_app.client().get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/packets"]["post"]
    assert operation["requestBody"]["required"] is True
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"appointment_id", "mrn", "first_name", "last_name", "date_of_birth", "procedure", "start", "provider",
            "location", "language", "flags", "email"} <= set(schema["properties"])  # fmt: skip
    assert set(schema["required"]) == {"appointment_id", "mrn", "date_of_birth", "procedure", "start"}
    assert schema["additionalProperties"] is False
    assert "Medical record number" in schema["properties"]["mrn"]["description"]  # the model's field docstrings
    assert operation["security"] == [{"HTTPBearer": []}]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert set(operation["responses"]) >= {"200", "401", "422"}


def test_token_and_user_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    environ = {"PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "db.sqlite")}
    assert main(["token", "add", "epic-prod"], environ=environ) == 0
    token = capsys.readouterr().out.splitlines()[-1]
    assert len(token) >= 40
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "ana", "--role", "clinician"], environ=environ) == 0
    assert capsys.readouterr().out.strip() == "user ana added (clinician)"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "bob", "--role", "admin"], environ=environ) == 2
    assert capsys.readouterr().err.strip() == "generate.py: error: password: expected at least 12 characters"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "ana", "--role", "admin"], environ=environ) == 2
    assert capsys.readouterr().err.strip() == "generate.py: error: user ana exists already"
    from sqlalchemy import select

    from packetgen.settings import Settings
    from packetgen.store import open_store
    from packetgen.store.tables import ApiToken, WebUser

    store = open_store(Settings(database_url=environ["PACKETGEN_DATABASE_URL"]))
    with store.reading() as session:
        stored = session.scalars(select(ApiToken.token_sha256)).all()
        user = session.scalars(select(WebUser)).one()
    store.close()
    assert token not in stored  # only its hash
    assert user.password_hash.startswith("$argon2id$")


def _packet(app: App, body: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {app.token}", "Content-Type": "application/json"}
    return app.client().post("/api/v1/packets", content=body, headers=headers)


def test_packets_made_at_once_are_each_the_clis_bytes(start_app: Callable[..., App], tmp_path: Path) -> None:
    """Requests at the same moment queue for the app's packet workers (here: two) and each gets its own packet."""
    from concurrent.futures import ThreadPoolExecutor

    app = start_app(PACKETGEN_WORKERS="2")

    bodies = []
    for n, language in enumerate(["en", "es", "en", "es", "en", "es"]):
        data = {**record(), "appointment_id": f"API-{n}", "first_name": f"Name{n}", "language": language}
        bodies.append(json.dumps(data, ensure_ascii=False).encode())
    with ThreadPoolExecutor(len(bodies)) as pool:
        responses = list(pool.map(lambda body: _packet(app, body), bodies))
    for n, (body, response) in enumerate(zip(bodies, responses, strict=True)):
        assert response.status_code == 200, response.text
        source = tmp_path / f"record-{n}.json"
        source.write_bytes(body)
        assert main(["packet", str(source), "--out", str(tmp_path / "cli")]) == 0
        assert response.content == (tmp_path / "cli" / f"API-{n}.pdf").read_bytes()
    assert not list(app.out_dir.glob("API-*.pdf"))  # the API answers with the packet; it leaves none on disk


def _workers_of(process: subprocess.Popen[bytes]) -> list[int]:
    """The packet workers: children of the app's fork server (itself a child of the app)."""
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True)
    found = []
    for child in children.stdout.split():
        grandchildren = subprocess.run(["ps", "-o", "pid=", "--ppid", child], capture_output=True, text=True)
        found += [int(pid) for pid in grandchildren.stdout.split()]
    return found


@pytest.mark.process  # kills the app's packet workers: the app in a process of its own
def test_a_killed_packet_worker_is_replaced(start_app: Callable[..., App]) -> None:
    app = start_app(process=True)
    assert app.process is not None
    body = json.dumps(record(), ensure_ascii=False).encode()
    assert _packet(app, body).status_code == 200
    workers = _workers_of(app.process)
    assert workers, "no packet worker found"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    statuses = [_packet(app, body).status_code for _ in range(2)]
    # The first request may still find the dead worker's pool (an error for it alone); after it, packets are made.
    assert statuses[-1] == 200
    assert statuses.count(500) <= 1
    assert set(_workers_of(app.process)).isdisjoint(workers)
