"""Scanned consents (issue 29): each consent a scan run found, filed or incomplete, with what is missing
or wrong in plain words (never a value from the page), for the web schedule and the patient page.

Revision 0020.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"


def upgrade() -> None:
    op.create_table(
        "scanned_consent",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("appointment_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("pages_found", sa.Integer(), nullable=False),
        sa.Column("pages_expected", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("file", sa.String(200), nullable=True),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scanned_consent_appointment_id", "scanned_consent", ["appointment_id"])
    op.create_index("ix_scanned_consent_scanned_at", "scanned_consent", ["scanned_at"])


def downgrade() -> None:
    op.drop_index("ix_scanned_consent_scanned_at", "scanned_consent")
    op.drop_index("ix_scanned_consent_appointment_id", "scanned_consent")
    op.drop_table("scanned_consent")
