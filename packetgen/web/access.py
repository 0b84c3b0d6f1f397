"""The access audit as routes record it: one line per route, `access.record(request, action, who, ids…)`;
this fills in when, from which address and the request's id (`store.access` keeps the row). Ids only:
never a name, an MRN or a date of birth."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from .. import logs
from ..store.access import (
    ACTIONS,
    ADD_USER,
    API_PACKET,
    CHANGE_PASSWORD,
    CHANGE_ROLE,
    DISABLE_USER,
    DOWNLOAD_PRINT_RUN,
    ENABLE_USER,
    RECOVERY_CODE_USED,
    REPRINT,
    RESET_PASSWORD,
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    TOTP_ENROL,
    UNLOCK_USER,
    UPLOAD,
    VIEW_PATIENT,
    VIEW_PDF,
    VIEW_SCHEDULE,
    record_access,
)
from . import accounts
from .context import Context

__all__ = ["ACTIONS", "ADD_USER", "API_PACKET", "CHANGE_PASSWORD", "CHANGE_ROLE", "DISABLE_USER", "DOWNLOAD_PRINT_RUN",
           "ENABLE_USER", "RECOVERY_CODE_USED", "REPRINT", "RESET_PASSWORD", "SIGN_IN", "SIGN_IN_FAILED", "SIGN_OUT",
           "TOTP_ENROL", "UNLOCK_USER", "UPLOAD", "VIEW_PATIENT", "VIEW_PDF", "VIEW_SCHEDULE", "address_of",
           "record"]  # fmt: skip


def address_of(request: Request) -> str:
    """The client's address, as the app sees it."""
    return request.client.host if request.client else "unknown"


def record(
    request: Request,
    action: str,
    who: accounts.SignedIn | str,
    *,
    session: Session | None = None,
    entry_id: int | None = None,
    appointment_id: str | None = None,
    print_run_id: int | None = None,
    user_id: int | None = None,
) -> None:
    """Record `action` by `who` (the signed-in user, or a name: an API token's) for this request: in
    `session` when given (committed with what it records), else committed now, before the answer."""
    name = who.name if isinstance(who, accounts.SignedIn) else who

    def add(into: Session) -> None:
        record_access(into, accounts.now(), name, address_of(request), action, entry_id=entry_id,
                      appointment_id=appointment_id, print_run_id=print_run_id, user_id=user_id,
                      request_id=logs.request_id.get() or "")  # fmt: skip

    if session is not None:
        add(session)
        return
    context: Context = request.app.state.context
    with context.store.session() as own:
        add(own)
