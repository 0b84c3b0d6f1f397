"""Scanned consents on the web schedule (issue 29): `generate.py scan` and the watched scan folder put
each consent's state in the store, and the schedule line and the patient page say it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image

from packetgen.cli import main
from tests.helpers.scans import consent_pages, scan_pdf
from tests.helpers.web import SCHEDULE, App, entry_ids, upload

NGUYEN = "Nguyễn, Thị Ánh"
"""The patient of appointment W-1 in the uploaded CSV."""


def _uploaded(app: App) -> tuple[httpx.Client, list[Image.Image]]:
    """A scheduler's client after the test CSV is uploaded, and W-1's consent pages as a scanner sees them."""
    client, token = app.signed_in("scheduler")
    assert NGUYEN in entry_ids(upload(client, token).text)
    (packet,) = app.out_dir.rglob("W-1*.pdf")
    return client, consent_pages(packet, 200)


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
