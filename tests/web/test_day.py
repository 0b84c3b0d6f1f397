"""The schedule as a day (issue 27): one day at a time, narrowed to a department, counted by state;
patients found by a form post; sorted, paged; each line with who it is and what needs doing."""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import event

from packetgen.models.entry import Entry, Patient
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.schedule import put_entry
from packetgen.web.plain import plain
from tests.helpers.site import ROOT, TODAY
from tests.helpers.web import App, entry_ids, upload, wait_for_upload
from tests.web import test_browser
from tests.web.test_browser import sign_in

DAY = date(2026, 12, 7)
browser = test_browser.browser  # the real browser's fixture (headless Chromium)

TWO_DAYS = """appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,department
D1-1,00012345,Nguyễn,Thị Ánh,1948-03-14,vertebroplasty,2026-12-07T07:30,Dr. Alvarez,
D1-2,0000987654,O'Brien,Seán,1939-11-02,colonoscopy,2026-12-07T09:15,Dr. Okafor,
D2-1,0000555,Wang,Wei,1950-02-03,vertebroplasty,2026-12-08T08:00,Dr. Okafor,
D2-2,0000556,Novak,Ana,1962-05-20,cardiac-catheterization,2026-12-08T10:00,Dr. Park,
"""


def rows(page: str) -> list[str]:
    """The patients' names on a schedule page, in the order shown."""
    return [
        html.unescape(name) for name in re.findall(r'<td class="patient">(?:<a href="/entries/\d+">)?([^<\n]+)', page)
    ]


def counts(page: str) -> str:
    found = re.search(r'<p class="counts">(.*?)</p>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def add(app: App, *entries: Entry, moment: datetime | None = None, today: date | None = TODAY) -> None:
    """Lines put on the schedule directly through the store (as an upload or a feed would), read
    `today` at the site (None: on the day of `moment` there)."""
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.session() as session:
            for entry in entries:
                put_entry(session, entry, moment or datetime.now(UTC), today=today)
    finally:
        store.close()


def line(number: int, start: str, name: str = "", **more: Any) -> Entry:
    """A made packet's line: patient `name` (default: one made up from `number`) at `start`."""
    name = name or f"Patient{number:05d}, Test"
    fields = {"mrn": f"M{number:07d}", "provider": more.pop("provider", "Dr. Okafor")}
    patient = Patient(name, date(1950, 1, 1) + timedelta(days=number % 9000), None, fields)
    values: dict[str, Any] = {
        "file": f"A-{number}.pdf",
        "sha256": f"{number:064x}",
        "start": start,
        "procedure": "vertebroplasty",
        "language": "en",
        "layout": "letter",
        "department": "interventional-radiology",
        "patient": patient,
    }
    values.update(more)
    return Entry(f"feed.csv:{number + 1}", f"A-{number}", "ok", **values)


@pytest.fixture
def scheduler(app: App) -> Iterator[tuple[Any, str]]:
    return app.signed_in("scheduler")


def test_each_day_shows_only_its_own_appointments_with_the_days_around_it(app: App, scheduler: Any) -> None:
    client, token = scheduler
    uploaded = client.post("/upload", data={"csrf_token": token}, files={"file": ("days.csv", TWO_DAYS.encode())})
    assert uploaded.status_code == 303
    wait_for_upload(client, uploaded.headers["location"])

    first = client.get("/schedule?day=2026-12-07")
    assert first.status_code == 200
    assert rows(first.text) == ["Nguyễn, Thị Ánh", "O'Brien, Seán"]
    assert "Monday, December 7, 2026" in first.text
    second = client.get("/schedule?day=2026-12-08")
    assert rows(second.text) == ["Wang, Wei", "Novak, Ana"]

    # the day's neighbours, and the date picker (a GET form: the day is not patient data)
    assert 'href="/schedule?day=2026-12-06" rel="prev"' in first.text
    assert 'href="/schedule?day=2026-12-08" rel="next"' in first.text
    assert '<input id="day" name="day" type="date" value="2026-12-07" required>' in first.text
    assert re.search(r'<form method="get" action="/schedule"', first.text)

    # today (the site's clock) by default: nothing of these days
    today = client.get("/")
    assert rows(today.text) == []
    assert TODAY.strftime("%B %-d, %Y") in today.text
    assert "No appointments on this day." in today.text
    assert client.get("/schedule").text.count("<tr class=") == 0

    # a department: the cardiology department's catheterization only
    cardiology = client.get("/schedule?day=2026-12-08&department=cardiology")
    assert rows(cardiology.text) == ["Novak, Ana"]
    assert '<option value="cardiology" selected>' in cardiology.text
    assert 'href="/schedule?day=2026-12-09&amp;department=cardiology" rel="next"' in cardiology.text
    assert rows(client.get("/schedule?day=2026-12-07&department=cardiology").text) == []


def test_a_day_that_is_not_a_date_shows_today_and_says_so(app: App, scheduler: Any) -> None:
    client, _token = scheduler
    add(app, line(1, f"{TODAY.isoformat()}T08:00"), line(2, "2026-12-07T08:00"))
    answer = client.get("/schedule?day=2026-02-30")
    assert answer.status_code == 400
    assert "That day is not a date the schedule knows" in answer.text
    assert rows(answer.text) == ["Patient00001, Test"]


def test_counts_each_state_at_the_top(app: App, scheduler: Any) -> None:
    client, _token = scheduler
    add(
        app,
        line(1, "2026-12-07T07:00"),
        line(2, "2026-12-07T08:00"),
        line(3, "2026-12-07T09:00", approval="draft"),
        Entry("feed.csv:9", "A-9", "skipped", warnings=["feed.csv:9: warning: the appointment was cancelled"]),
        line(5, "2026-12-08T09:00"),  # another day: not counted
    )
    # a line put without its day (a line made before lines had one): on the day of its upload at the site
    add(
        app,
        Entry("feed.csv:7", "A-7", "error", error="feed.csv:7: procedure: required field is missing", named="Roe, Jo"),
        moment=datetime(2026, 12, 8, 3, 0, tzinfo=UTC),
        today=None,
    )
    page = client.get("/schedule?day=2026-12-07").text
    # the skipped record has no start and was uploaded today (at the site's clock): it is today's
    assert counts(page).startswith("4 appointments: 3 made, 1 error; 1 from draft content")
    assert counts(client.get("/").text).startswith("1 appointment: 1 skipped")


def _search(client: Any, token: str, text: str, **more: str) -> Any:
    """Post a search and follow its answer (303 to `/schedule?found=TOKEN`) as a browser does."""
    posted = client.post("/search", data={"csrf_token": token, "q": text, **more})
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    assert re.fullmatch(r"/schedule\?found=[A-Za-z0-9_-]{32}&sort=[a-z-]+", location), location
    return client.get(location)


def test_search_by_name_mrn_or_appointment_id_is_a_post_never_in_a_url_or_log(
    app: App, scheduler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client, token = scheduler
    add(
        app,
        line(1, "2026-12-07T07:30", "Nguyễn, Thị Ánh"),
        line(2, "2026-12-09T09:15", "Nguyen, Van"),
        line(3, "2026-12-01T11:00", "O'Brien, Seán"),
        line(4, "2026-12-07T11:30", "Wang, Wei"),
    )
    caplog.set_level(logging.DEBUG)
    for text, found in (
        ("nguyen", ["Nguyễn, Thị Ánh", "Nguyen, Van"]),  # any case, no accents: every day
        ("NGUYỄN thi", ["Nguyễn, Thị Ánh"]),
        ("obrien", []),
        ("o'brien sean", ["O'Brien, Seán"]),
        ("M0000004", ["Wang, Wei"]),  # the MRN, exactly
        ("a-3", ["O'Brien, Seán"]),  # the appointment id, any case
        ("  ", []),
    ):
        answer = _search(client, token, text)
        assert answer.status_code == 200, text
        assert "/schedule?found=" in str(answer.url)
        assert rows(answer.text) == found, text
        again = client.get(str(answer.url))  # a reload: a GET, the same results
        assert rows(again.text) == found, text
        if text.strip():
            assert "Search results" in answer.text
            links = re.findall(r'(?:href|action|src)="([^"]*)"', answer.text)
            assert links
            assert not [link for link in links if text.strip().lower() in html.unescape(link).lower()]
            assert "<title>" in answer.text
            assert text.strip() not in answer.text.split("<title>")[1].split("</title>")[0]
    assert "Type a name, an MRN or an appointment id" in _search(client, token, "  ").text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in ("nguyen", "M0000004", "a-3", "obrien"):
        assert text not in logged.lower()

    # a search needs the session's CSRF token
    refused = client.post("/search", data={"q": "nguyen", "csrf_token": "not-the-token"})
    assert refused.status_code == 403
    assert "Nguy" not in refused.text

    # a search's token is its session's alone: another user's session sees the day, not the results
    mine = _search(client, token, "nguyen")
    other, _other_token = app.signed_in("clinician")
    theirs = other.get(str(mine.url).removeprefix(app.url))
    assert "Search results" not in theirs.text
    assert "That search is over" in theirs.text
    assert "Nguy" not in theirs.text


def test_columns_sort_both_ways(app: App, scheduler: Any) -> None:
    client, token = scheduler
    add(
        app,
        line(1, "2026-12-07T09:00", "Baker, Ann", procedure="vertebroplasty"),
        line(2, "2026-12-07T07:00", "Young, Bo", procedure="colonoscopy"),
        line(3, "2026-12-07T08:00", "Adams, Cy", procedure="cataract-surgery"),
    )
    add(
        app,
        Entry("feed.csv:9", "A-9", "error", error="feed.csv:9: start: required field is missing", named="Ma, Di"),
        today=DAY,
    )
    by = {
        sort: rows(client.get(f"/schedule?day=2026-12-07&sort={sort}").text)
        for sort in ("time", "-time", "patient", "-patient", "procedure", "state", "nonsense")
    }
    assert by["time"] == ["Ma, Di", "Young, Bo", "Adams, Cy", "Baker, Ann"]  # no time first: it needs a person
    assert by["-time"] == list(reversed(by["time"]))
    assert by["patient"] == ["Adams, Cy", "Baker, Ann", "Ma, Di", "Young, Bo"]
    assert by["-patient"] == list(reversed(by["patient"]))
    assert by["procedure"] == ["Ma, Di", "Adams, Cy", "Young, Bo", "Baker, Ann"]
    assert by["state"][0] == "Ma, Di"
    assert by["nonsense"] == by["time"]
    page = client.get("/schedule?day=2026-12-07&sort=patient").text
    assert (
        '<th scope="col" aria-sort="ascending"><a class="sort" href="/schedule?day=2026-12-07&amp;sort=-patient">'
        "Patient</a>" in page
    )

    # search results sort by links that name the search by its token only
    found = _search(client, token, "a", sort="-patient")  # every name with an "a"
    assert rows(found.text) == ["Ma, Di", "Baker, Ann", "Adams, Cy"]
    link = re.search(
        r'<a class="sort" href="(/schedule\?found=[A-Za-z0-9_-]{32}&amp;sort=patient)">Patient</a>', found.text
    )
    assert link, found.text
    assert rows(client.get(html.unescape(link.group(1))).text) == ["Adams, Cy", "Baker, Ann", "Ma, Di"]


def test_five_thousand_lines_a_page_at_a_time(app: App, scheduler: Any) -> None:
    client, token = scheduler
    day = [line(n, f"2026-12-07T{6 + n // 400:02d}:{(n // 7) % 60:02d}") for n in range(5000)]
    add(app, *day, line(6000, "2026-12-08T08:00"))
    # in time order; lines of one minute in the order they were put (their numbers)
    expected = [
        name
        for _start, _n, name in sorted((e.start, n, e.patient.name if e.patient else "") for n, e in enumerate(day))
    ]

    engine = app.asgi.state.context.store.engine
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        second = client.get("/schedule?day=2026-12-07&page=2")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert second.status_code == 200
    assert rows(second.text) == expected[100:200]
    assert counts(second.text) == "5000 appointments: 5000 made · showing 101–200"
    assert "Page 2 of 50" in second.text
    assert '<span aria-current="page" class="page current">2</span>' in second.text
    assert 'href="/schedule?day=2026-12-07&amp;sort=time&amp;page=50"' in second.text
    # one page holds 100 lines, read in a bounded number of statements whatever the day's size
    assert second.text.count('name="entry"') == 100
    assert len(statements) < 15, statements
    assert rows(client.get("/schedule?day=2026-12-07&page=999").text) == expected[4900:]
    assert rows(client.get("/schedule?day=2026-12-07&page=x").text) == expected[:100]

    # a search's pages are links that name the search by its token only
    found = _search(client, token, "patient0")
    assert counts(found.text).startswith("5001 appointments")
    link = re.search(r'<a class="page" href="(/schedule\?found=[\w-]{32}&amp;sort=time&amp;page=2)">2</a>', found.text)
    assert link, found.text
    second_found = client.get(html.unescape(link.group(1)))
    assert len(rows(second_found.text)) == 100
    assert rows(second_found.text) != rows(found.text)
    assert '<span aria-current="page" class="page current">2</span>' in second_found.text


def test_each_line_and_the_patient_page_say_who_it_is_and_lead_to_the_next_patient(app: App, scheduler: Any) -> None:
    client, _token = scheduler
    add(
        app,
        line(1, "2026-12-07T12:00", "Williams, Fatima", provider="Dr. Alvarez"),
        line(2, "2026-12-07T12:00", "Williams, Fatima", provider="Dr. Okafor"),
        line(3, "2026-12-07T08:00", "Early, Bird"),
        line(4, "2026-12-08T07:00", "Next, Day"),
    )
    page = client.get("/schedule?day=2026-12-07").text
    details = re.findall(r'<div class="details">(.*?)</div>', page, re.S)
    assert (
        "<span>MRN M0000001</span><span>born 1950-01-02</span><span>Dr. Alvarez</span><span>appt. A-1</span>" in details
    )
    assert (
        "<span>MRN M0000002</span><span>born 1950-01-03</span><span>Dr. Okafor</span><span>appt. A-2</span>" in details
    )
    numbers = [int(n) for n in re.findall(r'<a href="/entries/(\d+)">', page)]
    early, fatima_1, fatima_2 = numbers
    patient = client.get(f"/entries/{fatima_1}").text
    for fact in (
        "<dt>MRN</dt><dd>M0000001</dd>",
        "<dt>Date of birth</dt><dd>1950-01-02</dd>",
        "<dt>Appointment id</dt><dd>A-1</dd>",
        "<dt>Provider</dt><dd>Dr. Alvarez</dd>",
    ):
        assert fact in patient
    assert f'<a href="/entries/{early}" rel="prev">' in patient
    assert f'<a href="/entries/{fatima_2}" rel="next">' in patient
    last = client.get(f"/entries/{fatima_2}").text
    assert f'<a href="/entries/{fatima_1}" rel="prev">' in last
    assert 'rel="next"' not in last  # the next day's patient is not this day's next
    assert 'rel="prev"' not in client.get(f"/entries/{early}").text
    assert '<a href="/schedule?day=2026-12-07">' in last


def test_draft_warnings_and_skips_show_on_the_line_and_the_patient_page(app: App, scheduler: Any) -> None:
    client, _token = scheduler
    add(
        app,
        line(
            1,
            "2026-12-07T08:00",
            "Draft, Dora",
            approval="draft",
            warnings=["feed.csv:2: warning: provider: no performing provider; the provider's name is to be written in"],
        ),
        line(
            2,
            "2026-12-07T09:00",
            "Fine, Finn",
            approval="approved",
            warnings=["feed.csv:3: warning: language: no packet in 'fr'; English was used"],
        ),
    )
    add(
        app,
        Entry(
            "feed.hl7:4",
            "A-4",
            "skipped",
            warnings=["feed.hl7:4: SIU^S15: appointment cancelled; skipped"],
            named="Gone, Gus",
        ),
    )
    page = client.get("/schedule?day=2026-12-07").text
    first, second = page.split('<tr class="state-')[1:3]
    assert '<span class="tag draft">draft</span>' in first
    assert "draft</span>" not in second
    assert "<li>Provider: no performing provider; the provider&#39;s name is to be written in (provider)</li>" in first
    assert "<li>Language: no packet in &#39;fr&#39;; English was used (language)</li>" in second
    entries = entry_ids(page)
    patient = client.get(f"/entries/{entries['Draft, Dora']}").text
    assert '<span class="tag draft">draft</span>' in patient
    assert "every page of the packet says DRAFT" in patient
    assert "the provider&#39;s name is to be written in" in patient
    today = client.get("/").text
    assert rows(today) == ["Gone, Gus"]
    assert '<span class="state">skipped</span>' in today
    assert "<li>SIU^S15: appointment cancelled; skipped</li>" in today


BAD = """appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider
E-1,0000555,Wang,Wei,1950-02-30,vertebroplasty,2026-12-07T11:00,Dr. Okafor
E-2,0000556,Roe,Jo,1950-02-03,,2026-12-07T12:00,Dr. Okafor
E-3,0000557,Fine,Finn,1950-02-03,vertebroplasty,2026-12-07T13:00,Dr. Okafor
E-4,0000558,Doe,Dee,1950-02-03,vertebroplasty,next tuesday,Dr. Okafor
"""


def test_errors_are_in_plain_words_with_the_patients_name(app: App, scheduler: Any) -> None:
    client, token = scheduler
    uploaded = client.post("/upload", data={"csrf_token": token}, files={"file": ("bad.csv", BAD.encode())})
    wait_for_upload(client, uploaded.headers["location"])
    # A refused record shows on the day its input gives as its start, with its name and MRN; one whose
    # start cannot be read, on the day it was uploaded.
    page = client.get("/schedule?day=2026-12-07").text
    assert rows(page) == ["Wang, Wei", "Roe, Jo", "Fine, Finn"]
    assert "<li>Date of birth: not a real calendar date (date_of_birth)</li>" in page
    assert "<li>Procedure code missing (procedure)</li>" in page
    assert "bad.csv:3" in page  # where it is in the file, for whoever fixes the file
    assert "required field is missing" not in page
    assert "<span>MRN 0000555</span>" in page
    assert "<span>MRN 0000556</span>" in page
    today = client.get("/").text
    assert rows(today) == ["Doe, Dee"]
    assert "<span>MRN 0000558</span>" in today


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("bad.csv:2: procedure: required field is missing", "Procedure code missing (procedure)"),
        ("bad.hl7:1: AIS-3: required field is missing", "Procedure code missing (AIS-3)"),
        (
            "bad.json:Appointment/EQ-1: serviceType/appointmentType: required field is missing",
            "Procedure code missing (serviceType/appointmentType)",
        ),
        (
            "bad.csv:2: date_of_birth: not a real calendar date",
            "Date of birth: not a real calendar date (date_of_birth)",
        ),
        ("bad.hl7:1: PID-7: not a real calendar date", "Date of birth: not a real calendar date (PID-7)"),
        (
            "bad.json:Patient/p1: birthDate: expected a FHIR date (YYYY-MM-DD)",
            "Date of birth: expected a FHIR date (YYYY-MM-DD) (birthDate)",
        ),
        ("bad.csv:3: start: required field is missing", "Appointment time missing (start)"),
        ("bad.hl7:2: SCH-1: required field is missing", "Appointment id missing (SCH-1)"),
        (
            "bad.json:Appointment/a1: start: expected a date and time",
            "Appointment time: expected a date and time (start)",
        ),
        ("bad.csv:4: mrn: required field is missing", "MRN missing (mrn)"),
        (
            "bad.hl7:3: PID-3 (an identifier of type MR): required field is missing",
            "MRN missing (PID-3 (an identifier of type MR))",
        ),
        (
            "bad.json:Patient/p2: identifier (of type MR): required field is missing",
            "MRN missing (identifier (of type MR))",
        ),
        ("bad.csv:5: last_name: required field is missing", "Last name missing (last_name)"),
        ("bad.hl7:4: PID-5.1: required field is missing", "Last name missing (PID-5.1)"),
        ("bad.json:Patient/p3: name.family: required field is missing", "Last name missing (name.family)"),
        ("bad.csv:6: provider: required field is missing", "Provider missing (provider)"),
        ("bad.hl7:5: AIP-3: required field is missing", "Provider missing (AIP-3)"),
        (
            "bad.json:Appointment/a4: participant.actor (Practitioner): required field is missing",
            "Provider missing (participant.actor (Practitioner))",
        ),
        ("bad.csv:7: flags[2]: not a flag this packet declares", "Flags: not a flag this packet declares (flags[2])"),
        ("bad.csv:8: duplicate of the record at bad.csv:2", "Duplicate of the record at bad.csv:2"),
        (
            "x.hl7:3: warning: MSH-9: SIU^S15: the appointment was cancelled; skipped",
            "The appointment was cancelled; skipped (SIU^S15)",
        ),
        (
            "x.json:Appointment/a: warning: status: the appointment is cancelled; skipped",
            "The appointment is cancelled; skipped (status)",
        ),
    ],
)
def test_intake_lines_in_plain_words(line: str, said: str) -> None:
    assert plain(line) == said


# In a real browser: the check boxes' script, and how the day looks at a desk's and a tablet's width.


def _day_in_a_browser(browser: WebDriver, start_app: Callable[..., App]) -> App:
    """A serving app with a day of 150 lines (draft, warnings, errors among them), signed in as the scheduler."""
    app = start_app(process=True)
    client, token = app.signed_in("scheduler")
    upload(client, token, TWO_DAYS + BAD.split("\n", 1)[1].replace("2026-12-07T", "2026-12-07T2"), "days.csv")
    names = ("Williams, Fatima", "Okafor, Chinedu", "García López, María José", "Schmidt, Jürgen", "Tanaka, Yui")
    day = [
        line(n, f"2026-12-07T{7 + n // 15:02d}:{(n * 4) % 60:02d}", f"{names[n % 5]}{'' if n < 5 else f' {n}'}",
             approval="draft" if n % 11 == 3 else "approved",
             warnings=["feed.csv:9: warning: language: no packet in 'vi'; English was used"] if n % 7 == 2 else [])
        for n in range(150)
    ]  # fmt: skip
    add(app, *day)
    sign_in(browser, app, "scheduler")
    return app


@pytest.mark.process  # `generate.py serve` as a real process
def test_select_all_and_shift_click_ranges(browser: WebDriver, start_app: Callable[..., App]) -> None:
    app = _day_in_a_browser(browser, start_app)
    browser.get(f"{app.url}/schedule?day=2026-12-07")
    boxes = browser.find_elements(By.CSS_SELECTOR, "table.schedule input[name=entry]")
    # The first page: 100 lines, the day's refused records first (no time, nothing to print: no box).
    refused = browser.find_elements(By.CSS_SELECTOR, "table.schedule tr.state-error")
    assert len(refused) == 3
    assert len(boxes) == 100 - len(refused)

    def ticked() -> list[int]:
        return [n for n, box in enumerate(boxes) if box.is_selected()]

    every = browser.find_element(By.ID, "pick-all")
    assert every.is_displayed()  # shown by the script (hidden without it)
    every.click()
    assert ticked() == list(range(len(boxes)))
    every.click()
    assert ticked() == []

    boxes[2].click()
    ActionChains(browser).key_down(Keys.SHIFT).click(boxes[6]).key_up(Keys.SHIFT).perform()
    assert ticked() == [2, 3, 4, 5, 6]
    assert browser.execute_script("return document.getElementById('pick-all').indeterminate") is True
    ActionChains(browser).key_down(Keys.SHIFT).click(boxes[4]).key_up(Keys.SHIFT).perform()  # clears 4 to 6
    assert ticked() == [2, 3]
    boxes[10].click()  # a plain click: that box alone
    assert ticked() == [2, 3, 10]
    ActionChains(browser).key_down(Keys.SHIFT).click(boxes[0]).key_up(Keys.SHIFT).perform()  # upwards
    assert ticked() == list(range(11))


@pytest.mark.process
def test_screenshots_of_the_day_at_a_desks_and_a_tablets_width(
    browser: WebDriver, start_app: Callable[..., App], tmp_path: Path
) -> None:
    """Screenshots for a person to look at (in the test's folder, and in $PACKETGEN_SHOTS when set): the
    full day, search results, page 2 and a patient's page, at 1366 and 768 px; at 768 px nothing of the
    schedule is cut off or scrolls sideways."""
    app = _day_in_a_browser(browser, start_app)
    folders = [tmp_path / "screenshots"] + (
        [Path(os.environ["PACKETGEN_SHOTS"])] if "PACKETGEN_SHOTS" in os.environ else []
    )
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)

    def shoot(name: str) -> None:
        browser.set_window_size(width, 800)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(int(height) + 40, 4000))
        for folder in folders:
            browser.save_screenshot(str(folder / f"{name}-{width}.png"))

    for width in (1366, 768):
        browser.set_window_size(width, 1000)
        browser.get(f"{app.url}/schedule?day=2026-12-07")
        sideways = browser.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
        assert not sideways, f"the schedule scrolls sideways at {width} px"
        state = browser.find_element(By.CSS_SELECTOR, "table.schedule tbody tr td.notes")
        assert state.is_displayed()
        assert state.rect["x"] + state.rect["width"] <= width
        shoot("1-day")
        browser.get(f"{app.url}/schedule?day=2026-12-07&page=2")
        shoot("2-page-2")
        browser.get(f"{app.url}/schedule?day=2026-12-07")
        browser.find_element(By.ID, "q").send_keys("williams")
        browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
        WebDriverWait(browser, 20).until(lambda d: "Search results" in d.page_source)
        assert "/schedule?found=" in browser.current_url
        shoot("3-search")
        browser.get(f"{app.url}/schedule?day=2026-12-07")
        browser.find_element(By.LINK_TEXT, "Nguyễn, Thị Ánh").click()
        WebDriverWait(browser, 20).until(lambda d: "Next patient" in d.page_source)
        shoot("4-patient")
        browser.get(f"{app.url}/")
        shoot("5-today-errors")


def test_a_cancellation_stays_on_its_day_with_its_patient_and_the_reason(app: App, scheduler: Any) -> None:
    client, token = scheduler
    booked = (ROOT / "tests/data/batch/equivalent.hl7").read_text(encoding="utf-8")
    cancelled = booked.replace("SIU^S12^SIU_S12", "SIU^S15^SIU_S15")
    for name, text in (("booked.hl7", booked), ("cancelled.hl7", cancelled)):
        sent = client.post("/upload", data={"csrf_token": token}, files={"file": (name, text.encode())})
        assert sent.status_code == 303, sent.text
        wait_for_upload(client, sent.headers["location"])
    day = client.get("/schedule?day=2026-12-08").text
    assert rows(day) == ["O'Brien & Sons, Seán Patrick"]
    assert '<span class="state">skipped</span>' in day
    assert "<li>The appointment was cancelled; skipped (SIU^S15)</li>" in day
    assert "<span>MRN 0000987654</span>" in day
    assert counts(day) == "1 appointment: 1 skipped"
    assert rows(client.get("/").text) == []  # not on the day the cancellation came
