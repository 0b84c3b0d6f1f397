"""The admin page's audits (issue 27): a page of 200 rows at a time that says where it is ("rows 1–200
of 450") with next and previous, times in the site's time zone, filtered by a date range, a user, an
action and a patient (name or MRN, any case; by form post, never in the URL), the delivery audit's
patient matched through the schedule's appointment and packet; print-run downloads audited; the
printers with their CUPS state (a real CUPS server with a stopped queue)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.access import record_access
from packetgen.store.tables import AccessEvent, AuditEvent, ScheduleEntry
from tests.helpers.servers import Cups
from tests.helpers.web import App, csrf, upload

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 09:00 in Chicago


def _fill(app: App, count: int) -> None:
    """`count` sign-ins of `nurse-N`, one an hour from `START`, and a print of W-1's packet."""
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        for n in range(count):
            record_access(session, START + timedelta(hours=n), f"nurse-{n % 3}", "10.0.0.9", "sign-in")
        entry = session.query(ScheduleEntry).filter_by(appointment_id="W-1").one()
        printed = {"at": START, "actor": "web:scheduler", "action": "print", "target": "front-desk"}
        session.add(AuditEvent(**printed, appointment_id=None, packet_sha256=entry.sha256,
                               result="printed (job 7, 8 pages)"))  # fmt: skip
        session.add(AuditEvent(**printed, appointment_id="OTHER-1", packet_sha256="0" * 64,
                               result="printed (job 8, 8 pages)"))  # fmt: skip
    store.close()


def _section(page: str, heading: str) -> str:
    return page.split(heading, 1)[1]


def _where(page: str) -> list[str]:
    return re.findall(r"<span>((?:Prints and emails|Access): [^<]*)</span>", page)


def test_the_audit_is_paged_in_the_sites_time_zone_and_filtered_by_a_post(start_app: Callable[..., App]) -> None:
    app = start_app()
    scheduler, scheduler_token = app.signed_in("scheduler")
    upload(scheduler, scheduler_token)
    _fill(app, 450)
    admin, token = app.signed_in("admin")
    page = admin.get("/admin").text
    total = 450 + _count(app) - 450
    assert f"Access: rows 1–200 of {total} (page 1 of 3)" in _where(page)
    assert "Times are the site's (America/Chicago)" in page
    access = _section(page, "<h2>Access</h2>")
    assert access.count("<tr><td>") == 200
    # The next page, by a post that carries the filter along.
    second = admin.post("/admin", data={"csrf_token": token, "page": "2"}).text
    assert f"Access: rows 201–400 of {total} (page 2 of 3)" in _where(second)
    assert 'name="page" value="1">Previous 200</button>' in second
    assert 'name="page" value="3">Next 200</button>' in second

    # One user, one day at the site: the first sign-in at 09:00 Chicago (15:00 UTC).
    form = {"csrf_token": token, "who": "nurse-0", "since": "2026-11-20", "until": "2026-11-20", "action": "sign-in"}
    day = admin.post("/admin", data=form)
    assert day.status_code == 200
    shown = _section(day.text, "<h2>Access</h2>")
    rows = re.findall(r"<tr><td>(2026-11-2\d \d\d:\d\d:\d\d)</td><td>(nurse-\d)</td>", shown)
    # 15:00–05:59 UTC next day is 09:00–23:59 in Chicago: hours 0..14 of the fill, every third one nurse-0.
    assert [r[1] for r in rows] == ["nurse-0"] * 5
    assert rows[-1][0] == "2026-11-20 09:00:00"  # the site's clock, not UTC's 15:00
    assert rows[0][0] == "2026-11-20 21:00:00"
    assert "Access: rows 1–5 of 5" in _where(day.text)
    assert "Access: rows" in day.text  # the filter stayed out of the URL
    assert "?" not in day.url.path

    # A patient, by name in any case or by MRN: the delivery audit's print of their packet (matched by its
    # hash: the row has no appointment id), not the other appointment's.
    for who in ("nguyễn", "NGUYEN, THI", "00012345"):
        found = admin.post("/admin", data={"csrf_token": token, "patient": who}).text
        deliveries = _section(found, "<h3>Prints and emails</h3>").split("<h2>Access</h2>")[0]
        assert "printed (job 7, 8 pages)" in deliveries, who
        assert "printed (job 8, 8 pages)" not in deliveries, who
        assert "Prints and emails: 1 row" in _where(found)
    nobody = admin.post("/admin", data={"csrf_token": token, "patient": "Nobody, Such"}).text
    assert "Prints and emails: no rows" in _where(nobody)
    assert "Access: no rows" in _where(nobody)


def _count(app: App) -> int:
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        found = session.query(AccessEvent).count()
    store.close()
    return found


def test_a_print_run_download_is_in_the_access_audit(start_app: Callable[..., App]) -> None:
    app = start_app()
    admin, token = app.signed_in("admin")
    upload(admin, token)
    started = admin.post("/print-run", data={"csrf_token": csrf(admin.get("/").text), "action": "download"})
    if started.status_code != 303:  # the print-run form now carries a one-time token: take the schedule's
        schedule = admin.get("/schedule?day=2026-12-07").text
        form = dict(re.findall(r'<input type="hidden" name="(csrf_token|once)" value="([^"]+)"', schedule))
        started = admin.post("/print-run", data={**form, "action": "download", "which": "unprinted",
                                                 "day": "2026-12-07"})  # fmt: skip
    assert started.status_code == 303, started.text
    run = started.headers["location"]
    for _ in range(600):
        if admin.get(f"{run}/status").json()["state"] == "ready":
            break
        import time

        time.sleep(0.05)
    assert admin.get(f"{run}/print-run.pdf").status_code == 200
    page = admin.post("/admin", data={"csrf_token": token, "action": "download-print-run"}).text
    assert "<td>download-print-run</td>" in _section(page, "<h2>Access</h2>")


def test_printers_are_listed_with_their_cups_state(start_app: Callable[..., App], cups_server: Cups) -> None:
    import cups

    app = start_app(**cups_server.environ())
    admin, _token = app.signed_in("admin")
    page = admin.get("/admin").text
    idle = '<td><span class="state">idle</span></td><td></td></tr>'
    assert f'<tr class="printer-idle"><td>{cups_server.queue}</td>{idle}' in page
    connection = cups.Connection()
    connection.disablePrinter(cups_server.queue, reason="paper jam in tray 2")
    try:
        stopped = admin.get("/admin").text
    finally:
        connection.enablePrinter(cups_server.queue)
    row = re.search(rf'<tr class="printer-stopped"><td>{cups_server.queue}</td>(.*?)</tr>', stopped)
    assert row, stopped
    assert '<span class="state bad">stopped</span>' in row.group(1)
    assert "paper jam in tray 2" in row.group(1)


def test_an_unreachable_print_server_is_said(start_app: Callable[..., App]) -> None:
    from tests.helpers.servers import free_port

    app = start_app(PACKETGEN_CUPS_SERVER=f"127.0.0.1:{free_port()}")
    admin, _token = app.signed_in("admin")
    assert "The print server cannot be reached: nothing can be printed." in admin.get("/admin").text
