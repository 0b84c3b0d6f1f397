"""The PostgreSQL pass, and two app processes sharing one PostgreSQL database and one output folder:
what one does the other shows, and a session or CSRF token one made is honoured by the other."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.servers import Cups
from tests.helpers.web import App, act, entry_ids, make_site, record, upload


@pytest.mark.parametrize("web_database", ["postgresql"], indirect=True)  # PostgreSQL is what several share
@pytest.mark.process  # `generate.py serve` as a real process
def test_two_instances_on_one_postgresql(
    start_app: Callable[..., App], postgres: Any, cups_server: Cups, tmp_path: Path
) -> None:
    site = make_site(tmp_path, postgres.database())
    one = start_app(site=site, process=True, **cups_server.environ())
    two = start_app(site=site, process=True, **cups_server.environ())
    assert one.url != two.url

    # Signed in on one; the same cookie (and its CSRF token) works on the other.
    client, token = one.signed_in("scheduler")
    cookie = client.cookies["packetgen_session"]
    other = two.client()
    other.cookies.set("packetgen_session", cookie)
    assert other.get("/").status_code == 200

    # Uploaded through one, printed through the other, shown as printed by the first.
    entry = entry_ids(upload(client, token).text)["Nguyễn, Thị Ánh"]
    printed = act(other, f"/entries/{entry}/print", {"csrf_token": token, "queue": cups_server.queue})
    assert printed.status_code == 200, printed.text
    assert re.search(r"Printed on \S+ \(job \d+\)", printed.text)
    assert '<span class="state">printed</span>' in client.get(f"/entries/{entry}").text

    # Signing out on one ends the session on both.
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert other.get("/").status_code == 303

    # The API on PostgreSQL: the token made once works on both, the bytes are the same.
    body = json.dumps(record(), ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {one.token}", "Content-Type": "application/json"}
    first = httpx.post(f"{one.url}/api/v1/packets", content=body, headers=headers, timeout=30)
    second = httpx.post(f"{two.url}/api/v1/packets", content=body, headers=headers, timeout=30)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
