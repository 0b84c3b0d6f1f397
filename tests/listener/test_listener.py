"""The MLLP listener over real TCP on loopback: acknowledgements, packets, order, crash safety."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from packetgen.listener.server import Listener, start_in_thread
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import ScheduleEntry
from tests.helpers.mllp import Sender, ack_fields, messages_of
from tests.helpers.site import ROOT, TODAY
from tests.helpers.stores import migrated_sqlite

FEEDS = ROOT / "tests" / "data" / "feeds"
GOOD = messages_of(FEEDS / "siu-staff-notes.hl7")[0]


def siu(appointment_id: str, event: str = "S12", start: str = "20261214073000-0600", control: str = "") -> str:
    """The staff-notes message for another appointment, event and start."""
    return (
        GOOD.replace("NOTES-1", appointment_id)
        .replace("SIU^S12^", f"SIU^{event}^")
        .replace("|C3001|", f"|{control or appointment_id}|")
        .replace("20261214073000-0600", start)
    )


def manifest(out: Path) -> list[dict[str, object]]:
    path = out / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[tuple[Listener, str, int, Path]]:
    settings = Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"))
    store = open_store(settings)
    listener = Listener(settings, store, tmp_path / "out", workers=1, today=TODAY)
    host, port, thread = start_in_thread(listener)
    yield listener, host, port, tmp_path / "out"
    listener.stop()
    thread.join(30)
    store.close()


def test_acknowledgements_aa_ae_ar(listening: tuple[Listener, str, int, Path]) -> None:
    listener, host, port, out = listening
    with Sender(host, port) as sender:
        accepted = ack_fields(sender.send(GOOD))
        missing = ack_fields(sender.send(messages_of(FEEDS / "siu-errors.hl7")[0]))
        adt = ack_fields(sender.send("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X1|P|2.5\rPID|1"))
        batch = ack_fields(sender.send(f"BHS|^~\\&\r{GOOD}{siu('B-2')}BTS|2\r"))  # one message per frame
    assert (accepted["code"], accepted["control"]) == ("AA", "C3001")
    assert missing["code"] == "AE"
    assert missing["text"] == "AIS-3: required field is missing"
    assert missing["errors"].splitlines() == [
        "AIS-3: required field is missing",
        "PID-3 (an identifier of type MR): required field is missing",
    ]
    assert (adt["code"], adt["control"]) == ("AR", "X1")
    assert adt["text"] == "MSH-9: expected an SIU message, got ADT\\S\\A01"
    assert batch["code"] == "AR"
    assert listener.processor.wait_idle(60)
    entries = {e["place"]: e for e in manifest(out)}
    assert entries["mllp:C3001"]["status"] == "ok"
    assert entries["mllp:C6001"]["status"] == "error"
    assert entries["mllp:X1"]["error"] == "mllp:X1: MSH-9: expected an SIU message, got ADT^A01"
    assert (out / "NOTES-1.pdf").is_file()


def _msh(ack: str) -> list[str]:
    return next(s for s in ack.split("\r") if s.startswith("MSH|")).split("|")


def test_a_rejection_echoes_the_control_id_whenever_the_header_can_be_read(
    listening: tuple[Listener, str, int, Path],
) -> None:
    listener, host, port, out = listening
    with Sender(host, port) as sender:
        adt = sender.send("MSH|^~\\&|A|B|C|D|2026||ADT^A01|  X 7  |P|2.5\rPID|1")
        two = sender.send(siu("T-1", control="TWO-1") + siu("T-2", control="TWO-2"))
        bytes_ = sender.send(
            siu("T-3", control="BAD-CS").replace("Okonkwo", "Ok\udcff").encode("utf-8", "surrogateescape")
        )
        garbage = sender.send(b"not hl7 at all")
    for ack, control in ((adt, "X 7"), (two, "TWO-1"), (bytes_, "BAD-CS"), (garbage, "")):
        fields = ack_fields(ack)
        assert (fields["code"], fields["control"]) == ("AR", control)
        assert re.fullmatch(r"\d{14}\+0000", _msh(ack)[6]), _msh(ack)  # MSH-7: when it was answered
    assert ack_fields(adt)["text"] == "MSH-9: expected an SIU message, got ADT\\S\\A01"  # no place, no spaces
    assert ack_fields(bytes_)["text"] == (
        "MSH-18: not UTF-8 text and MSH-18 declares no character set (the sender should name one, e.g. 8859/1)"
    )
    listener.processor.wait_idle(30)
    places = [e["place"] for e in manifest(out)]
    assert "mllp:X 7" in places
    assert "mllp:BAD-CS" in places


def test_a_message_in_its_declared_character_set_is_accepted(listening: tuple[Listener, str, int, Path]) -> None:
    listener, host, port, out = listening
    latin = siu("CS-1").replace("Okonkwo^Chidi", "Müller^Amélie").replace("|P|2.5.1", "|P|2.5.1||||||8859/1", 1)
    with Sender(host, port) as sender:
        assert ack_fields(sender.send(latin.encode("latin-1")))["code"] == "AA"
    assert listener.processor.wait_idle(60)
    text = " ".join(PdfReader(out / "CS-1.pdf").pages[0].extract_text().split())
    assert "Müller, Amélie" in text


def test_a_later_message_for_another_patient_is_refused_and_the_packet_kept(
    listening: tuple[Listener, str, int, Path],
) -> None:
    listener, host, port, out = listening
    other = siu("SAME-1", "S13", control="SAME-1-b").replace("00771234^^^RGH^MR", "00990001^^^RGH^MR")
    other = other.replace("Okonkwo^Chidi", "Brandt^Otto")
    with Sender(host, port) as sender:
        assert ack_fields(sender.send(siu("SAME-1")))["code"] == "AA"
        refused = ack_fields(sender.send(other))
        cancel = ack_fields(sender.send(other.replace("SIU^S13^", "SIU^S15^").replace("SAME-1-b", "SAME-1-c")))
        again = ack_fields(sender.send(siu("SAME-1", "S13", control="SAME-1-d")))
    message = (
        "SCH-1: a different patient than an earlier message for this appointment; the earlier packet stays as "
        "it was (if SCH-1 does not name one appointment at this site, set hl7.appointment_id)"
    )
    assert (refused["code"], refused["text"]) == ("AE", message)
    assert (cancel["code"], cancel["text"]) == ("AE", message)
    assert again["code"] == "AA"  # the same patient may still change the appointment
    assert listener.processor.wait_idle(60)
    text = " ".join(PdfReader(out / "SAME-1.pdf").pages[0].extract_text().split())
    assert "Okonkwo, Chidi" in text
    assert "Brandt" not in text
    errors = [e for e in manifest(out) if e["status"] == "error"]
    assert [(e["place"], e["event"]) for e in errors] == [("mllp:SAME-1-b", "SIU^S13"), ("mllp:SAME-1-c", "SIU^S15")]


def test_bytes_that_are_not_mllp_or_too_large_are_refused(tmp_path: Path) -> None:
    settings = Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"))
    settings = settings.model_copy(
        update={"listener": settings.listener.model_copy(update={"max_message_bytes": 2000})}
    )
    store = open_store(settings)
    listener = Listener(settings, store, tmp_path / "out", workers=1, today=TODAY)
    host, port, thread = start_in_thread(listener)
    try:
        with Sender(host, port) as sender:
            assert ack_fields(sender.send(b"MSH|no start byte\x1c\r", framed=False))["code"] == "AR"
        with Sender(host, port) as sender:
            assert ack_fields(sender.send(GOOD + "NTE|1||" + "x" * 3000 + "\r"))["text"] == "frame too large"
        with Sender(host, port) as sender:  # a new connection is served as before
            assert ack_fields(sender.send(GOOD))["code"] == "AA"
    finally:
        listener.stop()
        thread.join(30)
        store.close()


def test_events_in_order_and_a_cancellation_leaves_the_days_print_run(
    listening: tuple[Listener, str, int, Path],
) -> None:
    listener, host, port, out = listening
    with Sender(host, port) as sender:
        for message in (
            siu("EV-1", start="20261214080000-0600"),
            siu("EV-2", start="20261214090000-0600"),
            siu("EV-1", "S13", start="20261214150000-0600", control="EV-1-b"),
            siu("EV-2", "S15", control="EV-2-b"),
        ):
            assert ack_fields(sender.send(message))["code"] == "AA"
    assert listener.processor.wait_idle(60)
    assert not (out / "EV-2.pdf").exists()
    text = " ".join(PdfReader(out / "EV-1.pdf").pages[0].extract_text().split())
    assert "Time: 3:00 PM." in text
    run = PdfReader(out / "print-run-2026-12-14.pdf")
    assert [o["/Title"] for o in run.outline] == ["2026-12-14 15:00 EV-1"]
    events = [(e["appointment_id"], e["event"], e["status"]) for e in manifest(out)]
    assert events.index(("EV-1", "SIU^S12", "ok")) < events.index(("EV-1", "SIU^S13", "ok"))
    assert ("EV-2", "SIU^S15", "skipped") in events
    # The web app's schedule shows what the feed made: one line per appointment, as it is now.
    with listener.store.reading() as session:
        lines = {e.appointment_id: e for e in session.scalars(select(ScheduleEntry))}
    assert sorted(lines) == ["EV-1", "EV-2"]
    assert (lines["EV-1"].status, lines["EV-1"].start, lines["EV-1"].file) == ("ok", "2026-12-14T15:00", "EV-1.pdf")
    assert lines["EV-1"].patient
    assert lines["EV-1"].packet_path(out / "web-elsewhere") == out.resolve() / "EV-1.pdf"  # the web app finds it
    assert lines["EV-2"].status == "skipped"
    assert lines["EV-2"].start == "2026-12-14T09:00"  # a cancellation stays on its day, at its time (issue 27)
    assert lines["EV-2"].day == lines["EV-1"].day == date(2026, 12, 14)


def _start(out: Path, database: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, "generate.py", "listen", "--out", str(out), "--port", "0", *extra]
    env = {**os.environ, "PACKETGEN_DATABASE_URL": f"sqlite:///{database}"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening on 127.0.0.1:"), line  # loopback unless told otherwise
    return process, int(line.split(":")[1].split(";")[0])


@pytest.mark.process  # starts `generate.py` as a program
def test_kill_9_loses_no_acknowledged_message(tmp_path: Path) -> None:
    out, database = tmp_path / "out", tmp_path / "db.sqlite"
    process, port = _start(out, database, "--workers", "2")
    accepted = []
    with Sender("127.0.0.1", port) as sender:
        for n in range(24):
            ack = ack_fields(sender.send(siu(f"K-{n:02d}", start=f"202612{10 + n % 8}0{n % 8}3000-0600")))
            if ack["code"] == "AA":
                accepted.append(f"K-{n:02d}")
    os.killpg(process.pid, signal.SIGKILL)  # at once: most packets are not made yet
    process.wait()
    assert process.stdout is not None
    process.stdout.close()
    made_before = {e["appointment_id"] for e in manifest(out)}
    assert len(accepted) == 24
    assert len(made_before) < 24, "the kill should land while packets are being made"

    process, _port = _start(out, database, "--workers", "1")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not set(accepted) <= {e["appointment_id"] for e in manifest(out)}:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    assert process.stdout is not None
    assert process.stdout.read() == "stopped\n"
    process.stdout.close()
    for appointment_id in accepted:
        assert len(PdfReader(out / f"{appointment_id}.pdf").pages) >= 6
    assert not list(out.glob(".*.part"))
    assert database.stat().st_mode & 0o077 == 0


_DRAWING = threading.Lock()
"""One packet drawn at a time in this process (ReportLab keeps state per process)."""


class SlowEarlierEvent:
    """Stands in for `batch.pool.Workers` in the listener's processor: every task it is given starts
    at once on a thread of its own (the processor alone decides what may run side by side), and every
    S12 waits a while before it is made, as a first packet does while a worker loads its fonts. The
    earlier event of an appointment is the slow one."""

    delay = 2.5

    def __init__(
        self, job: Any, generator: Any, workers: int, processes: bool = False, background: bool = False
    ) -> None:
        self.job, self.generator = job, generator
        self.pool = ThreadPoolExecutor(workers * 8)  # the processor's window: every task it hands out

    def __enter__(self) -> SlowEarlierEvent:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.pool.shutdown(wait=True)

    def submit(self, task: Any) -> Future[Any]:
        return self.pool.submit(self._run, task)

    def _run(self, task: Any) -> Any:
        if task.record.event == "SIU^S12":
            time.sleep(self.delay)
        with _DRAWING:
            return self.job(task, self.generator)

    def call(self, function: Any, *args: Any) -> Future[Any]:
        def locked() -> Any:
            with _DRAWING:
                return function(*args)

        return self.pool.submit(locked)


def _events_of(out: Path, appointment_id: str) -> list[tuple[object, object]]:
    return [(e["event"], e["status"]) for e in manifest(out) if e["appointment_id"] == appointment_id]


IN_ORDER = [("SIU^S12", "ok"), ("SIU^S13", "ok"), ("SIU^S14", "ok")]


@pytest.mark.slow
def test_an_appointments_events_wait_for_the_earlier_one_however_slow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers, and an S12 slower to make than the S13 and S14 that follow it at once (stored while
    the processor is busy, so it finds all three in one look): the later events wait, so the packet and
    the print run are the last event's and the manifest reads in event order."""
    monkeypatch.setattr("packetgen.listener.processor.Workers", SlowEarlierEvent)
    settings = Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"))
    store = open_store(settings)
    out = tmp_path / "out"
    listener = Listener(settings, store, out, workers=2, today=TODAY)
    host, port, thread = start_in_thread(listener)
    try:
        with Sender(host, port) as sender:
            for message in (
                siu("BUSY-1", start="20261214113000-0600"),  # in hand while ORD-1's messages are stored
                siu("ORD-1", start="20261214080000-0600"),
                siu("ORD-1", "S13", start="20261214090000-0600", control="ORD-1-b"),
                siu("ORD-1", "S14", start="20261214100000-0600", control="ORD-1-c"),
            ):
                assert ack_fields(sender.send(message))["code"] == "AA"
        assert listener.processor.wait_idle(60)
    finally:
        listener.stop()
        thread.join(30)
        store.close()
    assert _events_of(out, "ORD-1") == IN_ORDER
    text = " ".join(PdfReader(out / "ORD-1.pdf").pages[0].extract_text().split())
    assert "Time: 10:00 AM." in text
    run = PdfReader(out / "print-run-2026-12-14.pdf")
    assert [o["/Title"] for o in run.outline] == ["2026-12-14 10:00 ORD-1", "2026-12-14 11:30 BUSY-1"]


def test_many_appointments_each_end_with_their_last_event(tmp_path: Path) -> None:
    """Real worker processes, two of them, and every appointment's S12, S13 and S14 sent one after
    another as fast as they are acknowledged: each packet is its last event's, each manifest in order."""
    settings = Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"))
    store = open_store(settings)
    out = tmp_path / "out"
    listener = Listener(settings, store, out, workers=2, today=TODAY)
    host, port, thread = start_in_thread(listener)
    appointments = [f"MANY-{n}" for n in range(6)]
    try:
        with Sender(host, port) as sender:
            for n, appointment in enumerate(appointments):
                for event, hour in (("S12", 8), ("S13", 9), ("S14", 10)):
                    start = f"2026121{n}{hour:02d}0000-0600"
                    ack = ack_fields(
                        sender.send(siu(appointment, event, start=start, control=f"{appointment}-{event}"))
                    )
                    assert ack["code"] == "AA"
        assert listener.processor.wait_idle(120)
    finally:
        listener.stop()
        thread.join(30)
        store.close()
    for appointment in appointments:
        assert _events_of(out, appointment) == IN_ORDER, appointment
        text = " ".join(PdfReader(out / f"{appointment}.pdf").pages[0].extract_text().split())
        assert "Time: 10:00 AM." in text, appointment
