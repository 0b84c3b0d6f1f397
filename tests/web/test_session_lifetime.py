"""Sessions end and can be ended (issue 26, item 7): a session ends 12 hours after its sign-in however
busy (`web.session_max_hours`), an expired one is deleted, not only refused, and every expired row goes
at the next sign-in; each user lists their sessions and ends any of them, admins anyone's, each end in
the access audit; over TLS the cookies carry the `__Host-` prefix. And the network around them (item
13): a Host the site does not answer to is refused over real HTTP, and `serve` refuses plain HTTP beyond
loopback unless a named TLS proxy is in front."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from packetgen.cli import main
from packetgen.settings import Settings, WebSettings
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.store.tables import WebSession, WebUser
from packetgen.web import accounts
from packetgen.web.proxy import allowed_hosts
from tests.helpers.web import PASSWORD, App, csrf


@contextmanager
def _database(app: App) -> Iterator[Session]:
    """The app's database, committed when the block ends."""
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.session() as session:
            yield session
    finally:
        store.close()


def _row(app: App, client: httpx.Client) -> WebSession | None:
    with _database(app) as session:
        return session.get(WebSession, accounts.digest(client.cookies["packetgen_session"]))


def _age(app: App, client: httpx.Client, started: timedelta, seen: timedelta = timedelta(0)) -> None:
    """Make the session `client` holds look as if it began `started` ago and was last used `seen` ago."""
    with _database(app) as session:
        found = session.get(WebSession, accounts.digest(client.cookies["packetgen_session"]))
        assert found is not None
        found.created_at = datetime.now(UTC) - started
        found.last_seen_at = datetime.now(UTC) - seen


def _handle(client: httpx.Client) -> str:
    """How the sessions page names the session `client` holds (its cookie's hash, the first 16 digits)."""
    return accounts.digest(client.cookies["packetgen_session"])[:16]


def _ends(app: App, action: str) -> list[tuple[str, int | None]]:
    """Who ended a session, and whose it was, as the access audit has them."""
    with _database(app) as session:
        return [(e.who, e.user_id) for e in access_events(session, action=action)]


def _user_id(app: App, name: str) -> int:
    with _database(app) as session:
        found = session.scalar(select(WebUser.id).where(WebUser.name == name))
    assert found is not None
    return found


def test_a_busy_session_ends_at_its_sites_lifetime_and_its_row_is_deleted(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, _ = app.signed_in("clinician")
    _age(app, client, started=timedelta(hours=11, minutes=50))  # used a moment ago, 11 h 50 of 12
    assert client.get("/").status_code == 200
    _age(app, client, started=timedelta(days=3))  # used a moment ago, every few minutes for 3 days
    ended = client.get("/")
    assert (ended.status_code, ended.headers["location"]) == (303, "/sign-in")
    assert _row(app, client) is None  # deleted, not only refused (the delete is committed with the refusal)


def test_a_site_may_shorten_the_lifetime(start_app: Callable[..., App]) -> None:
    shorter = start_app(web="  session_max_hours: 1\n")
    client, _ = shorter.signed_in("scheduler")
    _age(shorter, client, started=timedelta(minutes=61))
    assert client.get("/").status_code == 303
    assert _row(shorter, client) is None


def test_an_idle_session_is_deleted_and_every_expired_one_goes_at_the_next_sign_in(
    start_app: Callable[..., App],
) -> None:
    app = start_app()
    idle, _ = app.signed_in("clinician")
    _age(app, idle, started=timedelta(minutes=40), seen=timedelta(minutes=31))
    assert idle.get("/").status_code == 303
    assert _row(app, idle) is None

    # Sessions whose browsers never come back: gone at anyone's next sign-in.
    forgotten, _ = app.signed_in("scheduler")
    old, _ = app.signed_in("clinician")
    kept, _ = app.signed_in("clinician")
    _age(app, forgotten, started=timedelta(hours=2), seen=timedelta(hours=1))
    _age(app, old, started=timedelta(hours=13))
    app.signed_in("clinician", through_form=True)
    assert _row(app, forgotten) is None
    assert _row(app, old) is None
    assert _row(app, kept) is not None
    assert kept.get("/").status_code == 200


def test_a_user_sees_their_sessions_and_ends_another_browsers(start_app: Callable[..., App]) -> None:
    app = start_app()
    desk, token = app.signed_in("clinician")
    ward, _ = app.signed_in("clinician")
    others, _ = app.signed_in("scheduler")
    page = desk.get("/sessions")
    assert page.status_code == 200
    assert "<title>Your sessions · packetgen</title>" in page.text
    rows = re.findall(r"<tr>.*?</tr>", page.text.split("<tbody>")[1], re.S)
    assert len(rows) == 2  # the clinician's two, not the scheduler's
    assert sum("(this one)" in row for row in rows) == 1
    assert f"/sessions/{_handle(desk)}/end" in page.text
    assert "(this one)" in page.text
    assert "testclient" in page.text  # the address it was opened from
    assert _handle(others) not in page.text

    forged = desk.post(f"/sessions/{_handle(ward)}/end", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert ward.get("/").status_code == 200
    ended = desk.post(f"/sessions/{_handle(ward)}/end", data={"csrf_token": token})
    assert (ended.status_code, ended.headers["location"]) == (303, "/sessions")
    assert ward.get("/").status_code == 303  # that browser is signed out
    assert _row(app, ward) is None
    assert desk.get("/").status_code == 200  # this one is not
    assert _ends(app, "end-session") == [("clinician", _user_id(app, "clinician"))]

    here = desk.post(f"/sessions/{_handle(desk)}/end", data={"csrf_token": token})  # this one: signed out here
    assert (here.status_code, here.headers["location"]) == (303, "/sign-in")
    assert desk.get("/").status_code == 303


def test_nobody_but_an_admin_ends_anothers_session(start_app: Callable[..., App]) -> None:
    app = start_app()
    victim, _ = app.signed_in("clinician")
    scheduler, token = app.signed_in("scheduler")
    assert scheduler.post(f"/sessions/{_handle(victim)}/end", data={"csrf_token": token}).status_code == 404
    assert scheduler.get("/admin/sessions").status_code == 403
    assert scheduler.post(f"/admin/sessions/{_handle(victim)}/end", data={"csrf_token": token}).status_code == 403
    assert victim.get("/").status_code == 200
    assert _ends(app, "end-session") == _ends(app, "admin-end-session") == []

    admin, admin_token = app.signed_in("admin")
    everyone = admin.get("/admin/sessions")
    assert everyone.status_code == 200
    assert "<title>Everyone&#39;s sessions · packetgen</title>" in everyone.text
    for client in (victim, scheduler, admin):
        assert f"/admin/sessions/{_handle(client)}/end" in everyone.text
    assert "<td>clinician</td>" in everyone.text
    ended = admin.post(f"/admin/sessions/{_handle(victim)}/end", data={"csrf_token": admin_token})
    assert (ended.status_code, ended.headers["location"]) == (303, "/admin/sessions")
    assert victim.get("/").status_code == 303
    assert scheduler.get("/").status_code == 200
    assert _ends(app, "admin-end-session") == [("admin", _user_id(app, "clinician"))]
    gone = admin.post(f"/admin/sessions/{_handle(victim)}/end", data={"csrf_token": admin_token})
    assert gone.status_code == 404
    for handle in ("0" * 16, "not-a-handle", "0" * 64):
        assert admin.post(f"/admin/sessions/{handle}/end", data={"csrf_token": admin_token}).status_code == 404


def test_sessions_opened_by_a_tls_proxy_get_host_prefixed_cookies(start_app: Callable[..., App]) -> None:
    app = start_app(web="  trusted_proxies: [10.0.0.0/8]\n")
    browser = app.client(peer="10.1.2.3")  # the proxy, the browser's HTTPS behind it (its cookies sent by hand:
    https = {"X-Forwarded-Proto": "https"}  # a client's jar keeps Secure cookies from plain HTTP)
    form = browser.get("/sign-in", headers=https)
    signin_cookie = form.headers["set-cookie"]
    assert signin_cookie.startswith("__Host-packetgen_signin=")
    data = {"name": "clinician", "password": PASSWORD, "csrf_token": csrf(form.text)}
    plain_name = {"Cookie": "packetgen_signin=" + signin_cookie.split(";")[0].partition("=")[2]}
    assert browser.post("/sign-in", data=data, headers={**https, **plain_name}).status_code == 403  # not its name
    signed = browser.post("/sign-in", data=data, headers={**https, "Cookie": signin_cookie.split(";")[0]})
    assert signed.status_code == 303
    cookies = signed.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("__Host-packetgen_session="))
    assert "Secure" in session
    assert "Path=/" in session
    assert "Domain" not in session
    assert browser.get("/", headers={**https, "Cookie": session.split(";")[0]}).status_code == 200
    unprefixed = "packetgen_session=" + session.split(";")[0].partition("=")[2]
    assert browser.get("/", headers={**https, "Cookie": unprefixed}).status_code == 303  # over HTTPS: only __Host-
    # Over plain HTTP (as on loopback in development) the names stay as they were.
    plain = app.client()
    assert plain.get("/sign-in").headers["set-cookie"].startswith("packetgen_signin=")


@pytest.mark.process  # TLS: `generate.py serve` with a certificate
def test_over_tls_the_cookies_carry_the_host_prefix(
    start_app: Callable[..., App], certificates: tuple[Path, Path, Path]
) -> None:
    app = start_app(tls=certificates)
    client = app.client()
    form = client.get("/sign-in")
    signin_cookie = form.headers["set-cookie"]
    assert signin_cookie.startswith("__Host-packetgen_signin=")
    assert "Secure" in signin_cookie
    assert "Path=/" in signin_cookie
    assert "Domain" not in signin_cookie
    signed = client.post("/sign-in", data={"name": "clinician", "password": PASSWORD, "csrf_token": csrf(form.text)})
    assert signed.status_code == 303
    cookies = signed.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("__Host-packetgen_session="))
    assert "Secure" in session
    assert "HttpOnly" in session
    assert "Path=/" in session
    assert "Domain" not in session
    assert not any(c.startswith("packetgen_session=") for c in cookies)
    schedule = client.get("/")
    assert schedule.status_code == 200
    sign_out = client.post("/sign-out", data={"csrf_token": csrf(schedule.text)})
    assert sign_out.status_code == 303
    assert sign_out.headers["set-cookie"].startswith('__Host-packetgen_session=""')
    assert client.get("/").status_code == 303


@pytest.mark.process  # the Host header as a real request carries it
def test_a_host_the_site_does_not_answer_to_is_refused(start_app: Callable[..., App]) -> None:
    app = start_app(process=True)
    port = app.url.rsplit(":", 1)[1]
    client = app.client()
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "LOCALHOST"):
        assert client.get("/sign-in", headers={"Host": host}).status_code == 200, host
    for host in (f"attacker.example.org:{port}", "packets.example.org", "127.0.0.2", "[::2]", ""):
        refused = client.get("/sign-in", headers={"Host": host})
        assert refused.status_code == 400, host
        assert "csrf_token" not in refused.text


@pytest.mark.process  # the Host header as a real request carries it
def test_a_site_names_the_hosts_it_answers_to(start_app: Callable[..., App]) -> None:
    named = start_app(process=True, web="  allowed_hosts: [packets.example.org]\n")
    client = named.client()
    assert client.get("/healthz", headers={"Host": "packets.example.org"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400  # the list replaces the default


def _serve(tmp_path: Path, capsys: pytest.CaptureFixture[str], web: str, *options: str) -> tuple[int, list[str]]:
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"web:\n{web}" if web else "debug: false\n")
    environ = {"PACKETGEN_SETTINGS": str(settings), "PACKETGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    code = main(["serve", "--port", "1", *options], environ)
    captured = capsys.readouterr()
    assert "serving on" not in captured.out
    assert not (tmp_path / "db.sqlite").exists()  # nothing started: not even the database opened
    return code, captured.err.strip().splitlines()


def test_serve_refuses_plain_http_beyond_loopback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refusal = (
        "generate.py: error: --host {} without --certfile and --keyfile would serve plain HTTP beyond this "
        "machine: give a certificate, or set web.behind_proxy: true when a TLS proxy is in front"
    )
    assert _serve(tmp_path, capsys, "", "--host", "0.0.0.0") == (2, [refusal.format("0.0.0.0")])
    assert _serve(tmp_path, capsys, "  host: 192.0.2.10\n") == (2, [refusal.format("192.0.2.10")])
    assert _serve(tmp_path, capsys, "", "--host", "packets.example.org") == (2, [refusal.format("packets.example.org")])
    unnamed = "generate.py: error: web.behind_proxy needs web.trusted_proxies: the address of the TLS proxy in front"
    assert _serve(tmp_path, capsys, "  behind_proxy: true\n", "--host", "0.0.0.0") == (2, [unnamed])
    assert _serve(tmp_path, capsys, "  behind_proxy: true\n") == (2, [unnamed])  # even on loopback


def test_the_address_serve_listens_on_is_a_name_the_app_answers_to() -> None:
    defaults = ["127.0.0.1", "localhost", "[::1]"]
    assert allowed_hosts(WebSettings()) == defaults
    assert allowed_hosts(WebSettings(host="192.0.2.10")) == [*defaults, "192.0.2.10"]
    assert allowed_hosts(WebSettings(host="2001:db8::10")) == [*defaults, "[2001:db8::10]"]
    assert allowed_hosts(WebSettings(host="packets.example.org")) == [*defaults, "packets.example.org"]
    assert allowed_hosts(WebSettings(host="0.0.0.0")) == allowed_hosts(WebSettings(host="::")) == defaults
    assert allowed_hosts(WebSettings(host="::1")) == defaults
