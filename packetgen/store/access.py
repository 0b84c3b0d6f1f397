"""The access audit (`access_event`): who used the app, when, from where, for what; appended, never
changed (the database refuses updates and deletes). Ids only: never a name, an MRN or a date of birth."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .tables import AccessEvent, utc

SIGN_IN, SIGN_IN_FAILED, SIGN_OUT = "sign-in", "sign-in-failed", "sign-out"
VIEW_SCHEDULE, VIEW_PATIENT, VIEW_PDF = "view-schedule", "view-patient", "view-pdf"
DOWNLOAD_PRINT_RUN, API_REQUEST, API_PACKET = "download-print-run", "api-request", "api-packet"
UPLOAD, VIEW_UPLOAD, REPRINT = "upload", "view-upload", "reprint"
ADD_USER, DISABLE_USER, ENABLE_USER = "admin-add-user", "admin-disable-user", "admin-enable-user"
CHANGE_PASSWORD, SET_PASSWORD, RESET_PASSWORD = "change-password", "admin-set-password", "admin-reset-password"
UNLOCK_USER, CHANGE_ROLE = "admin-unlock-user", "admin-change-role"
TOTP_ENROL, RECOVERY_CODE_USED = "totp-enrol", "recovery-code-used"
END_SESSION, ADMIN_END_SESSION = "end-session", "admin-end-session"
EMAIL_PACKET = "email-packet"
ACCESS_REFUSED, REFUSED_REPEATED = "access-refused", "refused-repeated"
DISMISS_ERROR, CANCEL_PRINT_RUN = "dismiss-error", "cancel-print-run"
ADD_CSV_FORMAT, REMOVE_CSV_FORMAT = "admin-add-csv-format", "admin-remove-csv-format"
UPLOAD_SCAN = "upload-scan"
SIGNING_START, SIGNING_DOB_MISMATCH = "signing-start", "signing-dob-mismatch"
SIGNING_FINISH, SIGNING_ABANDON = "signing-finish", "signing-abandon"
ACTIONS = (SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, VIEW_SCHEDULE, VIEW_PATIENT, VIEW_PDF, DOWNLOAD_PRINT_RUN,
           API_REQUEST, API_PACKET, UPLOAD, VIEW_UPLOAD, REPRINT, ADD_USER, DISABLE_USER, ENABLE_USER,
           CHANGE_PASSWORD, SET_PASSWORD, RESET_PASSWORD, UNLOCK_USER, CHANGE_ROLE, TOTP_ENROL, RECOVERY_CODE_USED,
           END_SESSION, ADMIN_END_SESSION, EMAIL_PACKET, ACCESS_REFUSED, REFUSED_REPEATED,
           DISMISS_ERROR, CANCEL_PRINT_RUN, ADD_CSV_FORMAT, REMOVE_CSV_FORMAT, UPLOAD_SCAN,
           SIGNING_START, SIGNING_DOB_MISMATCH, SIGNING_FINISH, SIGNING_ABANDON)  # fmt: skip
"""Every action the audit records, as its `action` column says it."""


def record_access(
    session: Session,
    at: datetime,
    who: str,
    address: str,
    action: str,
    *,
    entry_id: int | None = None,
    appointment_id: str | None = None,
    print_run_id: int | None = None,
    user_id: int | None = None,
    request_id: str = "",
    route: str | None = None,
    status: int | None = None,
    recipient: str | None = None,
    repeats: int | None = None,
) -> None:
    """Append one event (the caller commits, with whatever it records): a refusal with its route's
    template and status, an email with its recipient's address."""
    if action not in ACTIONS:
        raise ValueError(f"access action: expected one of {', '.join(ACTIONS)}")
    session.add(
        AccessEvent(
            at=at,
            who=who[:100],
            address=address[:64],
            action=action,
            entry_id=entry_id,
            appointment_id=appointment_id[:64] if appointment_id else None,
            print_run_id=print_run_id,
            user_id=user_id,
            request_id=request_id[:32],
            route=route[:200] if route is not None else None,
            status=status,
            recipient=recipient[:320] if recipient is not None else None,
            repeats=repeats,
        )
    )


def access_events(
    session: Session,
    since: datetime | None = None,
    who: str | None = None,
    action: str | None = None,
    appointment_id: str | None = None,
    newest_first: bool = False,
    limit: int | None = None,
) -> Sequence[AccessEvent]:
    """Events oldest first (or newest first), optionally from a moment on, of one user or token, of one
    action, for one appointment."""
    query = select(AccessEvent).order_by(AccessEvent.id.desc() if newest_first else AccessEvent.id)
    if since is not None:
        query = query.where(AccessEvent.at >= since)
    if who is not None:
        query = query.where(AccessEvent.who == who)
    if action is not None:
        query = query.where(AccessEvent.action == action)
    if appointment_id is not None:
        query = query.where(AccessEvent.appointment_id == appointment_id)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def count_since(session: Session, since: datetime, who: str, action: str) -> int:
    """How many events of `who` doing `action` from `since` on (the API's per-token rate: its
    `api-request` rows)."""
    query = select(func.count()).select_from(AccessEvent)
    query = query.where(AccessEvent.at >= since, AccessEvent.who == who, AccessEvent.action == action)
    return int(session.scalar(query) or 0)


COLUMNS = ("when_utc", "who", "address", "action", "entry_id", "appointment_id", "print_run_id", "user_id",
           "request_id", "route", "status", "recipient", "repeats")  # fmt: skip
"""What `fields` gives, in order (the CSV's header)."""


def fields(event: AccessEvent) -> tuple[str, ...]:
    """An event as text, in `COLUMNS` order (empty where it has nothing): the moment in UTC, then ids."""
    at = utc(event.at)
    ids = (event.entry_id, event.appointment_id, event.print_run_id, event.user_id)
    more = (event.route, event.status, event.recipient, event.repeats)
    return (at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), event.who, event.address, event.action,
            *("" if i is None else str(i) for i in ids), event.request_id,
            *("" if m is None else str(m) for m in more))  # fmt: skip
