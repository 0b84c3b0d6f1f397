"""The outbox: each email committed before its first attempt, and delivered at most once.

A message is `queued` until an attempt claims it (`sending`, committed before a byte goes to the
relay; only one process can claim it). The relay taking it makes it `sent`; a relay that refuses
or cannot be reached puts it back to `queued` with the reason and a back-off; a connection cut
while the relay was taking it leaves it `sending`, with the reason: it may have been delivered,
so it is never sent again by itself (`generate.py outbox` shows it for a person to check).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..store.tables import ChartMessage, OutboxMessage

QUEUED, SENDING, SENT = "queued", "sending", "sent"
_MAX_WAIT = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th failed attempt: the first retry is due at
    once (someone asked, or the next `outbox send` runs), then 1, 2, 4 … minutes, at most an hour."""
    if attempts <= 1:
        return timedelta(0)
    return min(timedelta(minutes=2 ** (attempts - 2)), _MAX_WAIT)


def enqueue(
    session: Session,
    *,
    message_id: str,
    now: datetime,
    actor: str,
    appointment_id: str | None,
    packet_sha256: str,
    recipient: str,
    raw: bytes,
) -> OutboxMessage:
    """A new queued message (the caller commits it before any attempt)."""
    message = OutboxMessage(
        message_id=message_id,
        created_at=now,
        actor=actor,
        appointment_id=appointment_id,
        packet_sha256=packet_sha256,
        recipient=recipient,
        raw=raw,
        state=QUEUED,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    return message


def already_sent_or_queued(session: Session, appointment_id: str, packet_sha256: str, recipient: str) -> bool:
    """Whether this packet is already on its way to this address (a batch run never sends it twice)."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.appointment_id == appointment_id,
        OutboxMessage.packet_sha256 == packet_sha256,
        OutboxMessage.recipient == recipient,
    )
    return session.execute(query.limit(1)).first() is not None


def claim(session: Session, message_id: int) -> OutboxMessage | None:
    """Mark a queued message `sending` (one attempt more); None if another attempt has it or it is done."""
    return claim_row(session, OutboxMessage, message_id)


Row = TypeVar("Row", OutboxMessage, ChartMessage)


def claim_row(session: Session, table: type[Row], row_id: int) -> Row | None:
    """Mark a queued row of an outbox (`table`: emails, the chart's messages) `sending`, one attempt more;
    None if another attempt has it or it is done. The update is the claim: two senders never both win."""
    claimed = session.execute(
        update(table)
        .where(table.id == row_id, table.state == QUEUED)
        .values(state=SENDING, attempts=table.attempts + 1, next_attempt_at=None)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(table, row_id, populate_existing=True)


def mark_sent(message: OutboxMessage, now: datetime) -> None:
    """Delivered: the relay took it. Its bytes (an encrypted packet) are no longer kept."""
    message.state, message.sent_at, message.raw, message.last_error = SENT, now, b"", None


def mark_failed(message: OutboxMessage, reason: str, now: datetime) -> None:
    """Not taken by the relay: queued again, due after the back-off."""
    message.state, message.last_error = QUEUED, reason
    message.next_attempt_at = now + backoff(message.attempts)


def mark_unknown(message: OutboxMessage, reason: str) -> None:
    """Perhaps delivered: left `sending`, never retried by itself."""
    message.last_error = reason


def due(session: Session, now: datetime) -> Sequence[int]:
    """Queued messages whose back-off has passed, oldest first."""
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.state == QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
    )
    return session.scalars(query).all()


def listing(session: Session, include_sent: bool = False) -> Sequence[OutboxMessage]:
    """Messages not yet sent (and, asked, the sent ones), oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if not include_sent:
        query = query.where(OutboxMessage.state != SENT)
    return session.scalars(query).all()
