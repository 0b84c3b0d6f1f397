"""A schedule line knows its day at the site, the patient's MRN and provider, a folded name to search,
its record's warnings and its content's approval (issue 27: the day's schedule, search, `draft`); the
print and email audit is indexed by packet (what was done with a day's packets).
A line without a start (a record that could not be read) has no day: the schedule shows it on the day
it was uploaded. Lines made before get their day, MRN, provider and name from what they kept; their
warnings and approval are unknown (None).

Revision 0017.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"

_COLUMNS = (
    sa.Column("day", sa.Date(), nullable=True),
    sa.Column("mrn", sa.String(64), nullable=True),
    sa.Column("provider", sa.String(300), nullable=True),
    sa.Column("name_key", sa.String(300), nullable=True),
    sa.Column("warnings", sa.Text(), nullable=True),
    sa.Column("approval", sa.String(32), nullable=True),
)


def _fold(text: str) -> str:
    """As `store.schedule.fold` (a copy: a migration never changes with the code)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def upgrade() -> None:
    with op.batch_alter_table("schedule_entry") as table:
        for column in _COLUMNS:
            table.add_column(column)
        table.create_index("ix_schedule_entry_day", ["day"])
        table.create_index("ix_schedule_entry_mrn", ["mrn"])
    op.create_index("ix_audit_event_packet_sha256", "audit_event", ["packet_sha256"])
    entry = sa.table(
        "schedule_entry",
        sa.column("id", sa.Integer()),
        sa.column("start", sa.String()),
        sa.column("patient", sa.String()),
        sa.column("record", sa.Text()),
        sa.column("day", sa.Date()),
        sa.column("mrn", sa.String()),
        sa.column("provider", sa.String()),
        sa.column("name_key", sa.String()),
    )
    connection = op.get_bind()
    lines = connection.execute(sa.select(entry.c.id, entry.c.start, entry.c.patient, entry.c.record))
    for number, start, patient, record in lines.all():
        try:
            day = date.fromisoformat(start[:10]) if start else None
        except ValueError:
            day = None
        fields = json.loads(record) if record else {}
        mrn, provider = fields.get("mrn"), fields.get("provider")
        connection.execute(
            sa.update(entry)
            .where(entry.c.id == number)
            .values(
                day=day,
                mrn=mrn[:64] if isinstance(mrn, str) else None,
                provider=provider[:300] if isinstance(provider, str) else None,
                name_key=_fold(patient)[:300] if patient else None,
            )
        )


def downgrade() -> None:
    op.drop_index("ix_audit_event_packet_sha256", "audit_event")
    with op.batch_alter_table("schedule_entry") as table:
        table.drop_index("ix_schedule_entry_mrn")
        table.drop_index("ix_schedule_entry_day")
        for column in reversed(_COLUMNS):
            table.drop_column(column.name)
