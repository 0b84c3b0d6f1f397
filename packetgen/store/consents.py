"""Scanned consents (`scanned_consent`): what each scan run found, and each appointment's latest state
in words for the schedule and the patient page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .tables import ScannedConsent

FILED, INCOMPLETE = "filed", "incomplete"


@dataclass(frozen=True)
class Found:
    """One consent a scan run found: the store's row without its number."""

    appointment_id: str
    complete: bool
    pages_found: int
    pages_expected: int
    problems: tuple[str, ...]
    file: str | None


def record_scan(session: Session, found: Iterable[Found], moment: datetime) -> None:
    """A row for each consent the scan run found, at `moment`."""
    for consent in found:
        session.add(
            ScannedConsent(
                appointment_id=consent.appointment_id,
                state=FILED if consent.complete and consent.file else INCOMPLETE,
                pages_found=consent.pages_found,
                pages_expected=consent.pages_expected,
                problems="\n".join(consent.problems) or None,
                file=consent.file,
                scanned_at=moment,
            )
        )


def consent_states(session: Session, appointment_ids: Iterable[str | None]) -> dict[str, ScannedConsent]:
    """Each appointment's latest scanned consent, for those that have one."""
    wanted = {a for a in appointment_ids if a}
    if not wanted:
        return {}
    query = (
        select(ScannedConsent)
        .where(ScannedConsent.appointment_id.in_(wanted))
        .order_by(ScannedConsent.scanned_at, ScannedConsent.id)
    )
    return {row.appointment_id: row for row in session.scalars(query)}  # the latest last: it wins


def consent_words(row: ScannedConsent) -> str:
    """`signed consent filed` or `consent incomplete: missing page 3 of 5`."""
    if row.state == FILED:
        return "signed consent filed"
    return f"consent incomplete: {'; '.join((row.problems or '').splitlines()) or 'pages missing'}"
