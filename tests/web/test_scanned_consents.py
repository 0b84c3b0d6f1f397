"""Scanned consents on the web schedule (issue 29): `generate.py scan`, the watched scan folder and an
upload on the Scanned consents page put each consent's state in the store and the audit, and the schedule
line, the patient page and the admin's audit say it."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image

from packetgen.cli import main
from packetgen.delivery.audit import events
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import ScannedConsent
from tests.helpers.scans import blank, consent_pages, scan_pdf, scan_tiff
from tests.helpers.web import SCHEDULE, App, entry_ids, once, upload

NGUYEN = "Nguyễn, Thị Ánh"
"""The patient of appointment W-1 in the uploaded CSV."""


def _uploaded(app: App) -> tuple[httpx.Client, list[Image.Image]]:
    """A scheduler's client after the test CSV is uploaded, and W-1's consent pages as a scanner sees them."""
    client, _token, pages = _uploaded_with_token(app)
    return client, pages


def _uploaded_with_token(app: App) -> tuple[httpx.Client, str, list[Image.Image]]:
    client, token = app.signed_in("scheduler")
    assert NGUYEN in entry_ids(upload(client, token).text)
    (packet,) = app.out_dir.rglob("W-1*.pdf")
    return client, token, consent_pages(packet, 200)


def _post_scan(client: httpx.Client, token: str, scan: Path, kind: str = "application/pdf") -> httpx.Response:
    """The Scanned consents page's form sent as a browser sends it (the file under a name that is the
    scanner's, never repeated)."""
    files = {"file": ("Nguyen ward 3.pdf", scan.read_bytes(), kind)}
    return client.post("/scans", data={"csrf_token": token, "once": once()}, files=files)


def _result(client: httpx.Client, posted: httpx.Response) -> httpx.Response:
    """The page a scan's upload leads to: its address holds only the form's random token."""
    assert posted.status_code == 303, (posted.status_code, posted.text[:500])
    location = posted.headers["location"]
    assert re.fullmatch(r"/scans\?done=[A-Za-z0-9_-]{32}", location), location
    page = client.get(location)
    assert "<title>Scanned consents · packetgen</title>" in page.text  # nothing of the patient
    assert "Nguy" not in location
    assert "Nguy" not in page.text
    return page


def _scan(scan: Path, out: Path, app: App, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("PACKETGEN_DATABASE_URL", app.database_url)
    return main(["scan", str(scan), "--out", str(out)])


def test_a_scanned_consent_shows_on_its_schedule_line_incomplete_then_filed(
    start_app: Callable[..., App], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = start_app()
    client, pages = _uploaded(app)
    count = len(pages)
    out = tmp_path / "signed"

    without_three = scan_pdf(pages[:2] + pages[3:], tmp_path / "short.pdf", 200)
    assert _scan(without_three, out, app, monkeypatch) == 1
    assert capsys.readouterr().out.splitlines() == [f"W-1: incomplete: missing page 3 of {count}"]
    schedule = client.get(SCHEDULE).text
    assert f"consent incomplete: missing page 3 of {count}" in schedule
    assert schedule.count('class="tag consent') == 1  # W-1's line only
    entry = client.get(f"/entries/{entry_ids(schedule)[NGUYEN]}").text
    assert f"consent incomplete: missing page 3 of {count}" in entry
    assert not out.exists() or not any(out.iterdir())

    whole = scan_pdf(list(reversed(pages)), tmp_path / "whole.pdf", 200)
    assert _scan(whole, out, app, monkeypatch) == 0
    assert capsys.readouterr().out.splitlines() == [f"W-1: complete, {count} pages"]
    assert (out / "W-1-consent-signed.pdf").is_file()
    schedule = client.get(SCHEDULE).text
    assert "signed consent filed" in schedule  # the latest scan's state
    assert "consent incomplete" not in schedule
    entry = client.get(f"/entries/{entry_ids(schedule)[NGUYEN]}").text
    assert "signed consent filed" in entry
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:  # each consent in the audit, by the command's user
            found = [(e.action, e.appointment_id, e.target, e.result) for e in events(session)]
    finally:
        store.close()
    assert found == [
        ("scan-incomplete", "W-1", "not filed", f"incomplete: missing page 3 of {count}"),
        ("scan-filed", "W-1", "W-1-consent-signed.pdf", f"complete, {count} pages"),
    ]


def test_scans_dropped_in_the_watched_scan_folder_are_read_once_and_filed(
    start_app: Callable[..., App], tmp_path: Path
) -> None:
    watched, out = tmp_path / "scans", tmp_path / "signed"
    watched.mkdir()
    app = start_app(web=f"  watch_seconds: 0.5\nscan:\n  watch_dir: {watched}\n  out_dir: {out}\n")
    client, pages = _uploaded(app)
    scan_pdf(pages, watched / "ward-3.pdf", 200)
    (watched / "junk.pdf").write_bytes(b"%PDF-1.7 not really a PDF")
    (watched / "notes.txt").write_text("not a scan", encoding="utf-8")  # neither a PDF nor a TIFF: left alone
    for name in ("ward-3.pdf", "junk.pdf", "notes.txt"):
        os.utime(watched / name, (time.time() - 10, time.time() - 10))  # settled
    deadline = time.monotonic() + 60
    while not ((watched / "done" / "ward-3.pdf").exists() and (watched / "failed" / "junk.pdf").exists()):
        assert time.monotonic() < deadline, sorted(p.name for p in watched.rglob("*"))
        time.sleep(0.2)
    assert (watched / "notes.txt").exists()
    assert "expected a PDF that opens" in (watched / "failed" / "junk.pdf.errors.txt").read_text()
    assert (out / "W-1-consent-signed.pdf").is_file()
    schedule = client.get(SCHEDULE).text
    assert "signed consent filed" in schedule
    admin, admin_token = app.signed_in("admin")
    found = admin.post("/admin", data={"csrf_token": admin_token, "action": "scan-filed"}).text
    assert "<td>scan folder</td><td>scan-filed</td><td>W-1</td><td>W-1-consent-signed.pdf</td>" in found


def test_an_uploaded_scan_files_its_complete_consent_and_shows_it_on_the_schedule(
    start_app: Callable[..., App], tmp_path: Path
) -> None:
    app = start_app()
    client, token, pages = _uploaded_with_token(app)
    count = len(pages)
    form = client.get("/scans")
    assert form.status_code == 200
    assert 'action="/scans"' in form.text
    assert 'enctype="multipart/form-data"' in form.text
    assert '<a href="/scans">Scanned consents</a>' in client.get(SCHEDULE).text  # in the bar

    scanned = scan_pdf([*reversed(pages), blank(pages[0])], tmp_path / "whole.pdf", 200)
    page = _result(client, _post_scan(client, token, scanned))
    assert page.status_code == 200
    assert "1 consent found: 1 filed." in page.text
    assert f"W-1: complete, {count} pages" in page.text
    assert f"page {count + 1} of the scan: blank" in page.text
    assert (app.out_dir / "signed" / "W-1-consent-signed.pdf").is_file()
    again = client.get(page.url).text  # a reload shows the result again, filing nothing again
    assert again.split('<ul class="scan-lines">')[1].split("</ul>")[0] in page.text
    schedule = client.get(SCHEDULE).text
    assert "signed consent filed" in schedule
    assert "signed consent filed" in client.get(f"/entries/{entry_ids(schedule)[NGUYEN]}").text

    admin, _ = app.signed_in("admin")
    audit = admin.get("/admin").text
    assert "<td>web:scheduler</td><td>scan-filed</td><td>W-1</td><td>W-1-consent-signed.pdf</td>" in audit
    assert f"<td>complete, {count} pages</td>" in audit


def test_an_uploaded_scan_with_a_page_missing_shows_incomplete_on_the_schedule_and_in_the_audit(
    start_app: Callable[..., App], tmp_path: Path
) -> None:
    app = start_app()
    client, token, pages = _uploaded_with_token(app)
    count = len(pages)
    short = scan_tiff(pages[:2] + pages[3:], tmp_path / "short.tif", 200)
    page = _result(client, _post_scan(client, token, short, "image/tiff"))
    assert page.status_code == 200
    assert "1 consent found: 0 filed, 1 incomplete." in page.text
    assert f"W-1: incomplete: missing page 3 of {count}" in page.text
    assert not (app.out_dir / "signed").exists() or not any((app.out_dir / "signed").iterdir())
    assert f"consent incomplete: missing page 3 of {count}" in client.get(SCHEDULE).text

    admin, admin_token = app.signed_in("admin")
    found = admin.post("/admin", data={"csrf_token": admin_token, "action": "scan-incomplete"}).text
    row = "<td>web:scheduler</td><td>scan-incomplete</td><td>W-1</td><td>not filed</td>"
    assert f"{row}<td>incomplete: missing page 3 of {count}</td>" in found


def test_only_schedulers_and_admins_upload_scans_and_a_file_that_is_no_scan_is_refused_in_one_line(
    start_app: Callable[..., App], tmp_path: Path
) -> None:
    app = start_app()
    scheduler, token, pages = _uploaded_with_token(app)
    scanned = scan_pdf(pages, tmp_path / "whole.pdf", 200)
    clinician, clinician_token = app.signed_in("clinician")
    assert _post_scan(clinician, clinician_token, scanned).status_code == 403
    assert clinician.get("/scans").status_code == 403
    assert '<a href="/scans">' not in clinician.get(SCHEDULE).text
    assert not (app.out_dir / "signed").exists()

    for data, why in (
        (b"not a scan at all", "expected a PDF or a TIFF file from a scanner"),
        (b"%PDF-1.7 not really a PDF", "expected a PDF that opens (it is damaged or encrypted)"),
    ):
        (tmp_path / "upload").write_bytes(data)
        page = _result(scheduler, _post_scan(scheduler, token, tmp_path / "upload"))
        assert page.status_code == 422
        said = re.findall(r'<p class="error" role="alert" id="scan-summary">([^<]*)</p>', page.text)
        assert said == [f"That file cannot be read as a scan ({why}): nothing was filed."], said
        assert "scan-lines" not in page.text
    no_file = scheduler.post("/scans", data={"csrf_token": token, "once": once()})
    assert no_file.status_code == 422
    assert "Choose a scanner&#39;s PDF or TIFF file to upload" in no_file.text
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            assert session.query(ScannedConsent).count() == 0
            assert [e.action for e in events(session)] == []
    finally:
        store.close()
    assert not (app.out_dir / "signed").exists()
