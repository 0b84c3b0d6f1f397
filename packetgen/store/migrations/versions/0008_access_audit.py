"""The access audit: every sign-in (and refusal), sign-out, look at a patient's packet, download, API
packet, upload, reprint and admin's change; append-only, like the delivery audit.

Revision 0008.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

_POSTGRES_REFUSE = """
CREATE FUNCTION access_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_event is append-only';
END $$
"""


def upgrade() -> None:
    op.create_table(
        "access_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(100), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.String(64), nullable=True),
        sa.Column("print_run_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_access_event_at", "access_event", ["at"])
    op.create_index("ix_access_event_who", "access_event", ["who"])
    op.create_index("ix_access_event_action", "access_event", ["action"])
    op.create_index("ix_access_event_appointment_id", "access_event", ["appointment_id"])
    # Append-only, enforced by the database itself (as the delivery audit, revision 0002).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_REFUSE)
        op.execute(
            "CREATE TRIGGER access_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON access_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION access_event_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_event_no_{event.lower()} BEFORE {event} ON access_event "
                "BEGIN SELECT RAISE(ABORT, 'access_event is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_event_append_only ON access_event")
        op.execute("DROP FUNCTION access_event_append_only()")
    op.drop_table("access_event")
