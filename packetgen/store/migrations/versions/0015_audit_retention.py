"""Audit retention (issue 26): the delivery audit (`audit_event`, revision 0002) and the access audit
(`access_event`, revision 0008) stay append-only, except that the database now lets a row go once it is
more than six years old (HIPAA's minimum retention of documentation, 45 CFR 164.316(b)(2)(i)), so
that `generate.py purge` can apply `retention.audit_years`. The six years are in the triggers, not in
the application: a younger row cannot be deleted by any statement, whatever the settings say; UPDATE
(and TRUNCATE on PostgreSQL) is still refused for every row. A row whose time cannot be read is
treated as young.

SQLite keeps `at` as UTC text (`2026-12-07 15:21:38.419576`), compared through `julianday` with the
database's own clock; PostgreSQL keeps a `timestamptz`, compared with `now()`.

Revision 0015.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"

_TABLES = ("audit_event", "access_event")
_YOUNG = "rows less than six years old cannot be deleted"


def _postgres_keep_young(table: str) -> str:
    return f"""
CREATE FUNCTION {table}_keep_young() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.at IS NULL OR OLD.at >= now() - interval '6 years' THEN
        RAISE EXCEPTION '{table} is append-only: {_YOUNG}';
    END IF;
    RETURN OLD;
END $$
"""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in _TABLES:
        if postgresql:
            # UPDATE and TRUNCATE: refused for the whole statement, as before; DELETE: row by row.
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            )
            op.execute(_postgres_keep_young(table))
            op.execute(
                f"CREATE TRIGGER {table}_keep_young BEFORE DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_keep_young()"
            )
        else:
            op.execute(f"DROP TRIGGER {table}_no_delete")
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "WHEN coalesce(julianday(OLD.at) >= julianday('now', '-6 years'), 1) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {_YOUNG}'); END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in _TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_keep_young ON {table}")
            op.execute(f"DROP FUNCTION {table}_keep_young()")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            )
        else:
            op.execute(f"DROP TRIGGER {table}_no_delete")
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
