"""Uploads read in the background (issue 27): POST /upload answers at once with a progress page of
its own (a random id, no patient data in the URL), which reloads itself until the file is read and then
says what became of it as `batch` does ("3 records read: 2 made, 1 error"), a warning when anything
failed, never a green "done"; a site's own CSV formats, added by an admin and picked at upload; errors
that never tell a scheduler to add a command-line flag."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import AccessEvent, WebSession
from packetgen.web import accounts
from tests.helpers.web import CSV, PASSWORD, App, csrf, entry_ids, wait_for_upload

ROOT = Path(__file__).resolve().parents[2]
CLINIC = (ROOT / "examples/batch/clinic-report.csv").read_text(encoding="utf-8")
CLINIC_COLUMNS = (ROOT / "examples/batch/clinic-report-columns.yaml").read_text(encoding="utf-8")


def _post(client, token: str, text: str, name: str = "today.csv", csv_format: str = "", encoding: str = "utf-8"):  # type: ignore[no-untyped-def]
    files = {"file": (name, text.encode(encoding), "text/csv")}
    return client.post("/upload", data={"csrf_token": token, "csv_format": csv_format}, files=files)


def _summary(page: str) -> tuple[str, str]:
    """The upload page's summary: its class and its words."""
    found = re.search(r'<p id="upload-summary" class="([^"]*)" role="status">([^<]*)</p>', page)
    assert found, page
    return found.group(1), found.group(2)


def test_an_upload_answers_at_once_with_its_progress_page_and_ends_in_an_honest_summary(
    start_app: Callable[..., App],
) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    started = _post(client, token, CSV)
    assert started.status_code == 303, started.text
    page = started.headers["location"]
    assert re.fullmatch(r"/uploads/[A-Za-z0-9_-]{20,32}", page)  # a random id: nothing of the file, no PHI
    status = wait_for_upload(client, page)
    assert status == {"state": "done", "records": 3, "made": 2, "failed": 1, "skipped": 0, "finished": True,
                      "summary": "3 records read: 2 made, 1 error."}  # fmt: skip
    shown = client.get(page)
    assert shown.status_code == 200
    assert 'http-equiv="refresh"' not in shown.text  # done: it no longer reloads itself
    assert _summary(shown.text) == ("warning", "3 records read: 2 made, 1 error.")  # not the green "ok"
    assert '<dt>Records read</dt><dd id="upload-records">3</dd>' in shown.text
    assert '<dt>Packets made</dt><dd id="upload-made">2</dd>' in shown.text
    assert '<dt>Errors</dt><dd id="upload-failed">1</dd>' in shown.text
    # Listed in plain words, naming the patient and the record's line in the file (by the file's own name).
    assert "Wang, Wei (today.csv:4): Date of birth: not a real calendar date (date_of_birth)" in shown.text
    assert "/tmp" not in shown.text
    assert "<title>Upload · packetgen</title>" in shown.text
    # The records are on the schedule.
    assert sorted(entry_ids(client.get("/schedule?day=2026-12-07").text)) == ["Nguyễn, Thị Ánh", "O&#39;Brien, Seán"]
    # A clinician does not upload, nor see uploads.
    clinician, _ = app.signed_in("clinician")
    assert clinician.get(page).status_code == 403


def test_one_record_is_one_record_and_all_made_is_ok(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    one = "\n".join(CSV.splitlines()[:2]) + "\n"
    page = _post(client, token, one).headers["location"]
    assert wait_for_upload(client, page)["summary"] == "1 record read: 1 made, 0 errors."
    assert _summary(client.get(page).text) == ("ok", "1 record read: 1 made, 0 errors.")


def test_every_record_failing_is_a_warning_with_each_error(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    bad = CSV.splitlines()[0] + "\n" + CSV.splitlines()[3] + "\n"
    page = _post(client, token, bad).headers["location"]
    wait_for_upload(client, page)
    css, words = _summary(client.get(page).text)
    assert (css, words) == ("warning", "1 record read: 0 made, 1 error.")


def test_a_file_refused_as_a_whole_is_said_on_the_schedule_without_a_command_line_flag(
    start_app: Callable[..., App],
) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    refused = _post(client, token, CLINIC, "clinic.csv")  # a site's own export, read with the standard columns
    assert refused.status_code == 422
    assert "clinic.csv:1: header: missing columns" in refused.text
    assert "pick the CSV format for this file, or ask an admin to add one" in refused.text
    assert "--columns" not in refused.text
    excel = CSV.splitlines()[0] + "\n" + CSV.splitlines()[2] + "\n"  # Seán, in Windows' encoding
    cp1252 = _post(client, token, excel, "excel.csv", encoding="cp1252")
    assert cp1252.status_code == 422
    assert "excel.csv:2: not UTF-8 text; pick the CSV format for this file, or ask an admin to add one" in cp1252.text
    assert "--encoding" not in cp1252.text


def test_an_admin_adds_a_csv_format_and_a_scheduler_picks_it_at_upload(start_app: Callable[..., App]) -> None:
    app = start_app()
    admin, admin_token = app.signed_in("admin")
    form = {"csrf_token": admin_token, "name": "Clinic report", "encoding": "cp1252", "columns": CLINIC_COLUMNS}
    store = open_store(Settings(database_url=app.database_url))  # signed in a while ago: the password again
    with store.session() as session:
        session.execute(update(WebSession).values(confirmed_at=accounts.now() - timedelta(minutes=6)))
    store.close()
    unconfirmed = admin.post("/admin/csv-formats", data=form)
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["location"].startswith("/account/confirm")
    app.confirm_password(admin)
    added = admin.post("/admin/csv-formats", data=form)
    assert added.status_code == 200
    assert "CSV format Clinic report added." in added.text
    assert "<td>admin-add-csv-format</td>" in added.text.split("<h2>Access</h2>")[1]  # in the access audit
    assert "<td>Clinic report</td><td>cp1252</td>" in added.text
    # A broken map or an unknown encoding is refused, saying why.
    broken = admin.post("/admin/csv-formats", data={**form, "name": "Broken", "columns": "columns: {nickname: X}"})
    assert broken.status_code == 422
    assert "unknown field &#39;nickname&#39;" in broken.text
    unknown = admin.post("/admin/csv-formats", data={**form, "name": "Odd", "encoding": "klingon"})
    assert unknown.status_code == 422
    assert "there is no encoding called klingon" in unknown.text
    again = admin.post("/admin/csv-formats", data=form)
    assert again.status_code == 422
    assert "there is already a CSV format called Clinic report" in again.text

    scheduler, token = app.signed_in("scheduler")
    schedule = scheduler.get("/").text
    chosen = re.search(r'<option value="(\d+)">Clinic report</option>', schedule)
    assert chosen, schedule
    assert '<option value="">Standard columns</option>' in schedule
    page = _post(scheduler, token, CLINIC, "clinic.csv", chosen.group(1), encoding="cp1252").headers["location"]
    status = wait_for_upload(scheduler, page)
    assert status["state"] == "done", status
    assert status["made"] >= 1, status
    assert "Kowalski, Zofia" in entry_ids(scheduler.get("/schedule?day=2026-12-07").text)

    # Removed: no longer offered; an upload still naming it is told what to do.
    fresh = csrf(admin.get("/admin").text)
    removed = admin.post(f"/admin/csv-formats/{chosen.group(1)}/remove", data={"csrf_token": fresh})
    assert removed.status_code == 200
    assert "CSV format Clinic report removed." in removed.text
    assert "<td>admin-remove-csv-format</td>" in removed.text.split("<h2>Access</h2>")[1]
    assert "Clinic report" not in scheduler.get("/").text
    gone = _post(scheduler, token, CLINIC, "clinic.csv", chosen.group(1))
    assert gone.status_code == 422
    assert "pick the CSV format for this file, or ask an admin to add one" in gone.text


def test_an_uploads_page_is_its_uploaders_and_admins_and_each_view_is_audited(start_app: Callable[..., App]) -> None:
    """Its errors name patients: another scheduler gets a 404 (as for an id that does not exist), an
    admin sees it, and each view of it is a `view-upload` row of the access audit."""
    app = start_app()
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        accounts.add_user(session, "desk2", "scheduler", PASSWORD)
    client, token = app.signed_in("scheduler")
    page = _post(client, token, CSV).headers["location"]
    wait_for_upload(client, page)
    assert client.get(page).status_code == 200
    other = app.client()
    signed = other.post(
        "/sign-in", data={"name": "desk2", "password": PASSWORD, "csrf_token": csrf(other.get("/sign-in").text)}
    )
    assert signed.status_code == 303
    assert other.get(page).status_code == 404
    assert other.get(f"{page}/status").status_code == 404
    admin, _ = app.signed_in("admin")
    shown = admin.get(page)
    assert shown.status_code == 200
    assert "Wang, Wei (today.csv:4)" in shown.text
    with store.reading() as session:
        viewed = session.scalars(select(AccessEvent.who).where(AccessEvent.action == "view-upload")).all()
    store.close()
    assert sorted(viewed) == ["admin", "scheduler"]
