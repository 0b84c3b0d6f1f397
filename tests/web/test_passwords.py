"""Passwords and a second factor in the web app (issue 26): a user changes their own password (their
other sessions end); an admin resets one (a one-time password shown once, changed at the next sign-in
before anything else), unlocks an account, changes a role; TOTP enrolment, sign-in with a code, codes
refused when replayed, recovery codes used once; admins (and the roles a site names) must enrol. What a
user sees, and the access audit's rows."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pyotp
from sqlalchemy import select

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.store.tables import WebUser
from packetgen.web import accounts
from tests.helpers.web import PASSWORD, App, csrf

NEW = "a fresh long passphrase"


def _audit(app: App, action: str) -> list[tuple[str, int | None]]:
    """Who did `action`, to which user, oldest first."""
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        rows = [(e.who, e.user_id) for e in access_events(session, action=action)]
    store.close()
    return rows


def _user(app: App, name: str) -> WebUser:
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        found = session.scalars(select(WebUser).where(WebUser.name == name)).one()
    store.close()
    return found


def _sign_in(app: App, name: str, password: str) -> tuple[httpx.Client, httpx.Response]:
    client = app.client()
    token = csrf(client.get("/sign-in").text)
    return client, client.post("/sign-in", data={"name": name, "password": password, "csrf_token": token})


def _change(client: httpx.Client, token: str, current: str, new: str, again: str | None = None) -> httpx.Response:
    form = {"csrf_token": token, "current": current, "new": new, "again": new if again is None else again}
    return client.post("/account/password", data=form)


def test_a_user_changes_their_own_password_and_their_other_sessions_end(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("clinician")
    elsewhere, _ = app.signed_in("clinician")
    page = client.get("/account/password")
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.text

    wrong = _change(client, token, "not my password", NEW)
    assert wrong.status_code == 422
    assert "Not changed: your current password is not that." in wrong.text
    differ = _change(client, token, PASSWORD, NEW, "a fresh long passphrase!")
    assert "Not changed: the new password and its repetition differ." in differ.text
    weak = _change(client, token, PASSWORD, "password1234")
    assert weak.status_code == 422
    assert "Not changed: password: too easy to guess (This is a very common password)" in weak.text
    assert "password1234" not in weak.text
    named = _change(client, token, PASSWORD, "clinician on duty today")
    assert "Not changed: password: expected not to contain the user name" in named.text
    assert _change(client, "forged", PASSWORD, NEW).status_code == 403

    changed = _change(client, token, PASSWORD, NEW)
    assert changed.status_code == 200
    assert "Your password is changed; your other sessions have ended." in changed.text
    assert client.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/").headers["location"] == "/sign-in"  # the other one has ended
    assert _sign_in(app, "clinician", PASSWORD)[1].status_code == 401
    assert _sign_in(app, "clinician", NEW)[1].status_code == 303
    clinician = _user(app, "clinician").id
    assert _audit(app, "change-password") == [("clinician", clinician)]


def _admin_form(admin: httpx.Client, name: str) -> int:
    """The id the admin page gives user `name` (from their row's forms)."""
    found = re.search(rf"<tr><td>{name}</td>.*?action=\"/admin/users/(\d+)/access\"", admin.get("/admin").text, re.S)
    assert found
    return int(found.group(1))


def test_an_admin_resets_a_password_once_and_it_must_be_changed_first(start_app: Callable[..., App]) -> None:
    app = start_app()
    admin, token = app.signed_in("admin")
    clinician, _ = app.signed_in("clinician")
    victim = _admin_form(admin, "clinician")
    reset = admin.post(f"/admin/users/{victim}/reset", data={"csrf_token": token})
    assert reset.status_code == 200
    assert "Password of clinician reset. Give them this one-time password; it is shown only now:" in reset.text
    shown = re.search(r'<p class="secret">([A-Za-z0-9_-]{20})</p>', reset.text)
    assert shown
    one_time = shown.group(1)
    assert one_time not in admin.get("/admin").text  # once
    assert clinician.get("/").headers["location"] == "/sign-in"  # their session has ended
    assert _sign_in(app, "clinician", PASSWORD)[1].status_code == 401

    client, signed = _sign_in(app, "clinician", one_time)
    assert signed.status_code == 303
    for page in ("/", "/sessions", "/entries/1", "/account/totp"):  # nowhere but the change of password
        assert client.get(page).headers["location"] == "/account/password", page
    page = client.get("/account/password")
    assert "Your password was reset: choose a new one before going on." in page.text
    token2 = csrf(page.text)
    assert _change(client, token2, one_time, NEW).status_code == 200
    assert client.get("/").status_code == 200
    assert not _user(app, "clinician").must_change_password
    assert admin.post(f"/admin/users/{_user(app, 'admin').id}/reset", data={"csrf_token": token}).status_code == 422
    assert _audit(app, "admin-reset-password") == [("admin", victim)]
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        assert all(one_time not in "".join(map(str, vars(e).values())) for e in access_events(session))
    store.close()


def test_an_admin_unlocks_an_account_and_changes_a_role(start_app: Callable[..., App]) -> None:
    app = start_app()
    for _ in range(5):
        assert _sign_in(app, "clinician", "guess guess guess")[1].status_code == 401
    locked = _sign_in(app, "clinician", PASSWORD)[1]
    assert "Too many attempts" in locked.text  # the right password is refused too
    admin, token = app.signed_in("admin")
    clinician = _admin_form(admin, "clinician")
    unlocked = admin.post(f"/admin/users/{clinician}/unlock", data={"csrf_token": token})
    assert "User clinician unlocked (5 failed sign-in(s) forgotten)." in unlocked.text
    client, signed = _sign_in(app, "clinician", PASSWORD)
    assert signed.status_code == 303
    assert "clinician (clinician)" in client.get("/").text

    changed = admin.post(f"/admin/users/{clinician}/role", data={"csrf_token": token, "role": "scheduler"})
    assert "User clinician is now scheduler." in changed.text
    assert "clinician (scheduler)" in client.get("/").text  # from their next request on
    own = admin.post(f"/admin/users/{_user(app, 'admin').id}/role", data={"csrf_token": token, "role": "clinician"})
    assert own.status_code == 422
    assert "Not changed: user admin is the only admin: make another user admin first" in own.text
    bad = admin.post(f"/admin/users/{clinician}/role", data={"csrf_token": token, "role": "root"})
    assert "Not changed: role: expected one of scheduler, clinician, admin" in bad.text
    assert client.post(f"/admin/users/{clinician}/unlock", data={"csrf_token": token}).status_code == 403
    assert _audit(app, "admin-unlock-user") == [("admin", clinician)]
    assert _audit(app, "admin-change-role") == [("admin", clinician)]


def test_look_alike_names_are_refused_on_the_admin_page_and_names_are_nfkc_at_sign_in(
    start_app: Callable[..., App],
) -> None:
    app = start_app()
    admin, token = app.signed_in("admin")
    for name, error in (
        ("admin ", "user name: expected no spaces before or after it"),
        ("аdmin", "user name: expected letters of one script, not Cyrillic and Latin mixed"),
        ("Clinician", "user name: too like the existing user clinician: choose one that looks different"),
    ):
        form = {"csrf_token": token, "name": name, "role": "admin", "password": "a long made-up sentence"}
        refused = admin.post("/admin/users", data=form)
        assert refused.status_code == 422, name
        assert f"Not added: {error}" in refused.text
    weak = admin.post("/admin/users", data={"csrf_token": token, "name": "dee", "role": "clinician",
                                             "password": "password1234"})  # fmt: skip
    assert "Not added: password: too easy to guess" in weak.text
    client, signed = _sign_in(app, "ｃｌｉｎｉｃｉａｎ", PASSWORD)  # full width: NFKC makes it `clinician`
    assert signed.status_code == 303
    assert "clinician (clinician)" in client.get("/").text


def _enrol(client: httpx.Client) -> tuple[str, list[str]]:
    """Enrol in TOTP from the page: the secret it shows, and the recovery codes it shows once."""
    page = client.get("/account/totp")
    assert page.status_code == 200
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page.text)
    assert secret
    assert f"otpauth://totp/packetgen:{'clinician'}?secret={secret.group(1)}" in page.text.replace("&amp;", "&")
    assert "<svg" in page.text  # the QR code
    token = csrf(page.text)
    wrong = client.post("/account/totp", data={"csrf_token": token, "code": "000000x"})
    assert wrong.status_code == 422
    assert "Not enrolled: that code is not right." in wrong.text
    # A secret of one's own choosing (known to others) cannot be slipped in: only the one shown is kept.
    chosen = "A" * 32
    own = client.post("/account/totp", data={"csrf_token": token, "secret": chosen, "code": pyotp.TOTP(chosen).now()})
    assert own.status_code == 422
    code = pyotp.TOTP(secret.group(1)).now()
    done = client.post("/account/totp", data={"csrf_token": token, "code": code})
    assert done.status_code == 200
    assert "These are your recovery codes" in done.text
    codes = re.findall(r"<li><code>((?:[a-z2-9]{4}-){5}[a-z2-9]{4})</code></li>", done.text)
    assert len(set(codes)) == 10
    assert "recovery codes" not in client.get("/account/totp").text.split("You have a second factor")[0]
    return secret.group(1), codes


def test_totp_enrolment_sign_in_replay_and_recovery_codes(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, _ = app.signed_in("clinician")
    secret, codes = _enrol(client)
    assert (
        "You have a second factor: an authenticator app, and 10 unused recovery code(s)."
        in client.get("/account/totp").text
    )
    stored = _user(app, "clinician")
    assert stored.totp_secret == secret
    assert all(code not in (stored.recovery_codes or "") for code in codes)  # only their hashes

    other, signed = _sign_in(app, "clinician", PASSWORD)
    assert signed.status_code == 303
    for page in ("/", "/account/password", "/sessions"):
        assert other.get(page).headers["location"] == "/sign-in/code", page
    token = csrf(other.get("/sign-in/code").text)
    wrong = other.post("/sign-in/code", data={"csrf_token": token, "code": "12345"})
    assert wrong.status_code == 401
    assert "That code is not right, or was used already" in wrong.text
    # The code enrolment used is refused (replayed), within its window too.
    replayed = other.post("/sign-in/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert replayed.status_code == 401
    used = other.post("/sign-in/code", data={"csrf_token": token, "code": codes[0].upper()})
    assert (used.status_code, used.headers["location"]) == (303, "/")
    assert other.get("/").status_code == 200

    third, _ = _sign_in(app, "clinician", PASSWORD)
    token = csrf(third.get("/sign-in/code").text)
    assert third.post("/sign-in/code", data={"csrf_token": token, "code": codes[0]}).status_code == 401  # once
    assert third.post("/sign-in/code", data={"csrf_token": token, "code": codes[1]}).status_code == 303
    clinician = _user(app, "clinician").id
    assert _audit(app, "totp-enrol") == [("clinician", clinician)]
    assert _audit(app, "recovery-code-used") == [("clinician", clinician)] * 2
    assert _audit(app, "sign-in-failed") == [("clinician", clinician)] * 3
    assert _user(app, "clinician").recovery_codes.count(" ") == 7  # type: ignore[union-attr]  # 8 left


def test_admins_must_enrol_and_a_site_may_require_it_of_other_roles(start_app: Callable[..., App]) -> None:
    app = start_app(web="  require_totp_for: [admin, scheduler]\n")
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        accounts.add_user(session, "ada", "admin", PASSWORD)
    store.close()
    for name in ("ada", "scheduler"):
        client, signed = _sign_in(app, name, PASSWORD)
        assert signed.status_code == 303
        for page in ("/", "/admin", "/account/password"):
            assert client.get(page).headers["location"] == "/account/totp", (name, page)
        enrolment = client.get("/account/totp")
        secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', enrolment.text)
        assert secret
        form = {
            "csrf_token": csrf(enrolment.text),
            "code": pyotp.TOTP(secret.group(1)).now(),
        }
        assert client.post("/account/totp", data=form).status_code == 200
        assert client.get("/").status_code == 200
    clinician, _ = app.signed_in("clinician")  # not required of clinicians here
    assert clinician.get("/").status_code == 200
