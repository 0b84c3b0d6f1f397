"""The schedule keeps each record's fields, to make its packet again in another layout or language.

Revision 0004.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("schedule_entry") as table:
        table.add_column(sa.Column("record", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_entry") as table:
        table.drop_column("record")
