"""The audit: every print and email, appended, never changed (the database refuses updates and deletes)."""

from __future__ import annotations

import os
import pwd
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.tables import AuditEvent

PRINT, EMAIL = "print", "email"


def record(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    appointment_id: str | None,
    packet_sha256: str,
    target: str,
    result: str,
) -> None:
    """Append one event (the caller commits, with whatever it records)."""
    session.add(
        AuditEvent(
            at=at,
            actor=actor,
            action=action,
            appointment_id=appointment_id,
            packet_sha256=packet_sha256,
            target=target,
            result=result,
        )
    )


def events(session: Session, appointment_id: str | None = None, since: datetime | None = None) -> Sequence[AuditEvent]:
    """Events oldest first, optionally for one appointment or from a moment on."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if appointment_id is not None:
        query = query.where(AuditEvent.appointment_id == appointment_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return session.scalars(query).all()


def operating_system_user() -> str:
    """Who runs the CLI: the login of this process's user (not an environment variable anyone can set)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid {os.getuid()}"
