"""A consent signed on a tablet in the web app (issue 29, part 2): a clinician starts a session from the
patient's page, the patient's date of birth is confirmed, each page's initials and each signer's
signature are drawn (strokes posted as the pad's script posts them), and the signed consent is
certified, filed where scanned consents are filed, and shown on the schedule; nothing of the session is
kept once it ends."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hl7
import httpx
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from packetgen.delivery.audit import events
from packetgen.settings import Settings
from packetgen.signing.layout import find_boxes
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.store.retention import purge
from packetgen.store.tables import SigningSession
from tests.helpers.chart_sinks import fhir_sink, mllp_sink
from tests.helpers.pdftext import page_texts
from tests.helpers.signing import SigningCA, make_signing_ca, scribble
from tests.helpers.web import CSV, SCHEDULE, App, entry_ids, once, upload
from tests.pdf.test_archival import preflight
from tests.web import test_browser
from tests.web.test_axe import sideways, violations
from tests.web.test_browser import sign_in

NGUYEN = "Nguyễn, Thị Ánh"
"""The patient of appointment W-1 in the uploaded CSV (born 1948-03-14, English)."""
DOB = "1948-03-14"
browser = test_browser.browser
"""Headless Chromium (the fixture of the browser tests)."""


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> SigningCA:
    return make_signing_ca(tmp_path_factory.mktemp("signing-ca"))


def _site(ca: SigningCA) -> str:
    """The settings file's lines after `web:`: the site's signing certificate with its chain."""
    return f"sign:\n  certificate: {ca.certificate}\n  key: {ca.key}\n  chain: [{ca.root}]\n"


def _line(app: App) -> int:
    """W-1's line, after a scheduler uploads it (the test CSV's first appointment alone)."""
    scheduler, token = app.signed_in("scheduler")
    return entry_ids(upload(scheduler, token, "\n".join(CSV.splitlines()[:2]) + "\n").text)[NGUYEN]


def _started(start_app: Callable[..., App], ca: SigningCA, more: str = "") -> tuple[App, int, httpx.Client, str, str]:
    """An app with the site's certificate (and `more` settings), W-1's line uploaded, and a clinician's
    signing session for it just started: (app, line, client, CSRF token, the session's address)."""
    app = start_app(web=_site(ca) + more)
    entry = _line(app)
    client, token = app.signed_in("clinician")
    return app, entry, client, token, _start(client, token, entry)


def _start(client: httpx.Client, token: str, entry: int) -> str:
    """A signing session started from the patient's page: the address of its first step."""
    page = client.get(f"/entries/{entry}")
    assert f'action="/entries/{entry}/signing"' in page.text
    assert "Sign on a tablet" in page.text
    started = client.post(f"/entries/{entry}/signing", data={"csrf_token": token})
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert re.fullmatch(r"/signing/[A-Za-z0-9_-]{32}", location), location
    return location


def _sessions(app: App) -> int:
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            return int(session.scalar(select(func.count()).select_from(SigningSession)) or 0)
    finally:
        store.close()


def _confirm(client: httpx.Client, token: str, at: str, dob: str = DOB) -> httpx.Response:
    return client.post(f"{at}/dob", data={"csrf_token": token, "dob": dob})


def _fill(token: str, page: str, seed: int) -> dict[str, Any]:
    """The step's form as a tablet sends it: strokes on every pad, every box ticked, every line filled, a
    name; a signer who may be left out and is the telephone witness, left out."""
    step = re.search(r'name="step" value="(\d+)"', page)
    assert step, page
    form: dict[str, Any] = {"csrf_token": token, "step": step.group(1)}
    for n, pad in enumerate(re.findall(r'name="(pad:[^"]+)"', page)):
        form[pad] = json.dumps(scribble(seed + n, 12))
    ticks = re.findall(r'name="tick" value="([^"]+)"', page)
    if ticks:
        form["tick"] = ticks
    for group, first in dict(reversed(re.findall(r'type="radio" [^>]*name="(one-\d+)" value="([^"]+)"', page))).items():
        form[group] = first  # one box of each line of choices: the first
    for n, field in enumerate(re.findall(r'name="(field:[^"]+)"', page)):
        form[field] = f"line {n + 1}"
    if 'name="name"' in page:
        form["name"] = f"Signer {seed}"
    if 'name="teach_back"' in page:
        form["teach_back"] = "Cement goes into the broken bone; it can leak."
    if "second witness (consent by telephone)" in page:
        form = {"csrf_token": token, "step": step.group(1), "skip": "1"}
    return form


def _walk(client: httpx.Client, token: str, at: str) -> list[str]:
    """Every step after the date of birth taken in turn, until the finish; the pages' images fetched.
    Returns the steps' headings."""
    headings = []
    for seed in range(40):
        page = client.get(at)
        assert page.status_code == 200, page.text
        assert DOB not in page.text
        assert "<title>Signing a consent · packetgen</title>" in page.text
        if "Certify and file the signed consent" in page.text:
            return headings
        headings.append(re.findall(r"<h2>([^<]+)</h2>", page.text)[0])
        image = re.search(r'<img class="consent-page" src="([^"]+)"', page.text)
        assert image, page.text
        assert re.fullmatch(r"/signing/[A-Za-z0-9_-]{32}/pages/\d+\.png", image.group(1))
        png = client.get(image.group(1))
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
        assert png.headers["cache-control"] == "no-store"
        assert Image.open(io.BytesIO(png.content)).size[0] > 900
        assert 'src="/static/signpad.js"' in page.text
        assert "Signing needs script" in page.text  # said where script is off
        posted = client.post(f"{at}/step", data=_fill(token, page.text, 10 * seed))
        assert posted.status_code == 303, posted.text
    raise AssertionError("the session never reached its finish")


def _validates(data: bytes, ca: SigningCA) -> None:
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(ca.root))]))
    details = status.pretty_print_details()
    assert status.intact, details
    assert status.valid, details
    assert status.trusted, details
    assert status.docmdp_ok, details
    assert signature.docmdp_level == MDPPerm.NO_CHANGES  # certified: no changes allowed
    assert status.coverage.name == "ENTIRE_REVISION"  # B-LT: the validation data in an update after it


def _inked(before: bytes, after: bytes, box_ids: set[str]) -> set[str]:
    """Which of `box_ids` (boxes of the consent in the packet `before`) have ink in `after` (the signed
    consent: the packet's pages from the consent's first on) that `before` has not."""
    layout = find_boxes(before)
    first = min(layout.consent_pages)
    old, new = pdfium.PdfDocument(before), pdfium.PdfDocument(after)
    assert len(new) == len(old) - first + 1  # the handout left out; the signing record after the consent
    inked = set()
    try:
        for box in (b for b in layout.boxes if b.id in box_ids):
            a = old[box.page].render(scale=2).to_pil().convert("L")
            b = new[box.page - first].render(scale=2).to_pil().convert("L")
            height = old[box.page].get_height()
            left, bottom, right, top = box.rect
            area = (int(left * 2), int((height - top) * 2), int(right * 2) + 1, int((height - bottom) * 2) + 1)
            if ImageChops.difference(a.crop(area), b.crop(area)).point(lambda v: 255 if v > 40 else 0).getbbox():
                inked.add(box.id)
    finally:
        old.close()
        new.close()
    return inked


def test_a_consent_signed_on_a_tablet_is_certified_filed_and_shown_and_nothing_of_it_is_kept(
    start_app: Callable[..., App], ca: SigningCA
) -> None:
    app, entry, client, token, at = _started(start_app, ca)
    issued = (app.out_dir / "W-1.pdf").read_bytes()
    first = client.get(at)
    assert "Patient: type your date of birth" in first.text
    assert DOB not in first.text
    assert NGUYEN not in first.text.split("<main")[1].split("</h1>")[0]
    assert _confirm(client, token, at).headers["location"] == at

    headings = _walk(client, token, at)
    assert headings[0].startswith("Page ")  # the initials first, page by page
    boxes = find_boxes(issued)  # its pages numbered as the consent's footer numbers them, not as the packet's
    first = min(b.page for b in boxes.boxes if b.kind == "initials" or (b.kind == "choice" and b.role is None))
    number = boxes.consent_pages.index(first) + 1
    assert headings[0] == f"Page {number} of {len(boxes.consent_pages)}: initial and choose"
    assert f"Page {number} of {len(boxes.consent_pages)}" in page_texts(issued)[first]
    signer_headings = [h for h in headings if not h.startswith("Page ")]
    assert len(signer_headings) >= 3  # patient, provider, witness (no interpreter: W-1 speaks English)
    assert not any("nterpreter" in h for h in signer_headings)
    finished = client.post(f"{at}/finish", data={"csrf_token": token, "once": once(), "outcome": "consented"})
    assert finished.status_code == 303, finished.text
    result = client.get(finished.headers["location"])
    assert "Consent signed on the tablet, certified and filed as W-1-consent-signed.pdf" in result.text
    assert "signed by patient, provider, witness)" in result.text

    filed = app.out_dir / "signed" / "W-1-consent-signed.pdf"
    signed = filed.read_bytes()
    _validates(signed, ca)
    with pikepdf.open(io.BytesIO(signed)) as pdf:  # the packet's identifiers, as a scanned consent's
        keywords = str(pdf.docinfo["/Keywords"])
        xmp = pdf.Root.Metadata.read_bytes().decode()
    assert "appointment=W-1 document=CONSENT form=vp-consent version=1.0.0" in keywords
    assert "appointment=W-1 document=CONSENT form=vp-consent" in xmp
    assert preflight(filed) == ["7.11.2 : Error on MetaData, part must be 1"]  # still PDF/A (as tests/signing)
    layout = find_boxes(issued)
    wanted = {b.id for b in layout.of_kind("initials")}
    wanted |= {f"{role}.signature" for role in ("patient", "provider", "witness")}
    wanted |= {f"{role}.printed_name" for role in ("patient", "provider", "witness")}
    assert _inked(issued, signed, wanted | {"telephone_witness.signature"}) == wanted  # the one left out: empty
    assert _sessions(app) == 0  # the strokes are only in the signed PDF now
    assert client.get(at).status_code == 404  # the session is over

    schedule = client.get(SCHEDULE).text
    assert "signed on a tablet" in schedule
    assert "signed on a tablet" in client.get(f"/entries/{entry}").text
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            audited = [(e.action, e.appointment_id, e.target, e.result) for e in events(session)]
            accessed = [(e.action, e.entry_id) for e in access_events(session) if e.action.startswith("signing-")]
    finally:
        store.close()
    assert audited == [
        ("tablet-signed", "W-1", "W-1-consent-signed.pdf", "consented, signed by patient, provider, witness")
    ]
    assert accessed == [("signing-start", entry), ("signing-finish", entry)]


def test_a_date_of_birth_that_does_not_match_stops_the_session(start_app: Callable[..., App], ca: SigningCA) -> None:
    app, entry, client, token, at = _started(start_app, ca)
    stopped = _confirm(client, token, at, "1948-03-15")
    assert stopped.status_code == 403
    assert "does not match the record" in stopped.text
    assert "1948-03-15" not in stopped.text
    assert DOB not in stopped.text
    assert _sessions(app) == 0
    assert client.get(at).status_code == 404
    assert client.post(f"{at}/step", data={"csrf_token": token, "step": "1"}).status_code == 404
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            accessed = [(e.action, e.entry_id) for e in access_events(session) if e.action.startswith("signing-")]
            audited = list(events(session))
    finally:
        store.close()
    assert accessed == [("signing-start", entry), ("signing-dob-mismatch", entry)]
    assert audited == []  # nothing filed
    assert not (app.out_dir / "signed").exists()


def test_a_signers_line_of_choices_takes_exactly_one(start_app: Callable[..., App], ca: SigningCA) -> None:
    _app, _entry, client, token, at = _started(start_app, ca)
    assert _confirm(client, token, at).status_code == 303
    for seed in range(40):
        page = client.get(at).text
        if 'type="radio"' in page:
            break
        assert client.post(f"{at}/step", data=_fill(token, page, seed)).status_code == 303
    else:
        raise AssertionError("no signer's step with a line of choices")
    groups = re.findall(r'type="radio" [^>]*name="(one-\d+)" value="([^"]+)"', page)
    assert len(groups) >= 2  # "Patient" and "Legal representative", one line
    form = _fill(token, page, 99)
    both = {**form, "tick": [value for _group, value in groups]}
    both = {key: value for key, value in both.items() if not key.startswith("one-")}
    for sent in (both, {key: value for key, value in both.items() if key != "tick"}):
        refused = client.post(f"{at}/step", data=sent)
        assert refused.status_code == 422, refused.status_code
        assert "Choose one of: Patient / Legal representative." in refused.text
    assert client.post(f"{at}/step", data=form).status_code == 303


def test_a_refusal_is_recorded_and_filed_with_what_was_signed(start_app: Callable[..., App], ca: SigningCA) -> None:
    app, _entry, client, token, at = _started(start_app, ca)
    assert _confirm(client, token, at).status_code == 303
    page = client.get(at).text
    assert 'value="refused"' in page
    empty = client.post(f"{at}/step", data={"csrf_token": token, "step": "1"})  # nothing initialled
    assert empty.status_code == 422
    assert "Initial box 1" in empty.text
    refused = client.post(f"{at}/finish", data={"csrf_token": token, "once": once(), "outcome": "refused"})
    assert refused.status_code == 303, refused.text
    result = client.get(refused.headers["location"]).text
    assert "Refusal recorded on the tablet, certified and filed as W-1-consent-signed.pdf (signed by nobody)" in result
    signed = (app.out_dir / "signed" / "W-1-consent-signed.pdf").read_bytes()
    _validates(signed, ca)
    last = pdfium.PdfDocument(signed)
    try:
        text = " ".join(last[len(last) - 1].get_textpage().get_text_range().split())
    finally:
        last.close()
    assert "The patient refused the procedure." in text
    assert "confirmed on the tablet: yes" in text
    assert _sessions(app) == 0
    assert "consent refused on a tablet" in client.get(SCHEDULE).text


def test_another_users_session_cannot_be_continued_and_schedulers_cannot_sign(
    start_app: Callable[..., App], ca: SigningCA
) -> None:
    app, entry, client, token, at = _started(start_app, ca)
    other, other_token = app.signed_in("admin")  # may sign, but this session is not theirs
    assert other.get(at).status_code == 404
    assert _confirm(other, other_token, at).status_code == 404
    again, again_token = app.signed_in("clinician")  # the same user in another browser: not its session either
    assert again.get(at).status_code == 404
    assert again.post(f"{at}/finish", data={"csrf_token": again_token, "once": once()}).status_code == 404
    assert _sessions(app) == 1
    assert _confirm(client, token, at).status_code == 303  # still the first browser's
    abandoned = client.post(f"{at}/finish", data={"csrf_token": token, "once": once(), "outcome": "abandon"})
    assert abandoned.headers["location"] == f"/entries/{entry}"
    assert _sessions(app) == 0

    scheduler, scheduler_token = app.signed_in("scheduler")
    assert "Sign on a tablet" not in scheduler.get(f"/entries/{entry}").text
    assert scheduler.post(f"/entries/{entry}/signing", data={"csrf_token": scheduler_token}).status_code == 403
    assert _sessions(app) == 0


def test_without_a_signing_certificate_there_is_no_button(start_app: Callable[..., App]) -> None:
    app = start_app()
    entry = _line(app)
    client, token = app.signed_in("clinician")
    assert "Sign on a tablet" not in client.get(f"/entries/{entry}").text
    assert client.post(f"/entries/{entry}/signing", data={"csrf_token": token}).status_code == 404


@pytest.mark.process  # `generate.py serve` as a real process, and Chromium (the `browser` fixture: `servers`)
def test_a_clinician_has_a_consent_signed_in_a_browser_drawing_on_the_pads(
    browser: WebDriver, start_app: Callable[..., App], ca: SigningCA, tmp_path: Path
) -> None:
    app = start_app(process=True, web=_site(ca))
    entry = _line(app)
    sign_in(browser, app, "clinician")
    browser.get(f"{app.url}/entries/{entry}")
    browser.find_element(By.XPATH, "//button[text()='Sign on a tablet']").click()
    WebDriverWait(browser, 20).until(expected_conditions.title_is("Signing a consent · packetgen"))
    dob = browser.find_element(By.ID, "dob")
    browser.execute_script("arguments[0].value = arguments[1]", dob, DOB)  # a date input's typing is the locale's
    found = {"date of birth": violations(browser)}  # axe-core on every page of the session
    assert (sideways(browser, 768), sideways(browser, 683)) == (0, 0)  # a tablet upright; 200 % zoom
    dob.submit()
    for step in range(40):
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main h2"))
        found[f"step {step + 2}"] = violations(browser)
        if step == 0:
            assert (sideways(browser, 768), sideways(browser, 683)) == (0, 0)
            browser.set_window_size(768, 1000)  # a tablet held upright
            browser.save_screenshot(str(tmp_path / "step-2-768.png"))
            browser.set_window_size(1366, 1000)
        if browser.find_elements(By.XPATH, "//button[text()='Certify and file the signed consent']"):
            break
        skip = browser.find_elements(By.NAME, "skip")
        if skip and "second witness" in browser.find_element(By.TAG_NAME, "main").text:
            skip[0].click()
            continue
        for canvas in browser.find_elements(By.CSS_SELECTOR, "[data-pad] canvas"):
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
            width = canvas.size["width"]
            chain = ActionChains(browser).move_to_element_with_offset(canvas, -width // 3, 0).click_and_hold()
            for dx, dy in ((15, -10), (15, 12), (15, -8), (15, 10)):
                chain = chain.move_by_offset(dx, dy)
            chain.release().perform()
        browser.save_screenshot(str(tmp_path / f"step-{step + 2}.png"))
        state = browser.find_elements(By.CSS_SELECTOR, ".pad-state")
        assert all(s.text.startswith("Drawn: 1 stroke") for s in state), [s.text for s in state]
        name = browser.find_elements(By.ID, "signer-name")
        if name and not name[0].get_attribute("value"):
            name[0].send_keys("Wit Ness")
        for tick in browser.find_elements(By.NAME, "tick"):
            browser.execute_script("arguments[0].click()", tick)
        chosen: set[str] = set()
        for radio in browser.find_elements(By.CSS_SELECTOR, "input[type=radio]"):
            if radio.get_attribute("name") not in chosen:  # one box of each line of choices: the first
                chosen.add(radio.get_attribute("name"))
                browser.execute_script("arguments[0].click()", radio)
        browser.find_element(By.XPATH, "//form[contains(@action, '/step')]//button[@type='submit'][not(@name)]").click()
        WebDriverWait(browser, 20).until(expected_conditions.staleness_of(state[0]))
        refused = browser.find_elements(By.CSS_SELECTOR, "main p.error")
        assert not refused, refused[0].text
    else:
        raise AssertionError("the session never reached its finish")
    assert {page: problems for page, problems in found.items() if problems} == {}
    browser.find_element(By.XPATH, "//button[text()='Certify and file the signed consent']").click()
    WebDriverWait(browser, 60).until(expected_conditions.title_is("Packet · packetgen"))
    browser.save_screenshot(str(tmp_path / "signed.png"))
    assert "Consent signed on the tablet, certified and filed" in browser.find_element(By.TAG_NAME, "main").text
    signed = (app.out_dir / "signed" / "W-1-consent-signed.pdf").read_bytes()
    _validates(signed, ca)
    issued = (app.out_dir / "W-1.pdf").read_bytes()
    wanted = {"patient.signature", "provider.signature", "witness.signature", "initials.1"}
    assert _inked(issued, signed, wanted) == wanted
    assert _sessions(app) == 0


def test_a_session_left_open_expires_and_the_purge_removes_it(start_app: Callable[..., App], ca: SigningCA) -> None:
    app, _entry, client, token, at = _started(start_app, ca)
    assert _confirm(client, token, at).status_code == 303
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.session() as session:  # begun more than two hours ago
            for row in session.scalars(select(SigningSession)):
                row.created_at = datetime.now(UTC) - timedelta(hours=2, minutes=1)
        assert client.get(at).status_code == 404  # too old to go on
        with store.session() as session:
            purged = purge(session, app.out_dir, datetime.now(UTC), ZoneInfo("UTC"), 30, 14)
    finally:
        store.close()
    assert purged.signing_sessions == 1
    assert _sessions(app) == 0


def test_a_consent_signed_on_a_tablet_reaches_the_chart_by_mdm_and_fhir(
    start_app: Callable[..., App], ca: SigningCA
) -> None:
    """Issue 29's loop from the tablet: filed, then sent at once by both routes, the chart getting the
    filed bytes; the schedule line then says so."""
    with mllp_sink() as mllp, fhir_sink() as fhir:
        chart = f"chart:\n  mllp: '{mllp.address}'\n  fhir_url: '{fhir.url}'\n  timeout: 5\n"
        app, _entry, client, token, at = _started(start_app, ca, chart)
        assert _confirm(client, token, at).status_code == 303
        _walk(client, token, at)
        finished = client.post(f"{at}/finish", data={"csrf_token": token, "once": once(), "outcome": "consented"})
        assert finished.status_code == 303, finished.text
        deadline = time.monotonic() + 30
        while not (mllp.received and fhir.received) and time.monotonic() < deadline:
            time.sleep(0.05)
        filed = (app.out_dir / "signed" / "W-1-consent-signed.pdf").read_bytes()
        assert len(mllp.received) == 1
        assert len(fhir.received) == 1
    message = hl7.parse(mllp.received[0].decode("utf-8"))
    assert str(message.segment("MSH")(9)) == "MDM^T02^MDM_T02"
    assert str(message.segment("PID")(3)(1)(1)) == "00012345"
    assert base64.b64decode(str(message.segment("OBX")(5)(1)(5))) == filed
    assert base64.b64decode(fhir.received[0]["content"][0]["attachment"]["data"]) == filed
    _validates(filed, ca)
    deadline = time.monotonic() + 10
    while "sent to the chart" not in client.get(SCHEDULE).text and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "sent to the chart" in client.get(SCHEDULE).text
