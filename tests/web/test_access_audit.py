"""The access audit, as the app records it: each sign-in (right or wrong), sign-out, patient page,
PDF, print-run download, API packet, upload, reprint and change to a user leaves exactly its row,
with who, from where and the ids it concerns, and never a name, an MRN or a date of birth. Admins
read it on the admin page and export it as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text, update

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import AccessEvent, ApiToken, WebUser, utc
from packetgen.web import accounts
from packetgen.web.access import Refusals
from tests.helpers.web import CSV, PASSWORD, SCHEDULE, App, act, csrf, entry_ids, follow, record, upload

Row = tuple[str, str, int | None, str | None, int | None, int | None]
"""(who, action, entry id, appointment id, print run id, user id)."""


def rows(app: App) -> list[Row]:
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        found = session.execute(
            text("SELECT who, action, entry_id, appointment_id, print_run_id, user_id FROM access_event ORDER BY id")
        )
        result = [tuple(r) for r in found]
    store.close()
    return result  # type: ignore[return-value]


def every_cell(app: App) -> list[str]:
    """Every column of every row, as text."""
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        cells = [str(cell) for row in session.execute(text("SELECT * FROM access_event")) for cell in row]
    store.close()
    return cells


def user_ids(app: App) -> dict[str, int]:
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        found = {u.name: u.id for u in session.scalars(select(WebUser))}
    store.close()
    return found


def new_rows(app: App, before: list[Row]) -> list[Row]:
    now = rows(app)
    assert now[: len(before)] == before  # appended, never changed
    return now[len(before) :]


def sign_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    token = csrf(client.get("/sign-in").text)
    return client.post("/sign-in", data={"name": name, "password": password, "csrf_token": token})


def test_sign_ins_right_and_wrong_and_sign_out_each_leave_their_row(start_app: Callable[..., App]) -> None:
    app = start_app()
    ids = user_ids(app)
    client = app.client()
    assert sign_in(client, "clinician", "not the password").status_code == 401
    assert new_rows(app, []) == [("clinician", "sign-in-failed", None, None, None, ids["clinician"])]
    seen = rows(app)
    # A name no user has is not kept: it may be a password typed in the wrong field, or a patient's name.
    assert sign_in(client, "Nguyễn 00012345", PASSWORD).status_code == 401
    assert new_rows(app, seen) == [("", "sign-in-failed", None, None, None, None)]
    seen = rows(app)
    assert sign_in(client, "clinician", PASSWORD).status_code == 303
    assert new_rows(app, seen) == [("clinician", "sign-in", None, None, None, ids["clinician"])]
    seen = rows(app)
    token = csrf(client.get("/").text)
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert new_rows(app, seen) == [
        ("clinician", "view-schedule", None, None, None, None),  # the day's patients, by name
        ("clinician", "sign-out", None, None, None, ids["clinician"]),
    ]
    cells = every_cell(app)
    assert "not the password" not in cells
    assert not any("Nguyễn" in c or "00012345" in c for c in cells)
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        addresses = set(session.scalars(text("SELECT address FROM access_event")))
        request_ids = list(session.scalars(text("SELECT request_id FROM access_event")))
    store.close()
    assert addresses == {"testclient"}  # TestClient's address, as the app saw it
    assert len(set(request_ids)) == 5
    assert all(len(r) == 16 for r in request_ids)


def test_patient_page_pdf_download_api_packet_upload_reprint_and_admin_changes(start_app: Callable[..., App]) -> None:
    app = start_app()
    ids = user_ids(app)
    scheduler, scheduler_token = app.signed_in("scheduler")
    clinician, token = app.signed_in("clinician")
    admin, admin_token = app.signed_in("admin")
    seen = rows(app)

    assert upload(scheduler, scheduler_token).status_code == 200  # read in the background, then the day's schedule
    assert new_rows(app, seen) == [("scheduler", "upload", None, None, None, None),
                                   ("scheduler", "view-schedule", None, None, None, None)]  # fmt: skip
    seen = rows(app)

    entry = entry_ids(clinician.get(SCHEDULE).text)["Nguyễn, Thị Ánh"]
    assert new_rows(app, seen) == [("clinician", "view-schedule", None, None, None, None)]
    seen = rows(app)
    assert clinician.get(f"/entries/{entry}").status_code == 200
    assert new_rows(app, seen) == [("clinician", "view-patient", entry, "W-1", None, None)]
    seen = rows(app)

    assert clinician.get(f"/entries/{entry}/packet.pdf").status_code == 200
    assert new_rows(app, seen) == [("clinician", "view-pdf", entry, "W-1", None, None)]
    seen = rows(app)

    reprinted = act(clinician, f"/entries/{entry}/reprint", {"csrf_token": token, "layout": "large-print"}, then=False)
    assert reprinted.status_code == 303  # to the patient's page, which shows it
    assert new_rows(app, seen) == [("clinician", "reprint", entry, "W-1", None, None)]
    seen = rows(app)

    page, _seen = follow(
        clinician,
        act(clinician, "/print-run", {"csrf_token": token, "action": "download", "day": "2026-12-07"}, then=False),
    )
    run_id = int(page.rsplit("/", 1)[1])
    assert new_rows(app, seen) == []  # started, not yet downloaded
    assert clinician.get(f"{page}/print-run.pdf").status_code == 200
    assert clinician.get(f"{page}/print-run.pdf").status_code == 404  # gone: nothing downloaded, nothing recorded
    assert new_rows(app, seen) == [("clinician", "download-print-run", None, None, run_id, None)]
    seen = rows(app)

    api = app.client().post("/api/v1/packets", content=json.dumps(record()).encode(),
                            headers={"Authorization": f"Bearer {app.token}",
                                     "Content-Type": "application/json"})  # fmt: skip
    assert api.status_code == 200, api.text
    assert new_rows(app, seen) == [
        ("test-ehr", "api-request", None, None, None, None),  # reserved within the token's rate, then made
        ("test-ehr", "api-packet", None, "DEMO-0001", None, None),
    ]
    seen = rows(app)
    refused = app.client().post("/api/v1/packets", json=record(), headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401
    assert new_rows(app, seen) == [("", "access-refused", None, None, None, None)]  # ASVS 7.2.2: below
    seen = rows(app)

    added = admin.post("/admin/users", data={"csrf_token": admin_token, "name": "bea", "role": "clinician",
                                             "password": "a long enough password"})  # fmt: skip
    assert added.status_code == 200
    bea = user_ids(app)["bea"]
    form = {"csrf_token": admin_token, "enabled": "false"}
    disabled = admin.post(f"/admin/users/{ids['clinician']}/access", data=form)
    assert disabled.status_code == 200
    assert new_rows(app, seen) == [
        ("admin", "admin-add-user", None, None, None, bea),
        ("admin", "admin-disable-user", None, None, None, ids["clinician"]),
    ]

    # No row holds a patient's name, MRN or date of birth (the upload's three and the API's one).
    patients = [line.split(",") for line in CSV.splitlines()[1:]]
    phi = [value for p in patients for value in (p[1], p[2], p[3], p[4])]
    phi += [str(record()[key]) for key in ("mrn", "first_name", "last_name", "date_of_birth")]
    cells = every_cell(app)
    assert [(value, cell) for value in phi for cell in cells if value in cell] == []


def test_admins_read_filter_and_export_the_access_audit(start_app: Callable[..., App]) -> None:
    app = start_app()
    scheduler, scheduler_token = app.signed_in("scheduler", through_form=True)
    upload(scheduler, scheduler_token)
    admin, _token = app.signed_in("admin", through_form=True)
    page = admin.get("/admin").text
    assert "<h2>Access</h2>" in page
    shown = page.split("<h2>Access</h2>", 1)[1]
    actions = [a for a in ("sign-in", "upload") if f"<td>{a}</td>" in shown]
    assert actions == ["sign-in", "upload"]
    assert shown.index("<td>admin</td>") < shown.index("<td>upload</td>")  # newest first
    only = admin.get("/admin", params={"who": "scheduler", "action": "upload"}).text.split("<h2>Access</h2>", 1)[1]
    assert "<td>upload</td>" in only
    assert "<td>sign-in</td>" not in only
    assert 'href="/admin/access.csv?who=scheduler&amp;action=upload"' in only

    exported = admin.get("/admin/access.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="access-audit.csv"'
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[0] == ["when_utc", "who", "address", "action", "entry_id", "appointment_id", "print_run_id",
                        "user_id", "request_id", "route", "status", "recipient", "repeats"]  # fmt: skip
    assert [(r[1], r[3]) for r in table[1:]] == [("admin", "view-schedule"), ("admin", "sign-in"),
                                                  ("scheduler", "view-schedule"), ("scheduler", "upload"),
                                                  ("scheduler", "view-schedule"), ("scheduler", "sign-in")]  # fmt: skip
    assert all(r[0].endswith("Z") for r in table[1:])
    filtered = admin.get("/admin/access.csv", params={"action": "upload"})
    assert [r[3] for r in list(csv.reader(io.StringIO(filtered.text)))[1:]] == ["upload"]
    assert scheduler.get("/admin/access.csv").status_code == 403


def refusals(app: App) -> list[tuple[str, str, str | None, int | None, int | None]]:
    """(who, action, route, status, repeats) of each refusal's row, oldest first."""
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        query = "SELECT who, action, route, status, repeats FROM access_event WHERE action IN "
        found = session.execute(text(query + "('access-refused', 'refused-repeated') ORDER BY id"))
        result = [tuple(r) for r in found]
    store.close()
    return result  # type: ignore[return-value]


def test_refused_requests_are_rows_with_who_the_route_and_the_status(start_app: Callable[..., App]) -> None:
    """ASVS 7.2.2: no session, a role refused, a forged form, a wrong or expired API token: each a row
    naming who (when known), the route's template (never the path as sent, nor its query) and the
    status. The admin's page and CSV show them."""
    app = start_app(web="  api_requests_per_minute: 2\n")
    scheduler, scheduler_token = app.signed_in("scheduler")
    upload(scheduler, scheduler_token)
    clinician, _token = app.signed_in("clinician")
    entry = entry_ids(clinician.get(SCHEDULE).text)["Nguyễn, Thị Ánh"]

    assert app.client().get(f"/entries/{entry}?mrn=Qz-private-mrn").status_code == 303  # to the sign-in page
    assert scheduler.get("/admin?who=Qz-private-name").status_code == 403
    forged = clinician.post(f"/entries/{entry}/print", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    headers = {"Authorization": "Bearer wrong", "Content-Type": "application/json"}
    assert app.client().post("/api/v1/packets", json=record(), headers=headers).status_code == 401
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        session.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    store.close()
    headers["Authorization"] = f"Bearer {app.token}"
    assert app.client().post("/api/v1/packets", json=record(), headers=headers).status_code == 401
    assert refusals(app) == [
        ("", "access-refused", "/entries/{entry_id}", 303, None),
        ("scheduler", "access-refused", "/admin", 403, None),
        ("clinician", "access-refused", "/entries/{entry_id}/print", 403, None),
        ("", "access-refused", "/api/v1/packets", 401, None),
        ("test-ehr", "access-refused", "/api/v1/packets", 401, None),  # expired: its name is still known
    ]
    cells = every_cell(app)
    assert not any("Qz-private" in cell or "wrong" in cell for cell in cells)

    admin, _admin_token = app.signed_in("admin")
    shown = admin.get("/admin", params={"action": "access-refused"}).text.split("<h2>Access</h2>", 1)[1]
    assert "<td>/entries/{entry_id}/print</td><td>403</td>" in shown
    assert "<td>/api/v1/packets</td><td>401</td>" in shown
    exported = list(csv.reader(io.StringIO(admin.get("/admin/access.csv", params={"action": "access-refused"}).text)))
    assert [(r[1], r[9], r[10]) for r in exported[1:]][:2] == [("test-ehr", "/api/v1/packets", "401"),
                                                               ("", "/api/v1/packets", "401")]  # fmt: skip


def test_refusals_do_not_count_toward_a_tokens_rate_or_the_sign_in_delays(start_app: Callable[..., App]) -> None:
    app = start_app(web="  api_requests_per_minute: 2\n  sign_in_failures: 1\n")
    scheduler, _token = app.signed_in("scheduler")
    for _ in range(5):
        assert scheduler.get("/admin").status_code == 403
        assert app.client().get("/").status_code == 303
        wrong = app.client().post("/api/v1/packets", json=record(), headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 401
    headers = {"Authorization": f"Bearer {app.token}", "Content-Type": "application/json"}
    made = [app.client().post("/api/v1/packets", json=record(), headers=headers).status_code for _ in range(3)]
    assert made == [200, 200, 429]  # the token's own two requests, then its limit
    assert app.signed_in("scheduler")  # no wait: refusals are not failed sign-ins


def test_refusals_beyond_an_addresss_minute_are_counted_in_one_row(
    start_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of refused requests is not a flood of writes to an audit that is never purged: the first
    `web.refusals_audited_per_minute` from an address in a minute are rows; the rest one count."""
    app = start_app(web="  refusals_audited_per_minute: 3\n")
    moment = [datetime(2026, 12, 7, 9, 30, 5, tzinfo=UTC)]
    monkeypatch.setattr(accounts, "now", lambda: moment[0])
    client = app.client()
    for _ in range(10):
        assert client.get("/").status_code == 303
    assert refusals(app) == [("", "access-refused", "/", 303, None)] * 3
    moment[0] += timedelta(minutes=1)
    assert client.get("/print-runs/1").status_code == 303
    assert refusals(app)[3:] == [
        ("", "refused-repeated", None, None, 7),  # the minute before, counted
        ("", "access-refused", "/print-runs/{run_id}", 303, None),
    ]
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        repeated = session.scalars(select(AccessEvent).where(AccessEvent.action == "refused-repeated")).one()
    store.close()
    assert repeated.address == "testclient"
    assert utc(repeated.at) == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # the minute it counts


def test_the_allowance_is_per_address_and_minute_and_what_is_held_is_flushed_at_stop() -> None:
    refusals = Refusals(2)
    at = datetime(2026, 12, 7, 9, 30, 1, tzinfo=UTC)
    assert [refusals.admit("192.0.2.1", at)[0] for _ in range(3)] == [True, True, False]
    assert refusals.admit("192.0.2.2", at + timedelta(seconds=58)) == (True, [])  # another address, same minute
    assert refusals.flush() == [("192.0.2.1", datetime(2026, 12, 7, 9, 30, tzinfo=UTC), 1)]  # the app stops
    assert refusals.flush() == []
