"""The listener's inbox, and the packet each appointment has.

Revision 0001, the first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("control_id", sa.String(200), nullable=False),
        sa.Column("message_type", sa.String(40), nullable=False),
        sa.Column("appointment_id", sa.String(64), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ack_code", sa.String(2), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_inbox_message_state", "inbox_message", ["state"])
    op.create_index("ix_inbox_message_appointment_id", "inbox_message", ["appointment_id"])
    op.create_table(
        "packet",
        sa.Column("appointment_id", sa.String(64), primary_key=True),
        sa.Column("out_dir", sa.String(1000), primary_key=True),
        sa.Column("local_start", sa.String(16), nullable=False),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_packet_local_start", "packet", ["local_start"])


def downgrade() -> None:
    op.drop_table("packet")
    op.drop_table("inbox_message")
