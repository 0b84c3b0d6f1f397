"""Refused requests and emails in the access audit (issue 26, ASVS 7.2.2): a refused request's route
(its template) and status, an email's full recipient address, and how many refusals an address had
beyond those recorded one row each (`refused-repeated`). Columns added in place (the table's triggers,
which keep it append-only, stay as they are).

Revision 0016.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"

_COLUMNS = (
    sa.Column("route", sa.String(200), nullable=True),
    sa.Column("status", sa.Integer(), nullable=True),
    sa.Column("recipient", sa.String(320), nullable=True),
    sa.Column("repeats", sa.Integer(), nullable=True),
)


def upgrade() -> None:
    for column in _COLUMNS:
        op.add_column("access_event", column)


def downgrade() -> None:
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE access_event DROP COLUMN {column.name}")
