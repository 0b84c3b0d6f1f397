"""The database: the MLLP listener's inbox and the packets it made (SQLAlchemy, Alembic migrations).

`open_store(settings)` is the one way in: it makes the engine for
`settings.database_url` (SQLite under `var/` by default, PostgreSQL when the
URL says so), brings the schema up to date with the migrations in
`store/migrations/`, and returns a `Store`. Application code never creates
tables, and store helpers never commit: the caller owns the transaction.
`access.record_access` appends to the access audit (`access_event`, append-only).
"""

from .engine import Store, open_store

__all__ = ["Store", "open_store"]
