"""The log: what an operator needs (batches, records, messages, requests, internal errors with their
tracebacks), and never a patient's name, MRN, date of birth, email address or a record's text.

Each door is run at DEBUG with made-up patients whose every detail is distinctive, every line the
log holds is captured (a handler on the root logger in this process; stderr of a `generate.py
batch` whose worker processes log for themselves), and searched for each detail in every form it
could take. Internal errors are forced with messages full of patient data: the traceback is logged,
the message never."""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from packetgen import logs
from packetgen.cli import main
from packetgen.listener.server import Listener, start_in_thread
from packetgen.settings import Settings, WebSettings, load_settings
from packetgen.store import open_store
from packetgen.web.accounts import add_user
from packetgen.web.app import create_app
from tests.helpers.mllp import Sender, ack_fields, messages_of
from tests.helpers.site import ROOT, TODAY
from tests.helpers.stores import migrated_sqlite
from tests.helpers.web import schedule_of

START = "2027-01-12T08:00"


@dataclass(frozen=True)
class Person:
    appointment_id: str
    first_name: str
    last_name: str
    mrn: str
    date_of_birth: date
    email: str
    instructions: str

    def secrets(self) -> list[str]:
        """Everything about this patient that must never be logged, in every form it may be written."""
        born = self.date_of_birth
        y, m, d = born.year, born.month, born.day
        month, short = born.strftime("%B"), born.strftime("%b")
        dates = [
            f"{y}-{m:02}-{d:02}", f"{m:02}/{d:02}/{y}", f"{d:02}/{m:02}/{y}", f"{m}/{d}/{y}", f"{d}.{m}.{y}",
            f"{d:02}.{m:02}.{y}", f"{y}{m:02}{d:02}", f"{m:02}{d:02}{y}", f"{d:02}{m:02}{y}", f"{month} {d}, {y}",
            f"{d} {month} {y}", f"{short} {d}, {y}", f"{d} {short} {y}", f"{y}, {month}",
        ]  # fmt: skip
        local = self.email.partition("@")[0]
        return [self.first_name, self.last_name, self.mrn, *dates, self.email, local, self.instructions]


PATIENTS = [
    Person("LOG-1", "Zephyrine", "Quillfeather", "QX4471902", date(1951, 7, 23),
           "zephyrine.quillfeather@inbox.example", "Bring the lavender umbrella to the visit."),
    Person("LOG-2", "Octavius", "Brackenridge", "ZK5520381", date(1944, 2, 9),
           "octavius.b@post.example", "Leave the brass compass at home."),
    Person("LOG-3", "Wilhelmina", "Thistlewood", "WT9033817", date(1960, 11, 5),
           "w.thistlewood@inbox.example", "Wear the saffron scarf for the ride home."),
]  # fmt: skip
"""LOG-3's packet is the one an internal error is forced on."""
INVALID = Person("LOG-4", "Cornelius", "Ashgrove", "CA7781234", date(1950, 2, 28), "cornelius@inbox.example",
                 "Feed the marmalade cat before leaving.")  # fmt: skip
"""A record refused for its date of birth (written as 1950-02-30, not a real date)."""
STAFF_NOTES = ["Confirm cement kit lot number", "Biomed check due", "Location ready and disinfected",
               "Pager 4471 / cell 217-555-0199", "Whitfield", "Check if this particular equipment"]  # fmt: skip
"""Free text of the listener's message beyond the patient's own: staff notes, the provider."""
FORBIDDEN = [s for p in [*PATIENTS, INVALID] for s in p.secrets()] + ["1950-02-30", "02/30/1950", *STAFF_NOTES]
HEADER = "appointment_id,mrn,last_name,first_name,date_of_birth,email,procedure,start,provider,location,instructions"
LINE_START = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def csv_row(person: Person, born: str | None = None) -> str:
    born = born or person.date_of_birth.isoformat()
    return ",".join([
        person.appointment_id, person.mrn, person.last_name, person.first_name, born, person.email,
        "vertebroplasty", START, '"Dr. Maria Alvarez, MD"', "Room 214", f'"{person.instructions}"',
    ])  # fmt: skip


def write_batch(path: Path) -> Path:
    rows = [csv_row(p) for p in PATIENTS] + [csv_row(INVALID, born="1950-02-30")]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def assert_no_patient_data(text: str) -> None:
    text = text.replace("\xa0", " ").replace("\u202f", " ").lower()  # dates are printed with no-break spaces
    found = sorted({s for s in FORBIDDEN if s.lower() in text})
    assert not found, f"patient data in the log: {found}\n{text}"


class _Lines(logging.Handler):
    """Every record, as the log writes it."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logs.Formatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def logged() -> Iterator[_Lines]:
    """The log configured at DEBUG, as a door would, and every line captured; put back afterwards."""
    root, ours, uvicorn = logging.getLogger(), logging.getLogger("packetgen"), logging.getLogger("uvicorn.error")
    levels, before = (root.level, ours.level, uvicorn.level), set(root.handlers)
    logs.configure("DEBUG")
    lines = _Lines()
    root.addHandler(lines)
    yield lines
    for handler in set(root.handlers) - before:  # this fixture's (pytest's own come and go by phase)
        if handler is lines or isinstance(handler, logs._StderrHandler):
            root.removeHandler(handler)
    for logger, level in zip((root, ours, uvicorn), levels, strict=True):
        logger.setLevel(level)


def expected_errors(caplog: pytest.LogCaptureFixture, *messages: str) -> None:
    """The errors a test forced, and nothing else above INFO; then forgotten (tests/conftest.py's
    `_no_logs` fails a test that logs an error it did not expect)."""
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(any(m in line for m in messages) for line in loud), loud
    for message in messages:
        assert any(message in line for line in loud), (message, loud)
    caplog.clear()


def tracebacks(text: str) -> list[str]:
    """Each logged traceback (the lines after an ERROR line that are not a new line of the log)."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if LINE_START.match(line):
            current = [] if " ERROR " in line[:40] else None
            if current is not None:
                found.append(current)
        elif current is not None:
            current.append(line)
    return ["\n".join(lines) for lines in found]


def test_configure_is_idempotent_and_levels_come_from_the_settings(logged: _Lines) -> None:
    logs.configure("INFO")
    logs.configure("info")
    root = logging.getLogger()
    assert sum(isinstance(h, logs._StderrHandler) for h in root.handlers) == 1
    assert logs.configured_level() == "INFO"
    assert root.level == logging.WARNING  # other libraries: warnings and errors only
    logging.getLogger("packetgen.test").debug("not at INFO")
    logging.getLogger("packetgen.test").info("at INFO")
    assert [line.split(": ", 1)[1] for line in logged.lines] == ["at INFO"]
    with pytest.raises(ValueError, match="expected a log level"):
        logs.configure("LOUD")
    assert Settings().log_level == "WARNING"
    assert load_settings({"PACKETGEN_LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_a_traceback_keeps_its_frames_and_loses_its_message(logged: _Lines, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("packetgen.test")
    patient = PATIENTS[0]  # (a frame's source line is written: code never holds patient data, so nor may this)
    try:
        try:
            {"mrn": 1}[patient.mrn]
        except KeyError as exc:
            raise ValueError(f"{patient.last_name}, {patient.first_name} {patient.date_of_birth}") from exc
    except ValueError:
        logger.exception("record %s: internal error", 7)
    logging.getLogger("some.library").warning("could not read %s", patient.last_name)
    text = logged.text()
    assert_no_patient_data(text)
    assert "ERROR packetgen.test" in text
    assert "record 7: internal error" in text
    assert "KeyError (message withheld)" in text
    assert "ValueError (message withheld)" in text
    assert "The above exception was the direct cause of the following exception:" in text
    assert f'File "{__file__}"' in text
    assert "in test_a_traceback_keeps_its_frames_and_loses_its_message" in text
    assert "WARNING some.library" in text
    assert "message withheld: not packetgen's; logged at test_logs.py:" in text
    expected_errors(caplog, "record 7: internal error", "could not read")


def _broken_render(real: Any) -> Any:
    def render_pdf(packet: Any, layout: Any, fonts: Any) -> Any:
        if packet.appointment_id == "LOG-3":
            raise TypeError(f"cannot draw the packet of {packet.patient!r}")  # a message full of patient data
        return real(packet, layout, fonts)

    return render_pdf


def test_a_batch_logs_its_summary_each_record_and_an_internal_error_without_patient_data(
    tmp_path: Path,
    logged: _Lines,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import packetgen.build
    from packetgen.render import render_pdf

    monkeypatch.setattr(packetgen.build, "render_pdf", _broken_render(render_pdf))
    source = write_batch(tmp_path / "quillfeather-thistlewood.csv")  # a file named for patients: never logged
    environ = {"PACKETGEN_LOG_LEVEL": "DEBUG"}
    assert main(["batch", str(source), "--out", str(tmp_path / "out"), "--workers", "1"], environ) == 1
    assert (tmp_path / "out" / "LOG-1.pdf").is_file()
    text = logged.text()
    assert_no_patient_data(text)
    assert re.search(r"INFO packetgen\.batch\.run \[\d+\]: batch started: 1 workers", text)
    assert re.search(r"batch finished: 4 records: 2 ok \(0 reused\), 2 failed, 0 skipped, \d+ warnings; [\d.]+ s", text)
    assert "DEBUG packetgen.batch.run" in text
    assert re.search(r"record 2: appointment LOG-1: ok$", text, re.M)
    assert re.search(r"record 5: appointment LOG-4: error$", text, re.M)
    [traceback] = tracebacks(text)
    assert "record 4: appointment LOG-3: internal error (TypeError)" in text
    assert "in render_pdf" in traceback
    assert "TypeError (message withheld)" in traceback
    expected_errors(caplog, "internal error (TypeError)")
    # The user still gets one line for it (in the manifest and on stderr), the log the traceback.
    assert f"{source}:4: internal error (TypeError); please report it" in capsys.readouterr().err

    # A bug outside any record: the command's one line, and the traceback in the log.
    monkeypatch.setattr(packetgen.build, "personalize", _raises)
    (tmp_path / "one.yaml").write_text(
        f"appointment_id: LOG-1\nmrn: {PATIENTS[0].mrn}\nfirst_name: {PATIENTS[0].first_name}\n"
        f"last_name: {PATIENTS[0].last_name}\ndate_of_birth: '{PATIENTS[0].date_of_birth}'\n"
        f"procedure: vertebroplasty\nstart: '{START}'\nprovider: Dr. Maria Alvarez, MD\n",
        encoding="utf-8",
    )
    assert main(["packet", str(tmp_path / "one.yaml"), "--out", str(tmp_path / "one")], environ) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        "generate.py: internal error (TypeError); rerun with PACKETGEN_DEBUG=1 and report it"
    )
    assert_no_patient_data(logged.text())
    assert "ERROR packetgen.cli [" in logged.text()
    assert "internal error in `packet`" in logged.text()
    assert "in _raises" in tracebacks(logged.text())[-1]
    expected_errors(caplog, "internal error in `packet`")


def _raises(_content: Any, appointment: Any, *_args: Any) -> Any:
    raise TypeError(f"{appointment.first_name} {appointment.last_name} {appointment.mrn} {appointment.date_of_birth}")


SITECUSTOMIZE = '''\
"""Forces an internal error in the packet of LOG-3, in every process of the run (the workers too)."""
import packetgen.build as build

_real = build.render_pdf


def render_pdf(packet, layout, fonts):
    if packet.appointment_id == "LOG-3":
        raise TypeError(f"cannot draw the packet of {packet.patient!r}")
    return _real(packet, layout, fonts)


build.render_pdf = render_pdf
'''


@pytest.mark.process
def test_worker_processes_log_their_internal_errors_without_patient_data(tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    source = write_batch(tmp_path / "batch.csv")
    environ = {**os.environ, "PACKETGEN_LOG_LEVEL": "DEBUG", "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "generate.py", "batch", str(source), "--out", str(tmp_path / "out"), "--workers", "2"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert_no_patient_data(done.stderr)
    assert "batch finished: 4 records: 2 ok (0 reused), 2 failed" in done.stderr
    assert re.search(r"record 2: appointment LOG-1: ok$", done.stderr, re.M)
    main_process = re.search(r"INFO packetgen\.batch\.run \[(\d+)\]: batch started: 2 workers", done.stderr)
    worker = re.search(
        r"ERROR packetgen\.batch\.run \[(\d+)\]: record 4: appointment LOG-3: internal error", done.stderr
    )
    assert main_process, done.stderr
    assert worker, done.stderr
    assert worker.group(1) != main_process.group(1)  # logged by the worker process that made it
    [traceback] = tracebacks(done.stderr)
    assert "sitecustomize.py" in traceback
    assert "TypeError (message withheld)" in traceback


def siu(person: Person, control: str, note: str = "") -> str:
    """The staff-notes feed message for `person` (PID-13 their email, their instructions as a patient note)."""
    good = messages_of(ROOT / "tests" / "data" / "feeds" / "siu-staff-notes.hl7")[0]
    born = person.date_of_birth.strftime("%Y%m%d")
    name = f"{person.last_name}^{person.first_name}"
    pid = f"PID|1||{person.mrn}^^^RGH^MR||{name}||{born}|F|||||^NET^Internet^{person.email}"
    segments = [pid if s.startswith("PID|") else s for s in good.split("\r")]
    return (
        "\r".join(segments)
        .replace("NOTES-1", person.appointment_id)
        .replace("|C3001|", f"|{control}|")
        .replace("Stop eating at midnight; clear liquids until 5 AM.", person.instructions)
        .replace("|A|22512^Vertebroplasty", f"|A|{note or '22512'}^Vertebroplasty")
    )


def test_the_listener_logs_each_message_and_packet_without_patient_data(
    tmp_path: Path, logged: _Lines, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"))
    store = open_store(settings)
    listener = Listener(settings, store, tmp_path / "out", workers=1, today=TODAY)
    host, port, thread = start_in_thread(listener)
    try:
        with Sender(host, port) as sender:
            accepted = ack_fields(sender.send(siu(PATIENTS[0], "CTL-1")))
            refused = ack_fields(sender.send(siu(PATIENTS[1], "CTL-2", note="99999")))  # no such procedure
            rejected = ack_fields(sender.send(f"MSH|^~\\&|A|B|C|D|2026||ADT^A01|CTL-3|P|2.5\rPID|1||{INVALID.mrn}"))
        assert (accepted["code"], refused["code"], rejected["code"]) == ("AA", "AE", "AR")
        assert listener.processor.wait_idle(60)
    finally:
        listener.stop()
        thread.join(30)
        store.close()
    assert (tmp_path / "out" / "LOG-1.pdf").is_file()
    text = logged.text()
    assert_no_patient_data(text)
    assert re.search(r"INFO packetgen\.listener\.server .*: message \d+ received: control id CTL-1, SIU\^S12, "
                     r"appointment LOG-1: AA$", text, re.M)  # fmt: skip
    assert re.search(r"message \d+ received: control id CTL-2, SIU\^S12, appointment LOG-2: AE; ", text)
    assert re.search(r"message \d+ received: control id CTL-3, ADT\^A01, appointment None: AR; ", text)
    assert re.search(r"INFO packetgen\.listener\.processor .*: message \d+: appointment LOG-1: ok \(LOG-1\.pdf\)$",
                     text, re.M)  # fmt: skip
    expected_errors(caplog)


def test_the_processor_thread_logs_why_it_stopped(
    tmp_path: Path, logged: _Lines, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"))
    store = open_store(settings)
    listener = Listener(settings, store, tmp_path / "out", workers=1, today=TODAY)

    def broken(*_args: object) -> None:
        raise TypeError(f"the inbox of {PATIENTS[0].last_name}")

    monkeypatch.setattr(listener.processor, "_claim", broken)
    listener.processor.start()
    listener.processor.stop()
    listener.manifest.close()
    store.close()
    text = logged.text()
    assert_no_patient_data(text)
    assert "ERROR packetgen.listener.processor" in text
    assert "the packet maker stopped" in text
    assert "TypeError (message withheld)" in tracebacks(text)[0]
    expected_errors(caplog, "the packet maker stopped")


PASSWORD = "correct horse battery"


def test_the_web_app_logs_each_request_with_its_id_and_internal_errors_without_patient_data(
    tmp_path: Path, logged: _Lines, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=migrated_sqlite(tmp_path / "db.sqlite"), workers=1, web=WebSettings(out_dir=tmp_path / "web-out")
    )
    store = open_store(settings)
    with store.session() as session:
        add_user(session, "scheduler", "scheduler", PASSWORD)
    client = TestClient(create_app(settings, store), "http://localhost", follow_redirects=False,
                        raise_server_exceptions=False)  # fmt: skip
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    signed = client.post("/sign-in", data={"name": "scheduler", "password": PASSWORD, "csrf_token": token.group(1)})
    assert signed.status_code == 303
    schedule = client.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', schedule.text)
    assert csrf
    upload = write_batch(tmp_path / "quillfeather.csv").read_bytes()
    uploaded = client.post(
        "/upload", data={"csrf_token": csrf.group(1)}, files={"file": ("quillfeather-schedule.csv", upload, "text/csv")}
    )
    assert uploaded.status_code in (200, 303), uploaded.text
    shown = client.get(schedule_of(upload.decode()))
    assert PATIENTS[0].last_name in shown.text  # the page shows the patient; the log never does
    searched = client.get(f"/entries/1?q={PATIENTS[0].last_name}&born={PATIENTS[0].date_of_birth}")
    assert searched.status_code == 200

    # The print-run thread's failure: the page says so, the log has its traceback.
    import packetgen.pdf.print_run

    def broken_merge(*_args: object, **_kwargs: object) -> None:
        raise TypeError(f"cannot merge the packet of {PATIENTS[0].first_name} {PATIENTS[0].last_name}")

    monkeypatch.setattr(packetgen.pdf.print_run, "write_print_run", broken_merge)
    started = client.post(
        "/print-run",
        data={
            "csrf_token": csrf.group(1),
            "which": "unprinted",
            "action": "download",
            "day": schedule_of(upload.decode()).partition("day=")[2],
            "once": secrets.token_urlsafe(24),
        },
    )
    assert started.status_code == 303
    status = started.headers["location"] + "/status"
    deadline = time.monotonic() + 30
    while not client.get(status).json()["finished"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.get(status).json()["state"] == "failed"

    # An internal error in a request: a 500 page that repeats nothing, the traceback in the log.
    import packetgen.web.print_runs

    def broken_view(*_args: object) -> None:
        raise TypeError(f"{PATIENTS[0].mrn} {PATIENTS[0].email}")

    monkeypatch.setattr(packetgen.web.print_runs, "view", broken_view)
    failed = client.get(started.headers["location"])
    assert failed.status_code == 500
    store.close()

    text = logged.text()
    assert_no_patient_data(text)
    requests = [
        (page, "GET /sign-in 200"),
        (signed, "POST /sign-in 303"),
        (searched, "GET /entries/{entry_id} 200"),  # the route, never the path and its query
        (uploaded, f"POST /upload {uploaded.status_code}"),
        (failed, "GET /print-runs/{run_id} 500"),
    ]
    for response, line in requests:
        request_id = response.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{16}", request_id)
        assert re.search(rf"INFO packetgen\.web\.app \[\d+\] \[request {request_id}\]: {re.escape(line)} \d+ ms$", text,
                         re.M), (line, text)  # fmt: skip
    assert len({r.headers["X-Request-ID"] for r in (page, signed, schedule, uploaded, failed)}) == 5
    upload_id = uploaded.headers["X-Request-ID"]
    assert re.search(rf"\[request {upload_id}\]: batch finished: 4 records: 3 ok", text)  # the upload's batch
    assert re.search(rf"DEBUG packetgen\.batch\.run .*\[request {upload_id}\]: record 2: appointment LOG-1: ok", text)
    assert re.search(r"ERROR packetgen\.web\.print_runs .*: print run 1: internal error", text)
    assert re.search(rf"ERROR packetgen\.web\.app .*\[request {failed.headers['X-Request-ID']}\]: internal error: "
                     r"GET /print-runs/\{run_id\}$", text, re.M)  # fmt: skip
    assert all("TypeError (message withheld)" in t for t in tracebacks(text))
    expected_errors(caplog, "print run 1: internal error", "internal error: GET /print-runs/{run_id}")
