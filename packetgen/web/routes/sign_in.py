"""Signing in and out: the sign-in form (its own CSRF token, in a cookie of its own), sign-in limits
per account and per address, the session cookie."""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from .. import access, accounts, credentials, lifecycle
from ..dependencies import CHECKED_FORM, PUBLIC, SIGN_IN_FORM, SIGNED_IN, Ctx, User, session_limits
from ..pages import SESSION_COOKIE, SIGN_IN_COOKIE, cookie_name, delete_cookie, render, set_cookie

router = APIRouter(include_in_schema=False)

_NO_MATCH = "That name and password do not match."


@router.get("/sign-in", dependencies=[PUBLIC])
def sign_in_page(request: Request, next: Annotated[str, Query(max_length=300)] = "") -> Response:
    """The form; `next`: the page to return to once signed in (a path of this app, kept in the form)."""
    return _sign_in_form(request, 200, None, local_path(next))


def local_path(text: str) -> str:
    """`text` when it is a path of this app to return to (`/entries/12`, `/schedule?day=2026-12-07`),
    else "" (another site, a scheme, a sign-in page, anything odd)."""
    if not _LOCAL.fullmatch(text) or text.startswith(("/sign-in", "/sign-out")):
        return ""
    return text


_LOCAL = re.compile(r"/(?![/\\])[A-Za-z0-9._~/-]*(\?[A-Za-z0-9._~=&%-]*)?")


@router.post("/session/keep-alive", dependencies=[SIGNED_IN, CHECKED_FORM])
def keep_alive() -> Response:
    """Nothing but a request of the session: its idle time starts again (the page's "stay signed in")."""
    return Response(status_code=204)


@router.post("/sign-in", dependencies=[PUBLIC, SIGN_IN_FORM])
def sign_in(
    request: Request,
    context: Ctx,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    back = local_path(next)
    name = credentials.normalise(name)  # as names are stored: a full-width or composed form is the same name
    address = access.address_of(request)
    web = context.settings.web
    with context.store.session() as session:  # short, and in turn with every other worker's and instance's
        attempt, wait = accounts.start_attempt(session, name, address, web.sign_in_failures, web.sign_in_delay_seconds)
        stored = accounts.password_hash_of(session, name) if attempt is not None else None
    # Argon2 outside any transaction (SQLite's writer lock is not held while it runs); inside the wait,
    # the password is not checked at all.
    right = attempt is not None and accounts.verify(stored, password)
    rehashed = accounts.hash_password(password) if right and stored and accounts.needs_rehash(stored) else None
    value = ""
    message = _NO_MATCH if attempt is not None else accounts.too_many(wait)
    with context.store.session() as session:
        user = accounts.user_named(session, name) if right else None
        if user is not None and user.password_hash != stored:  # changed or reset while it was checked
            user = None
        if attempt is not None:
            accounts.finish_attempt(session, attempt, user is not None)
        if user is not None:
            if rehashed:
                user.password_hash = rehashed
            accounts.purge_sessions(session, *session_limits(context))  # everyone's expired sessions
            value, _user = accounts.open_session(session, user, address=address)
            lifecycle.await_second_factor(session, user, value)  # enrolled: the code's page, then the rest
        if user is None:  # the name only when it is a user's: never what someone typed (a password, a patient)
            known = accounts.user_id_of(session, name)
            access.record(request, access.SIGN_IN_FAILED, name if known else "", session=session, user_id=known)
        else:
            access.record(request, access.SIGN_IN, user.name, session=session, user_id=user.id)
    if user is None:
        return _sign_in_form(request, 401, message, back)
    response = RedirectResponse(back or "/", 303)
    set_cookie(request, response, SESSION_COOKIE, value)
    delete_cookie(request, response, SIGN_IN_COOKIE)
    return response


@router.post("/sign-out", dependencies=[SIGNED_IN, CHECKED_FORM])
def sign_out(request: Request, context: Ctx, user: User) -> Response:
    with context.store.session() as session:
        accounts.close_session(session, request.cookies.get(cookie_name(request, SESSION_COOKIE), ""))
        access.record(request, access.SIGN_OUT, user, session=session, user_id=user.user_id)
    response = RedirectResponse("/sign-in", 303)
    delete_cookie(request, response, SESSION_COOKIE)
    return response


def _sign_in_form(request: Request, status: int, message: str | None, back: str = "") -> Response:
    """The form, with a new token of its own (in its cookie, and in the form); `back`: where to go once signed in."""
    token = secrets.token_urlsafe(32)
    response = render(request, "sign_in.html", status, csrf_token=token, user=None, message=message, back=back)
    set_cookie(request, response, SIGN_IN_COOKIE, token)
    return response
