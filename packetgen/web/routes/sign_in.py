"""Signing in and out: the sign-in form (its own CSRF token, in a cookie of its own), sign-in limits
per account and per address, the session cookie."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from .. import access, accounts
from ..dependencies import CHECKED_FORM, PUBLIC, SIGN_IN_FORM, SIGNED_IN, Ctx, User
from ..pages import SESSION_COOKIE, SIGN_IN_COOKIE, render, set_cookie

router = APIRouter(include_in_schema=False)

_TOO_MANY = "Too many attempts. Please wait 15 minutes, or ask an administrator."
_NO_MATCH = "That name and password do not match."


@router.get("/sign-in", dependencies=[PUBLIC])
def sign_in_page(request: Request) -> Response:
    return _sign_in_form(request, 200, None)


@router.post("/sign-in", dependencies=[PUBLIC, SIGN_IN_FORM])
def sign_in(
    request: Request,
    context: Ctx,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    address = request.client.host if request.client else "unknown"
    value = ""
    message: str | None = None
    with context.store.session() as session:
        if accounts.too_many_failures(session, name, address, context.settings.web.sign_in_failures):
            user, message = None, _TOO_MANY
        else:
            user = accounts.check_password(session, name, password)
            if user is None:
                message = _NO_MATCH
                accounts.record_failure(session, name, address)
            else:
                value, _user = accounts.open_session(session, user)
        if user is None:  # the name only when it is a user's: never what someone typed (a password, a patient)
            known = accounts.user_id_of(session, name)
            access.record(request, access.SIGN_IN_FAILED, name if known else "", session=session, user_id=known)
        else:
            access.record(request, access.SIGN_IN, user.name, session=session, user_id=user.id)
    if user is None:
        return _sign_in_form(request, 401, message)
    response = RedirectResponse("/", 303)
    set_cookie(request, response, SESSION_COOKIE, value)
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out", dependencies=[SIGNED_IN, CHECKED_FORM])
def sign_out(request: Request, context: Ctx, user: User) -> Response:
    with context.store.session() as session:
        accounts.close_session(session, request.cookies.get(SESSION_COOKIE, ""))
        access.record(request, access.SIGN_OUT, user, session=session, user_id=user.user_id)
    response = RedirectResponse("/sign-in", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _sign_in_form(request: Request, status: int, message: str | None) -> Response:
    """The form, with a new token of its own (in its cookie, and in the form)."""
    token = secrets.token_urlsafe(32)
    response = render(request, "sign_in.html", status, csrf_token=token, user=None, message=message)
    set_cookie(request, response, SIGN_IN_COOKIE, token)
    return response
