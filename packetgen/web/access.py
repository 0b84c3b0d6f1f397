"""The access audit as routes record it: one line per route, `access.record(request, action, who, ids…)`;
this fills in when, from which address and the request's id (`store.access` keeps the row). Ids only:
never a name, an MRN or a date of birth."""

from __future__ import annotations

import hmac
import threading
from datetime import datetime

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import logs
from ..store.access import (
    ACCESS_REFUSED,
    ACTIONS,
    ADD_USER,
    API_PACKET,
    API_REQUEST,
    CHANGE_PASSWORD,
    CHANGE_ROLE,
    DISABLE_USER,
    DOWNLOAD_PRINT_RUN,
    EMAIL_PACKET,
    ENABLE_USER,
    RECOVERY_CODE_USED,
    REFUSED_REPEATED,
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
    VIEW_UPLOAD,
    record_access,
)
from ..store.tables import ApiToken
from . import accounts
from .context import Context

__all__ = ["ACCESS_REFUSED", "ACTIONS", "ADD_USER", "API_PACKET", "API_REQUEST", "CHANGE_PASSWORD", "CHANGE_ROLE",
           "DISABLE_USER", "DOWNLOAD_PRINT_RUN", "EMAIL_PACKET", "ENABLE_USER", "RECOVERY_CODE_USED",
           "REFUSED_REPEATED", "REPRINT", "RESET_PASSWORD", "SIGN_IN", "SIGN_IN_FAILED", "SIGN_OUT", "TOTP_ENROL",
           "UNLOCK_USER", "UPLOAD",
           "VIEW_PATIENT", "VIEW_PDF", "VIEW_SCHEDULE", "VIEW_UPLOAD", "Refusals", "address_of", "expired_token",
           "record", "refused"]  # fmt: skip


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
    recipient: str | None = None,
    route: str | None = None,
    status: int | None = None,
) -> None:
    """Record `action` by `who` (the signed-in user, or a name: an API token's) for this request: in
    `session` when given (committed with what it records), else committed now, before the answer."""
    name = who.name if isinstance(who, accounts.SignedIn) else who

    def add(into: Session) -> None:
        record_access(into, accounts.now(), name, address_of(request), action, entry_id=entry_id,
                      appointment_id=appointment_id, print_run_id=print_run_id, user_id=user_id,
                      request_id=logs.request_id.get() or "", recipient=recipient, route=route,
                      status=status)  # fmt: skip

    if session is not None:
        add(session)
        return
    context: Context = request.app.state.context
    with context.store.session() as own:
        add(own)


def expired_token(session: Session, token: str) -> str | None:
    """The name of `token` when it is an API token that has expired (a revoked one is gone): who a
    refusal names in the access audit. None for anything else."""
    found = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == accounts.digest(token))).first()
    if found is None or not hmac.compare_digest(found.token_sha256, accounts.digest(token)):
        return None
    return found.name


class Refusals:
    """Refused requests kept from flooding the access audit (kept for years): the first
    `per_minute` refusals from one address in a minute are a row each; the rest of that minute are
    counted, and the count becomes one `refused-repeated` row for the address once the minute is over
    (written with the next refusal this process records, or when the app stops). Counted per process:
    each worker or instance has its own allowance."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._minute: datetime | None = None
        self._counts: dict[str, int] = {}
        """Refusals from each address in `_minute` (only the current minute's addresses are kept)."""

    def admit(self, address: str, at: datetime) -> tuple[bool, list[tuple[str, datetime, int]]]:
        """Whether a refusal from `address` at `at` gets its own row; and, for each address that went
        over its allowance in a minute now over, (address, that minute, refusals beyond the allowance)."""
        minute = at.replace(second=0, microsecond=0)
        with self._lock:
            over = self._over() if minute != self._minute else []
            if minute != self._minute:
                self._minute, self._counts = minute, {}
            seen = self._counts.get(address, 0)
            self._counts[address] = seen + 1
        return seen < self.per_minute, over

    def flush(self) -> list[tuple[str, datetime, int]]:
        """The counts still held (when the app stops), forgotten here."""
        with self._lock:
            over, self._counts = self._over(), {}
        return over

    def _over(self) -> list[tuple[str, datetime, int]]:
        if self._minute is None:
            return []
        minute = self._minute
        return [(address, minute, n - self.per_minute) for address, n in self._counts.items() if n > self.per_minute]


def refused(request: Request, route: str, status: int) -> None:
    """A refused request (401, 403, or a redirect to the sign-in page) as a row of the access audit:
    who (the signed-in user, the proxy's user or an expired token's name, when known), the address,
    the route's template (never the path as sent, nor its query) and the status; within its address's
    allowance (`Refusals`, `web.refusals_audited_per_minute`), else counted. Committed before the
    answer; the per-token rate and the sign-in delays count other rows, so refusals never add to them."""
    refusals: Refusals = request.app.state.refusals
    at = accounts.now()
    own, over = refusals.admit(address_of(request), at)
    if not own and not over:
        return
    context: Context = request.app.state.context
    with context.store.session() as session:
        write_repeats(session, over)
        if own:
            record_access(session, at, getattr(request.state, "who", "") or "", address_of(request), ACCESS_REFUSED,
                          request_id=logs.request_id.get() or "", route=route, status=status)  # fmt: skip


def write_repeats(session: Session, over: list[tuple[str, datetime, int]]) -> None:
    """One `refused-repeated` row for each (address, minute, count) `Refusals` gives."""
    for address, minute, count in over:
        record_access(session, minute, "", address, REFUSED_REPEATED, repeats=count)
