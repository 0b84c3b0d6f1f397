"""Sign-in limits as growing delays (issue 26): each attempt is recorded with its outcome (`pending`
while its password is checked, then `failed` or `ok`); the rows before it were all failures.

Revision 0013.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    with op.batch_alter_table("sign_in_attempt") as table:
        table.add_column(sa.Column("outcome", sa.String(8), nullable=False, server_default="failed"))


def downgrade() -> None:
    op.execute("DELETE FROM sign_in_attempt WHERE outcome = 'ok'")
    with op.batch_alter_table("sign_in_attempt") as table:
        table.drop_column("outcome")
