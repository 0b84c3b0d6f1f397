"""A session knows whether a trusted reverse proxy opened it: that user's requests from the proxy
share it rather than storing a session per request (issue 26).

Revision 0009.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("web_session") as table:
        table.add_column(sa.Column("by_proxy", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("web_session") as table:
        table.drop_column("by_proxy")
