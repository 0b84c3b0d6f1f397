"""Printing from a patient's page on the test CUPS server: a print that fails at the printer is
never shown as printed, and what the print server keeps about a job names no patient."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from packetgen.delivery import audit
from packetgen.settings import Settings
from packetgen.store import open_store
from tests.helpers.servers import Cups
from tests.helpers.web import SCHEDULE, App, act, entry_ids, follow, upload

# Everything that names W-1's patient in tests/web/test_pages.py's CSV (and its ASCII spellings).
PHI = ["Nguyễn", "Thị", "Ánh", "Nguyen", "Thi", "Anh", "00012345", "12345", "1948"]


def states(page: str) -> dict[int, str]:
    """Each schedule line's state, by entry number."""
    rows = re.findall(r'<a href="/entries/(\d+)">[^<]*</a>.*?<span class="state">([^<]*)</span>', page, re.S)
    return {int(number): state for number, state in rows}


def state_on_its_page(page: str) -> str:
    found = re.search(r'<span class="state">([^<]*)</span>', page)
    assert found, page
    return found.group(1)


@contextmanager
def queue_that_stops(cups_server: Cups) -> Iterator[str]:
    """A queue on the test print server that takes a job and then stops: its device is an IPP printer
    the server does not have, so CUPS's ipp backend stops the queue (a print that fails at the
    printer, after the job was sent)."""
    import cups

    host, _, port = cups_server.server.rpartition(":")
    cups.setServer(host)
    cups.setPort(int(port))
    connection = cups.Connection()
    name = f"{cups_server.queue}-stops"
    connection.addPrinter(name, device=f"ipp://{cups_server.server}/printers/no-such-printer")
    connection.enablePrinter(name)
    connection.acceptJobs(name)
    try:
        yield name
    finally:
        connection.deletePrinter(name)


def test_a_print_that_fails_at_the_printer_is_not_shown_as_printed(
    start_app: Callable[..., App], cups_server: Cups
) -> None:
    app = start_app(**cups_server.environ())
    client, token = app.signed_in("scheduler")
    ids = entry_ids(upload(client, token).text)
    entry = ids["Nguyễn, Thị Ánh"]
    with queue_that_stops(cups_server) as queue:
        failed = act(client, f"/entries/{entry}/print", {"csrf_token": token, "queue": queue})
        assert failed.status_code == 502, failed.text
        assert re.search(rf"Not printed: printer {re.escape(queue)} stopped during job \d+", failed.text)
        assert state_on_its_page(failed.text) == "made"
        assert state_on_its_page(client.get(f"/entries/{entry}").text) == "made"
        assert states(client.get(SCHEDULE).text)[entry] == "made"
        again = act(client, f"/entries/{entry}/print", {"csrf_token": token, "queue": queue})
        assert again.status_code == 502  # the queue is stopped now: refused before anything is sent
        assert f"Not printed: printer {queue} is stopped" in again.text
        assert state_on_its_page(again.text) == "made"

    # The auditor sees the failure; the day's run of packets not yet printed still holds this one.
    admin, admin_token = app.signed_in("admin")
    trail = admin.get("/admin").text
    assert re.search(rf"<td>web:scheduler</td><td>print</td><td>W-1</td><td>{re.escape(queue)}</td><td>failed: ", trail)
    _page, seen = follow(
        admin,
        act(admin, "/print-run", {"csrf_token": admin_token, "action": "download", "day": "2026-12-07"}, then=False),
    )
    assert (seen[-1]["state"], seen[-1]["total"]) == ("ready", 2)

    # Whatever a failure's words: one that says "printed" (as a queue found stopped at the last
    # moment does, "…; nothing was printed") is still not a print.
    other = ids["O&#39;Brien, Seán"]
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        sha256 = hashlib.sha256((app.out_dir / "W-2.pdf").read_bytes()).hexdigest()
        result = f"failed: printer {cups_server.queue} is stopped (paper jam in tray 2); nothing was printed"
        audit.record(session, datetime.now(UTC), "web:scheduler", audit.PRINT, "W-2", sha256, cups_server.queue, result)
    store.close()
    assert "nothing was printed" in admin.get("/admin").text
    assert states(client.get(SCHEDULE).text) == {entry: "made", other: "made"}
    assert state_on_its_page(client.get(f"/entries/{other}").text) == "made"


def _named(job: dict[str, object], printed_file: str) -> list[str]:
    """The patient's identifiers found in a job's name or the file cups-pdf named after it."""
    where = [str(job["job-name"]), printed_file]
    folded = [unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode().casefold() for w in where]
    return [value for value in PHI if any(value.casefold() in w.casefold() for w in where + folded)]


def test_a_print_from_a_patients_page_names_no_patient_to_the_print_server(
    start_app: Callable[..., App], cups_server: Cups
) -> None:
    app = start_app(**cups_server.environ())
    scheduler, token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, token).text)["Nguyễn, Thị Ánh"]
    printed = act(scheduler, f"/entries/{entry}/print", {"csrf_token": token, "queue": cups_server.queue})
    assert printed.status_code == 200, printed.text
    found = re.search(r"Printed on \S+ \(job (\d+)\)", printed.text)
    assert found, printed.text
    job_id = int(found.group(1))
    job = cups_server.job(job_id)
    assert job["job-name"] == "W-1"  # the appointment id: nothing else about the patient
    assert _named(job, cups_server.printed(job_id).name) == []

    # A packet made again (large print) and printed by a clinician: the same.
    clinician, clinician_token = app.signed_in("clinician")
    form = {"csrf_token": clinician_token, "layout": "large-print", "queue": cups_server.queue}
    again = act(clinician, f"/entries/{entry}/reprint", form)
    assert again.status_code == 200, again.text
    found = re.search(r"Printed in large-print, en on \S+ \(job (\d+)\)", again.text)
    assert found, again.text
    job_id = int(found.group(1))
    job = cups_server.job(job_id)
    assert job["job-name"] == "W-1"
    assert _named(job, cups_server.printed(job_id).name) == []
