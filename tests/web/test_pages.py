"""The web pages over real HTTP: sessions, CSRF, roles, the schedule, preview, print and email."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader

from packetgen.library import Library, load_library
from packetgen.settings import Settings, WebSettings
from packetgen.store import open_store
from packetgen.web import accounts
from packetgen.web.app import create_app
from packetgen.web.dependencies import ApiToken, Require, access_of, checked_form, checked_sign_in_form, declared
from tests.helpers.departments import cardiology_site
from tests.helpers.mail import Relay
from tests.helpers.pdftext import page_texts
from tests.helpers.servers import Cups, free_port
from tests.helpers.stores import migrated_sqlite
from tests.helpers.web import CSV, PASSWORD, ROLES, SCHEDULE, App, act, csrf, entry_ids, once, upload


def test_every_page_but_sign_in_needs_a_session(shared_app: App) -> None:
    client = shared_app.client()
    for path in ("/", "/entries/1", "/entries/1/packet.pdf", "/admin", "/print-runs/1", "/print-runs/1/status"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/sign-in"
    for path in ("/upload", "/entries/1/print", "/entries/1/email", "/sign-out"):
        assert client.post(path, data={"csrf_token": "x"}).status_code in (303, 422), path
    assert client.get("/sign-in").status_code == 200


def test_sign_in_sets_a_private_cookie_and_needs_the_forms_token(shared_app: App) -> None:
    client = shared_app.client()
    page = client.get("/sign-in")
    token = csrf(page.text)
    forged = client.post("/sign-in", data={"name": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 403
    wrong = client.post("/sign-in", data={"name": "admin", "password": "not it at all", "csrf_token": token})
    assert wrong.status_code == 401
    assert "That name and password do not match." in wrong.text
    token = csrf(wrong.text)
    ok = client.post("/sign-in", data={"name": "admin", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 303
    cookie = next(c for c in ok.headers.get_list("set-cookie") if c.startswith("packetgen_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback here; Secure over TLS
    waiting = client.get("/")  # the admin has a second factor: its code first, nothing else
    assert (waiting.status_code, waiting.headers["location"]) == (303, "/sign-in/code")
    assert client.get("/admin").headers["location"] == "/sign-in/code"
    assert shared_app.give_code(client, "admin").status_code == 303
    schedule = client.get("/")
    assert schedule.status_code == 200
    signed_out = client.post("/sign-out", data={"csrf_token": csrf(schedule.text)})
    assert signed_out.status_code == 303
    assert client.get("/").status_code == 303


def test_sign_in_attempts_are_limited_per_account(start_app: Callable[..., App]) -> None:
    app = start_app()
    client = app.client()
    for _ in range(5):
        token = csrf(client.get("/sign-in").text)
        assert (
            client.post(
                "/sign-in", data={"name": "clinician", "password": "guess guess guess", "csrf_token": token}
            ).status_code
            == 401
        )
    token = csrf(client.get("/sign-in").text)
    locked = client.post("/sign-in", data={"name": "clinician", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 401
    assert "Too many attempts" in locked.text
    other = app.signed_in("scheduler")  # another account is not locked by it
    assert other[0].get("/").status_code == 200


def test_a_session_ends_after_inactivity(tmp_path: Path, web_database: Callable[[], str | None]) -> None:
    store = open_store(Settings(database_url=web_database() or migrated_sqlite(tmp_path / "db.sqlite")))
    with store.session() as session:
        user = accounts.add_user(session, "ana", "clinician", PASSWORD)
        value, _signed_in = accounts.open_session(session, user)
    with store.session() as session:
        assert accounts.resume_session(session, value, timedelta(minutes=30)) is not None
    with store.session() as session:
        assert accounts.resume_session(session, value, timedelta(0)) is None
    with store.session() as session:  # and it is gone
        assert accounts.resume_session(session, value, timedelta(minutes=30)) is None
    store.close()


def test_upload_shows_the_schedule_with_each_records_errors(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    response = upload(client, token)
    assert response.status_code == 200, response.text
    page = response.text
    ids = entry_ids(page)  # the upload's own page and its summary: tests/web/test_upload_progress.py
    assert sorted(ids) == ["Nguyễn, Thị Ánh", "O&#39;Brien, Seán"]
    assert "<title>Schedule · packetgen</title>" in page
    # the record that could not be used: on the day its input gives, in plain words, with where it is
    today = client.get(SCHEDULE).text
    assert "Wang, Wei" in today
    assert "<li>Date of birth: not a real calendar date (date_of_birth)</li>" in today
    assert "at today.csv:4" in today  # named as uploaded
    assert "1950-02-30" not in page + today

    bad = upload(client, token, "not,a,schedule\n1,2,3\n", "junk.csv")
    assert bad.status_code == 422
    assert "junk.csv:1:" in bad.text
    assert "/tmp" not in bad.text


def test_an_upload_naming_another_patient_for_a_made_appointment_keeps_the_first(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    assert upload(client, token).status_code == 200
    first = client.get(f"/entries/{entry_ids(client.get(SCHEDULE).text)['Nguyễn, Thị Ánh']}/packet.pdf").content
    other = (
        CSV.splitlines()[0]
        + "\nW-1,00077777,Brandt,Otto,1950-01-01,vertebroplasty,2026-12-07T08:00,Dr. Alvarez,Room 214,en,\n"
    )
    page = upload(client, token, other, "later.csv").text
    refused = client.get(SCHEDULE).text  # a refused record: on the day its input gives, beside the first
    assert (
        "Appointment id: a different patient than an earlier record for this appointment, already "
        "made; the earlier packet stays as it was (appointment_id)"
    ) in refused
    assert "at later.csv:2" in refused
    ids = entry_ids(page)
    assert "Nguyễn, Thị Ánh" in ids  # the first patient's line stays, the refusal beside it
    lines = page.split("<tr")
    first_line = next(line for line in lines if f'href="/entries/{ids["Nguyễn, Thị Ánh"]}"' in line)
    assert "Brandt" not in first_line  # not on the first patient's line: one of its own, naming whose record it was
    assert any("Brandt, Otto" in line and "state-error" in line for line in lines)
    assert "Brandt, Otto" in refused
    assert "Brandt" not in client.get(f"/entries/{ids['Nguyễn, Thị Ánh']}").text
    again = client.get(f"/entries/{ids['Nguyễn, Thị Ánh']}/packet.pdf").content
    assert again == first


def test_preview_is_the_packet_never_cached_and_framed_only_by_us(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, _token = app.signed_in("clinician")
    scheduler, scheduler_token = app.signed_in("scheduler")
    ids = entry_ids(upload(scheduler, scheduler_token).text)
    entry = ids["Nguyễn, Thị Ánh"]
    page = client.get(f"/entries/{entry}")
    assert page.status_code == 200
    assert "<title>Packet · packetgen</title>" in page.text  # no name in the title
    pdf = client.get(f"/entries/{entry}/packet.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'self'" in pdf.headers["content-security-policy"]
    assert pdf.content == (app.out_dir / "W-1.pdf").read_bytes()
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    # No inline script: only the app's own files (the session's notice), which the policy allows.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/session.js" defer>']
    assert client.get("/entries/99999").status_code == 404
    assert "99999" not in client.get("/entries/99999").text


WHO = ("none", "scheduler", "clinician", "admin")
"""Everyone a request may come from: each role, and someone without a session (`none`)."""


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(WHO, status)


def _signed_in(scheduler: int, clinician: int, admin: int) -> dict[str, int]:
    """A page that needs a session: without one, a redirect to sign-in (303)."""
    return {"none": 303, "scheduler": scheduler, "clinician": clinician, "admin": admin}


# Every route the app serves (the test below reads them from the app: a new route must be declared
# here), with what each role gets. No relay and no print server: an allowed email or print fails
# with 502 (and says why); a forbidden action is 403; without a session, 303 to the sign-in page.
ROUTES: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/healthz"): _everyone(200),
    ("GET", "/api/openapi.json"): _everyone(200),
    ("GET", "/api/docs"): _everyone(200),
    ("GET", "/static"): _everyone(200),
    ("POST", "/api/v1/packets"): _everyone(401),  # a bearer token, never a session
    ("GET", "/sign-in"): _everyone(200),
    ("POST", "/sign-in"): _everyone(403),  # without the sign-in form's own token (a session's is not it)
    ("GET", "/"): _signed_in(200, 200, 200),
    ("GET", "/schedule"): _signed_in(200, 200, 200),
    ("POST", "/search"): _signed_in(303, 303, 303),  # to the results, by the search's token
    ("POST", "/upload"): _signed_in(200, 403, 200),
    ("GET", "/scans"): _signed_in(200, 403, 200),
    ("POST", "/scans"): _signed_in(422, 403, 422),  # no file chosen: the form again, saying so
    ("GET", "/entries/{entry_id}"): _signed_in(200, 200, 200),
    ("GET", "/entries/{entry_id}/packet.pdf"): _signed_in(200, 200, 200),
    ("POST", "/entries/{entry_id}/print"): _signed_in(303, 303, 303),  # to the result (here: no printer, 502)
    ("POST", "/entries/{entry_id}/email"): _signed_in(403, 303, 303),
    ("POST", "/entries/{entry_id}/reprint"): _signed_in(403, 303, 303),
    ("GET", "/entries/{entry_id}/again/{token}.pdf"): _signed_in(403, 404, 404),  # no such packet made again
    ("POST", "/entries/{entry_id}/signing"): _signed_in(403, 404, 404),  # no signing certificate on this site
    ("GET", "/signing/{token}"): _signed_in(403, 404, 404),  # no such signing session
    ("GET", "/signing/{token}/pages/{page}.png"): _signed_in(403, 404, 404),
    ("POST", "/signing/{token}/dob"): _signed_in(403, 404, 404),
    ("POST", "/signing/{token}/step"): _signed_in(403, 404, 404),
    ("POST", "/signing/{token}/finish"): _signed_in(403, 404, 404),
    ("POST", "/dismiss"): _signed_in(404, 403, 404),  # the line is no error
    ("POST", "/print-run"): _signed_in(303, 303, 303),
    ("GET", "/print-run"): _signed_in(404, 404, 404),  # no such run to confirm
    ("POST", "/print-run/confirm"): _signed_in(303, 303, 303),
    ("POST", "/print-runs/{run_id}/cancel"): _signed_in(303, 303, 303),
    ("GET", "/print-runs/{run_id}"): _signed_in(200, 200, 200),
    ("GET", "/print-runs/{run_id}/status"): _signed_in(200, 200, 200),
    ("GET", "/uploads/{upload_id}"): _signed_in(404, 403, 404),  # no such upload (its id is random)
    ("GET", "/uploads/{upload_id}/status"): _signed_in(404, 403, 404),
    ("POST", "/session/keep-alive"): _signed_in(204, 204, 204),
    ("POST", "/admin/csv-formats"): _signed_in(403, 403, 422),  # no name given
    ("POST", "/admin/csv-formats/{format_id}/remove"): _signed_in(403, 403, 404),  # no such format
    ("GET", "/print-runs/{run_id}/print-run.pdf"): _signed_in(404, 404, 200),  # the admin started it: theirs, once
    ("GET", "/admin"): _signed_in(403, 403, 200),
    ("POST", "/admin"): _signed_in(403, 403, 200),
    ("GET", "/admin/access.csv"): _signed_in(403, 403, 200),
    ("POST", "/admin/users"): _signed_in(403, 403, 200),
    ("POST", "/admin/users/{user_id}/access"): _signed_in(403, 403, 200),
    ("GET", "/sessions"): _signed_in(200, 200, 200),
    ("POST", "/sessions/{handle}/end"): _signed_in(404, 404, 404),  # the victim's session: not theirs to end
    ("GET", "/admin/sessions"): _signed_in(403, 403, 200),
    ("POST", "/admin/sessions/{handle}/end"): _signed_in(403, 403, 404),  # an admin's: ended above (disabled)
    ("POST", "/admin/users/{user_id}/reset"): _signed_in(403, 403, 200),
    ("POST", "/admin/users/{user_id}/unlock"): _signed_in(403, 403, 200),
    ("POST", "/admin/users/{user_id}/role"): _signed_in(403, 403, 200),
    ("GET", "/account/password"): _signed_in(200, 200, 200),
    ("POST", "/account/password"): _signed_in(422, 422, 422),  # not the current password
    ("GET", "/sign-in/code"): _signed_in(200, 200, 200),
    ("POST", "/sign-in/code"): _signed_in(422, 422, 422),  # no code is asked for: signed in already
    ("GET", "/account/totp"): _signed_in(200, 200, 200),
    ("POST", "/account/totp"): _signed_in(422, 422, 422),  # a wrong code (the admin: enrolled already)
    ("GET", "/account/confirm"): _signed_in(200, 200, 200),
    ("POST", "/account/confirm"): _signed_in(401, 401, 401),  # not the password
    ("POST", "/sign-out"): _everyone(303),  # last: it ends the session
}
NEW_PASSWORD = "a new long passphrase"
_ACTIONS = {"/entries/{entry_id}/print", "/entries/{entry_id}/email", "/entries/{entry_id}/reprint", "/print-run",
            "/print-run/confirm", "/print-runs/{run_id}/cancel", "/search"}  # fmt: skip
"""Routes that act and answer 303 to the page that shows what they did (post/redirect/get)."""

FORMS: dict[str, dict[str, str]] = {
    "/sign-in": {"name": "admin", "password": PASSWORD},
    "/entries/{entry_id}/email": {"to": "anh@example.org"},  # the appointment's own address
    "/dismiss": {"entry": "1"},  # a line that is no error
    "/signing/{token}/step": {"step": "1"},
    "/admin": {"appointment": "W-1"},
    "/admin/users": {"role": "admin", "password": "a new admin's password"},  # named after who asks
    "/admin/users/{user_id}/access": {"enabled": "false"},
    "/admin/users/{user_id}/role": {"role": "scheduler"},
    "/account/password": {"current": "not the password", "new": NEW_PASSWORD, "again": NEW_PASSWORD},
    "/sign-in/code": {"code": "123456"},
    "/account/totp": {"code": "x"},
    "/account/confirm": {"password": "not the password"},
}


def app_routes(app: FastAPI) -> list[Any]:
    """Every route `app` serves, each with its router's dependencies."""
    try:  # FastAPI keeps an included router whole in app.routes; this walks into it
        from fastapi.routing import iter_route_contexts

        return list(iter_route_contexts(app.routes))
    except ImportError:  # FastAPI that copies the included routes into app.routes
        return list(app.routes)


def methods_of(route: Any) -> set[str]:
    """What a route answers (HEAD aside: it follows GET); a mount as GET."""
    return {method for method in getattr(route, "methods", None) or {"GET"} if method != "HEAD"}


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route `app` serves."""
    return {(method, route.path) for route in app_routes(app) for method in methods_of(route)}


def test_every_route_declares_what_each_role_gets(tmp_path: Path, library: Library) -> None:
    made = create_app(
        Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"), web=WebSettings(out_dir=tmp_path / "out")),
        library=library,
    )
    try:
        served = served_routes(made)
        routes = app_routes(made)
    finally:
        made.state.context.store.close()
    assert len(served) > 20
    assert sorted(served - set(ROUTES)) == [], "routes without a declared status per role: add them to ROUTES"
    assert sorted(set(ROUTES) - served) == [], "ROUTES names routes the app does not serve"
    assert all(set(expected) == set(WHO) for expected in ROUTES.values())
    # Each route declares who may use it where it is declared (on itself or its router): PUBLIC, API_TOKEN,
    # SIGNED_IN or require(permission), read back from the app; ROUTES agrees with what it declares.
    for route in routes:
        access = access_of(route)
        for method in methods_of(route):
            key = (method, route.path)
            assert len(access) == 1, f"{key}: declare who may use it once (web/dependencies.py), not {access}"
            expected = ROUTES[key]
            if isinstance(access[0], Require):
                assert expected["none"] == 303, key  # a session is needed: sign in first
                for role in ROLES:
                    assert (expected[role] == 403) == (role not in access[0].roles), (key, role)
            else:  # public, or the API's token: the same with a session as without
                assert len(set(expected.values())) == 1, key
            if method == "POST" and not isinstance(access[0], ApiToken):  # a form: its CSRF token checked
                assert {checked_form, checked_sign_in_form} & set(declared(route)), key


def test_each_role_may_do_only_what_it_is_allowed(start_app: Callable[..., App]) -> None:
    # Every route in ROUTES, for every role and for no session, on both databases a site may run.
    app = start_app(PACKETGEN_CUPS_SERVER=f"127.0.0.1:{free_port()}")
    first, first_token = app.signed_in("admin")
    entry = entry_ids(upload(first, first_token).text)["Nguyễn, Thị Ánh"]
    started = first.post("/print-run", data={"csrf_token": first_token, "action": "download", "once": once(),
                                             "day": "2026-12-07"})  # fmt: skip
    assert started.status_code == 303, started.text
    run = int(started.headers["location"].rpartition("/")[2])
    deadline = time.monotonic() + 60
    while first.get(f"/print-runs/{run}/status").json()["state"] != "ready":
        assert time.monotonic() < deadline, "the print run was not made"
        time.sleep(0.1)
    # Someone signed in whom the admin routes act on: the forbidden roles must not disable them.
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        victim = accounts.add_user(session, "victim", "clinician", PASSWORD).id
    store.close()
    victims_browser, _ = app.signed_in("victim")
    handle = accounts.digest(victims_browser.cookies["packetgen_session"])[:16]
    ids = {
        "entry_id": entry,
        "user_id": victim,
        "run_id": run,
        "handle": handle,
        "upload_id": "no-such-upload",
        "token": "x" * 32,
        "format_id": 999999,
        "page": 1,
    }

    for role in WHO:
        client, token = (app.client(), "x") if role == "none" else app.signed_in(role)
        if role != "none":
            assert client.post(f"/entries/{entry}/print", data={"csrf_token": "forged"}).status_code == 403, role
        for (method, path), expected in ROUTES.items():
            url = "/static/app.css" if path == "/static" else path.format(**ids)
            if path == "/upload":
                response = upload(client, token)
            elif method == "GET":
                response = client.get(url)
            elif path == "/api/v1/packets":
                response = client.post(url, json={})
            else:
                form = {"csrf_token": token, "once": once(), **FORMS.get(path, {})}
                if path == "/admin/users":
                    form["name"] = f"by-{role}"
                response = client.post(url, data=form)
            assert response.status_code == expected[role], (role, method, url, response.status_code)
            if response.status_code == 303 and (role == "none" or path not in _ACTIONS):
                assert response.headers["location"] == "/sign-in", (role, method, url)
        # What a forbidden request would have done, had it been let through: a user added, another disabled.
        admin_did_it = role == "admin"
        assert victims_browser.get("/").status_code == (303 if admin_did_it else 200), role
        added = app.client()
        form = {
            "name": f"by-{role}",
            "password": "a new admin's password",
            "csrf_token": csrf(added.get("/sign-in").text),
        }
        assert added.post("/sign-in", data=form).status_code == (303 if admin_did_it else 401), role


def test_print_and_email_from_the_patients_page(start_app: Callable[..., App], cups_server: Cups, relay: Relay) -> None:
    app = start_app(**cups_server.environ(), **relay.environ())
    scheduler, token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, token).text)["Nguyễn, Thị Ánh"]
    printed = act(scheduler, f"/entries/{entry}/print", {"csrf_token": token, "queue": cups_server.queue})
    assert printed.status_code == 200, printed.text
    job = re.search(r"Printed on \S+ \(job (\d+)\)", printed.text)
    assert job
    assert len(PdfReader(cups_server.printed(int(job.group(1)))).pages) == len(PdfReader(app.out_dir / "W-1.pdf").pages)
    assert '<span class="state">printed</span>' in printed.text

    clinician, clinician_token = app.signed_in("clinician")
    emailed = act(clinician, f"/entries/{entry}/email", {"csrf_token": clinician_token, "to": "anh@example.org"})
    assert emailed.status_code == 200, emailed.text
    secret = re.search(r'<p class="secret">([a-z-]+)</p>', emailed.text)
    assert secret
    assert len(relay.handler.received) == 1
    from ..delivery.test_email import attachment

    assert PdfReader(io.BytesIO(attachment(relay.handler.received[0]))).decrypt(secret.group(1))
    again = clinician.get(f"/entries/{entry}")
    assert secret.group(1) not in again.text  # shown on the page the email led to, not once that page is left
    assert '<span class="state">emailed, printed</span>' in again.text
    admin, _ = app.signed_in("admin")
    audit = admin.get("/admin").text
    assert "web:scheduler" in audit
    assert "web:clinician" in audit


def test_a_clinician_makes_the_packet_again_in_large_print_or_spanish(start_app: Callable[..., App]) -> None:
    app = start_app()
    scheduler, scheduler_token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, scheduler_token).text)["Nguyễn, Thị Ánh"]
    form = {"csrf_token": scheduler_token, "layout": "large-print", "once": once()}
    assert scheduler.post(f"/entries/{entry}/reprint", data=form).status_code == 403  # not a scheduler's
    client, token = app.signed_in("clinician")
    original = (app.out_dir / "W-1.pdf").read_bytes()
    large = made_again(client, act(client, f"/entries/{entry}/reprint", {"csrf_token": token, "layout": "large-print"}))
    assert large.status_code == 200, large.text
    assert large.headers["content-type"] == "application/pdf"
    assert large.headers["cache-control"] == "no-store"
    pages = page_texts(large.content)
    assert len(pages) > len(page_texts(original))
    assert "Nguyễn, Thị Ánh" in pages[0]
    spanish = made_again(
        client, act(client, f"/entries/{entry}/reprint", {"csrf_token": token, "layout": "letter", "language": "es"})
    )
    assert spanish.status_code == 200
    assert "Página 1 de" in page_texts(spanish.content)[0]
    assert (app.out_dir / "W-1.pdf").read_bytes() == original  # the schedule's packet is untouched


def test_a_line_for_another_department_is_emailed_from_its_sender_and_reprinted_as_chosen(
    start_app: Callable[..., App], relay: Relay, tmp_path: Path
) -> None:
    """A record naming cardiology (CSV column `department`) and the a4 layout: its line says the
    department, its email comes from cardiology's sender, and a reprint in letter is made in letter
    (the person printing chooses the format, over the record's)."""
    header, first, *_ = CSV.splitlines()
    day = f"{header},department,layout\n{first},cardiology,a4\n"
    app = start_app(library=load_library(cardiology_site(tmp_path / "site")), **relay.environ())
    scheduler, token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, token, day).text)["Nguyễn, Thị Ánh"]
    clinician, clinician_token = app.signed_in("clinician")
    page = clinician.get(f"/entries/{entry}").text
    assert "<dt>Department</dt><dd>cardiology</dd>" in page
    assert "Lakeside Heart Institute" in PdfReader(app.out_dir / "W-1.pdf").pages[0].extract_text()
    emailed = act(clinician, f"/entries/{entry}/email", {"csrf_token": clinician_token, "to": "anh@example.org"})
    assert emailed.status_code == 200, emailed.text
    (message,) = relay.handler.received
    assert message["From"] == "Lakeside Heart Institute <heart@lakeside.example.org>"
    assert message["Subject"] == "Documents from Lakeside Heart Institute"
    letter = made_again(
        clinician, act(clinician, f"/entries/{entry}/reprint", {"csrf_token": clinician_token, "layout": "letter"})
    )
    assert letter.status_code == 200, letter.text
    reprinted = PdfReader(io.BytesIO(letter.content))
    assert (float(reprinted.pages[0].mediabox.width), float(reprinted.pages[0].mediabox.height)) == (612.0, 792.0)
    assert float(PdfReader(app.out_dir / "W-1.pdf").pages[0].mediabox.width) == pytest.approx(595.276)  # a4
    assert "Lakeside Heart Institute" in reprinted.pages[0].extract_text()


def made_again(client: httpx.Client, page: httpx.Response) -> httpx.Response:
    """The PDF of a packet made again, as its patient's page shows it (in a frame of the app)."""
    found = re.search(r'<iframe class="preview" src="(/entries/\d+/again/[A-Za-z0-9_-]+\.pdf)"', page.text)
    assert found, page.text
    return client.get(found.group(1))


def test_uploads_are_size_limited(start_app: Callable[..., App]) -> None:
    app = start_app(web="  max_upload_bytes: 1000\n")
    client, token = app.signed_in("scheduler")
    refused = upload(client, token, CSV * 10, "big.csv")
    assert refused.status_code == 422
    assert "big.csv: the file is larger than" in refused.text
    assert not list(app.out_dir.glob("*.pdf"))


def test_a_reverse_proxys_user_header_signs_people_in(start_app: Callable[..., App]) -> None:
    app = start_app(web="  trusted_user_header: X-Remote-User\n  trusted_proxies: [10.0.0.0/8]\n")
    client = app.client(peer="10.1.2.3")
    assert client.get("/").status_code == 401  # no header: not signed in, and no sign-in form to fall back to
    page = client.get("/", headers={"X-Remote-User": "clinician"})
    assert page.status_code == 200
    assert "clinician (clinician)" in page.text
    assert "packetgen_session" in page.cookies  # one session for the proxy's user, kept by the cookie
    again = client.get("/entries/99999", headers={"X-Remote-User": "clinician"})
    assert again.status_code == 404
    assert "packetgen_session" not in again.cookies  # resumed, not a new one per request
    assert client.get("/", headers={"X-Remote-User": "nobody"}).status_code == 401
    assert client.get("/admin", headers={"X-Remote-User": "clinician"}).status_code == 403


@pytest.mark.process  # TLS: `generate.py serve` with a certificate
def test_https_with_a_certificate(start_app: Callable[..., App], certificates: tuple[Path, Path, Path]) -> None:
    app = start_app(tls=certificates)
    assert app.url.startswith("https://")
    client = app.client()
    page = client.get("/sign-in")
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    token = csrf(page.text)
    signed = client.post("/sign-in", data={"name": "admin", "password": PASSWORD, "csrf_token": token})
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("__Host-packetgen_session="))
    assert "Secure" in cookie  # and named for this host only (tests/web/test_session_lifetime.py)


def test_files_dropped_in_the_watched_folder_join_the_schedule(start_app: Callable[..., App], tmp_path: Path) -> None:
    import os
    import time

    watched = tmp_path / "inbox"
    watched.mkdir()
    app = start_app(web=f"  watch_dir: {watched}\n  watch_seconds: 0.5\n")
    (watched / "today.csv").write_text(CSV, encoding="utf-8")
    (watched / "junk.csv").write_text("not,a,schedule\n1,2,3\n", encoding="utf-8")
    (watched / ".partial.csv").write_text(CSV, encoding="utf-8")  # still being written: left alone
    for name in ("today.csv", "junk.csv"):
        os.utime(watched / name, (time.time() - 10, time.time() - 10))  # settled
    deadline = time.monotonic() + 30
    while not ((watched / "done" / "today.csv").exists() and (watched / "failed" / "junk.csv").exists()):
        assert time.monotonic() < deadline, sorted(p.name for p in watched.rglob("*"))
        time.sleep(0.2)
    assert (watched / ".partial.csv").exists()
    assert "junk.csv:1:" in (watched / "failed" / "junk.csv.errors.txt").read_text()
    client, _token = app.signed_in("scheduler")
    assert sorted(entry_ids(client.get(SCHEDULE).text)) == ["Nguyễn, Thị Ánh", "O&#39;Brien, Seán"]


def test_an_admin_adds_and_disables_users(start_app: Callable[..., App]) -> None:
    app = start_app()
    admin, token = app.signed_in("admin")
    added = admin.post("/admin/users", data={"csrf_token": token, "name": "bea", "role": "clinician",
                                              "password": "a long password of her own"})  # fmt: skip
    assert added.status_code == 200
    assert "User bea added (clinician)." in added.text
    weak = admin.post("/admin/users", data={"csrf_token": token, "name": "cy", "role": "admin", "password": "short"})
    assert weak.status_code == 422
    assert "password: expected at least 12 characters" in weak.text
    assert admin.post("/admin/users", data={"csrf_token": "forged", "name": "d", "role": "admin",
                                             "password": "long enough password"}).status_code == 403  # fmt: skip
    # A signed-in clinician is disabled: their session ends at the next request.
    clinician, _ = app.signed_in("clinician")
    page = admin.get("/admin").text
    clinician_id = re.search(r'<tr><td>clinician</td>.*?action="/admin/users/(\d+)/access"', page, re.S)
    assert clinician_id
    disabled = admin.post(
        f"/admin/users/{clinician_id.group(1)}/access", data={"csrf_token": token, "enabled": "false"}
    )
    assert "User clinician disabled." in disabled.text
    assert clinician.get("/").status_code == 303
    bea = app.client()
    sign_in = csrf(bea.get("/sign-in").text)
    form = {"name": "bea", "password": "a long password of her own", "csrf_token": sign_in}
    assert bea.post("/sign-in", data=form).status_code == 303
    assert bea.get("/admin").status_code == 403
