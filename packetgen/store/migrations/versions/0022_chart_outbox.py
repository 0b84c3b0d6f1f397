"""The chart's outbox (issue 29): each filed consent to send to the EHR's chart, per route (HL7 MDM over
MLLP, FHIR DocumentReference), committed before its first attempt and sent at most once.

Revision 0022.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"


def upgrade() -> None:
    op.create_table(
        "chart_message",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("appointment_id", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(8), nullable=False),
        sa.Column("document_id", sa.String(64), nullable=False, unique=True),
        sa.Column("replaces", sa.String(200), nullable=True),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt", sa.String(200), nullable=True),
    )
    op.create_index("ix_chart_message_appointment_id", "chart_message", ["appointment_id"])
    op.create_index("ix_chart_message_sha256", "chart_message", ["sha256"])
    op.create_index("ix_chart_message_state", "chart_message", ["state"])


def downgrade() -> None:
    op.drop_index("ix_chart_message_state", "chart_message")
    op.drop_index("ix_chart_message_sha256", "chart_message")
    op.drop_index("ix_chart_message_appointment_id", "chart_message")
    op.drop_table("chart_message")
