"""Account security (issue 26): recovery codes of 112 bits or more kept salted (ASVS 2.6.2), and those
made before still working once; an admin's password again before changing users or sessions (ASVS
3.7.1); the enrolment page's key kept until it is replaced; a change of password hashed outside the
write transaction; user names read in NFKC wherever they are looked up, a proxy's header too."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select, update

from packetgen.errors import UsageError
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.store.tables import SignInAttempt, WebSession, WebUser
from packetgen.web import accounts, totp
from tests.helpers.web import PASSWORD, TOTP_SECRET, App, csrf, forget_last_code

CODE = re.compile(r"(?:[a-hjkmnp-z2-9]{4}-){5}[a-hjkmnp-z2-9]{4}")
"""A recovery code as shown: six groups of four, of an alphabet without 0/o, 1/l/i."""


def _change(app: App, *changes: Any) -> None:
    """Run each change (a statement) on the app's database."""
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        for change in changes:
            session.execute(change)
    store.close()


def _user(app: App, name: str) -> WebUser:
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        found = session.scalars(select(WebUser).where(WebUser.name == name)).one()
    store.close()
    return found


def _secret_shown(page: httpx.Response) -> str:
    found = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page.text)
    assert found, page.text
    return found.group(1)


def _sign_in_to_code_page(app: App, name: str) -> tuple[httpx.Client, str]:
    """A client past the password of `name`, at the code's page (its form's token)."""
    client = app.client()
    token = csrf(client.get("/sign-in").text)
    assert client.post("/sign-in", data={"name": name, "password": PASSWORD, "csrf_token": token}).status_code == 303
    return client, csrf(client.get("/sign-in/code").text)


# Recovery codes (ASVS 2.6.2)


def test_recovery_codes_have_112_bits_or_more_and_are_kept_salted() -> None:
    user = WebUser(name="ana", role="clinician")
    codes = totp.enrol(user, pyotp.random_base32(32), 1)
    assert len(set(codes)) == totp.RECOVERY_CODES
    assert all(CODE.fullmatch(code) for code in codes)
    assert len(set(totp._ALPHABET)) == 31
    assert not set("01ilo") & set(totp._ALPHABET)
    assert totp.RECOVERY_LENGTH * math.log2(len(totp._ALPHABET)) >= 112
    kept = (user.recovery_codes or "").split()
    salts = {stored.split("$")[1] for stored in kept}
    assert len(kept) == len(salts) == 10
    assert all(re.fullmatch(r"s1\$[0-9a-f]{32}\$[0-9a-f]{64}", stored) for stored in kept)
    assert not any(hashlib.sha256(code.replace("-", "").encode()).hexdigest() in kept for code in codes)
    # Read without regard to case, hyphens or spaces; each once.
    assert totp.use_recovery_code(user, codes[0].upper())
    assert totp.use_recovery_code(user, codes[1].replace("-", ""))
    assert totp.use_recovery_code(user, " " + codes[2].replace("-", " ") + " ")
    assert not totp.use_recovery_code(user, codes[0])
    assert not totp.use_recovery_code(user, codes[3][:-1])
    assert totp.recovery_codes_left(user) == 7


def test_recovery_codes_made_before_work_once_until_new_ones_are_made(start_app: Callable[..., App]) -> None:
    app = start_app()
    old = ["abcdefghjkmn", "pqrstuvwxyz2"]  # 12 characters, kept as their bare SHA-256 (before 0014)
    kept = " ".join(hashlib.sha256(code.encode()).hexdigest() for code in old)
    enrolled = {"totp_secret": TOTP_SECRET, "recovery_codes": kept}
    _change(app, update(WebUser).where(WebUser.name == "clinician").values(**enrolled))

    client, token = _sign_in_to_code_page(app, "clinician")
    assert client.post("/sign-in/code", data={"csrf_token": token, "code": "ABCD-EFGH-JKMN"}).status_code == 303
    page = client.get("/account/totp")
    assert "1 of your recovery codes are of an older, weaker kind (12 characters): make new ones" in page.text
    again, token = _sign_in_to_code_page(app, "clinician")
    assert again.post("/sign-in/code", data={"csrf_token": token, "code": "abcd-efgh-jkmn"}).status_code == 401

    forget_last_code(app.database_url, "clinician")
    form = {"csrf_token": csrf(page.text), "action": "codes"}
    assert client.post("/account/totp", data={**form, "code": "000000"}).status_code == 422
    renewed = client.post("/account/totp", data={**form, "code": pyotp.TOTP(TOTP_SECRET).now()})
    assert renewed.status_code == 200
    codes = CODE.findall(renewed.text)
    assert len(set(codes)) == 10
    assert "older, weaker kind" not in client.get("/account/totp").text
    third, token = _sign_in_to_code_page(app, "clinician")
    assert third.post("/sign-in/code", data={"csrf_token": token, "code": old[1]}).status_code == 401  # gone
    assert third.post("/sign-in/code", data={"csrf_token": token, "code": codes[0]}).status_code == 303


# The enrolment page's key


def test_the_enrolment_page_shows_the_same_key_until_it_is_replaced_or_expires(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, _ = app.signed_in("clinician")
    first = client.get("/account/totp")
    assert _secret_shown(client.get("/account/totp")) == _secret_shown(first)  # a reload: the same key
    token = csrf(first.text)
    replaced = client.post("/account/totp", data={"csrf_token": token, "action": "new"})
    assert "A new key: the one shown before works no more." in replaced.text
    second = _secret_shown(replaced)
    assert second != _secret_shown(first)
    assert _secret_shown(client.get("/account/totp")) == second
    stale = client.post("/account/totp", data={"csrf_token": token, "code": pyotp.TOTP(_secret_shown(first)).now()})
    assert stale.status_code == 422  # the replaced key confirms nothing

    made = accounts.now() - timedelta(hours=2)
    _change(app, update(WebUser).where(WebUser.name == "clinician").values(totp_pending_at=made))
    third = _secret_shown(client.get("/account/totp"))  # an hour old: another
    assert third != second
    done = client.post("/account/totp", data={"csrf_token": token, "code": pyotp.TOTP(third).now()})
    assert done.status_code == 200
    assert _user(app, "clinician").totp_secret == third


# An admin's password again (ASVS 3.7.1)


def _age_confirmations(app: App, minutes: int = 6) -> None:
    """As if every session had proved its user `minutes` ago."""
    _change(app, update(WebSession).values(confirmed_at=accounts.now() - timedelta(minutes=minutes)))


def test_an_admin_gives_their_password_again_before_changing_users_or_sessions(
    start_app: Callable[..., App],
) -> None:
    app = start_app()
    victim_browser, _ = app.signed_in("clinician")
    victim = _user(app, "clinician").id
    admin, token = app.signed_in("admin", through_form=True)  # both factors just now: changes need no password yet
    assert "confirm your password" not in admin.get("/admin").text
    _age_confirmations(app)
    assert "confirm your password</a> first" in admin.get("/admin").text
    handle = accounts.digest(victim_browser.cookies["packetgen_session"])[: accounts.HANDLE_LENGTH]
    changes = {
        "/admin/users": {"name": "dee", "role": "admin", "password": "a new admin's password"},
        f"/admin/users/{victim}/access": {"enabled": "false"},
        f"/admin/users/{victim}/reset": {},
        f"/admin/users/{victim}/unlock": {},
        f"/admin/users/{victim}/role": {"role": "admin"},
        f"/admin/sessions/{handle}/end": {},
    }
    for path, form in changes.items():
        asked = admin.post(path, data={"csrf_token": token, **form})
        where = "/account/confirm?then=sessions" if path.startswith("/admin/sessions") else "/account/confirm"
        assert (asked.status_code, asked.headers.get("location")) == (303, where), path
    assert victim_browser.get("/").status_code == 200  # nothing was done
    assert _user(app, "clinician").role == "clinician"
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        assert session.scalar(select(WebUser).where(WebUser.name == "dee")) is None
    store.close()
    assert admin.post("/admin/users", data={"csrf_token": "forged"}).status_code == 403  # the token first

    wrong = app.confirm_password(admin, "not my password")
    assert wrong.status_code == 401
    assert "Not confirmed: that is not your password." in wrong.text
    assert "not my password" not in wrong.text
    right = app.confirm_password(admin, then="sessions")
    assert (right.status_code, right.headers["location"]) == (303, "/admin/sessions")
    added = admin.post("/admin/users", data={"csrf_token": token, **changes["/admin/users"]})
    assert added.status_code == 200
    assert "User dee added (admin)." in added.text
    assert admin.post(f"/admin/sessions/{handle}/end", data={"csrf_token": token}).status_code == 303
    assert victim_browser.get("/").headers["location"] == "/sign-in"

    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        failed = [(e.who, e.user_id) for e in access_events(session, action="sign-in-failed")]
        attempts = session.scalars(select(SignInAttempt.outcome).where(SignInAttempt.account == "admin")).all()
    store.close()
    assert failed == [("admin", _user(app, "admin").id)]
    assert sorted(attempts) == ["failed", "ok", "ok"]  # the wrong one counts toward the sign-in limits


def test_a_wrong_confirmation_counts_toward_the_sign_in_limits(start_app: Callable[..., App]) -> None:
    app = start_app()
    admin, _ = app.signed_in("admin")
    for _ in range(5):
        assert app.confirm_password(admin, "guess guess guess").status_code == 401
    held = app.confirm_password(admin)  # the right one, inside the wait: not checked
    assert held.status_code == 401
    assert "Too many attempts" in held.text


def test_an_admin_without_a_second_factor_confirms_even_just_signed_in(start_app: Callable[..., App]) -> None:
    app = start_app(web="  require_totp_for: []\n")
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        accounts.add_user(session, "ada", "admin", PASSWORD)
    store.close()
    ada, token = app.signed_in("ada", through_form=True)  # a password only: not proof enough for an admin's change
    form = {"csrf_token": token, "name": "eve", "role": "scheduler", "password": "a new scheduler's password"}
    assert admin_post(ada, form).headers["location"] == "/account/confirm"
    assert app.confirm_password(ada).status_code == 303
    assert admin_post(ada, form).status_code == 200


def admin_post(client: httpx.Client, form: dict[str, str]) -> httpx.Response:
    return client.post("/admin/users", data=form)


PROXY_SETTINGS = "  trusted_user_header: X-Remote-User\n  trusted_proxies: [10.0.0.0/8]\n"


def test_a_proxys_users_are_not_asked_for_a_password_they_do_not_have(start_app: Callable[..., App]) -> None:
    app = start_app(web=PROXY_SETTINGS)
    proxy = app.client(peer="10.1.2.3")
    page = proxy.get("/admin", headers={"X-Remote-User": "admin"})
    assert page.status_code == 200
    _age_confirmations(app, 60)
    form = {"csrf_token": csrf(page.text), "name": "fay", "role": "clinician", "password": "a new clinician's word"}
    added = proxy.post("/admin/users", data=form, headers={"X-Remote-User": "admin"})
    assert added.status_code == 200
    assert "User fay added (clinician)." in added.text


# Changing one's password: Argon2 outside the write transaction


def test_a_change_of_password_hashes_outside_the_write_transaction(
    start_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = start_app()
    if not app.database_url.startswith("sqlite"):
        pytest.skip("the writer's lock watched here is SQLite's (PostgreSQL has no single writer)")
    writer = app.asgi.state.context.store._one_writer
    held: list[tuple[str, bool]] = []
    hash_password, verify = accounts.hash_password, accounts.verify

    def watched_hash(password: str) -> str:
        held.append(("hash", writer.locked()))
        return hash_password(password)

    def watched_verify(stored: str | None, password: str) -> bool:
        held.append(("verify", writer.locked()))
        return verify(stored, password)

    client, token = app.signed_in("clinician")
    monkeypatch.setattr(accounts, "hash_password", watched_hash)
    monkeypatch.setattr(accounts, "verify", watched_verify)
    form = {"csrf_token": token, "current": PASSWORD, "new": "a fresh long passphrase"}
    changed = client.post("/account/password", data={**form, "again": form["new"]})
    assert "Your password is changed" in changed.text
    assert held == [("verify", False), ("hash", False)]
    assert _user(app, "clinician").password_hash != _user(app, "scheduler").password_hash


def test_sign_in_checks_the_password_outside_the_write_transaction(
    start_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Argon2 (about a tenth of a second) under SQLite's writer lock made every other write wait while
    clients signed in; the attempt is recorded, the password checked after that commit, right or wrong."""
    app = start_app()
    if not app.database_url.startswith("sqlite"):
        pytest.skip("the writer's lock watched here is SQLite's (PostgreSQL has no single writer)")
    writer = app.asgi.state.context.store._one_writer
    held: list[bool] = []
    verify = accounts.verify

    def watched_verify(stored: str | None, password: str) -> bool:
        held.append(writer.locked())
        return verify(stored, password)

    monkeypatch.setattr(accounts, "verify", watched_verify)
    for password, status in ((PASSWORD, 303), ("not the password at all", 401)):
        client = app.client()
        form = {"name": "clinician", "password": password, "csrf_token": csrf(client.get("/sign-in").text)}
        assert client.post("/sign-in", data=form).status_code == status
    assert held == [False, False]


# User names in NFKC wherever they are looked up


def test_a_proxys_full_width_name_is_the_user_and_no_look_alike_is_made(start_app: Callable[..., App]) -> None:
    app = start_app(web=PROXY_SETTINGS)
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        accounts.add_user(session, "ana", "clinician", PASSWORD)
        # A name stored before names were kept in NFKC (full-width), found by its NFKC form.
        legacy = WebUser(name="ｂｅａ", role="scheduler", password_hash=accounts.hash_password(PASSWORD),
                         created_at=accounts.now(), disabled=False)  # fmt: skip
        session.add(legacy)
    store.close()
    proxy = app.client(peer="10.1.2.3")
    page = proxy.get("/", headers={"X-Remote-User": "ａｎａ".encode()})  # as a proxy sends it: UTF-8
    assert page.status_code == 200
    assert "ana (clinician)" in page.text
    assert app.client(peer="10.1.2.4").get("/", headers={"X-Remote-User": "bea"}).status_code == 200
    assert app.client(peer="10.1.2.5").get("/", headers={"X-Remote-User": "ａｄｍｉｎ".encode()}).status_code == 200

    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        assert accounts.user_id_of(session, "bea") == legacy.id
        for name in ("ａｎａ", "bea", "Ana"):
            with pytest.raises(UsageError):
                accounts.add_user(session, name, "clinician", "another long made-up sentence")
        names = sorted(session.scalars(select(WebUser.name)))
    store.close()
    assert names == ["admin", "ana", "clinician", "scheduler", "ｂｅａ"]
