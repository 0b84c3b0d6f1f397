"""Audit retention (issue 26, `retention.audit_years`): the delivery and access audits stay append-only,
except that the database lets a row go once it is more than six years old (migration 0015). A younger
row cannot be deleted by any statement, UPDATE (and TRUNCATE) is refused for every row, and
`generate.py purge` removes the rows older than `retention.audit_years`. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from packetgen.cli import main
from packetgen.settings import Settings
from packetgen.store import Store, open_store
from packetgen.store.tables import AccessEvent, AuditEvent

NOW = datetime.now(UTC)
YEAR = timedelta(days=365.25)
ANCIENT = NOW - 9 * YEAR
"""Past any `audit_years` these tests set."""
OLD = NOW - 6 * YEAR - timedelta(days=3)
"""Just past the six years the database insists on."""
YOUNG = NOW - 6 * YEAR + timedelta(days=3)
"""Just within them."""
TABLES = ("audit_event", "access_event")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url))
    yield opened
    opened.close()


def _events(store: Store, label: str, at: datetime) -> dict[str, int]:
    """One row in each audit at `at`, by the audits' own columns (label: the actor and who); their ids."""
    access: dict[str, Any] = {"at": at, "who": label, "address": "192.0.2.1", "action": "sign-in", "request_id": ""}
    delivery: dict[str, Any] = {"at": at, "actor": label, "action": "print", "packet_sha256": "0" * 64}
    delivery |= {"target": "ward-3", "result": "ok"}
    ids = {}
    with store.session() as session:
        for table, row in ((AccessEvent.__table__, access), (AuditEvent.__table__, delivery)):
            ids[table.name] = session.execute(table.insert().values(row).returning(table.c.id)).scalar_one()
    return ids


def _left(store: Store) -> dict[str, list[str]]:
    with store.reading() as session:
        return {
            "access_event": sorted(session.scalars(select(AccessEvent.who))),
            "audit_event": sorted(session.scalars(select(AuditEvent.actor))),
        }


def test_a_young_audit_row_cannot_be_deleted_or_changed_even_by_raw_sql(store: Store) -> None:
    young, old = _events(store, "young", YOUNG), _events(store, "old", OLD)
    for table in TABLES:
        refused = [
            f"DELETE FROM {table} WHERE id = {young[table]}",
            f"DELETE FROM {table}",  # the old row with it: the statement is refused whole
            f"UPDATE {table} SET at = :long_ago WHERE id = {young[table]}",  # made old to be deleted: no
            f"UPDATE {table} SET result = 'changed'" if table == "audit_event" else f"UPDATE {table} SET who = 'x'",
            f"UPDATE {table} SET at = at WHERE id = {old[table]}",  # an old row cannot be changed either
        ]
        if store.engine.dialect.name == "postgresql":
            refused += [f"TRUNCATE {table}", f"TRUNCATE {table} RESTART IDENTITY CASCADE"]
        for statement in refused:
            with pytest.raises(DatabaseError, match=f"{table} is append-only"), store.session() as session:
                session.execute(text(statement), {"long_ago": ANCIENT} if ":long_ago" in statement else {})
    assert _left(store) == {"access_event": ["old", "young"], "audit_event": ["old", "young"]}
    # A row more than six years old may go, even by hand; the young one stays.
    with store.session() as session:
        for table in TABLES:
            assert session.execute(text(f"DELETE FROM {table} WHERE id = {old[table]}")).rowcount == 1  # type: ignore[attr-defined]
    assert _left(store) == {"access_event": ["young"], "audit_event": ["young"]}


def test_purge_removes_audit_rows_older_than_audit_years_and_keeps_the_rest(
    database_url: str, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for label, at in (("ancient", ANCIENT), ("old", OLD), ("young", YOUNG), ("recent", NOW - timedelta(days=2))):
        _events(store, label, at)
    settings = tmp_path / "settings.yaml"
    environ = {"PACKETGEN_DATABASE_URL": database_url, "PACKETGEN_SETTINGS": str(settings)}
    settings.write_text(f"web:\n  out_dir: {tmp_path / 'out'}\nretention:\n  audit_years: 8\n", encoding="utf-8")
    assert main(["purge"], environ=environ) == 0
    removed = capsys.readouterr().out.strip()
    # one row of each audit
    assert removed.endswith(", 0 print runs, 2 audit events, 0 scanned consents, 0 chart messages, 0 signing sessions")
    assert _left(store) == {"access_event": ["old", "recent", "young"], "audit_event": ["old", "recent", "young"]}
    settings.write_text(f"web:\n  out_dir: {tmp_path / 'out'}\n", encoding="utf-8")  # the default: 6 years
    assert main(["purge"], environ=environ) == 0
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith(", 2 audit events, 0 scanned consents, 0 chart messages, 0 signing sessions")
    )
    assert _left(store) == {"access_event": ["recent", "young"], "audit_event": ["recent", "young"]}


def test_an_audit_retention_under_six_years_is_refused_at_settings_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("retention:\n  audit_years: 5\n", encoding="utf-8")
    environ = {"PACKETGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "PACKETGEN_SETTINGS": str(settings)}
    assert main(["purge"], environ=environ) == 2
    assert capsys.readouterr().err.strip() == (
        f"{settings}:2: retention.audit_years: expected at least 6: HIPAA keeps audit records six years, "
        "and the database refuses sooner"
    )
    assert not (tmp_path / "db.sqlite").exists()  # refused before anything was opened
