"""Engine, sessions and migrations for the store."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ..errors import UsageError
from ..settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


class Store:
    """A migrated database and a way to open sessions on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite lets one writer in at a time and makes the others sleep and retry (up to 100 ms a
        # try): this process's own writers queue here instead, and go in the moment it is free.
        self._one_writer = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends without an error."""
        with self._one_writer, self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reading only: it never waits for this process's writers."""
        with self._sessions() as session:
            yield session

    def checkpoint(self) -> None:
        """Move SQLite's write-ahead log into the database file. Automatic checkpoints are off (they
        would run inside whichever commit crossed the threshold: an acknowledgement would wait for
        them); the listener's background thread calls this between messages instead."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        self.checkpoint()
        self.engine.dispose()


def open_store(settings: Settings) -> Store:
    """The store at `settings.database_url`, its schema brought up to date."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        _private_sqlite_file(Path(str(url.database)))
    engine = create_engine(url, pool_pre_ping=True)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return Store(engine)


def migrate(engine: Engine) -> None:
    """Run every migration not yet applied (Alembic `upgrade head`); a database already at the head
    is only asked its revision (the migration scripts are read once per process)."""
    with engine.begin() as connection:
        if MigrationContext.configure(connection).get_current_heads() == (_head(),):
            return
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@functools.cache
def _head() -> str:
    """The newest migration's revision."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def _private_sqlite_file(path: Path) -> None:
    """The database holds patient data: its folder and file are the owner's alone."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise UsageError(f"cannot create the database {path}: {exc.strerror}") from None


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL with FULL sync: a committed transaction survives a crash or power loss (the inbox
    # acknowledges a message only after its commit), and readers do not block the writer.
    cursor = connection.cursor()
    pragmas = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000", "wal_autocheckpoint=0")
    for pragma in pragmas:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
