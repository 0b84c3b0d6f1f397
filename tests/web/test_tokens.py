"""API tokens have a lifecycle (issue 26, item 13): `token list` shows each token's name, when it was
added, when it expires and when it was last used (never the token); `token revoke NAME` ends it at
once; an expired token is refused like a wrong one; names are unique."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from packetgen.cli import main
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import AccessEvent, ApiToken
from tests.helpers.stores import migrated_sqlite
from tests.helpers.web import App, record


def _packet_status(app: App, token: str) -> int:
    response = app.client().post("/api/v1/packets", json=record(), headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def _run(argv: list[str], app: App, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(argv, environ={"PACKETGEN_DATABASE_URL": app.database_url})
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.strip()


def test_list_use_and_revoke(start_app: Callable[..., App], capsys: pytest.CaptureFixture[str]) -> None:
    app = start_app()
    code, out, _ = _run(["token", "add", "epic-prod", "--days", "30"], app, capsys)
    assert code == 0
    token = out[-1]
    assert "working for 30 days" in out[0]
    _code, listed, _ = _run(["token", "list"], app, capsys)
    line = next(line for line in listed if line.startswith("epic-prod\t"))
    assert line.endswith("\tnever used")
    assert token not in "\n".join(listed)
    expires = datetime.now(UTC) + timedelta(days=30)
    assert f"expires {expires:%Y-%m-%d}" in line
    assert _packet_status(app, token) == 200
    _code, listed, _ = _run(["token", "list"], app, capsys)
    line = next(line for line in listed if line.startswith("epic-prod\t"))
    assert line.rsplit("\t", 1)[1].startswith(f"{datetime.now(UTC):%Y-%m-%d}")  # last used: now
    assert _run(["token", "revoke", "epic-prod"], app, capsys)[:2] == (
        0,
        ["API token epic-prod revoked: its requests are refused from now on"],
    )
    assert _packet_status(app, token) == 401
    assert _run(["token", "revoke", "epic-prod"], app, capsys) == (
        2,
        [],
        "generate.py: error: no API token named epic-prod",
    )


def test_an_expired_token_is_refused(start_app: Callable[..., App], capsys: pytest.CaptureFixture[str]) -> None:
    app = start_app()
    token = _run(["token", "add", "old-interface"], app, capsys)[1][-1]
    assert _packet_status(app, token) == 200
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.name == "old-interface")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    store.close()
    assert _packet_status(app, token) == 401


def test_a_name_is_one_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "db.sqlite")}
    assert main(["token", "add", "epic-prod"], environ=environ) == 0
    assert main(["token", "add", "epic-prod"], environ=environ) == 2
    assert capsys.readouterr().err.strip() == (
        "generate.py: error: token epic-prod exists: `token revoke epic-prod` first, or choose another name"
    )
    assert main(["token", "revoke"], environ=environ) == 2
    assert capsys.readouterr().err.strip() == "generate.py: error: token revoke: give the token's NAME"


def test_each_token_is_limited_to_its_minutes_requests(
    start_app: Callable[..., App], capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused records count too (each is in the access audit); another token has its own minute."""
    app = start_app(web="  api_requests_per_minute: 3\n")
    statuses = [
        app.client()
        .post(
            "/api/v1/packets",
            content=b"{not json",
            headers={"Authorization": f"Bearer {app.token}", "Content-Type": "application/json"},
        )
        .status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 422]
    refused = app.client().post("/api/v1/packets", json=record(), headers={"Authorization": f"Bearer {app.token}"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.json() == {"detail": "too many requests: at most 3 a minute for this token"}
    other = _run(["token", "add", "second-system"], app, capsys)[1][-1]
    assert _packet_status(app, other) == 200


def _burst(apps: list[App], count: int) -> list[int]:
    """`count` packet requests with the test token sent at once, in turn to each of `apps`: their statuses."""
    clients = [apps[n % len(apps)].client() for n in range(count)]
    start = threading.Barrier(count)
    statuses: list[int] = []

    def ask(client: httpx.Client) -> None:
        start.wait()
        response = client.post("/api/v1/packets", json=record(), headers={"Authorization": f"Bearer {apps[0].token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=ask, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return sorted(statuses)


def _requests_recorded(app: App) -> int:
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        made = session.scalar(select(func.count()).where(AccessEvent.action == "api-request"))
    store.close()
    return int(made or 0)


def test_a_burst_at_once_lets_through_no_more_than_the_limit(start_app: Callable[..., App]) -> None:
    """Eight requests at once with a limit of 3: each is reserved (an `api-request` row) in a serialised
    transaction before its packet is made, so exactly 3 are made and 5 refused. (Counting the packets
    made, as before, let all eight through.)"""
    app = start_app(web="  api_requests_per_minute: 3\n")
    assert _burst([app], 8) == [200] * 3 + [429] * 5
    assert _requests_recorded(app) == 3


@pytest.mark.process  # two `generate.py serve` processes on one database
def test_a_burst_at_once_on_two_instances_lets_through_no_more_than_the_limit(start_app: Callable[..., App]) -> None:
    one = start_app(web="  api_requests_per_minute: 3\n", process=True)
    two = start_app(site=(one.database_url, one.out_dir, one.token), web="  api_requests_per_minute: 3\n", process=True)
    assert _burst([one, two], 8) == [200] * 3 + [429] * 5
    assert _requests_recorded(one) == 3
