"""A session as its holder and an attacker meet it: a form without the session's token does nothing,
a session ends after the site's idle minutes (and not before), and behind a reverse proxy the person
the proxy names is the person signed in, whatever cookie the browser still holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from argon2 import PasswordHasher

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import WebSession
from packetgen.web import accounts
from tests.helpers.web import CSV, SCHEDULE, App, entry_ids, upload


def test_an_upload_without_the_sessions_token_is_refused_and_makes_nothing(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    _other, others_token = app.signed_in("admin")
    files = {"file": ("today.csv", CSV.encode(), "text/csv")}
    for form in ({"csrf_token": "forged"}, {"csrf_token": others_token}, {"csrf_token": ""}, {}):
        refused = client.post("/upload", data=form, files=files)
        assert refused.status_code in (403, 422), (form, refused.status_code)  # 422: no token at all
        assert "records read" not in refused.text
    schedule = client.get(SCHEDULE)  # the day the file's appointments are on
    assert entry_ids(schedule.text) == {}
    assert not list(app.out_dir.glob("*.pdf"))
    accepted = upload(client, token)  # the same file with the session's own token: read, then that day
    assert accepted.status_code == 200
    assert len(entry_ids(accepted.text)) == 2  # its two good records, made (the third is an error)
    assert len(list(app.out_dir.glob("*.pdf"))) == 2


def _idle_for(app: App, client: httpx.Client, idle: timedelta) -> None:
    """Make the session `client` holds look as if its last request was `idle` ago."""
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        found = session.get(WebSession, accounts.digest(client.cookies["packetgen_session"]))
        assert found is not None
        found.last_seen_at = datetime.now(UTC) - idle
    store.close()


def test_a_session_ends_after_the_sites_idle_minutes_and_not_before(start_app: Callable[..., App]) -> None:
    app = start_app(web="  session_idle_minutes: 2\n")
    recent, _ = app.signed_in("clinician")
    _idle_for(app, recent, timedelta(seconds=90))
    assert recent.get("/").status_code == 200  # 1.5 minutes of 2: still signed in
    _idle_for(app, recent, timedelta(seconds=90))
    assert recent.get("/").status_code == 200  # the request before reset the clock

    idle, _ = app.signed_in("clinician")
    _idle_for(app, idle, timedelta(seconds=150))
    ended = idle.get("/")
    assert ended.status_code == 303
    assert ended.headers["location"] == "/sign-in"
    assert idle.get("/entries/1").status_code == 303  # gone, not only refused once
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        assert session.get(WebSession, accounts.digest(idle.cookies["packetgen_session"])) is None
    store.close()


def test_the_person_a_proxy_names_is_signed_in_whatever_cookie_the_browser_holds(
    start_app: Callable[..., App],
) -> None:
    app = start_app(web="  trusted_user_header: X-Remote-User\n  trusted_proxies: [10.0.0.0/8]\n")
    # One browser on a shared workstation, people signing in to the proxy (10.1.2.3) in turn.
    browser = app.client(peer="10.1.2.3")
    admin = browser.get("/admin", headers={"X-Remote-User": "admin"})
    assert admin.status_code == 200
    assert "admin (admin)" in admin.text
    admins_cookie = browser.cookies["packetgen_session"]

    clinician = browser.get("/", headers={"X-Remote-User": "clinician"})  # the admin's cookie still sent
    assert clinician.status_code == 200
    assert "clinician (clinician)" in clinician.text
    assert "admin (admin)" not in clinician.text
    assert browser.cookies["packetgen_session"] != admins_cookie  # a session of their own
    assert browser.get("/admin", headers={"X-Remote-User": "clinician"}).status_code == 403
    scheduler = browser.get("/", headers={"X-Remote-User": "scheduler"})
    assert "scheduler (scheduler)" in scheduler.text
    assert "clinician (clinician)" not in scheduler.text

    # And the other way: a less trusted person's cookie does not hold back the admin.
    again = browser.get("/admin", headers={"X-Remote-User": "admin"})
    assert again.status_code == 200
    assert "admin (admin)" in again.text


def test_the_app_hashes_passwords_with_argon2id_at_rfc_9106s_cost(cheap_hashing: PasswordHasher) -> None:
    """The tests in this process hash at a low cost; the app's own hasher is Argon2id with RFC 9106's
    second recommended parameters (t=3, 64 MiB, 4 lanes), and a hash it makes says so."""
    assert (cheap_hashing.time_cost, cheap_hashing.memory_cost, cheap_hashing.parallelism) == (3, 65536, 4)
    assert cheap_hashing.hash("correct horse battery").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
