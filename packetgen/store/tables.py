"""The tables, as SQLAlchemy models. The migrations in `migrations/versions/` create them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Every table of the store."""


class InboxMessage(Base):
    """One message as the listener received it, stored before it was acknowledged."""

    __tablename__ = "inbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    control_id: Mapped[str] = mapped_column(String(200), default="")
    """MSH-10, as the sender numbered the message."""
    message_type: Mapped[str] = mapped_column(String(40), default="")
    appointment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    """The message's bytes (patient data: the database is private to its owner)."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    """`stored` (acknowledged, packet not yet made), `done`, `error` (AE) or `rejected` (AR)."""
    ack_code: Mapped[str] = mapped_column(String(2), default="")
    result: Mapped[str | None] = mapped_column(Text)
    """The manifest line (JSON) of what was made of it, once done."""
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Packet(Base):
    """The packet an appointment has now in a listener's output folder (for the day's print run)."""

    __tablename__ = "packet"

    appointment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    out_dir: Mapped[str] = mapped_column(String(1000), primary_key=True)
    local_start: Mapped[str] = mapped_column(String(16), index=True)
    """`YYYY-MM-DDTHH:MM` at the site: the day and order of the print run."""
    file: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    """`ok`, or `cancelled` (the packet was removed)."""
    message_id: Mapped[int] = mapped_column(Integer)
    """The inbox message that last changed it."""
