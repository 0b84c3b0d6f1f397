"""Each schedule line's packet's page count (issue 27): a print run says beforehand how many pages it
will be without opening every packet.

Revision 0021.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"


def upgrade() -> None:
    op.add_column("schedule_entry", sa.Column("pages", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE schedule_entry DROP COLUMN pages")
