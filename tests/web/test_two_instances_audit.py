"""The access audit of two app processes on one PostgreSQL database (issue 26): sign-ins (right and
wrong), schedule and patient pages and sign-outs on either instance, one after another and many at once,
all land in the one audit, each once, read back oldest first by `generate.py audit --access`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from packetgen.store.access import COLUMNS
from tests.helpers.web import CSV, PASSWORD, ROOT, SCHEDULE, App, csrf, entry_ids, make_site, wait_for_upload

PEERS = {"one": "127.0.0.2", "two": "127.0.0.3"}
"""Each instance's clients come from their own loopback address, so the audit shows which served what."""


def _sign_in(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf(client.get("/sign-in").text)
    return client.post("/sign-in", data={"name": name, "password": password, "csrf_token": token})


@pytest.mark.parametrize("web_database", ["postgresql"], indirect=True)  # PostgreSQL is what several share
@pytest.mark.process  # `generate.py serve` twice, and `generate.py audit --access`, as real processes
def test_two_instances_write_one_access_audit_and_lose_nothing(
    start_app: Callable[..., App], postgres: Any, tmp_path: Path
) -> None:
    site = make_site(tmp_path, postgres.database())
    apps = {"one": start_app(site=site, process=True), "two": start_app(site=site, process=True)}
    expected: list[tuple[str, str, str, str]] = []  # (request id, who, address, action), in the order done

    def done(instance: str, response: httpx.Response, who: str, action: str, status: int = 200) -> None:
        assert response.status_code == status, response.text
        expected.append((response.headers["X-Request-ID"], who, PEERS[instance], action))

    # One after another, alternating instances: the audit's order is the order they happened in.
    clients = {}
    for instance, name in (("one", "scheduler"), ("two", "clinician")):
        client = apps[instance].client(peer=PEERS[instance])
        done(instance, _sign_in(client, name, "not the password"), name, "sign-in-failed", 401)
        done(instance, _sign_in(client, name), name, "sign-in", 303)
        clients[instance] = client
    page = clients["one"].get(SCHEDULE)
    done("one", page, "scheduler", "view-schedule")
    files = {"file": ("today.csv", CSV.encode(), "text/csv")}
    posted = clients["one"].post("/upload", data={"csrf_token": csrf(page.text)}, files=files)
    done("one", posted, "scheduler", "upload", 303)
    wait_for_upload(clients["one"], posted.headers["location"])  # its counts: no patient data, not audited
    done("one", clients["one"].get(posted.headers["location"]), "scheduler", "view-upload")  # its errors name
    day = clients["two"].get(SCHEDULE)
    done("two", day, "clinician", "view-schedule")
    entries = sorted(entry_ids(day.text).values())
    assert len(entries) == 2  # W-3's date of birth (30 February) is refused
    for entry in entries:
        for instance, who in (("two", "clinician"), ("one", "scheduler")):
            done(instance, clients[instance].get(f"/entries/{entry}"), who, "view-patient")
    sequential = len(expected)

    # Many at once, on both instances: none is lost or recorded twice.
    def look(turn: int) -> tuple[str, httpx.Response]:
        instance = ("one", "two")[turn % 2]
        return instance, clients[instance].get(f"/entries/{entries[turn % 2]}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        for instance, response in pool.map(look, range(60)):
            done(instance, response, {"one": "scheduler", "two": "clinician"}[instance], "view-patient")
    for instance, who in (("one", "scheduler"), ("two", "clinician")):
        page = clients[instance].get(SCHEDULE)
        done(instance, page, who, "view-schedule")
        done(instance, clients[instance].post("/sign-out", data={"csrf_token": csrf(page.text)}), who, "sign-out", 303)
    assert len(expected) == sequential + 64

    database_url, _, _ = site
    environ = {
        **os.environ,
        "PACKETGEN_DATABASE_URL": database_url,
        "PACKETGEN_SETTINGS": str(tmp_path / "settings-0.yaml"),
    }
    audit = subprocess.run(
        [sys.executable, "generate.py", "audit", "--access"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    at, who, address, action, request = (
        COLUMNS.index(c) for c in ("when_utc", "who", "address", "action", "request_id")
    )
    rows = [line.split() for line in audit.stdout.splitlines()[1:]]
    # Every request above has its one row, and there is no other row.
    recorded = [(row[request], row[who], row[address], row[action]) for row in rows]
    assert Counter(r[0] for r in recorded).most_common(1)[0][1] == 1
    assert sorted(recorded) == sorted(expected)
    # The first part, one request after another across both instances, is in the order it happened.
    assert recorded[:sequential] == expected[:sequential]
    times = [row[at] for row in rows[:sequential]]
    assert times == sorted(times)
    assert {row[address] for row in rows} == set(PEERS.values())
