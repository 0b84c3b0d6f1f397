"""A reverse proxy's word is taken only from the proxy (issue 26): the user header and `X-Forwarded-For`
from `web.trusted_proxies` only (ignored, and logged, from anyone else), the header named twice refused,
one session per proxy user however many cookie-less requests they make; over real HTTP against
`generate.py serve` (clients bound to 127.0.0.1, the proxy, and 127.0.0.2, anyone else), and in this
process for the finer cases."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from packetgen.cli import main
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import SignInAttempt, WebSession, WebUser
from packetgen.web.proxy import Proxies
from tests.helpers.web import App, csrf

PROXY_SETTINGS = "  trusted_user_header: X-Remote-User\n  trusted_proxies: [10.0.0.0/8]\n"
PROXY, STRANGER = "10.1.2.3", "192.0.2.7"  # in this process: the app's view of each client's address


def _sessions(app: App, name: str) -> list[WebSession]:
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            user_id = session.scalar(select(WebUser.id).where(WebUser.name == name))
            return list(session.scalars(select(WebSession).where(WebSession.user_id == user_id)))
    finally:
        store.close()


def _failure_addresses(app: App) -> list[str]:
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            return list(session.scalars(select(SignInAttempt.address).order_by(SignInAttempt.id)))
    finally:
        store.close()


def _fail_to_sign_in(client: httpx.Client, forwarded_for: str) -> None:
    token = csrf(client.get("/sign-in").text)
    form = {"name": "admin", "password": "not the password", "csrf_token": token}
    refused = client.post("/sign-in", data=form, headers={"X-Forwarded-For": forwarded_for})
    assert refused.status_code == 401


def test_the_user_header_from_anyone_but_a_trusted_proxy_is_ignored_and_logged(
    start_app: Callable[..., App], caplog: pytest.LogCaptureFixture
) -> None:
    app = start_app(web=PROXY_SETTINGS)
    stranger = app.client(peer=STRANGER)
    page = stranger.get("/admin", headers={"X-Remote-User": "admin"})
    assert page.status_code == 303  # as if it had no header: the sign-in form
    assert page.headers["location"] == "/sign-in"
    assert "packetgen_session" not in page.cookies
    assert _sessions(app, "admin") == []
    assert _warnings(caplog) == [f"X-Remote-User sent from {STRANGER}, which is not in web.trusted_proxies: ignored"]

    # A signed-in stranger stays who their cookie says, whoever the header names.
    scheduler, _token = app.signed_in("scheduler")  # TestClient's own address: not a proxy's
    assert scheduler.get("/admin", headers={"X-Remote-User": "admin"}).status_code == 403
    assert "scheduler (scheduler)" in scheduler.get("/", headers={"X-Remote-User": "admin"}).text
    assert _warnings(caplog) == ["X-Remote-User sent from testclient, which is not in web.trusted_proxies: ignored"] * 2


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings logged so far, taken (expected: not stray ones for the conftest to fail on)."""
    found = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    caplog.clear()
    return found


def test_the_user_header_named_twice_is_refused_not_first_wins(start_app: Callable[..., App]) -> None:
    app = start_app(web=PROXY_SETTINGS)
    proxy = app.client(peer=PROXY)
    for names in (("scheduler", "admin"), ("admin", "scheduler"), ("admin", "admin")):
        refused = proxy.get("/admin", headers=[("X-Remote-User", names[0]), ("X-Remote-User", names[1])])
        assert refused.status_code == 400, names
        assert "admin (admin)" not in refused.text
    assert "packetgen_session" not in proxy.cookies
    assert _sessions(app, "admin") == []
    assert _sessions(app, "scheduler") == []


def test_a_proxy_user_has_one_session_however_many_requests_come_without_a_cookie(
    start_app: Callable[..., App],
) -> None:
    app = start_app(web=PROXY_SETTINGS)
    pages = [app.client(peer=PROXY).get("/", headers={"X-Remote-User": "clinician"}) for _ in range(6)]
    assert [page.status_code for page in pages] == [200] * 6
    assert all("clinician (clinician)" in page.text for page in pages)
    assert ["packetgen_session" in page.cookies for page in pages] == [True] + [False] * 5  # opened once
    assert [csrf(page.text) for page in pages] == [csrf(pages[0].text)] * 6  # one session's forms
    (shared,) = _sessions(app, "clinician")
    assert shared.by_proxy

    # A browser that keeps the cookie goes on with it; another user has a session of their own.
    keeper = app.client(peer=PROXY)
    keeper.get("/", headers={"X-Remote-User": "clinician"})
    assert keeper.get("/", headers={"X-Remote-User": "scheduler"}).status_code == 200
    assert len(_sessions(app, "clinician")) == 1
    assert len(_sessions(app, "scheduler")) == 1


def test_x_forwarded_for_and_proto_are_believed_from_a_trusted_proxy_only(start_app: Callable[..., App]) -> None:
    app = start_app(web=PROXY_SETTINGS)
    _fail_to_sign_in(app.client(peer=STRANGER), "203.0.113.5")
    _fail_to_sign_in(app.client(peer=PROXY), "203.0.113.5")
    _fail_to_sign_in(app.client(peer=PROXY), "198.51.100.1, 203.0.113.6, 10.9.9.9")  # the nearest not ours
    assert _failure_addresses(app) == [STRANGER, "203.0.113.5", "203.0.113.6"]

    https = {"X-Forwarded-Proto": "https", "X-Remote-User": "clinician"}
    from_proxy = app.client(peer=PROXY).get("/", headers=https)
    assert "secure" in from_proxy.headers["set-cookie"].lower()
    assert from_proxy.headers["strict-transport-security"]
    from_stranger = app.client(peer=STRANGER).get("/sign-in", headers=https)
    assert "secure" not in from_stranger.headers["set-cookie"].lower()
    assert "strict-transport-security" not in from_stranger.headers


def test_the_client_a_forwarded_chain_names_is_the_nearest_hop_not_a_trusted_proxy() -> None:
    proxies = Proxies(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"])
    assert proxies.client("203.0.113.5") == "203.0.113.5"
    assert proxies.client("198.51.100.1, 203.0.113.5, 10.1.1.1, 192.0.2.1") == "203.0.113.5"
    assert proxies.client("203.0.113.5:4711, 10.1.1.1") == "203.0.113.5"
    assert proxies.client("[2001:db9::5]:443, 2001:db8::1") == "2001:db9::5"
    assert proxies.client("10.2.2.2, 10.1.1.1") == "10.2.2.2"  # all ours: the farthest
    assert proxies.client("not an address, 10.1.1.1") is None  # then the peer's own address stands
    assert proxies.trust("::ffff:10.1.2.3")
    assert proxies.trust("192.0.2.1")
    assert not proxies.trust("192.0.2.2")
    assert not proxies.trust("testclient")
    assert not Proxies([]).trust("10.1.2.3")


def test_serve_refuses_a_user_header_without_trusted_proxies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("web:\n  trusted_user_header: X-Remote-User\n")
    environ = {"PACKETGEN_SETTINGS": str(settings), "PACKETGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    assert main(["serve", "--port", "1"], environ) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "generate.py: error: web.trusted_user_header needs web.trusted_proxies: "
        "the addresses of the proxies that set it"
    ]
    assert not (tmp_path / "db.sqlite").exists()


@pytest.mark.process  # `generate.py serve`: the peer's address as a real socket has it
def test_over_http_only_the_proxy_signs_people_in_and_names_their_address(
    start_app: Callable[..., App], tmp_path: Path
) -> None:
    app = start_app(web="  trusted_user_header: X-Remote-User\n  trusted_proxies: [127.0.0.1]\n", process=True)
    proxy, stranger = app.client(peer="127.0.0.1"), app.client(peer="127.0.0.2")

    # curl -H 'X-Remote-User: admin' straight to the port: not signed in, and logged.
    ignored = stranger.get("/admin", headers={"X-Remote-User": "admin"})
    assert ignored.status_code == 303
    assert ignored.headers["location"] == "/sign-in"
    log = (tmp_path / f"serve-{app.url.rsplit(':', 1)[1]}.log").read_text()  # where start_app keeps it
    assert "X-Remote-User sent from 127.0.0.2, which is not in web.trusted_proxies: ignored" in log
    # The same from the proxy: the admin.
    admin = proxy.get("/admin", headers={"X-Remote-User": "admin"})
    assert admin.status_code == 200
    assert "admin (admin)" in admin.text
    # Named twice: refused, whichever comes first.
    twice = proxy.get("/admin", headers=[("X-Remote-User", "scheduler"), ("X-Remote-User", "admin")])
    assert twice.status_code == 400

    # Many requests without a cookie: one session.
    for _ in range(5):
        proxy.cookies.clear()
        assert proxy.get("/", headers={"X-Remote-User": "clinician"}).status_code == 200
    assert len(_sessions(app, "clinician")) == 1

    # Sign-in failures count against the real address unless the proxy names the client.
    _fail_to_sign_in(stranger, "203.0.113.5")
    _fail_to_sign_in(proxy, "203.0.113.5")
    assert _failure_addresses(app) == ["127.0.0.2", "203.0.113.5"]
