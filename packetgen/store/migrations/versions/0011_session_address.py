"""A session keeps the address it was opened from, for the list of one's sessions (and an admin's),
and its times are indexed for the purge of expired sessions at sign-in (issue 26).

Revision 0011.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("web_session") as table:
        table.add_column(sa.Column("address", sa.String(64), nullable=True))
        table.create_index("ix_web_session_created_at", ["created_at"])
        table.create_index("ix_web_session_last_seen_at", ["last_seen_at"])


def downgrade() -> None:
    with op.batch_alter_table("web_session") as table:
        table.drop_index("ix_web_session_last_seen_at")
        table.drop_index("ix_web_session_created_at")
        table.drop_column("address")
