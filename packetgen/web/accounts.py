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


def user_id_of(session: Session, name: str) -> int | None:
    """The id of the user of this name, enabled or not; None when there is none."""
    found: int | None = session.scalar(select(WebUser.id).where(WebUser.name == name))
    return found


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


def open_session(session: Session, user: WebUser, by_proxy: bool = False) -> tuple[str, SignedIn]:
    """A new session for `user`: the cookie's value (only its hash is stored) and who it signs in."""
    value = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        WebSession(
            id_sha256=digest(value),
            user_id=user.id,
            csrf_token=csrf_token,
            created_at=moment,
            last_seen_at=moment,
            by_proxy=by_proxy,
        )
    )
    return value, SignedIn(user.id, user.name, user.role, csrf_token)


def resume_session(session: Session, value: str, idle: timedelta) -> SignedIn | None:
    """The session a cookie names, if it has been used within `idle` (its clock is then reset)."""
    found = session.get(WebSession, digest(value))
    if found is None:
        return None
    user = session.get(WebUser, found.user_id)
    if _idle(found, idle) or user is None or user.disabled:
        session.delete(found)
        return None
    found.last_seen_at = now()
    return SignedIn(user.id, user.name, user.role, found.csrf_token)


def proxy_session(session: Session, user: WebUser, idle: timedelta) -> tuple[str | None, SignedIn]:
    """The one session of a user a trusted reverse proxy names, shared by their requests from it
    (cookie or not): their newest proxy session used within `idle` (its clock reset; no cookie value,
    only its hash is stored), else a new one (the value for its cookie)."""
    newest = select(WebSession).where(WebSession.user_id == user.id, WebSession.by_proxy)
    found = session.scalars(newest.order_by(WebSession.last_seen_at.desc()).limit(1)).first()
    if found is not None and not _idle(found, idle):
        found.last_seen_at = now()
        return None, SignedIn(user.id, user.name, user.role, found.csrf_token)
    if found is not None:
        session.delete(found)
    return open_session(session, user, by_proxy=True)


def _idle(found: WebSession, idle: timedelta) -> bool:
    """Whether a session has gone unused for longer than `idle`."""
    last_seen = found.last_seen_at if found.last_seen_at.tzinfo else found.last_seen_at.replace(tzinfo=UTC)
    return now() - last_seen > idle


def close_session(session: Session, value: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_sha256 == digest(value)))


TOKEN_DAYS = 365
"""How long a new API token works unless `token add --days` says otherwise."""
_USE_GRAIN = timedelta(minutes=1)
"""`last_used_at` is written at most once a minute per token (not a write per request)."""


@dataclass(frozen=True)
class TokenInfo:
    """What `token list` shows of a token: never the token, which only its caller holds."""

    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


def add_token(session: Session, name: str, days: int = TOKEN_DAYS) -> str:
    """A new API token working for `days`; returns it (shown once: only its hash is stored). Names
    are unique, so that `token revoke NAME` ends the one a scheduling system holds."""
    if not 1 <= len(name) <= 100 or not name.isprintable() or name != name.strip():
        raise UsageError("token name: expected 1 to 100 printable characters, without spaces around them")
    if session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.name == name)):
        raise UsageError(f"token {name} exists: `token revoke {name}` first, or choose another name")
    token = secrets.token_urlsafe(32)
    made = now()
    expires = made + timedelta(days=days)
    session.add(ApiToken(name=name, token_sha256=digest(token), created_at=made, expires_at=expires))
    return token


def list_tokens(session: Session) -> list[TokenInfo]:
    rows = session.scalars(select(ApiToken).order_by(ApiToken.name, ApiToken.id))
    return [TokenInfo(t.name, _utc(t.created_at), _opt_utc(t.expires_at), _opt_utc(t.last_used_at)) for t in rows]


def revoke_token(session: Session, name: str) -> int:
    """Ends every token named `name` at once; how many there were (UsageError when none)."""
    ended = session.execute(delete(ApiToken).where(ApiToken.name == name)).rowcount  # type: ignore[attr-defined]
    if not ended:
        raise UsageError(f"no API token named {name}")
    return int(ended)


def token_is_valid(session: Session, token: str) -> bool:
    return token_name(session, token) is not None


def token_name(session: Session, token: str) -> str | None:
    """The name of the API token `token` (who uses it, for the access audit), its use noted; None if it
    is no token or has expired."""
    found = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == digest(token))).first()
    if found is None or not hmac.compare_digest(found.token_sha256, digest(token)):
        return None
    at = now()
    if found.expires_at is not None and _utc(found.expires_at) <= at:
        return None
    if found.last_used_at is None or at - _utc(found.last_used_at) >= _USE_GRAIN:
        found.last_used_at = at
    return found.name


def _utc(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite gives them back without their zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _opt_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)
