"""Consents signed on a tablet (issue 29): each open signing session's captured parts, kept only while it
is open; a filed consent's `signed` says it was signed on a tablet, and how the session ended.

Revision 0023.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"


def upgrade() -> None:
    op.create_table(
        "signing_session",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("packet_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dob_confirmed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("step", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("parts", sa.Text(), nullable=False),
    )
    op.create_index("ix_signing_session_entry_id", "signing_session", ["entry_id"])
    op.create_index("ix_signing_session_created_at", "signing_session", ["created_at"])
    op.add_column("scanned_consent", sa.Column("signed", sa.String(16), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE scanned_consent DROP COLUMN signed")
    op.drop_index("ix_signing_session_created_at", "signing_session")
    op.drop_index("ix_signing_session_entry_id", "signing_session")
    op.drop_table("signing_session")
