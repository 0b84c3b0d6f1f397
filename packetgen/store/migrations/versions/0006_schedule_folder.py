"""A schedule line knows the folder its packet is in (the MLLP listener's may not be the web app's).

Revision 0006.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("schedule_entry") as table:
        table.add_column(sa.Column("folder", sa.String(1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_entry") as table:
        table.drop_column("folder")
