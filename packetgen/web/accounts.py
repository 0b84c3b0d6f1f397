"""Users, API tokens, sessions and sign-in limits, all in the database (shared by every instance)."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.tables import ApiToken, SignInAttempt, WebSession, WebUser, utc
from . import credentials

ROLES = ("scheduler", "clinician", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "scheduler": frozenset({"view", "upload", "print"}),
    "clinician": frozenset({"view", "print", "email", "reprint", "sign"}),
    "admin": frozenset({"view", "upload", "print", "email", "reprint", "sign", "admin"}),
}
"""What each role may do: schedulers load and print the day, clinicians email, reprint and have consents
signed on a tablet, admins all."""

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
    """A new user; UsageError if the name is taken, looks like another user's, or the role or password
    will not do (`credentials`). The name is stored in NFKC."""
    name = credentials.check_name(name, list(session.scalars(select(WebUser.name))))
    if role not in ROLES:
        raise UsageError(f"role: expected one of {', '.join(ROLES)}")
    credentials.check_password(password, name)
    user = WebUser(name=name, role=role, password_hash=hash_password(password), created_at=now(), disabled=False)
    session.add(user)
    session.flush()
    return user


def hash_password(password: str) -> str:
    """The Argon2id hash stored for `password`."""
    return _HASHER.hash(password)


def password_matches(user: WebUser, password: str) -> bool:
    """Whether `password` is `user`'s current one (a change of one's own password asks for it)."""
    try:
        return bool(user.password_hash) and _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_enabled(session: Session, user_id: int, enabled: bool) -> str | None:
    """Enable or disable a user (whose sessions then end); returns the user's name, None if unknown."""
    user = session.get(WebUser, user_id)
    if user is None:
        return None
    user.disabled = not enabled
    if not enabled:
        session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return user.name


def find_by_name(session: Session, name: str) -> WebUser | None:
    """The user of this name, enabled or not, both it and the stored names read in NFKC (as
    `credentials.normalise` makes them): `ａｎａ` finds `ana`, and a name stored before names were kept in
    NFKC is still found by its NFKC form. None when there is none."""
    normal = credentials.normalise(name)
    user = session.scalar(select(WebUser).where(WebUser.name == normal))
    if user is not None:
        return user
    for other in session.scalars(select(WebUser).where(WebUser.name != normal)):  # a stored name not in NFKC
        if credentials.normalise(other.name) == normal:
            return other
    return None


def check_password(session: Session, name: str, password: str) -> WebUser | None:
    """The enabled user with this name (NFKC) and password, else None (in the same time either way)."""
    user = find_by_name(session, name)
    if not verify(user.password_hash if user and user.password_hash else None, password):
        return None
    if user is None or user.disabled:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


def user_id_of(session: Session, name: str) -> int | None:
    """The id of the user of this name, enabled or not; None when there is none."""
    found = find_by_name(session, name)
    return found.id if found is not None else None


def user_named(session: Session, name: str) -> WebUser | None:
    """The enabled user of that name (NFKC, as at sign-in): after a right password, or the user a
    reverse proxy's header names."""
    user = find_by_name(session, name)
    return user if user is not None and not user.disabled else None


MAX_DELAY = timedelta(minutes=15)
"""The longest wait growing sign-in delays reach."""
PENDING, FAILED, OK = "pending", "failed", "ok"
"""A recorded attempt's outcome: its password being checked (counted as a failure until then), wrong, right."""


def wait_seconds(session: Session, account: str, address: str, allowed: int, delay: float = 1.0) -> float:
    """How long this account and this address must still wait before their next attempt (0: none).
    Once an account has `allowed` failures in 15 minutes (an address four times as many), each further
    attempt waits `delay` seconds after the latest, doubled for each failure beyond those, up to
    `MAX_DELAY`: guessing slows down, and nobody is locked out. Successes count for nothing."""
    since = now() - _WINDOW
    failed = (SignInAttempt.at >= since) & SignInAttempt.outcome.in_((FAILED, PENDING))
    counted = select(func.count(), func.max(SignInAttempt.at)).where(failed)
    moment, wait = now(), 0.0
    for column, value, threshold in ((SignInAttempt.account, account[:100], allowed),
                                     (SignInAttempt.address, address[:64], 4 * allowed)):  # fmt: skip
        count, latest = session.execute(counted.where(column == value)).one()
        if count >= threshold and latest is not None:
            step = min(delay * 2 ** min(count - threshold, 30), MAX_DELAY.total_seconds())
            wait = max(wait, (utc(latest) + timedelta(seconds=step) - moment).total_seconds())
    return max(wait, 0.0)


def too_many(wait: float) -> str:
    """What an attempt inside the wait is told (its password unchecked)."""
    seconds = max(1, math.ceil(wait))
    return f"Too many attempts: try again in about {seconds} second{'' if seconds == 1 else 's'}."


def too_many_failures(session: Session, account: str, address: str, allowed: int, delay: float = 1.0) -> bool:
    """Whether this account or address must wait before its next attempt (`wait_seconds`)."""
    return wait_seconds(session, account, address, allowed, delay) > 0


def start_attempt(session: Session, account: str, address: str, allowed: int, delay: float) -> tuple[int | None, float]:
    """In the caller's write transaction, taken first so that every worker and instance decides in turn
    (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the table locked against other writers until the commit):
    either the wait still to come (None, seconds), or the attempt recorded as pending (its id, 0), so
    that attempts in flight count as failures. The caller checks the password after its commit, and
    records the outcome with `finish_attempt`."""
    serialise(session, "sign_in_attempt")
    wait = wait_seconds(session, account, address, allowed, delay)
    if wait > 0:
        return None, wait
    attempt = SignInAttempt(at=now(), account=account[:100], address=address[:64], outcome=PENDING)
    session.add(attempt)
    session.flush()
    return attempt.id, 0.0


def finish_attempt(session: Session, attempt_id: int, right: bool) -> None:
    """The outcome of an attempt `start_attempt` recorded; attempts older than the window go."""
    session.execute(update(SignInAttempt).where(SignInAttempt.id == attempt_id).values(outcome=OK if right else FAILED))
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now() - 2 * _WINDOW))


def record_failure(session: Session, account: str, address: str) -> None:
    """A failed attempt, recorded at once (where nothing slow was checked: a second factor's code)."""
    session.add(SignInAttempt(at=now(), account=account[:100], address=address[:64], outcome=FAILED))
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now() - 2 * _WINDOW))


def serialise(session: Session, table: str) -> None:
    """Make the rest of this transaction the only writer of `table` until it commits (SQLite: of the
    whole database), so that a count read in it and the row then written are decided in turn by every
    worker and instance. Keep such a transaction short."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, not at the insert
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def password_hash_of(session: Session, name: str) -> str | None:
    """The stored hash of the enabled user of this name (NFKC), for checking outside any write
    transaction; None when there is none."""
    user = find_by_name(session, name)
    return user.password_hash if user is not None and not user.disabled and user.password_hash else None


def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches the hash `stored` (None: no such user, checked against a dummy hash
    so that both take the same time). Slow on purpose (Argon2): call it outside any transaction."""
    try:
        return bool(_HASHER.verify(stored or _dummy_hash(), password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return bool(_HASHER.check_needs_rehash(stored))


def open_session(
    session: Session, user: WebUser, by_proxy: bool = False, address: str | None = None
) -> tuple[str, SignedIn]:
    """A new session for `user`, opened from `address`: the cookie's value (only its hash is stored)
    and who it signs in."""
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
            address=address[:64] if address else None,
        )
    )
    return value, SignedIn(user.id, user.name, user.role, csrf_token)


MAX_AGE = timedelta(hours=12)
"""A session's absolute lifetime unless the site says otherwise (`web.session_max_hours`)."""

CONFIRM_WINDOW = timedelta(minutes=5)
"""How long a session's proof of its user (the password again, or a sign-in with both factors) lets an
admin change users and end sessions before the password is asked for again (ASVS 3.7.1; GitHub's
"sudo mode" works the same way)."""


def _session_of(session: Session, user: SignedIn) -> WebSession | None:
    """The session `user` was read from (its CSRF token is that session's own)."""
    query = select(WebSession).where(WebSession.user_id == user.user_id, WebSession.csrf_token == user.csrf_token)
    return session.scalars(query.limit(1)).first()


def recently_confirmed(session: Session, user: SignedIn) -> bool:
    """Whether `user`'s session proved who they are within `CONFIRM_WINDOW`: their password again
    (`confirm`), or a sign-in with both factors. A session a trusted proxy opened always has (the proxy
    is trusted to authenticate its users, as at sign-in; they have no password here)."""
    found = _session_of(session, user)
    if found is None:
        return False
    if found.by_proxy:
        return True
    return found.confirmed_at is not None and now() - utc(found.confirmed_at) <= CONFIRM_WINDOW


def confirm(session: Session, user: SignedIn) -> None:
    """`user` has just proved who they are again in their session (their password, or both factors at
    sign-in): their admin changes need no password for `CONFIRM_WINDOW`."""
    found = _session_of(session, user)
    if found is not None:
        found.confirmed_at = now()


def resume_session(session: Session, value: str, idle: timedelta, max_age: timedelta = MAX_AGE) -> SignedIn | None:
    """The session a cookie names, if it has been used within `idle` (its clock is then reset) and
    was opened less than `max_age` ago. One that is not is deleted (the caller commits, even when it
    then refuses the request)."""
    found = session.get(WebSession, digest(value))
    if found is None:
        return None
    user = session.get(WebUser, found.user_id)
    if _expired(found, idle, max_age) or user is None or user.disabled:
        session.delete(found)
        return None
    found.last_seen_at = now()
    return SignedIn(user.id, user.name, user.role, found.csrf_token)


def proxy_session(
    session: Session, user: WebUser, idle: timedelta, max_age: timedelta = MAX_AGE, address: str | None = None
) -> tuple[str | None, SignedIn]:
    """The one session of a user a trusted reverse proxy names, shared by their requests from it
    (cookie or not): their newest proxy session used within `idle` and younger than `max_age` (its
    clock reset; no cookie value, only its hash is stored), else a new one (the value for its cookie)."""
    newest = select(WebSession).where(WebSession.user_id == user.id, WebSession.by_proxy)
    found = session.scalars(newest.order_by(WebSession.last_seen_at.desc()).limit(1)).first()
    if found is not None and not _expired(found, idle, max_age):
        found.last_seen_at = now()
        return None, SignedIn(user.id, user.name, user.role, found.csrf_token)
    if found is not None:
        session.delete(found)
    return open_session(session, user, by_proxy=True, address=address)


def _expired(found: WebSession, idle: timedelta, max_age: timedelta) -> bool:
    """Whether a session has gone unused for longer than `idle`, or was opened more than `max_age` ago."""
    moment = now()
    return moment - utc(found.last_seen_at) > idle or moment - utc(found.created_at) > max_age


def purge_sessions(session: Session, idle: timedelta, max_age: timedelta = MAX_AGE) -> int:
    """Delete every session idle for longer than `idle` or older than `max_age` (one statement on
    indexed columns, run at each sign-in); how many there were."""
    moment = now()
    stale = (WebSession.last_seen_at < moment - idle) | (WebSession.created_at < moment - max_age)
    return int(session.execute(delete(WebSession).where(stale)).rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SessionInfo:
    """One session as its list shows it: never its cookie, nor the hash the database keys it by, but
    `handle`, the hash's first 16 hex digits (a form names the session to end by it)."""

    handle: str
    user_id: int
    user_name: str
    created_at: datetime
    last_seen_at: datetime
    address: str | None
    by_proxy: bool
    current: bool


HANDLE_LENGTH = 16


def list_sessions(session: Session, user_id: int | None, current_csrf: str = "") -> list[SessionInfo]:
    """The sessions of one user (None: everyone's), newest first; `current` marks the one whose CSRF
    token is `current_csrf` (the asker's own)."""
    query = select(WebSession, WebUser.name).join(WebUser, WebUser.id == WebSession.user_id)
    if user_id is not None:
        query = query.where(WebSession.user_id == user_id)
    listed = []
    for found, name in session.execute(query.order_by(WebSession.last_seen_at.desc())):
        current = bool(current_csrf) and hmac.compare_digest(found.csrf_token, current_csrf)
        handle = found.id_sha256[:HANDLE_LENGTH]
        created, seen = utc(found.created_at), utc(found.last_seen_at)
        listed.append(SessionInfo(handle, found.user_id, name, created, seen, found.address, found.by_proxy, current))
    return listed


def end_session(session: Session, handle: str, user_id: int | None) -> int | None:
    """Delete the session `handle` names (of user `user_id` only, unless None: an admin's); the user
    it belonged to, or None when there is no such session (of theirs)."""
    if len(handle) != HANDLE_LENGTH or any(c not in "0123456789abcdef" for c in handle):
        return None
    query = select(WebSession).where(WebSession.id_sha256.startswith(handle, autoescape=True))
    if user_id is not None:
        query = query.where(WebSession.user_id == user_id)
    found = session.scalars(query.limit(2)).all()
    if len(found) != 1:
        return None
    owner = found[0].user_id
    session.delete(found[0])
    return owner


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
    return [
        TokenInfo(t.name, utc(t.created_at), t.expires_at and utc(t.expires_at), t.last_used_at and utc(t.last_used_at))
        for t in rows
    ]


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
    if found.expires_at is not None and utc(found.expires_at) <= at:
        return None
    if found.last_used_at is None or at - utc(found.last_used_at) >= _USE_GRAIN:
        found.last_used_at = at
    return found.name
