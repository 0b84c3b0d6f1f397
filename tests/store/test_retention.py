"""Retention (issue 26, item 9): `generate.py purge` removes the patient data the retention settings
have passed — old schedule lines and their packets, the listener's old messages and packets, sent
emails' rows, finished print runs, packets older than `packets_days` (their lines kept, able to make
them again) — and keeps everything newer, anything not yet dealt with, and the audits. On SQLite and
PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from packetgen.cli import main
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.access import SIGN_IN, record_access
from packetgen.store.tables import (
    AccessEvent,
    ChartMessage,
    InboxMessage,
    OutboxMessage,
    Packet,
    PrintRun,
    ScannedConsent,
    ScheduleEntry,
)

NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=40), NOW - timedelta(days=2)
"""Past the default 30 days of `retention.schedule_days`, and well within it."""


def _line(appointment_id: str, uploaded: datetime, out: Path, start: str | None) -> ScheduleEntry:
    (out / f"{appointment_id}.pdf").write_bytes(b"%PDF-1.7 patient data")
    return ScheduleEntry(appointment_id=appointment_id, place="upload", start=start, patient="Doe, Jane",
                         status="ok", file=f"{appointment_id}.pdf", sha256="0" * 64, uploaded_at=uploaded)  # fmt: skip


def _aged(path: Path, days: int) -> None:
    moment = (NOW - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))


def test_purge_removes_what_retention_has_passed_and_keeps_the_rest(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, listener_out = tmp_path / "web-out", tmp_path / "listener-out"
    out.mkdir()
    listener_out.mkdir()
    store = open_store(Settings(database_url=database_url))
    with store.session() as session:
        session.add_all(
            [
                _line("OLD-1", OLD, out, (OLD - timedelta(days=1)).strftime("%Y-%m-%dT07:30")),
                _line("NOUPLOAD-START", OLD, out, None),  # no start: its upload's age counts
                _line("FUTURE-1", OLD, out, (NOW + timedelta(days=3)).strftime("%Y-%m-%dT07:30")),  # booked ahead
                _line("NEW-1", RECENT, out, RECENT.strftime("%Y-%m-%dT07:30")),
                _line("STALE-PACKET", RECENT, out, RECENT.strftime("%Y-%m-%dT07:30")),
                InboxMessage(received_at=OLD, raw=b"MSH|...", state="done"),
                InboxMessage(received_at=OLD, raw=b"MSH|...", state="stored"),  # not yet made: kept
                InboxMessage(received_at=RECENT, raw=b"MSH|...", state="done"),
                Packet(
                    appointment_id="L-OLD",
                    out_dir=str(listener_out),
                    file="L-OLD.pdf",
                    local_start=OLD.strftime("%Y-%m-%dT07:30"),
                    state="ok",
                    message_id=1,
                ),
                Packet(
                    appointment_id="L-NEW",
                    out_dir=str(listener_out),
                    file="L-NEW.pdf",
                    local_start=RECENT.strftime("%Y-%m-%dT07:30"),
                    state="ok",
                    message_id=2,
                ),
                OutboxMessage(
                    message_id="<a@x>",
                    created_at=OLD,
                    actor="cli",
                    packet_sha256="0" * 64,
                    recipient="jane@example.org",
                    raw=b"",
                    state="sent",
                ),
                OutboxMessage(
                    message_id="<b@x>",
                    created_at=OLD,
                    actor="cli",
                    packet_sha256="0" * 64,
                    recipient="joe@example.org",
                    raw=b"...",
                    state="queued",
                ),
                PrintRun(started_by="s", started_at=OLD, updated_at=OLD, action="print", total=1, state="printed"),
                ScannedConsent(appointment_id="OLD-1", state="filed", pages_found=5, pages_expected=5, scanned_at=OLD),
                ScannedConsent(
                    appointment_id="NEW-1", state="incomplete", pages_found=4, pages_expected=5, scanned_at=RECENT
                ),
                PrintRun(
                    started_by="s", started_at=RECENT, updated_at=RECENT, action="print", total=1, state="printed"
                ),
                *(  # the chart's outbox: an old row sent goes; a recent one, and one still queued, stay
                    ChartMessage(
                        appointment_id=name,
                        destination="mdm",
                        document_id=name,
                        file=f"{name}.pdf",
                        sha256=name,
                        filed_at=at,
                        created_at=at,
                        actor="t",
                        pdf=b"%PDF",
                        state=state,
                    )
                    for name, at, state in (
                        ("C-OLD", OLD, "sent"),
                        ("C-NEW", RECENT, "sent"),
                        ("C-WAIT", OLD, "queued"),
                    )
                ),
            ]
        )
        record_access(session, OLD, "admin", "192.0.2.1", SIGN_IN)
    store.close()
    for name in ("L-OLD", "L-NEW"):
        (listener_out / f"{name}.pdf").write_bytes(b"%PDF")
    _aged(out / "STALE-PACKET.pdf", 20)  # past the default 14 days of `retention.packets_days`
    _aged(out / "OLD-1.pdf", 40)
    (out / "API-ONLY.pdf").write_bytes(b"%PDF")
    _aged(out / "API-ONLY.pdf", 15)
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"web:\n  out_dir: {out}\n", encoding="utf-8")

    environ = {"PACKETGEN_DATABASE_URL": database_url, "PACKETGEN_SETTINGS": str(settings)}
    assert main(["purge"], environ=environ) == 0
    assert capsys.readouterr().out.strip() == (
        "purge: removed 2 schedule lines, 4 packets, 1 inbox messages, 1 listener packets, 1 sent emails, "
        "1 print runs, 0 audit events, 1 scanned consents, 1 chart messages, 0 signing sessions"
    )
    store = open_store(Settings(database_url=database_url))
    with store.reading() as session:
        lines = {e.appointment_id: e.file for e in session.scalars(select(ScheduleEntry))}
        inbox = sorted(m.state for m in session.scalars(select(InboxMessage)))
        listener = [p.appointment_id for p in session.scalars(select(Packet))]
        outbox = [m.state for m in session.scalars(select(OutboxMessage))]
        runs = session.scalar(select(func.count()).select_from(PrintRun))
        audit = session.scalar(select(func.count()).select_from(AccessEvent))
        scanned = [c.appointment_id for c in session.scalars(select(ScannedConsent))]
        charted = sorted(m.appointment_id for m in session.scalars(select(ChartMessage)))
    store.close()
    assert lines == {"FUTURE-1": "FUTURE-1.pdf", "NEW-1": "NEW-1.pdf", "STALE-PACKET": None}
    assert sorted(p.name for p in out.iterdir()) == ["FUTURE-1.pdf", "NEW-1.pdf"]
    assert inbox == ["done", "stored"]
    assert (listener, sorted(p.name for p in listener_out.iterdir())) == (["L-NEW"], ["L-NEW.pdf"])
    assert outbox == ["queued"]
    assert scanned == ["NEW-1"]  # what an old scan found goes with the old lines
    assert charted == ["C-NEW", "C-WAIT"]  # an old row still queued waits for its answer
    assert (runs, audit) == (1, 1)  # the audit is kept six years (tests/store/test_audit_retention.py)
    assert main(["purge"], environ=environ) == 0  # again: nothing left to remove
    assert capsys.readouterr().out.strip().startswith("purge: removed 0 schedule lines, 0 packets")
