"""The app in a real browser (headless Chromium driven by Selenium, Debian's chromium-driver): a
scheduler's and a clinician's day, as they click through it. Screenshots go to the test's folder."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from packetgen.store.tables import AccessEvent
from tests.helpers.mail import Relay
from tests.helpers.servers import Cups
from tests.helpers.web import CSV, PASSWORD, SCHEDULE, TOTP_SECRET, App, forget_last_code

CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    if not Path(CHROMEDRIVER).exists() or not shutil.which("chromium"):
        pytest.fail("chromium and chromium-driver missing: run scripts/install-system-packages.sh (make setup)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def sign_in(driver: WebDriver, app: App, name: str) -> None:
    driver.get(f"{app.url}/")
    assert driver.current_url.endswith("/sign-in")  # redirected: no session yet
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    code_page = "Your code · packetgen"
    WebDriverWait(driver, 20).until(lambda d: d.title in ("Schedule · packetgen", code_page))
    if driver.title == code_page:  # the admin's second factor: the code their app shows
        forget_last_code(app.database_url, name)
        driver.find_element(By.ID, "code").send_keys(pyotp.TOTP(TOTP_SECRET).now())
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 20).until(expected_conditions.title_is("Schedule · packetgen"))


def sign_out(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()
    WebDriverWait(driver, 20).until(expected_conditions.title_is("Sign in · packetgen"))


@pytest.mark.process  # `generate.py serve` as a real process
def test_a_schedulers_and_a_clinicians_day(
    browser: WebDriver, start_app: Callable[..., App], cups_server: Cups, relay: Relay, tmp_path: Path
) -> None:
    app = start_app(process=True, **cups_server.environ(PACKETGEN_PRINTER=cups_server.queue), **relay.environ())
    shots = tmp_path / "screenshots"
    shots.mkdir()
    browser.get(f"{app.url}/sign-in")
    browser.save_screenshot(str(shots / "1-sign-in.png"))

    # The scheduler uploads the day's CSV, sees the bad record's error, previews and prints a packet.
    sign_in(browser, app, "scheduler")
    schedule_csv = tmp_path / "today.csv"
    schedule_csv.write_text(CSV, encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(schedule_csv))
    browser.find_element(By.CSS_SELECTOR, "form.upload button").click()
    # The upload's own page, refreshing itself until the file is read; then its errors and the day's link.
    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.title == "Upload · packetgen" and d.find_elements(By.CSS_SELECTOR, "p.days a")
    )
    assert browser.find_element(By.ID, "upload-summary").text == "3 records read: 2 made, 1 error."
    errors = browser.find_element(By.CSS_SELECTOR, "ul.upload-errors").text
    assert "Wang, Wei (today.csv:4): Date of birth: not a real calendar date (date_of_birth)" in errors
    browser.save_screenshot(str(shots / "2a-upload.png"))
    browser.find_element(By.CSS_SELECTOR, "p.days a").click()
    WebDriverWait(browser, 60).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.schedule"))
    )
    browser.save_screenshot(str(shots / "2-schedule.png"))
    assert "Nguyễn, Thị Ánh" in browser.find_element(By.CSS_SELECTOR, "table.schedule").text
    browser.find_element(By.LINK_TEXT, "Nguyễn, Thị Ánh").click()
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Packet · packetgen"))
    assert "Nguyễn" not in browser.title
    assert browser.find_elements(By.CSS_SELECTOR, "iframe.preview")
    assert not browser.find_elements(By.ID, "to")  # a scheduler may not email: no form for it
    browser.save_screenshot(str(shots / "3-patient-scheduler.png"))
    browser.find_element(By.CSS_SELECTOR, "form[action$='/print'] button").click()
    WebDriverWait(browser, 60).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "p[role=status]"), "Printed on")
    )
    job = re.search(r"job (\d+)", browser.find_element(By.CSS_SELECTOR, "p[role=status]").text)
    assert job
    assert cups_server.printed(int(job.group(1))).is_file()
    entry_url = browser.current_url

    # Then the rest of the day's run, watching its progress (the page's script follows the run, then reloads).
    browser.get(f"{app.url}{SCHEDULE}")  # the CSV's day (the site's own today is earlier: TODAY)
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Schedule · packetgen"))
    browser.find_element(By.CSS_SELECTOR, "button[name=which][value=unprinted]").click()
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Print run · packetgen"))
    assert browser.find_element(By.ID, "progress").get_attribute("data-finished") == "no"  # cups-pdf takes a while
    browser.save_screenshot(str(shots / "3b-print-run-running.png"))
    # The page reloads itself when the run is done: an element read during the reload is gone (Chromium
    # says so as an inspector error, not a stale element), so the wait reads again.
    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "progress-words"), "Printed 1 packet on")
    )
    navigation = browser.execute_script("return performance.getEntriesByType('navigation')[0].type")
    assert navigation == "reload"  # the script saw the run finish and showed the page again
    assert browser.find_element(By.ID, "progress-count").text == "1 of 1"
    browser.save_screenshot(str(shots / "3c-print-run-printed.png"))
    sign_out(browser)

    # The clinician emails it and sees the one-time password once.
    sign_in(browser, app, "clinician")
    assert not browser.find_elements(By.ID, "file")  # a clinician does not upload
    browser.get(entry_url.removesuffix("/print"))
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Packet · packetgen"))
    assert browser.find_element(By.ID, "to").get_attribute("value") == "anh@example.org"
    browser.find_element(By.CSS_SELECTOR, "form[action$='/email'] button").click()
    WebDriverWait(browser, 60).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".secret")))
    assert re.fullmatch(r"[a-z]+(-[a-z]+){4}", browser.find_element(By.CSS_SELECTOR, ".secret").text)
    browser.save_screenshot(str(shots / "4-patient-emailed.png"))
    assert len(relay.handler.received) == 1
    sign_out(browser)

    sign_in(browser, app, "admin")
    browser.get(f"{app.url}/admin")
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Admin · packetgen"))
    assert "web:clinician" in browser.find_element(By.CSS_SELECTOR, "table.audit").text
    browser.save_screenshot(str(shots / "5-admin.png"))
    browser.get(f"{app.url}/api/docs")
    browser.save_screenshot(str(shots / "6-api-docs.png"))
    browser.set_window_size(800, 1100)  # a tablet
    browser.get(f"{app.url}/")
    browser.save_screenshot(str(shots / "7-schedule-tablet.png"))
    logs = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert logs == []  # nothing blocked by the content security policy, no script errors


def _shoot(driver: WebDriver, shots: Path, name: str) -> None:
    """The whole page at a desk's width (1366 px) and a tablet's (768 px)."""
    for width in (1366, 768):
        driver.set_window_size(width, 900)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(int(height), 600), 3000))
        driver.save_screenshot(str(shots / f"{name}-{width}.png"))
    driver.set_window_size(1366, 900)


NEXT_DAY = """appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,location,language,email
T-1,00044410,Kowalczyk,Walter,1949-08-17,vertebroplasty,2026-12-08T08:00,Dr. Alvarez,Room 214,en,
T-2,00044411,Williams,Fatima,1955-01-09,vertebroplasty,2026-12-08T09:30,Dr. Okafor,Suite B,en,
"""
"""The next day's list: two patients of its own."""


@pytest.mark.process  # `generate.py serve` as a real process
def test_two_days_uploaded_are_each_a_day_of_their_own_and_a_patient_is_found_by_a_post(
    browser: WebDriver, start_app: Callable[..., App], tmp_path: Path
) -> None:
    """Issue 27's walk, the part the other browser tests leave out: two days' lists uploaded from the
    page, each day showing only its own patients with the way to the other, and a patient found by MRN
    through the search form, whose words reach no URL."""
    app = start_app(process=True)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    sign_in(browser, app, "scheduler")
    for name, text in (("today.csv", CSV), ("tomorrow.csv", NEXT_DAY)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        browser.get(f"{app.url}{SCHEDULE}")
        browser.find_element(By.ID, "file").send_keys(str(path))
        browser.find_element(By.CSS_SELECTOR, "form.upload button").click()
        WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.title == "Upload · packetgen" and d.find_elements(By.CSS_SELECTOR, "p.days a")
        )
    assert browser.find_element(By.ID, "upload-summary").text == "2 records read: 2 made, 0 errors."
    browser.find_element(By.CSS_SELECTOR, "p.days a").click()  # the day the file was for
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "h2.day-title")))
    assert browser.find_element(By.CSS_SELECTOR, "h2.day-title").text == "Tuesday, December 8, 2026"
    table = browser.find_element(By.CSS_SELECTOR, "table.schedule").text
    assert "Kowalczyk, Walter" in table
    assert "Williams, Fatima" in table
    assert "Nguyễn" not in table  # the other day's patient
    _shoot(browser, shots, "1-tomorrow")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Previous day").click()
    WebDriverWait(browser, 30).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "h2.day-title"), "December 7")
    )
    table = browser.find_element(By.CSS_SELECTOR, "table.schedule").text
    assert "Nguyễn, Thị Ánh" in table
    assert "Wang, Wei" in table  # the record that could not be used, on the day its file gives
    assert "Kowalczyk" not in table
    assert "3 appointments: 2 made, 1 error" in browser.find_element(By.CSS_SELECTOR, "p.counts").text
    _shoot(browser, shots, "2-today")

    # The error handled: dismissed once, and reloading what the dismissal led to dismisses nothing again.
    browser.find_element(By.XPATH, "//button[contains(., 'Dismiss')]").click()
    WebDriverWait(browser, 30).until(lambda d: "show 1 dismissed" in d.find_element(By.CSS_SELECTOR, "p.counts").text)
    assert "Wang, Wei" not in browser.find_element(By.CSS_SELECTOR, "table.schedule").text
    browser.refresh()
    WebDriverWait(browser, 30).until(expected_conditions.title_is("Schedule · packetgen"))
    assert "show 1 dismissed" in browser.find_element(By.CSS_SELECTOR, "p.counts").text
    _shoot(browser, shots, "2b-dismissed")
    engine = create_engine(app.database_url, poolclass=NullPool)
    with engine.connect() as connection:
        dismissals = connection.scalar(
            select(func.count()).select_from(AccessEvent).where(AccessEvent.action == "dismiss-error")
        )
    engine.dispose()
    assert dismissals == 1

    # Found by MRN from the search form: a post, so the MRN is in no address the browser keeps.
    browser.find_element(By.ID, "q").send_keys("00044411")
    browser.find_element(By.CSS_SELECTOR, "form#search button[type=submit]").click()
    WebDriverWait(browser, 30).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "h2.day-title"), "Search results")
    )
    found = browser.find_element(By.CSS_SELECTOR, "table.schedule").text
    assert "Williams, Fatima" in found
    assert "Kowalczyk" not in found
    assert "Nguyễn" not in found
    assert "00044411" not in browser.current_url
    assert "/schedule?found=" in browser.current_url  # the search's token: a page to reload, not a form
    history = browser.execute_script("return performance.getEntriesByType('navigation').map(e => e.name)")
    assert not any("00044411" in url for url in history)
    _shoot(browser, shots, "3-search")
    browser.refresh()  # a GET again: no "Confirm Form Resubmission", the same results
    WebDriverWait(browser, 30).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "h2.day-title"), "Search results")
    )
    assert "Williams, Fatima" in browser.find_element(By.CSS_SELECTOR, "table.schedule").text
    logs = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert logs == []
