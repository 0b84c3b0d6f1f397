"""The inbox: messages stored as received, then marked with what became of them.

Helpers take the caller's session and never commit: `listener` commits a
message before it acknowledges it, and a result with the packet it records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.tables import InboxMessage, Packet

STORED, DONE, ERROR, REJECTED = "stored", "done", "error", "rejected"


def store_message(
    session: Session, raw: bytes, control_id: str, message_type: str, appointment_id: str | None, state: str, ack: str
) -> InboxMessage:
    """Add a received message; its id numbers it in the manifest (`inbox:<id>`)."""
    row = InboxMessage(
        received_at=datetime.now(UTC),
        control_id=control_id[:200],
        message_type=message_type[:40],
        appointment_id=appointment_id,
        raw=raw,
        state=state,
        ack_code=ack,
    )
    session.add(row)
    session.flush()
    return row


def waiting(session: Session, limit: int = 64) -> Sequence[InboxMessage]:
    """Acknowledged messages whose packet is not made yet, oldest first."""
    query = select(InboxMessage).where(InboxMessage.state == STORED).order_by(InboxMessage.id).limit(limit)
    return session.scalars(query).all()


def latest_accepted(session: Session, appointment_id: str) -> InboxMessage | None:
    """The last message for an appointment that was acknowledged AA (waiting or made): the patient a
    later message for that appointment must be for."""
    query = (
        select(InboxMessage)
        .where(InboxMessage.appointment_id == appointment_id, InboxMessage.state.in_((STORED, DONE)))
        .order_by(InboxMessage.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def finish(session: Session, message_id: int, state: str, result: str) -> None:
    """Record what became of a message (its manifest line)."""
    row = session.get(InboxMessage, message_id)
    if row is not None:
        row.state, row.result, row.processed_at = state, result, datetime.now(UTC)


def set_packet(
    session: Session, out_dir: str, appointment_id: str, local_start: str | None, file: str | None, message_id: int
) -> str | None:
    """The appointment's packet now (None when cancelled); returns the day it was on before, if any."""
    row = session.get(Packet, (appointment_id, out_dir))
    before = row.local_start[:10] if row is not None and row.state == "ok" else None
    if row is None:
        row = Packet(appointment_id=appointment_id, out_dir=out_dir, local_start="", file="", state="", message_id=0)
        session.add(row)
    row.local_start = local_start or row.local_start
    row.file = file or row.file
    row.state = "ok" if file else "cancelled"
    row.message_id = message_id
    return before


def packets_on(session: Session, out_dir: str, day: str) -> Sequence[Packet]:
    """The packets to print for a day, in time order."""
    query = (
        select(Packet)
        .where(Packet.out_dir == out_dir, Packet.state == "ok", Packet.local_start.startswith(day))
        .order_by(Packet.local_start, Packet.appointment_id)
    )
    return session.scalars(query).all()
