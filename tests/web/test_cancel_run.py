"""A running print run cancelled from its page (issue 27): its job at the print server cancelled
(IPP Cancel-Job) before it printed, the run marked cancelled, the access audit and the delivery audit
saying so. Against the test CUPS server, with a queue that holds every job (as a stopped printer
keeps them pending), so the job is reliably still there to cancel."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from packetgen.delivery import audit
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.store.tables import PrintRun
from tests.helpers.servers import PPD, Cups
from tests.helpers.web import CSV, SCHEDULE, App, act, once, upload
from tests.web.test_browser import _shoot, browser, sign_in  # noqa: F401 (the fixture)

_HELD = 4
_CANCELED = 7


@pytest.fixture
def held_queue(cups_server: Cups) -> Iterator[str]:
    """A second queue on the test server that holds every job until released (`job-hold-until`)."""
    import cups

    host, _, port = cups_server.server.rpartition(":")
    cups.setServer(host)
    cups.setPort(int(port))
    connection = cups.Connection()
    name = f"packetgen-held-{os.getpid()}"
    connection.addPrinter(name, filename=str(PPD), device=f"cups-pdf:/{cups_server.queue}")
    connection.addPrinterOptionDefault(name, "job-hold-until", "indefinite")
    connection.enablePrinter(name)
    connection.acceptJobs(name)
    try:
        yield name
    finally:
        for job_id in connection.getJobs(which_jobs="not-completed"):
            connection.cancelJob(job_id, purge_job=True)
        connection.deletePrinter(name)


def _job_state(cups_server: Cups, job_id: int) -> int:
    return int(cups_server.job(job_id)["job-state"])


def test_a_run_waiting_at_the_printer_is_cancelled_there(
    start_app: Callable[..., App], cups_server: Cups, held_queue: str
) -> None:
    app = start_app(**cups_server.environ(PACKETGEN_PRINTER=held_queue))
    client, token = app.signed_in("scheduler")
    upload(client, token)
    started = act(client, "/print-run", {"csrf_token": token, "day": "2026-12-07"}, then=False)
    page = started.headers["location"]
    run_id = int(page.rpartition("/")[2])
    store = open_store(Settings(database_url=app.database_url))
    try:
        deadline = time.monotonic() + 60
        while True:  # the run put together, its job at the printer (held there)
            with store.reading() as session:
                run = session.get(PrintRun, run_id)
                assert run is not None
                job_id = run.job_id
            if job_id is not None:
                break
            assert time.monotonic() < deadline, "the run never reached the printer"
            time.sleep(0.05)
        assert _job_state(cups_server, job_id) == _HELD
        shown = client.get(page)
        assert shown.status_code == 200
        assert "Cancel this run" in shown.text
        form = re.search(r'action="/print-runs/\d+/cancel".*?name="once" value="([^"]+)"', shown.text, re.S)
        assert form, shown.text
        data = {"csrf_token": token, "once": form.group(1)}
        cancelled = client.post(f"{page}/cancel", data=data)
        assert (cancelled.status_code, cancelled.headers["location"]) == (303, page)
        assert _job_state(cups_server, job_id) == _CANCELED
        deadline = time.monotonic() + 30
        while not client.get(f"{page}/status").json()["finished"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        status = client.get(f"{page}/status").json()
        assert status["state"] == "cancelled"
        after = client.get(page)
        assert (
            f"Cancelled by scheduler: job {job_id} was cancelled at the printer; what had not printed by then will not."
            in after.text
        )
        assert "Cancel this run" not in after.text
        assert client.post(f"{page}/cancel", data=data).headers["location"] == page  # sent again: nothing more
        time.sleep(0.5)  # the run's thread has heard of the cancelled job: its state stays cancelled
        assert client.get(f"{page}/status").json()["state"] == "cancelled"
        with store.reading() as session:
            done = [(e.who, e.action, e.print_run_id) for e in access_events(session) if e.action == "cancel-print-run"]
            printed = [e.result for e in audit.events(session) if e.action == audit.PRINT]
        assert done == [("scheduler", "cancel-print-run", run_id)]
        assert len(printed) == 2  # each packet of the run, neither printed
        assert all("was cancelled" in result and not result.startswith("printed") for result in printed), printed
        assert "printed" not in client.get(SCHEDULE).text.split("<tbody>")[1].split("</tbody>")[0]
    finally:
        store.close()


def test_a_run_still_being_put_together_stops_before_the_printer(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    moment = datetime.now(UTC)
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.session() as session:
            run = PrintRun(started_by="scheduler", started_at=moment, updated_at=moment, action="print",
                           queue="q", total=40, merged=12, state="merging")  # fmt: skip
            session.add(run)
            session.flush()
            run_id = run.id
        clinician, clinician_token = app.signed_in("clinician")  # anyone who may print may stop a run
        shown = act(clinician, f"/print-runs/{run_id}/cancel", {"csrf_token": clinician_token})
        assert "Cancelled by clinician before it reached the printer: nothing was printed." in shown.text
        assert client.get(f"/print-runs/{run_id}/status").json() == {
            "state": "cancelled", "words": "Cancelled by clinician before it reached the printer: nothing was printed.",
            "merged": 12, "total": 40, "finished": True,
        }  # fmt: skip
        # A finished run: nothing to cancel, and it says so.
        again = act(client, f"/print-runs/{run_id}/cancel", {"csrf_token": token, "once": once()})
        assert "Cancelled by clinician" in again.text
        with store.reading() as session:
            assert session.get(PrintRun, run_id).state == "cancelled"  # type: ignore[union-attr]
    finally:
        store.close()


@pytest.mark.process  # `generate.py serve` as a real process, in a real browser
def test_a_scheduler_cancels_a_run_from_its_page_in_the_browser(
    browser: WebDriver,  # noqa: F811
    start_app: Callable[..., App],
    cups_server: Cups,
    held_queue: str,
    tmp_path: Path,
) -> None:
    """Issue 27's walk: the day's print run started from the schedule, cancelled from its page while its
    job waits at the printer, and the page reloaded: cancelled once, at the printer too."""
    app = start_app(process=True, **cups_server.environ(PACKETGEN_PRINTER=held_queue))
    shots = tmp_path / "screenshots"
    shots.mkdir()
    sign_in(browser, app, "scheduler")
    day = tmp_path / "today.csv"
    day.write_text(CSV, encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(day))
    browser.find_element(By.CSS_SELECTOR, "form.upload button").click()
    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.title == "Upload · packetgen" and d.find_elements(By.CSS_SELECTOR, "p.days a")
    )
    browser.get(f"{app.url}{SCHEDULE}")
    browser.find_element(By.CSS_SELECTOR, "button[name=which][value=unprinted]").click()
    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "form.cancel-run button") and "job" in d.page_source
    )
    _shoot(browser, shots, "1-run-waiting")
    run_page = browser.current_url
    browser.find_element(By.CSS_SELECTOR, "form.cancel-run button").click()
    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "Cancelled by scheduler" in d.find_element(By.ID, "progress-words").text
    )
    assert browser.current_url == run_page  # post/redirect/get: back on the run's own page
    browser.refresh()  # a GET: nothing is cancelled or printed again
    WebDriverWait(browser, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "Cancelled by scheduler" in d.find_element(By.ID, "progress-words").text
    )
    assert not browser.find_elements(By.CSS_SELECTOR, "form.cancel-run button")
    _shoot(browser, shots, "2-run-cancelled")
    run_id = int(run_page.rstrip("/").rpartition("/")[2])
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            run = session.get(PrintRun, run_id)
            assert run is not None
            assert run.state == "cancelled"
            job_id = run.job_id
            cancels = [e for e in access_events(session) if e.action == "cancel-print-run"]
        assert len(cancels) == 1
    finally:
        store.close()
    assert job_id is not None
    assert _job_state(cups_server, job_id) == _CANCELED
