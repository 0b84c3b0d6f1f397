"""The access audit as a library: append-only, enforced by the database on SQLite and PostgreSQL;
filters; `generate.py audit --access --since`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from packetgen.cli import main
from packetgen.settings import Settings
from packetgen.store import Store, open_store
from packetgen.store.access import (
    API_PACKET,
    SIGN_IN,
    VIEW_PATIENT,
    access_events,
    fields,
    record_access,
)

BEFORE = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
AFTER = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url))
    yield opened
    opened.close()


def test_the_database_refuses_to_change_delete_or_empty_the_access_audit(store: Store) -> None:
    with store.session() as session:
        record_access(session, AFTER, "clinician", "192.0.2.7", VIEW_PATIENT, entry_id=3, appointment_id="W-1")
    statements = ["UPDATE access_event SET who = 'someone else'", "DELETE FROM access_event"]
    if store.engine.dialect.name == "postgresql":
        statements += ["TRUNCATE access_event", "TRUNCATE access_event RESTART IDENTITY CASCADE"]
    for statement in statements:
        with pytest.raises(DatabaseError, match="access_event is append-only"), store.session() as session:
            session.execute(text(statement))
    with store.reading() as session:
        assert [(e.who, e.action, e.entry_id) for e in access_events(session)] == [("clinician", VIEW_PATIENT, 3)]


def test_events_are_filtered_and_read_in_utc(store: Store) -> None:
    with store.session() as session:
        record_access(session, BEFORE, "admin", "192.0.2.1", SIGN_IN, user_id=3, request_id="ab12")
        record_access(session, AFTER, "test-ehr", "192.0.2.9", API_PACKET, appointment_id="W-2")
    with store.reading() as session:
        assert [e.who for e in access_events(session, newest_first=True)] == ["test-ehr", "admin"]
        assert [e.who for e in access_events(session, since=AFTER)] == ["test-ehr"]
        assert [e.action for e in access_events(session, who="admin")] == [SIGN_IN]
        assert [e.who for e in access_events(session, action=API_PACKET)] == ["test-ehr"]
        assert [e.who for e in access_events(session, appointment_id="W-2")] == ["test-ehr"]
        first, second = (fields(e) for e in access_events(session))
    assert first == ("2026-11-30T23:59:00Z", "admin", "192.0.2.1", SIGN_IN, "", "", "", "3", "ab12", "", "", "", "")
    assert second == ("2026-12-01T09:30:00Z", "test-ehr", "192.0.2.9", API_PACKET, "", "W-2", "", "", "", "", "", "",
                      "")  # fmt: skip


def test_an_unknown_action_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="access action"), store.session() as session:
        record_access(session, AFTER, "admin", "192.0.2.1", "looked around")


def test_audit_access_since_prints_the_rows_from_that_day(
    store: Store, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with store.session() as session:
        record_access(session, BEFORE, "admin", "192.0.2.1", SIGN_IN, user_id=3)
        record_access(session, AFTER, "clinician", "192.0.2.7", VIEW_PATIENT, entry_id=12, appointment_id="W-1")
        record_access(session, AFTER, "test-ehr", "192.0.2.9", API_PACKET, appointment_id="W-2")
    environ = {"PACKETGEN_DATABASE_URL": database_url}
    assert main(["audit", "--access", "--since", "2026-12-01"], environ=environ) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["WHEN", "UTC", "WHO", "ADDRESS", "ACTION", "ENTRY", "ID", "APPOINTMENT", "ID",
                                "PRINT", "RUN", "ID", "USER", "ID", "REQUEST", "ID", "ROUTE", "STATUS",
                                "RECIPIENT", "REPEATS"]  # fmt: skip
    assert [line.split() for line in lines[1:]] == [
        ["2026-12-01T09:30:00Z", "clinician", "192.0.2.7", VIEW_PATIENT, "12", "W-1", "-", "-", "-", "-", "-", "-",
         "-"],
        ["2026-12-01T09:30:00Z", "test-ehr", "192.0.2.9", API_PACKET, "-", "W-2", "-", "-", "-", "-", "-", "-", "-"],
    ]  # fmt: skip
    assert main(["audit", "--access", "--appointment", "W-2"], environ=environ) == 0
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()[1:]] == ["test-ehr"]
    assert main(["audit", "--access", "--since", "2026-12-02"], environ=environ) == 0
    assert capsys.readouterr().out == "audit: nothing recorded\n"
