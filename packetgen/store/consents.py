"""Scanned consents (`scanned_consent`): what each scan run found, and each appointment's latest state
in words for the schedule and the patient page. Each consent found is also a row of the delivery audit
(`audit_event`: `scan-filed` or `scan-incomplete`, what is missing in the same words), which the admin's
audit page and `generate.py audit` list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .tables import AuditEvent, ScannedConsent

FILED, INCOMPLETE = "filed", "incomplete"
SCAN_FILED, SCAN_INCOMPLETE = "scan-filed", "scan-incomplete"
"""The audit's actions for a consent a scan found (the audit's `action` holds 16 characters)."""
TABLET_ACTIONS = {"consented": "tablet-signed", "refused": "tablet-refused", "withdrawn": "tablet-withdrawn"}
"""The audit's action for a consent signed on a tablet, by how its session ended."""
_TABLET_WORDS = {
    "consented": "signed on a tablet",
    "refused": "consent refused on a tablet",
    "withdrawn": "consent withdrawn on a tablet",
}
NOT_FILED = "not filed"
"""The audit row's target for an incomplete consent (a filed one's is its file's name)."""


@dataclass(frozen=True)
class Found:
    """One consent a scan run found: the store's row without its number."""

    appointment_id: str
    complete: bool
    pages_found: int
    pages_expected: int
    problems: tuple[str, ...]
    file: str | None


def record_scan(session: Session, found: Iterable[Found], moment: datetime, actor: str) -> None:
    """A row for each consent the scan run found, at `moment`, and its audit row by `actor` (`web:NAME`,
    the watched scan folder, the command's user)."""
    for consent in found:
        filed = consent.complete and consent.file is not None
        session.add(
            AuditEvent(
                at=moment,
                actor=actor[:200],
                action=SCAN_FILED if filed else SCAN_INCOMPLETE,
                appointment_id=consent.appointment_id,
                packet_sha256="",  # the codes name the appointment, not the packet's bytes
                target=(consent.file or NOT_FILED)[:320],
                result=found_words(consent),
            )
        )
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


def record_signed(
    session: Session,
    appointment_id: str,
    packet_sha256: str,
    file: str,
    pages: int,
    outcome: str,
    roles: Iterable[str],
    moment: datetime,
    actor: str,
) -> None:
    """A consent signed on a tablet and filed as `file` at `moment`: its row (state `filed`, `signed` its
    outcome: the schedule shows it, `chart send` sends it) and its audit row by `actor`: the outcome and
    the roles that signed, never a name."""
    signed_by = ", ".join(roles) or "no signer"
    session.add(
        AuditEvent(
            at=moment,
            actor=actor[:200],
            action=TABLET_ACTIONS[outcome],
            appointment_id=appointment_id,
            packet_sha256=packet_sha256,  # the issued packet it was signed on
            target=file[:320],
            result=f"{outcome}, signed by {signed_by}"[:200],
        )
    )
    session.add(
        ScannedConsent(
            appointment_id=appointment_id,
            state=FILED,
            pages_found=pages,
            pages_expected=pages,
            problems=None,
            file=file,
            scanned_at=moment,
            signed=outcome,
        )
    )


def found_words(consent: Found) -> str:
    """`complete, 5 pages` or `incomplete: missing page 3 of 5`, as the scan's lines say it."""
    if consent.complete:
        return f"complete, {consent.pages_expected} page{'s' if consent.pages_expected != 1 else ''}"
    return f"incomplete: {'; '.join(consent.problems) or 'pages missing'}"


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
    """`signed consent filed`, `signed on a tablet` (`consent refused on a tablet`…) or `consent
    incomplete: missing page 3 of 5`."""
    if row.state == FILED and row.signed:
        return _TABLET_WORDS.get(row.signed, "signed on a tablet")
    if row.state == FILED:
        return "signed consent filed"
    return f"consent incomplete: {'; '.join((row.problems or '').splitlines()) or 'pages missing'}"
