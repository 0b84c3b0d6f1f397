"""Account security (issue 26, ASVS 3.7.1 and 2.6.2): when a session last confirmed its user's password
(an admin's change of users or sessions needs one within the last five minutes), and when the TOTP
enrolment page's pending key was made (the page shows the same key until it expires or is replaced).

Recovery codes keep their column: new ones are stored salted (`s1$salt$digest`); the unsalted SHA-256
of codes made before still works, once each, until the user makes new ones.

Revision 0014.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    with op.batch_alter_table("web_session") as table:
        table.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("web_user") as table:
        table.add_column(sa.Column("totp_pending_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_user") as table:
        table.drop_column("totp_pending_at")
    with op.batch_alter_table("web_session") as table:
        table.drop_column("confirmed_at")
