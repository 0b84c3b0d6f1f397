"""The store: migrations own the schema, the file is private, helpers never commit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError

from packetgen.delivery import audit
from packetgen.listener import inbox
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import InboxMessage


def test_migrations_make_the_schema_once_and_the_file_is_private(tmp_path: Path) -> None:
    database = tmp_path / "var" / "packetgen.sqlite"
    settings = Settings(database_url=f"sqlite:///{database}")
    first = open_store(settings)
    tables = {"alembic_version", "inbox_message", "packet", "outbox_message", "audit_event"}
    tables |= {"web_user", "api_token", "web_session", "sign_in_attempt", "schedule_entry", "print_run", "access_event"}
    tables |= {"upload", "csv_format", "form_action"}  # issue 27: uploads in the background, actions done once
    tables |= {"scanned_consent"}  # issue 29: what each scan found
    tables |= {"chart_message"}  # issue 29: filed consents to send to the chart
    tables |= {"signing_session"}  # issue 29: a consent being signed on a tablet, until it is filed
    assert set(inspect(first.engine).get_table_names()) == tables
    first.close()
    again = open_store(settings)  # already at head: nothing to do, nothing lost
    again.close()
    assert database.stat().st_mode & 0o777 == 0o600
    assert database.parent.stat().st_mode & 0o777 == 0o700


def test_the_caller_owns_the_transaction(tmp_path: Path) -> None:
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"))

    def store_then_fail() -> None:
        with store.session() as session:
            inbox.store_message(session, b"MSH|", "C1", "SIU^S12", "A-1", inbox.STORED, "AA")
            raise RuntimeError("the ACK could not be sent")  # nothing half-done stays behind

    with pytest.raises(RuntimeError):
        store_then_fail()
    with store.session() as session:
        assert session.scalars(select(InboxMessage)).all() == []
        inbox.store_message(session, b"MSH|", "C2", "SIU^S12", "A-2", inbox.STORED, "AA")
    with store.session() as session:
        assert [m.control_id for m in inbox.waiting(session)] == ["C2"]
    store.close()


def test_postgresql_refuses_to_change_delete_or_empty_the_audit(postgres: Any) -> None:
    store = open_store(Settings(database_url=postgres.database()))
    with store.session() as session:
        at = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
        audit.record(session, at, "tester", audit.PRINT, "A-1", "ab" * 32, "frontdesk", "printed (job 1)")
    statements = ("UPDATE audit_event SET result = 'nothing happened'", "DELETE FROM audit_event",
                  "TRUNCATE audit_event", "TRUNCATE audit_event RESTART IDENTITY CASCADE")  # fmt: skip
    for statement in statements:
        with pytest.raises(DatabaseError, match="audit_event is append-only"), store.session() as session:
            session.execute(text(statement))
    with store.reading() as session:
        assert [(e.appointment_id, e.result) for e in audit.events(session)] == [("A-1", "printed (job 1)")]
    store.close()
