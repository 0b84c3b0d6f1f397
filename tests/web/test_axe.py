"""Every page in a real browser (headless Chromium, `generate.py serve`) for keyboards, screen readers
and every width (issue 27): axe-core (node_modules/, from package-lock.json: `make setup`) finds no
violation of the WCAG 2.1 A and AA rules on any page; a skip link is the first thing Tab reaches and
leads to the main content, with a visible focus ring; no page scrolls sideways as a whole at 768 px or
at 200 % zoom (tables scroll in their own box); a minute before the session's idle limit a notice
offers to stay signed in, and after it the sign-in leads back to the page, with what was typed.
Screenshots (1366 and 768 px) go to the test's folder, and to $PACKETGEN_SHOTS when set."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers.servers import Cups
from tests.helpers.web import CSV, PASSWORD, App
from tests.web.test_browser import browser, sign_in  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CLINIC_COLUMNS = (ROOT / "examples/batch/clinic-report-columns.yaml").read_text(encoding="utf-8")
DAY = "2026-12-07"
"""The day of `CSV`'s appointments."""


def violations(driver: WebDriver) -> list[str]:
    """What axe-core finds wrong on the page in `driver` (WCAG 2.1 A and AA): one line per rule."""
    if not AXE.exists():
        pytest.fail("axe-core missing: run `make setup` (npm ci installs it from package-lock.json)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    found: list[dict[str, Any]] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', help: String(e), nodes: []}]));",
        RULES,
    )
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in found]


def shoot(driver: WebDriver, folder: Path, name: str) -> None:
    """A screenshot of the whole page at 1366 and at 768 px wide (the window back at 1366 after)."""
    for width in (1366, 768):
        driver.set_window_size(width, 1000)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(int(height) + 140, 700), 4000))
        for where in (folder, os.environ.get("PACKETGEN_SHOTS")):
            if where:
                Path(where).mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(Path(where) / f"{name}-{width}.png"))
    driver.set_window_size(1366, 1000)


def sideways(driver: WebDriver, width: int) -> int:
    """How far the whole page scrolls sideways at `width` CSS pixels (0: not at all)."""
    driver.set_window_size(width, 900)
    time.sleep(0.2)
    extra = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    driver.set_window_size(1366, 1000)
    return int(extra)


@pytest.mark.process  # `generate.py serve` as a real process
def test_every_page_passes_axe_fits_768_px_and_200_percent_zoom(
    browser: WebDriver,  # noqa: F811
    start_app: Callable[..., App],
    cups_server: Cups,
    tmp_path: Path,
) -> None:
    # The check itself finds what it should: a field without a label, text too pale to read.
    browser.get("data:text/html,<html lang=en><title>t</title><main><input><p style='color:%23ccc'>pale</p></main>")
    found = " ".join(violations(browser))
    assert "label:" in found
    assert "color-contrast:" in found
    app = start_app(process=True, **cups_server.environ())  # the admin page lists its printer
    shots = tmp_path / "screenshots"
    browser.set_window_size(1366, 1000)
    browser.get(f"{app.url}/sign-in")
    pages: dict[str, list[str]] = {"sign-in": violations(browser)}
    shoot(browser, shots, "sign-in")

    sign_in(browser, app, "admin")  # an admin may do everything: upload, look at patients, the admin page
    upload = tmp_path / "today.csv"
    upload.write_text(CSV, encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(upload))
    browser.find_element(By.CSS_SELECTOR, "form.upload button").click()
    WebDriverWait(browser, 10).until(expected_conditions.title_is("Upload · packetgen"))
    assert re.search(r"/uploads/[A-Za-z0-9_-]+$", browser.current_url)
    # It reloads itself until the file is read (a reload may come between two looks: look again).
    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "so far" not in d.find_element(By.ID, "upload-summary").text
    )
    summary = browser.find_element(By.ID, "upload-summary")
    assert summary.text == "3 records read: 2 made, 1 error."
    assert "warning" in summary.get_attribute("class")
    progress = browser.current_url
    pages["upload progress"] = violations(browser)
    shoot(browser, shots, "upload-progress")

    browser.get(f"{app.url}/schedule?day={DAY}")
    assert browser.find_elements(By.CSS_SELECTOR, "a[href^='/entries/']")  # the schedule with rows
    pages["schedule"] = violations(browser)
    shoot(browser, shots, "schedule")
    entry = browser.find_element(By.CSS_SELECTOR, "a[href^='/entries/']").get_attribute("href")
    browser.get(entry)
    pages["patient"] = violations(browser)
    shoot(browser, shots, "patient")

    # A site's CSV format, added on the admin page (signed in with both factors just now: no password asked).
    browser.get(f"{app.url}/admin")
    browser.find_element(By.ID, "format-name").send_keys("Clinic report")
    browser.find_element(By.ID, "format-encoding").send_keys("cp1252")
    browser.find_element(By.ID, "format-columns").send_keys(CLINIC_COLUMNS)
    browser.find_element(By.CSS_SELECTOR, "form.format-form button").click()
    WebDriverWait(browser, 10).until(lambda d: "CSV format Clinic report added." in d.page_source)
    assert browser.find_elements(By.CSS_SELECTOR, "table.printers tr.printer-idle")
    for path, name in (("/admin", "admin"), ("/sessions", "sessions"), ("/account/password", "password"),
                       ("/account/totp", "second-factor"), ("/account/confirm", "confirm"),
                       ("/admin/sessions", "everyones-sessions")):  # fmt: skip
        browser.get(f"{app.url}{path}")
        pages[name] = violations(browser)
        if name == "admin":
            shoot(browser, shots, "admin")

    assert {page: found for page, found in pages.items() if found} == {}

    # At 768 px and at 200 % zoom (1366 / 2 CSS pixels) no page scrolls sideways as a whole.
    for path in ("/sign-in", f"/schedule?day={DAY}", "/admin", "/sessions", "/account/password"):
        browser.get(f"{app.url}{path}")
        assert (sideways(browser, 768), sideways(browser, 683)) == (0, 0), path
    for url in (entry, progress):
        browser.get(url)
        assert (sideways(browser, 768), sideways(browser, 683)) == (0, 0), url


@pytest.mark.process
def test_the_skip_link_is_the_first_stop_and_focus_is_visible(
    browser: WebDriver,  # noqa: F811
    start_app: Callable[..., App],
    tmp_path: Path,
) -> None:
    app = start_app(process=True)
    shots = tmp_path / "screenshots"
    browser.set_window_size(1366, 1000)
    for signed_in in (False, True):
        if signed_in:
            sign_in(browser, app, "scheduler")
            browser.get(f"{app.url}/schedule?day={DAY}")
        else:
            browser.get(f"{app.url}/sign-in")
        # The first focusable element in the page's order is the skip link; the sign-in page puts the
        # focus in its name field at once (autofocus), so there the link is given the focus as Tab would.
        order = browser.execute_script(
            "return [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea,"
            ' [tabindex]:not([tabindex="-1"])\')].filter(e => !e.disabled)[0].textContent'
        )
        assert order == "Skip to the main content"
        if signed_in:
            browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        else:
            browser.execute_script("document.querySelector('.skip-link').focus()")
        first = browser.switch_to.active_element
        assert first.text == "Skip to the main content"
        assert first.get_attribute("href").endswith("#main")
        assert first.is_displayed()  # shown once it has the focus
        assert first.rect["y"] >= 0
        ring = browser.execute_script(
            "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.boxShadow]"
        )
        assert ring[0] == "solid", ring
        assert ring[1] == "3px", ring
        assert "rgb(255, 216, 77)" in ring[2], ring
        name = "schedule-skip-link" if signed_in else "sign-in-skip-link"
        for width in (1366, 768):
            browser.set_window_size(width, 900)
            browser.save_screenshot(str(shots_dir(shots) / f"{name}-{width}.png"))
            if os.environ.get("PACKETGEN_SHOTS"):
                Path(os.environ["PACKETGEN_SHOTS"]).mkdir(parents=True, exist_ok=True)
                browser.save_screenshot(str(Path(os.environ["PACKETGEN_SHOTS"]) / f"{name}-{width}.png"))
        browser.set_window_size(1366, 1000)
        first.send_keys(Keys.ENTER)
        assert browser.switch_to.active_element.get_attribute("id") == "main"
        # The next Tab is inside the main content, not the header's links.
        browser.switch_to.active_element.send_keys(Keys.TAB)
        inside = browser.execute_script("return document.getElementById('main').contains(document.activeElement)")
        assert inside


def shots_dir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.process
def test_the_session_warns_a_minute_ahead_and_the_sign_in_leads_back_with_what_was_typed(
    browser: WebDriver,  # noqa: F811
    start_app: Callable[..., App],
    tmp_path: Path,
) -> None:
    app = start_app(process=True)
    sign_in(browser, app, "scheduler")
    browser.get(f"{app.url}/schedule?day={DAY}")
    box = browser.find_element(By.ID, "session-expiry")
    assert box.get_attribute("data-idle-seconds") == str(30 * 60)  # web.session_idle_minutes, the default
    assert not box.is_displayed()
    # The page's script again, for an idle limit of 3 s (the real one is 30 minutes): it warns at half of
    # it when the limit is under two minutes, else a minute ahead.
    browser.find_element(By.ID, "q").send_keys("Nguyen")
    browser.execute_script(
        "document.getElementById('session-expiry').dataset.idleSeconds = '3';"
        "const s = document.createElement('script'); s.src = '/static/session.js'; document.head.append(s);"
    )
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "session-expiry").is_displayed())
    stay = browser.find_element(By.ID, "session-stay")
    assert stay.text == "Stay signed in"
    assert browser.switch_to.active_element == stay  # the keyboard is taken to it
    for folder in (tmp_path / "screenshots", os.environ.get("PACKETGEN_SHOTS")):
        if folder:
            browser.save_screenshot(str(shots_dir(Path(folder)) / "session-warning.png"))
    stay.click()  # a keep-alive request: the notice goes, the timers start again
    WebDriverWait(browser, 5).until(lambda d: not d.find_element(By.ID, "session-expiry").is_displayed())
    # Nobody answers the next notice: at the limit, the sign-in page, which leads back here.
    WebDriverWait(browser, 15).until(expected_conditions.title_is("Sign in · packetgen"))
    assert browser.current_url.endswith(f"/sign-in?next=%2Fschedule%3Fday%3D{DAY}")
    assert "Your session ended" in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.ID, "name").send_keys("scheduler")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Schedule · packetgen"))
    assert browser.current_url.endswith(f"/schedule?day={DAY}")
    assert browser.find_element(By.ID, "q").get_attribute("value") == "Nguyen"  # what was typed, kept


def test_the_sign_in_returns_only_to_a_page_of_this_app(start_app: Callable[..., App]) -> None:
    app = start_app()
    for wanted, back in ((f"/schedule?day={DAY}", f"/schedule?day={DAY}"), ("//evil.example/", "/"),
                         ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("/sign-out", "/")):  # fmt: skip
        client = app.client()
        page = client.get("/sign-in", params={"next": wanted}).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        form = {"csrf_token": token.group(1), "name": "scheduler", "password": PASSWORD, "next": wanted}
        signed = client.post("/sign-in", data=form)
        assert signed.status_code == 303
        assert signed.headers["location"] == back, wanted
        if back != "/":
            assert f'name="next" value="{back.replace("&", "&amp;")}"' in page
    # The keep-alive is a form post of a signed-in session, with its token.
    client, token = app.signed_in("clinician")
    assert client.post("/session/keep-alive", data={"csrf_token": token}).status_code == 204
    assert client.post("/session/keep-alive", data={"csrf_token": "forged"}).status_code == 403
    assert app.client().post("/session/keep-alive", data={"csrf_token": token}).status_code == 303
