"""A schedule line knows the department its packet was made for (its email's sender).

Revision 0007.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("schedule_entry") as table:
        table.add_column(sa.Column("department", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_entry") as table:
        table.drop_column("department")
