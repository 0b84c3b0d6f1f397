"""Users, API tokens, sessions and sign-in limits, all in the database (shared by every instance)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.tables import ApiToken, SignInAttempt, WebSession, WebUser

ROLES = ("scheduler", "clinician", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "scheduler": frozenset({"view", "upload", "print"}),
    "clinician": frozenset({"view", "print", "email", "reprint"}),
    "admin": frozenset({"view", "upload", "print", "email", "reprint", "admin"}),
}
"""What each role may do: schedulers load and print the day, clinicians email and reprint, admins all."""

_HASHER = PasswordHasher()  # Argon2id, argon2-cffi's defaults (RFC 9106's second recommendation)
_WINDOW = timedelta(minutes=15)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so both take the same time
    (made at the first sign-in, not at start-up: hashing is slow on purpose)."""
    return _HASHER.hash(secrets.token_hex(16))


def now() -> datetime:
    return datetime.now(UTC)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """The user behind a request."""

    user_id: int
    name: str
    role: str
    csrf_token: str

    def may(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


def add_user(session: Session, name: str, role: str, password: str) -> WebUser:
    """A new user; UsageError if the name is taken or the role or password will not do."""
    if not 1 <= len(name) <= 100 or not name.isprintable():
        raise UsageError("user name: expected 1 to 100 printable characters")
    if role not in ROLES:
        raise UsageError(f"role: expected one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise UsageError("password: expected at least 12 characters")
    if session.scalar(select(WebUser.id).where(WebUser.name == name)) is not None:
        raise UsageError(f"user {name} exists already")
    user = WebUser(name=name, role=role, password_hash=_HASHER.hash(password), created_at=now(), disabled=False)
    session.add(user)
    session.flush()
    return user


def set_enabled(session: Session, user_id: int, enabled: bool) -> str | None:
    """Enable or disable a user (whose sessions then end); returns the user's name, None if unknown."""
    user = session.get(WebUser, user_id)
    if user is None:
        return None
    user.disabled = not enabled
    if not enabled:
        session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return user.name


def check_password(session: Session, name: str, password: str) -> WebUser | None:
    """The enabled user with this name and password, else None (in the same time either way)."""
    user = session.scalar(select(WebUser).where(WebUser.name == name))
    try:
        _HASHER.verify(user.password_hash if user and user.password_hash else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


def user_named(session: Session, name: str) -> WebUser | None:
    """For a reverse proxy's authenticated-user header: the enabled user of that name."""
    user = session.scalar(select(WebUser).where(WebUser.name == name))
    return user if user is not None and not user.disabled else None


def too_many_failures(session: Session, account: str, address: str, allowed: int) -> bool:
    """Whether sign-in is locked for this account (`allowed` failures in 15 minutes) or this
    address (four times as many)."""
    since = now() - _WINDOW
    recent = select(func.count()).select_from(SignInAttempt).where(SignInAttempt.at >= since)
    by_account = session.scalar(recent.where(SignInAttempt.account == account)) or 0
    by_address = session.scalar(recent.where(SignInAttempt.address == address)) or 0
    return by_account >= allowed or by_address >= 4 * allowed


def record_failure(session: Session, account: str, address: str) -> None:
    session.add(SignInAttempt(at=now(), account=account[:100], address=address[:64]))
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now() - 2 * _WINDOW))


def open_session(session: Session, user: WebUser) -> tuple[str, SignedIn]:
    """A new session for `user`: the cookie's value (only its hash is stored) and who it signs in."""
    value = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        WebSession(
            id_sha256=digest(value), user_id=user.id, csrf_token=csrf_token, created_at=moment, last_seen_at=moment
        )
    )
    return value, SignedIn(user.id, user.name, user.role, csrf_token)


def resume_session(session: Session, value: str, idle: timedelta) -> SignedIn | None:
    """The session a cookie names, if it has been used within `idle` (its clock is then reset)."""
    found = session.get(WebSession, digest(value))
    if found is None:
        return None
    last_seen = found.last_seen_at if found.last_seen_at.tzinfo else found.last_seen_at.replace(tzinfo=UTC)
    user = session.get(WebUser, found.user_id)
    if now() - last_seen > idle or user is None or user.disabled:
        session.delete(found)
        return None
    found.last_seen_at = now()
    return SignedIn(user.id, user.name, user.role, found.csrf_token)


def close_session(session: Session, value: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_sha256 == digest(value)))


def add_token(session: Session, name: str) -> str:
    """A new API token; returns it (shown once: only its hash is stored)."""
    if not 1 <= len(name) <= 100 or not name.isprintable():
        raise UsageError("token name: expected 1 to 100 printable characters")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_sha256=digest(token), created_at=now()))
    return token


def token_is_valid(session: Session, token: str) -> bool:
    found = session.scalar(select(ApiToken.token_sha256).where(ApiToken.token_sha256 == digest(token)))
    return found is not None and hmac.compare_digest(found, digest(token))
