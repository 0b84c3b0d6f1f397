"""One's own account (issue 26): changing one's password (`/account/password`), where a user whose
password an admin reset is sent after signing in, and can go nowhere else until it is changed; the
second factor's code after the password (`/sign-in/code`); enrolling in a second factor
(`/account/totp`), where a user whose role requires one is sent until they have one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from ...errors import UsageError
from ...store.tables import WebUser
from .. import access, accounts, lifecycle, totp
from ..dependencies import CHECKED_FORM, SIGNED_IN, Ctx, User
from ..pages import SESSION_COOKIE, cookie_name, render

router = APIRouter(include_in_schema=False, dependencies=[SIGNED_IN])

PASSWORD_PAGE = lifecycle.PASSWORD_PAGE


@router.get(PASSWORD_PAGE)
def password_page(request: Request, context: Ctx, user: User) -> Response:
    return _page(request, context, user, None, 200)


@router.post(PASSWORD_PAGE, dependencies=[CHECKED_FORM])
def change_password(
    request: Request,
    context: Ctx,
    user: User,
    current: Annotated[str, Form(max_length=1000)] = "",
    new: Annotated[str, Form(max_length=1000)] = "",
    again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """The current password (a wrong one counts as a failed sign-in), the new one twice; the policy
    applied; the user's other sessions end."""
    address = access.address_of(request)
    with context.store.session() as session:
        found = session.get(WebUser, user.user_id)
        problem = None
        if found is None:
            problem = "Your account is gone."
        elif wait := _wait(context, session, found.name, address):
            problem = accounts.too_many(wait)
        elif not accounts.password_matches(found, current):
            accounts.record_failure(session, found.name, address)
            problem = "Not changed: your current password is not that."
        elif new != again:
            problem = "Not changed: the new password and its repetition differ."
        else:
            try:
                kept = request.cookies.get(cookie_name(request, SESSION_COOKIE))  # this session goes on
                lifecycle.set_password(session, found, new, keep=kept)
            except UsageError as exc:
                problem = f"Not changed: {exc}"
            else:
                access.record(request, access.CHANGE_PASSWORD, user, session=session, user_id=user.user_id)
    if problem is not None:
        return _page(request, context, user, problem, 422)
    return _page(request, context, user, "Your password is changed; your other sessions have ended.", 200)


@router.get(lifecycle.CODE_PAGE)
def code_page(request: Request, user: User) -> Response:
    return render(request, "sign_in_code.html", 200, user=user, message=None)


@router.post(lifecycle.CODE_PAGE, dependencies=[CHECKED_FORM])
def give_code(request: Request, context: Ctx, user: User, code: Annotated[str, Form(max_length=64)] = "") -> Response:
    """The second factor after the password: a TOTP code (each once), or a recovery code (each once).
    A wrong one counts as a failed sign-in, toward the same limits."""
    address = access.address_of(request)
    cookie = request.cookies.get(cookie_name(request, SESSION_COOKIE)) or ""
    with context.store.session() as session:
        found = session.get(WebUser, user.user_id)
        waiting = lifecycle.stage(session, cookie, ()) == lifecycle.CODE_PAGE
        status, message = 422, None
        if found is None or not waiting:
            message = "No code is asked for now."
        elif wait := _wait(context, session, found.name, address):
            message = accounts.too_many(wait)
        elif totp.check_code(found, code):
            status = 303
        elif totp.use_recovery_code(found, code):
            status = 303
            access.record(request, access.RECOVERY_CODE_USED, user, session=session, user_id=user.user_id)
        else:
            status, message = 401, "That code is not right, or was used already: wait for the next one."
            accounts.record_failure(session, found.name, address)
            access.record(request, access.SIGN_IN_FAILED, user, session=session, user_id=user.user_id)
        if status == 303:
            lifecycle.second_factor_given(session, cookie)
    if status == 303:
        return RedirectResponse("/", 303)
    return render(request, "sign_in_code.html", status, user=user, message=message)


@router.get(lifecycle.TOTP_PAGE)
def totp_page(request: Request, context: Ctx, user: User) -> Response:
    """Enrolment: a new secret as text, as an `otpauth://` URI and as a QR code, confirmed by a code."""
    with context.store.session() as session:  # the secret shown is kept, for the code that confirms it
        found = session.get(WebUser, user.user_id)
        if found is None or found.totp_secret:
            return _totp_page(request, user, totp.recovery_codes_left(found) if found else 0, "", None, 200)
        found.totp_pending_secret = secret = totp.new_secret()
    return _totp_page(request, user, None, secret, None, 200)


@router.post(lifecycle.TOTP_PAGE, dependencies=[CHECKED_FORM])
def enrol(request: Request, context: Ctx, user: User, code: Annotated[str, Form(max_length=64)] = "") -> Response:
    """The code of the secret the page showed (kept in the database, never taken from the form) confirms it."""
    with context.store.session() as session:
        found = session.get(WebUser, user.user_id)
        if found is None or found.totp_secret:
            left = totp.recovery_codes_left(found) if found is not None else 0
            return _totp_page(request, user, left, "", "Not enrolled: you have a second factor already.", 422)
        secret = found.totp_pending_secret
        if not secret:
            return _totp_page(request, user, 0, "", "Not enrolled: open this page again for a new key.", 422)
        step = totp.matching_step(secret, code, None)
        if step is None:
            message = "Not enrolled: that code is not right. Check the app's clock, and type the code it shows now."
            return _totp_page(request, user, None, secret, message, 422)
        codes = totp.enrol(found, secret, step)
        access.record(request, access.TOTP_ENROL, user, session=session, user_id=user.user_id)
    return render(request, "totp.html", 200, user=user, codes=codes, left=None, secret=None, message=None)


def _totp_page(request: Request, user: accounts.SignedIn, left: int | None, secret: str, message: str | None,
               status: int) -> Response:  # fmt: skip
    if left is not None:
        return render(request, "totp.html", status, user=user, left=left, secret=None, codes=None, message=message)
    uri = totp.uri(secret, user.name)
    qr = Markup(totp.qr_svg(uri))  # noqa: S704 (our own SVG: zxing-cpp's rectangles, nothing a user typed)
    return render(request, "totp.html", status, user=user, left=None, secret=secret, uri=uri, codes=None, qr=qr,
                  message=message)  # fmt: skip


def _wait(context: Ctx, session: Session, name: str, address: str) -> float:
    """The wait still to come before this account's or address's next attempt (the sign-in limits)."""
    web = context.settings.web
    return accounts.wait_seconds(session, name, address, web.sign_in_failures, web.sign_in_delay_seconds)


def _page(request: Request, context: Ctx, user: accounts.SignedIn, message: str | None, status: int) -> Response:
    with context.store.reading() as session:
        found = session.get(WebUser, user.user_id)
        must = bool(found and found.must_change_password)
    return render(request, "account_password.html", status, user=user, message=message, must_change=must)
