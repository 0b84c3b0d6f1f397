"""Passwords and a second factor (issue 26): a user told to change their password at the next sign-in
(after an admin's reset), a TOTP secret being enrolled (kept here, never taken from the form), a TOTP
secret with the last time step used (a code is refused for its
window once used) and the hashes of the unused recovery codes; a session waiting for its second
factor.

Revision 0012.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    with op.batch_alter_table("web_user") as table:
        table.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        table.add_column(sa.Column("totp_pending_secret", sa.String(64), nullable=True))
        table.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("recovery_codes", sa.Text(), nullable=True))
    with op.batch_alter_table("web_session") as table:
        table.add_column(sa.Column("second_factor_pending", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("web_session") as table:
        table.drop_column("second_factor_pending")
    with op.batch_alter_table("web_user") as table:
        table.drop_column("recovery_codes")
        table.drop_column("totp_last_step")
        table.drop_column("totp_pending_secret")
        table.drop_column("totp_secret")
        table.drop_column("must_change_password")
