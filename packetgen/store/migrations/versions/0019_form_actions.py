"""Actions done once (issue 27): each action form's one-time token with its result, so that a second
submit or a reload shows the first's result; error lines of the schedule dismissed as handled.

Revision 0019.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"


def upgrade() -> None:
    op.create_table(
        "form_action",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_form_action_created_at", "form_action", ["created_at"])
    op.add_column("schedule_entry", sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("schedule_entry", sa.Column("dismissed_by", sa.String(100), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE schedule_entry DROP COLUMN dismissed_by")
    op.execute("ALTER TABLE schedule_entry DROP COLUMN dismissed_at")
    op.drop_index("ix_form_action_created_at", "form_action")
    op.drop_table("form_action")
