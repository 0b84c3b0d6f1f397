"""Nothing twice (issue 27): every action answers 303 to a page (a GET) that shows what it did, so a
reload or Back never acts again; each action form carries a one-time token, so a second submit of
the same form is not a second action but shows the first's result; an email's passphrase stays on
the patient's page until the user leaves it; "Make again" shows its PDF inside the app; a large
print run asks to be confirmed first, saying how many packets and pages it is; it takes the day the
schedule shows; an error line can be dismissed once handled."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, select

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.store.tables import AuditEvent, FormAction, PrintRun, ScheduleEntry
from tests.helpers.mail import Relay
from tests.helpers.servers import Cups
from tests.helpers.web import CSV, SCHEDULE, App, act, entry_ids, follow, once, upload
from tests.web.test_browser import browser, sign_in  # noqa: F401 (the fixture)
from tests.web.test_cancel_run import held_queue  # noqa: F401 (the fixture)

NEXT_DAY = """appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,location,language,email
W-8,0008,Okoye,Ada,1960-01-02,vertebroplasty,2026-12-08T08:00,Dr. Okafor,Suite B,en,
"""


def _count(app: App, model: type, *where: object) -> int:
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    finally:
        store.close()


def test_a_print_is_done_once_and_its_result_shown_on_a_page_that_a_reload_does_not_repeat(
    start_app: Callable[..., App], cups_server: Cups
) -> None:
    app = start_app(**cups_server.environ())
    client, token = app.signed_in("scheduler")
    entry = entry_ids(upload(client, token).text)["Nguyễn, Thị Ánh"]
    form = {"csrf_token": token, "queue": cups_server.queue, "once": once()}
    posted = client.post(f"/entries/{entry}/print", data=form)
    assert posted.status_code == 303
    page = posted.headers["location"]
    assert re.fullmatch(rf"/entries/{entry}\?done=[A-Za-z0-9_-]{{32}}", page)  # a random token, no patient data
    shown = client.get(page)
    assert shown.status_code == 200
    job = re.search(r"Printed on \S+ \(job (\d+)\)\.", shown.text)
    assert job, shown.text
    again = client.get(page)  # the reload: the same result, nothing printed again
    assert f"(job {job.group(1)})" in again.text
    twice = client.post(f"/entries/{entry}/print", data=form)  # the same form sent again (a double click)
    assert (twice.status_code, twice.headers["location"]) == (303, page)
    assert _count(app, AuditEvent, AuditEvent.action == "print") == 1  # one job, one line in the audit
    assert cups_server.printed(int(job.group(1)))
    # Another session neither sees this result nor may use its token.
    other, other_token = app.signed_in("scheduler")
    assert "Printed on" not in other.get(page).text
    stolen = other.post(f"/entries/{entry}/print", data={**form, "csrf_token": other_token})
    assert stolen.status_code == 400
    assert _count(app, AuditEvent, AuditEvent.action == "print") == 1
    # A form without its one-time token acts on nothing.
    assert client.post(f"/entries/{entry}/print", data={"csrf_token": token}).status_code == 422


def test_an_email_sent_twice_from_one_form_is_one_email_and_its_passphrase_stays_until_the_user_leaves(
    start_app: Callable[..., App], relay: Relay
) -> None:
    app = start_app(**relay.environ())
    scheduler, scheduler_token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, scheduler_token).text)["Nguyễn, Thị Ánh"]
    client, token = app.signed_in("clinician")
    form = {"csrf_token": token, "to": "anh@example.org", "once": once()}
    first = client.post(f"/entries/{entry}/email", data=form)
    second = client.post(f"/entries/{entry}/email", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(relay.handler.received) == 1
    page = first.headers["location"]
    shown = client.get(page)
    assert shown.status_code == 200
    secret = re.search(r'<p class="secret">([^<]+)</p>', shown.text)
    assert secret, shown.text
    assert secret.group(1) not in page
    assert secret.group(1) in client.get(page).text  # reloading the patient's page: still there
    assert len(relay.handler.received) == 1  # and nothing sent again
    # Another action on the same page leaves it shown... until the user leaves the page.
    client.get(f"/entries/{entry}/packet.pdf")  # the page's own preview is not leaving it
    assert secret.group(1) in client.get(page).text
    assert client.get(SCHEDULE).status_code == 200  # left
    after = client.get(page)
    assert "Sent (outbox message" in after.text  # what was done is still said
    assert secret.group(1) not in after.text
    assert 'class="secret"' not in after.text
    # A passphrase whose page is never left (the browser closed on it) is forgotten an hour on anyway.
    second = act(client, f"/entries/{entry}/email", {"csrf_token": token, "to": "anh@example.org"}, then=False)
    assert 'class="secret"' in client.get(second.headers["location"]).text
    token_of_second = second.headers["location"].partition("done=")[2]
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        found = session.get(FormAction, token_of_second)
        assert found is not None
        found.created_at = found.created_at - timedelta(hours=2)
    store.close()
    act(client, "/print-run", {"csrf_token": token, "action": "download", "day": "2026-12-07"}, then=False)
    assert 'class="secret"' not in client.get(second.headers["location"]).text


def test_make_again_shows_its_packet_inside_the_app(start_app: Callable[..., App]) -> None:
    app = start_app()
    scheduler, scheduler_token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, scheduler_token).text)["Nguyễn, Thị Ánh"]
    client, token = app.signed_in("clinician")
    shown = act(client, f"/entries/{entry}/reprint", {"csrf_token": token, "layout": "large-print"})
    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith("text/html")  # a page of the app, not a bare PDF
    assert "Made again in large-print, en: shown below." in shown.text
    found = re.search(rf'<iframe class="preview" src="(/entries/{entry}/again/[A-Za-z0-9_-]{{32}}\.pdf)"', shown.text)
    assert found, shown.text
    pdf = client.get(found.group(1))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert len(PdfReader(__import__("io").BytesIO(pdf.content)).pages) > 0
    download = client.get(f"{found.group(1)}?download=true")
    assert download.headers["content-disposition"].startswith("attachment")
    assert f'href="{found.group(1)}?download=true"' in shown.text
    other, _ = app.signed_in("clinician")
    assert other.get(found.group(1)).status_code == 404  # this session's alone
    # A language with no packet says so.
    spanish = act(client, f"/entries/{entry}/reprint", {"csrf_token": token, "layout": "letter", "language": "xx"})
    assert "(there is no packet in xx)" in spanish.text


def test_a_print_run_of_the_day_shown_asks_first_when_large_and_starts_once(start_app: Callable[..., App]) -> None:
    app = start_app(web="  confirm_print_over: 1\n")
    client, token = app.signed_in("scheduler")
    upload(client, token)
    upload(client, token, NEXT_DAY, "tomorrow.csv")
    pages = sum(len(PdfReader(app.out_dir / f"W-{n}.pdf").pages) for n in (1, 2))
    first = len(PdfReader(app.out_dir / "W-1.pdf").pages)
    expected = first + first % 2 + len(PdfReader(app.out_dir / "W-2.pdf").pages)
    assert pages <= expected
    # The pages are counted from the schedule's lines, which know their packets' pages: not one packet
    # is opened to ask (here they are out of the folder while the question is made).
    aside = app.out_dir.parent / "aside"
    aside.mkdir()
    for n in (1, 2):
        (app.out_dir / f"W-{n}.pdf").rename(aside / f"W-{n}.pdf")
    form = {"csrf_token": token, "action": "download", "day": "2026-12-07", "once": once()}
    asked = client.post("/print-run", data=form)
    assert asked.status_code == 303
    plan = asked.headers["location"]
    assert plan.startswith("/print-run?done=")
    page = client.get(plan)
    assert page.status_code == 200
    for n in (1, 2):
        (aside / f"W-{n}.pdf").rename(app.out_dir / f"W-{n}.pdf")
    assert f"This is <strong>2 packets</strong>, <strong>{expected} pages</strong>" in page.text
    assert client.get(plan).status_code == 200  # reloading the question starts nothing
    assert _count(app, PrintRun) == 0
    confirm = re.search(
        r'name="once" value="([^"]+)"[^>]*>\s*<input type="hidden" name="plan" value="([^"]+)"', page.text
    )
    assert confirm, page.text
    answer = {"csrf_token": token, "once": confirm.group(1), "plan": confirm.group(2)}
    started = client.post("/print-run/confirm", data=answer)
    run_page, seen = follow(client, started)
    assert seen[-1]["total"] == 2  # the day's two packets; not the next day's
    assert client.post("/print-run/confirm", data=answer).headers["location"] == run_page  # sent again: that run
    again = client.post("/print-run/confirm", data={**answer, "once": once()})  # the page's Back, a new token
    assert again.headers["location"] == run_page
    assert _count(app, PrintRun) == 1
    # The next day: one packet, under the threshold of 1 packet? No: 1 is not over 1, so it starts at once.
    started = client.post("/print-run", data={**form, "day": "2026-12-08", "once": once()})
    _page, seen = follow(client, started)
    assert seen[-1]["total"] == 1


def test_enter_in_the_print_run_form_without_script_does_nothing(start_app: Callable[..., App]) -> None:
    """Without script, Enter in a form "clicks" its first submit button: the print-run form's is a hidden
    one that acts on nothing (its bulk buttons come after it)."""
    app = start_app()
    client, token = app.signed_in("scheduler")
    page = upload(client, token).text
    form = page[page.index('<form method="post" action="/print-run" id="run">') :]
    first = re.search(r"<button[^>]*>", form)
    assert first
    assert 'name="which" value="none"' in first.group(0)
    assert "hidden" in first.group(0)
    entry = entry_ids(page)["Nguyễn, Thị Ánh"]
    pressed = client.post("/print-run", data={"csrf_token": token, "once": once(), "which": "none",
                                              "entry": str(entry), "day": "2026-12-07"})  # fmt: skip
    assert (pressed.status_code, pressed.headers["location"]) == (303, SCHEDULE)
    assert _count(app, PrintRun) == 0


def test_nothing_to_print_is_said_on_a_page_of_its_own(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    upload(client, token)
    shown = act(client, "/print-run", {"csrf_token": token, "action": "download", "day": "2026-12-09"})
    assert shown.status_code == 422
    assert "Nothing to print" in shown.text
    assert 'href="/?day=2026-12-09"' in shown.text
    assert _count(app, PrintRun) == 0


def test_an_error_line_is_dismissed_once_audited_and_hidden(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    upload(client, token)
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        wrong = session.scalars(select(ScheduleEntry).where(ScheduleEntry.status == "error")).one()
        wrong_id, appointment, day = wrong.id, wrong.appointment_id, wrong.day
    store.close()
    on_its_day = f"/schedule?day={day.isoformat()}" if day else "/schedule"  # the day the schedule shows it on
    before = client.get(on_its_day).text
    button = f'<button type="submit" form="dismiss" name="entry" value="{wrong_id}"'
    assert button in before
    dismiss_form = re.search(r'<form method="post" action="/dismiss" id="dismiss" hidden>(.*?)</form>', before, re.S)
    assert dismiss_form
    assert 'name="once"' in dismiss_form.group(1)
    assert 'name="csrf_token"' in dismiss_form.group(1)
    form = {"csrf_token": token, "entry": str(wrong_id), "day": day.isoformat() if day else "", "once": once()}
    clinician, clinician_token = app.signed_in("clinician")
    refused = clinician.post("/dismiss", data={**form, "csrf_token": clinician_token})
    assert refused.status_code == 403  # a role that may not upload may not dismiss
    dismissed = client.post("/dismiss", data=form)
    assert dismissed.status_code == 303
    assert client.post("/dismiss", data=form).headers["location"] == dismissed.headers["location"]
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        line = session.get(ScheduleEntry, wrong_id)
        assert line is not None
        assert line.dismissed_at is not None
        assert line.dismissed_by == "scheduler"
        events = [(e.who, e.entry_id, e.appointment_id) for e in access_events(session) if e.action == "dismiss-error"]
    store.close()
    assert events == [("scheduler", wrong_id, appointment)]
    assert dismissed.headers["location"] == on_its_day
    after = client.get(on_its_day)
    assert button not in after.text  # hidden from the day's list
    assert f'value="{wrong_id}"' not in after.text
    counted = re.compile(r'<p class="counts">(\d+) appointment')
    total = int(counted.search(before).group(1))  # type: ignore[union-attr]
    assert int(counted.search(after.text).group(1)) == total - 1  # type: ignore[union-attr]
    link = re.search(r'<a href="(/schedule\?day=[0-9-]+&amp;dismissed=yes)">show 1 dismissed</a>', after.text)
    assert link, after.text
    shown = client.get(link.group(1).replace("&amp;", "&")).text
    assert "dismissed by scheduler" in shown
    assert int(counted.search(shown).group(1)) == total  # type: ignore[union-attr]
    assert "1950-02-30" in CSV  # the upload's third line is the error


# In a real browser (headless Chromium): Enter in the print-run form starts nothing; every result page
# is a GET that a reload shows again without acting again (no "Confirm Form Resubmission").

SHOTS = Path("/tmp/shots-actions")


def _shoot(driver: WebDriver, name: str) -> None:
    """Screenshots of the page at 1366 and 768 px wide (the whole page's height)."""
    SHOTS.mkdir(exist_ok=True)
    for width in (1366, 768):
        driver.set_window_size(width, 900)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(int(height), 600), 3000))
        driver.execute_script("document.querySelector('tr.state-error')?.scrollIntoView()")
        driver.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
    driver.set_window_size(1366, 900)


def _reload_acts_on_nothing(driver: WebDriver) -> None:
    """The page after an action is a GET: reloading it fetches it again, with no form sent."""
    before = driver.current_url
    driver.refresh()
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert driver.current_url == before
    assert driver.execute_script("return performance.getEntriesByType('navigation')[0].type") == "reload"


@pytest.mark.process  # `generate.py serve` as a real process
def test_enter_on_a_check_box_starts_no_print_run(
    browser: WebDriver,  # noqa: F811
    start_app: Callable[..., App],
) -> None:
    app = start_app(process=True)
    client, token = app.signed_in("scheduler")
    upload(client, token)
    sign_in(browser, app, "scheduler")
    browser.get(f"{app.url}{SCHEDULE}")
    _shoot(browser, "0-schedule")
    box = browser.find_element(By.CSS_SELECTOR, "table.schedule input[name=entry]")
    box.click()
    assert box.is_selected()
    box.send_keys(Keys.ENTER)
    time.sleep(1.5)
    assert browser.current_url == f"{app.url}{SCHEDULE}", (browser.current_url, browser.title)
    queue = browser.find_element(By.ID, "run-queue")  # no print server: the printer is typed in
    queue.send_keys(Keys.ENTER)
    time.sleep(1.5)
    assert browser.current_url == f"{app.url}{SCHEDULE}"  # still the schedule: nothing submitted
    assert _count(app, PrintRun) == 0
    browser.find_element(By.CSS_SELECTOR, "button[name=action][value=download]").click()  # a click does
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Print run · packetgen"))
    assert _count(app, PrintRun) == 1

    # The error line, on the day the schedule shows it: dismissed from its own button (another form's).
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        day = session.scalars(select(ScheduleEntry.day).where(ScheduleEntry.status == "error")).one()
    store.close()
    browser.get(f"{app.url}/schedule" + (f"?day={day.isoformat()}" if day else ""))
    row = browser.find_element(By.CSS_SELECTOR, "tr.state-error")
    browser.execute_script("arguments[0].scrollIntoView()", row)
    _shoot(browser, "0b-schedule-error")
    row.find_element(By.CSS_SELECTOR, "button[form=dismiss]").click()
    WebDriverWait(browser, 20).until(
        expected_conditions.presence_of_element_located((By.LINK_TEXT, "show 1 dismissed"))
    )
    assert not browser.find_elements(By.CSS_SELECTOR, "tr.state-error")


@pytest.mark.process
def test_each_result_page_reloads_without_acting_again(
    browser: WebDriver,  # noqa: F811
    start_app: Callable[..., App],
    cups_server: Cups,
    relay: Relay,
    held_queue: str,  # noqa: F811
) -> None:
    app = start_app(process=True, web="  confirm_print_over: 1\n",
                    **cups_server.environ(PACKETGEN_PRINTER=held_queue), **relay.environ())  # fmt: skip
    client, token = app.signed_in("scheduler")
    upload(client, token)
    sign_in(browser, app, "admin")  # who may print, email and make again
    browser.get(f"{app.url}{SCHEDULE}")

    # The day's run: more than the site's threshold, so first how much it is, to confirm.
    browser.find_element(By.CSS_SELECTOR, "button[name=which][value=unprinted]").click()
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Print run to confirm · packetgen"))
    assert "/print-run?done=" in browser.current_url
    said = browser.find_element(By.CSS_SELECTOR, ".confirm-run p[role=status]").text
    assert re.fullmatch(rf"This is 2 packets, \d+ pages \(\d+ sheets two-sided\), on the printer {held_queue}\.", said)
    _shoot(browser, "1-confirm")
    _reload_acts_on_nothing(browser)
    assert _count(app, PrintRun) == 0
    browser.find_element(By.CSS_SELECTOR, "form[action='/print-run/confirm'] button").click()
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Print run · packetgen"))
    WebDriverWait(browser, 60).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "progress-words"), "waiting for the printer")
    )
    _shoot(browser, "2-run-running")
    _reload_acts_on_nothing(browser)
    assert _count(app, PrintRun) == 1
    browser.find_element(By.CSS_SELECTOR, "form.cancel-run button").click()
    WebDriverWait(browser, 20).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "progress-words"), "Cancelled by admin")
    )
    _shoot(browser, "3-run-cancelled")
    _reload_acts_on_nothing(browser)
    assert "Cancelled by admin" in browser.find_element(By.ID, "progress-words").text
    assert _count(app, PrintRun) == 1

    # The patient's page: email, then the password stays through a reload.
    browser.get(f"{app.url}{SCHEDULE}")
    browser.find_element(By.LINK_TEXT, "Nguyễn, Thị Ánh").click()
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Packet · packetgen"))
    browser.find_element(By.CSS_SELECTOR, "form[action$='/email'] button").click()
    WebDriverWait(browser, 60).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".secret")))
    secret = browser.find_element(By.CSS_SELECTOR, ".secret").text
    assert "?done=" in browser.current_url
    assert secret not in browser.current_url
    _shoot(browser, "4-patient-emailed")
    _reload_acts_on_nothing(browser)
    assert browser.find_element(By.CSS_SELECTOR, ".secret").text == secret
    assert len(relay.handler.received) == 1

    # Printed from the patient's page (on the queue that prints), reloaded: one job.
    Select(browser.find_element(By.ID, "queue")).select_by_visible_text(cups_server.queue)
    browser.find_element(By.CSS_SELECTOR, "form[action$='/print'] button").click()
    WebDriverWait(browser, 60).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "p[role=status]"), "Printed on")
    )
    assert not browser.find_elements(By.CSS_SELECTOR, ".secret")  # another result: the password's page was left
    _reload_acts_on_nothing(browser)
    assert "Printed on" in browser.find_element(By.CSS_SELECTOR, "p[role=status]").text
    printed = _count(app, AuditEvent, AuditEvent.action == "print", AuditEvent.result.startswith("printed"))
    assert printed == 1

    # Made again in large print: shown inside the app, with its download link.
    Select(browser.find_element(By.ID, "layout")).select_by_visible_text("large-print")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/reprint'] button").click()
    WebDriverWait(browser, 60).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".again iframe"))
    )
    assert browser.title == "Packet · packetgen"
    _shoot(browser, "5-patient-made-again")
    _reload_acts_on_nothing(browser)
    assert browser.find_elements(By.CSS_SELECTOR, ".again iframe")
    assert _count(app, AuditEvent, AuditEvent.action == "print", AuditEvent.result.startswith("printed")) == 1
    logs = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert logs == []
