"""What a route declares it needs, as FastAPI dependencies: `Annotated` aliases for a handler's
parameters (`Ctx`, `User`, `Reading`) and `Depends` objects for a route's or a router's
`dependencies=[...]` (who may use it, the form's token).

Who may use a route is declared where the route, or its router, is declared, by one of:

- `PUBLIC`: anyone, without a session (sign-in, health, the API's description, static files);
- `API_TOKEN`: a bearer token (`generate.py token add`), never a session: 401 without one;
- `SIGNED_IN`: any signed-in user, whatever the role (signing out);
- `require(permission)`: a signed-in user whose role allows that action (`accounts.PERMISSIONS`):
  without a session a redirect to sign-in (303), with a role that does not allow it 403.

`access_of(route)` reads the declaration back from the app: the role matrix test fails for a route
that has none. A form posted in a session declares `CHECKED_FORM` (its `csrf_token` must be the
session's: 403 otherwise, before the handler runs); the sign-in form declares `SIGN_IN_FORM` (the
token it was handed with, in its own cookie).

Database sessions: `Reading` is a read-only session for a page that only reads. A handler that
writes opens `context.store.session()` itself, so that the write is committed before the answer is
made; and a page shown after a write reads in a session of its own, opened after the commit.
"""

# No `from __future__ import annotations` here: FastAPI reads the parameters of `Require.__call__`
# and `ApiToken.__call__` from their annotations, and an instance has no module globals to resolve
# annotations written as strings.

import hmac
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.routing import Mount

from ..store import access as store_access
from . import access, accounts, lifecycle, proxy
from .context import Context
from .pages import SESSION_COOKIE, SIGN_IN_COOKIE, cookie_name

logger = logging.getLogger(__name__)


async def context_of(request: Request) -> Context:  # async: no thread for what does no I/O
    context: Context = request.app.state.context
    return context


Ctx = Annotated[Context, Depends(context_of)]
"""The app's settings, store and content library."""


def reading(context: Ctx) -> Iterator[Session]:
    with context.store.reading() as session:
        yield session


Reading = Annotated[Session, Depends(reading)]
"""A read-only database session for a page that only reads (it ends after the response)."""


def signed_in(request: Request, context: Ctx) -> accounts.SignedIn:
    """The session's user; a redirect to sign-in without one. Behind a reverse proxy that names the
    user (`web.trusted_user_header`), on a request straight from it (`web.trusted_proxies`): that
    user, in the session their requests from the proxy share, opened when they have none (the app's
    middleware sets its cookie); the header named twice is refused (400). From anyone else the header
    is ignored (and logged): their cookie's session, or the sign-in form."""
    header = _user_header(request, context)
    names = request.headers.getlist(header) if header else []
    if len(names) > 1:
        raise HTTPException(400)  # never one of them: a proxy that adds its header to the client's
    cookie = request.cookies.get(cookie_name(request, SESSION_COOKIE)) or ""
    idle, max_age = session_limits(context)
    with context.store.session() as session:  # committed before a refusal: an expired session is removed
        resumed = accounts.resume_session(session, cookie, idle, max_age) if cookie else None
        stage = lifecycle.stage(session, cookie, context.settings.web.require_totp_for) if resumed else None
    if resumed is not None:
        request.state.who = resumed.name  # who is refused, should a later check refuse (the access audit)
    if not header:
        if resumed is None:
            raise HTTPException(303, headers={"Location": "/sign-in"})
        if stage is not None and request.url.path not in (stage, "/sign-out"):
            raise HTTPException(303, headers={"Location": stage})  # the second factor, a new password: first
        return resumed
    with context.store.session() as session:
        user = accounts.user_named(session, _header_text(names[0])) if names and names[0] else None
        if user is None:
            raise HTTPException(401)
        request.state.who = user.name
        if resumed is not None and resumed.user_id == user.id:
            return resumed  # a browser that keeps its cookie
        address = request.client.host if request.client else None
        request.state.new_session, shared = accounts.proxy_session(session, user, idle, max_age, address)
        return shared


def _header_text(value: str) -> str:
    """A header's value as the proxy wrote it: UTF-8 when its bytes are (Starlette reads every header
    as Latin-1), else as read. The name is then looked up in NFKC, as at sign-in."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def session_limits(context: Context) -> tuple[timedelta, timedelta]:
    """How long a session may go unused, and how long it may last at all (the site's settings)."""
    web = context.settings.web
    return timedelta(minutes=web.session_idle_minutes), timedelta(hours=web.session_max_hours)


def _user_header(request: Request, context: Context) -> str | None:
    """The proxy's user header (`web.trusted_user_header`) on a request straight from a trusted proxy;
    else None, with a warning when the request carries it anyway (the peer's address, never the value)."""
    header = context.settings.web.trusted_user_header
    if header and not proxy.from_proxy(request):
        if header in request.headers:
            logger.warning("%s sent from %s, which is not in web.trusted_proxies: ignored", header, proxy.peer(request))
        return None
    return header


User = Annotated[accounts.SignedIn, Depends(signed_in)]
"""The signed-in user (the same one for every dependency of a request: FastAPI caches it)."""


class Refused(HTTPException):
    """A refusal in our own words, which the error handler says as they are (the API's 401)."""


class Access:
    """Who may use a route: the base of the dependencies that declare it."""

    who = ""
    """Its name in the role matrix: `public`, `api token`, `signed in` or a permission."""


class Public(Access):
    """Anyone, with or without a session."""

    who = "public"

    async def __call__(self) -> None:
        return None


_BEARER = HTTPBearer(auto_error=False, description="An API token: `generate.py token add NAME`.")


class ApiToken(Access):
    """A valid bearer token (the API's callers: scheduling systems). OpenAPI shows it as HTTP bearer."""

    who = "api token"

    def __call__(
        self,
        request: Request,
        context: Ctx,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    ) -> None:
        token = credentials.credentials.strip() if credentials is not None else ""
        if token:
            with context.store.session() as session:  # its last use is noted (once a minute)
                name = accounts.token_name(session, token)
            if name is not None:
                request.state.api_token = name  # who asks, for the access audit
                _within_rate(request, context, name)
                return
            with context.store.reading() as session:  # an expired token's name, for the access audit
                request.state.who = access.expired_token(session, token) or ""
        raise Refused(401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"})


def _within_rate(request: Request, context: Context, token: str) -> None:
    """Refused (429) when `token` has made its minute's worth of requests; else this request is
    reserved before its packet is made: an `api-request` row of the access audit, counted and written
    in a short transaction of its own that every worker and instance takes in turn (as sign-in
    attempts are), so that a burst of concurrent requests lets through at most the limit."""
    limit = context.settings.web.api_requests_per_minute
    with context.store.session() as session:
        accounts.serialise(session, "access_event")
        since = accounts.now() - timedelta(minutes=1)
        made = store_access.count_since(session, since, token, store_access.API_REQUEST)
        if made < limit:
            access.record(request, access.API_REQUEST, token, session=session)
    if made >= limit:
        raise Refused(429, f"too many requests: at most {limit} a minute for this token", {"Retry-After": "60"})


class Require(Access):
    """A signed-in user whose role allows `permission` (None: any signed-in user)."""

    def __init__(self, permission: str | None) -> None:
        known = set().union(*accounts.PERMISSIONS.values())
        if permission is not None and permission not in known:
            raise ValueError(f"permission: expected one of {', '.join(sorted(known))}")
        self.permission = permission
        self.who = permission or "signed in"
        self.roles = frozenset(
            role for role, allowed in accounts.PERMISSIONS.items() if permission is None or permission in allowed
        )
        """The roles it lets in."""

    async def __call__(self, user: User) -> None:
        if self.permission is not None and not user.may(self.permission):
            raise HTTPException(403)


def require(permission: str) -> Any:
    """`dependencies=[require("print")]`: the route is for roles that may print."""
    return Depends(Require(permission))


PUBLIC: Any = Depends(Public())
API_TOKEN: Any = Depends(ApiToken())
SIGNED_IN: Any = Depends(Require(None))


class PublicMount(Mount):
    """A mount anyone may read (the stylesheet, the progress script). A mount takes no dependencies:
    it names its access here, for `access_of`."""

    access = Public()


async def checked_form(user: User, csrf_token: Annotated[str, Form()]) -> None:
    """The posted form carries the session's CSRF token (else 403)."""
    if not hmac.compare_digest(user.csrf_token.encode(), csrf_token.encode()):
        raise HTTPException(403)


async def checked_sign_in_form(request: Request, csrf_token: Annotated[str, Form()]) -> None:
    """The sign-in form carries the token handed out with it, in its cookie (else 403)."""
    sent = request.cookies.get(cookie_name(request, SIGN_IN_COOKIE), "")
    if not hmac.compare_digest(sent.encode(), csrf_token.encode()):
        raise HTTPException(403)


CHECKED_FORM: Any = Depends(checked_form)
SIGN_IN_FORM: Any = Depends(checked_sign_in_form)

CONFIRM_THEN = {"admin": "/admin", "sessions": "/admin/sessions"}
"""Where the confirmation page leads once the password is given: a fixed page, named by its key."""


class Confirmed:
    """An admin's change (of users, of others' sessions) needs the session to have proved its user
    recently (`accounts.recently_confirmed`: the password again, or both factors at sign-in, within
    `accounts.CONFIRM_WINDOW`); else a redirect (303) to the confirmation page, which then leads to
    `then` (a key of `CONFIRM_THEN`), where the admin makes the change again. Declared after the role
    and the form's token, so a forbidden or forged request is refused as before."""

    def __init__(self, then: str) -> None:
        self.location = f"{lifecycle.CONFIRM_PAGE}?then={then}" if then != "admin" else lifecycle.CONFIRM_PAGE

    def __call__(self, context: Ctx, user: User) -> None:
        with context.store.reading() as session:
            if accounts.recently_confirmed(session, user):
                return
        raise HTTPException(303, headers={"Location": self.location})


CONFIRMED: Any = Depends(Confirmed("admin"))
"""`dependencies=[..., CONFIRMED]`: the admin proved who they are in the last five minutes (ASVS 3.7.1)."""
CONFIRMED_SESSIONS: Any = Depends(Confirmed("sessions"))
"""As `CONFIRMED`, leading back to the list of everyone's sessions."""


def declared(route: object) -> list[object]:
    """Every dependency a route of the app declares (its callable): its own, its router's, and
    theirs in turn; for a mount, its `access`. A route is what `app.routes` holds, or (a FastAPI that
    keeps an included router whole) a `fastapi.routing.RouteContext`."""
    dependant = getattr(route, "dependant", None)
    waiting = list(dependant.dependencies) if dependant is not None else []
    found: list[object] = []
    while waiting:
        dependency = waiting.pop(0)
        found.append(dependency.call)
        waiting.extend(dependency.dependencies)
    access = getattr(route, "access", None)
    return [*found, access] if access is not None else found


def access_of(route: object) -> list[Access]:
    """Who may use `route`, as it declares it (one `Access`; none or several is a mistake)."""
    return [call for call in declared(route) if isinstance(call, Access)]
