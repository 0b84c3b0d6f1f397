"""A user's password and role after they were added (issue 26): their own change, an admin's reset
(a one-time password, changed at the next sign-in), unlocking sign-in, a new role. Shared by the
command line (`generate.py user passwd|reset|unlock|role`) and the admin page; the caller commits
and records the change in the access audit."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.tables import SignInAttempt, WebSession, WebUser
from . import accounts, credentials

ONE_TIME_BYTES = 15
"""A reset's one-time password: 120 random bits, 20 URL-safe characters."""


def find_user(session: Session, name: str) -> WebUser:
    """The user of this name (NFKC), enabled or not; UsageError when there is none."""
    user = accounts.find_by_name(session, name)
    if user is None:
        raise UsageError(f"no user named {name}")
    return user


def set_password(session: Session, user: WebUser, password: str, keep: str | None = None) -> None:
    """A new password for `user` if it meets the policy (`credentials.check_password`, UsageError
    otherwise); every session of theirs ends but the one whose cookie is `keep` (who changed it)."""
    credentials.check_password(password, user.name)
    store_password(session, user, accounts.hash_password(password), keep)


def store_password(session: Session, user: WebUser, hashed: str, keep: str | None = None) -> None:
    """`hashed` (`accounts.hash_password`, made before the write transaction: it is slow on purpose) as
    `user`'s password, which then need not be changed; every session of theirs ends but `keep`'s."""
    user.password_hash = hashed
    user.must_change_password = False
    ended = delete(WebSession).where(WebSession.user_id == user.id)
    if keep:
        ended = ended.where(WebSession.id_sha256 != accounts.digest(keep))
    session.execute(ended)


def reset_password(session: Session, user: WebUser, clear_totp: bool = False) -> str:
    """A one-time password for `user` (returned, shown once: only its hash is kept), to be changed at
    their next sign-in; their sessions end and their sign-in failures are forgotten; with `clear_totp`,
    their second factor too (they enrol again at the next sign-in)."""
    one_time = secrets.token_urlsafe(ONE_TIME_BYTES)
    user.password_hash = accounts.hash_password(one_time)
    user.must_change_password = True
    if clear_totp:
        user.totp_secret = None
        user.totp_pending_secret = None
        user.totp_last_step = None
        user.recovery_codes = None
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    unlock(session, user)
    return one_time


def unlock(session: Session, user: WebUser) -> int:
    """Forget the recent failed sign-ins to `user`'s account, so that its next attempt need not wait
    (those from an address stay counted; its successes stay recorded); how many there were."""
    failed = SignInAttempt.outcome.in_((accounts.FAILED, accounts.PENDING))
    names = {user.name, credentials.normalise(user.name)}  # sign-in counts a name as typed, in NFKC
    gone = session.execute(delete(SignInAttempt).where(SignInAttempt.account.in_(names), failed))
    return int(gone.rowcount)  # type: ignore[attr-defined]


def set_role(session: Session, user: WebUser, role: str) -> None:
    """Give `user` another role (their open sessions have it from their next request); the last
    enabled admin keeps theirs."""
    if role not in accounts.ROLES:
        raise UsageError(f"role: expected one of {', '.join(accounts.ROLES)}")
    if user.role == "admin" and role != "admin" and not user.disabled:
        admins = select(func.count()).select_from(WebUser).where(WebUser.role == "admin", ~WebUser.disabled)
        if (session.scalar(admins) or 0) <= 1:
            raise UsageError(f"user {user.name} is the only admin: make another user admin first")
    user.role = role


CONFIRM_PAGE = "/account/confirm"
"""Where an admin proves who they are again before changing users or ending sessions (ASVS 3.7.1)."""
CODE_PAGE, PASSWORD_PAGE, TOTP_PAGE = "/sign-in/code", "/account/password", "/account/totp"
"""Where a session that may not go anywhere yet is sent: the second factor's code after the password,
a new password after an admin's reset, enrolment in a second factor its role requires."""


def stage(session: Session, cookie: str, require_totp_for: tuple[str, ...]) -> str | None:
    """The page the session `cookie` names must finish before any other (`CODE_PAGE`, `PASSWORD_PAGE`,
    `TOTP_PAGE`), None when it may go anywhere its role allows. Reads what `accounts.resume_session`
    has just read: no query of its own."""
    found = session.get(WebSession, accounts.digest(cookie))
    user = session.get(WebUser, found.user_id) if found is not None else None
    if found is None or user is None:
        return None
    if found.second_factor_pending:
        return CODE_PAGE
    if user.must_change_password:
        return PASSWORD_PAGE
    if user.totp_secret is None and user.role in require_totp_for:
        return TOTP_PAGE
    return None


def await_second_factor(session: Session, user: WebUser, cookie: str) -> None:
    """A session just opened for `user` with their password waits for their TOTP code when they have
    a second factor (it reaches only `CODE_PAGE` until then)."""
    if user.totp_secret:
        session.flush()
        opened = session.get(WebSession, accounts.digest(cookie))
        if opened is not None:
            opened.second_factor_pending = True


def second_factor_given(session: Session, cookie: str) -> None:
    """The session `cookie` names has had its code: it may go anywhere its role allows, and for
    `accounts.CONFIRM_WINDOW` make an admin's changes without the password again."""
    found = session.get(WebSession, accounts.digest(cookie))
    if found is not None:
        found.second_factor_pending = False
        found.confirmed_at = accounts.now()  # both factors just now: an admin's changes need no password yet
