"""One's own account (issue 26): changing one's password (`/account/password`), where a user whose
password an admin reset is sent after signing in, and can go nowhere else until it is changed; the
second factor's code after the password (`/sign-in/code`); enrolling in a second factor
(`/account/totp`), where a user whose role requires one is sent until they have one; giving one's
password again before an admin's change (`/account/confirm`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from ...errors import UsageError
from ...store.tables import WebUser
from .. import access, accounts, credentials, lifecycle, totp
from ..dependencies import CHECKED_FORM, CONFIRM_THEN, SIGNED_IN, Ctx, User
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
    applied; the user's other sessions end. As at sign-in, Argon2 (checking the current password,
    hashing the new one) and zxcvbn run outside any write transaction: the attempt is recorded in a
    short one, in turn with every other (the sign-in limits), and the outcome in another."""
    address = access.address_of(request)
    web = context.settings.web
    with context.store.session() as session:  # short: the sign-in limits' turn, the stored hash read
        found = session.get(WebUser, user.user_id)
        attempt, wait = None, 0.0
        if found is not None:
            attempt, wait = accounts.start_attempt(
                session, credentials.normalise(found.name), address, web.sign_in_failures, web.sign_in_delay_seconds
            )  # the account as sign-in counts it: its name in NFKC
        name, stored = (found.name, found.password_hash) if found is not None else ("", "")
    problem, hashed = None, None
    right = attempt is not None and accounts.verify(stored or None, current)
    if found is None:
        problem = "Your account is gone."
    elif attempt is None:
        problem = accounts.too_many(wait)
    elif not right:
        problem = "Not changed: your current password is not that."
    elif new != again:
        problem = "Not changed: the new password and its repetition differ."
    else:
        try:
            credentials.check_password(new, name)
        except UsageError as exc:
            problem = f"Not changed: {exc}"
        else:
            hashed = accounts.hash_password(new)
    with context.store.session() as session:  # short: the outcome, and the new hash if any
        if attempt is not None:
            accounts.finish_attempt(session, attempt, right)
        again_found = session.get(WebUser, user.user_id)
        if hashed is not None and (again_found is None or again_found.password_hash != stored):
            problem, hashed = "Not changed: your password was changed meanwhile; try again.", None
        if hashed is not None and again_found is not None:
            kept = request.cookies.get(cookie_name(request, SESSION_COOKIE))  # this session goes on
            lifecycle.store_password(session, again_found, hashed, keep=kept)
            access.record(request, access.CHANGE_PASSWORD, user, session=session, user_id=user.user_id)
    if problem is not None:
        return _page(request, context, user, problem, 422)
    return _page(request, context, user, "Your password is changed; your other sessions have ended.", 200)


@router.get(lifecycle.CONFIRM_PAGE)
def confirm_page(request: Request, user: User, then: Annotated[str, Query(max_length=16)] = "admin") -> Response:
    """Asks for the password again before an admin's change (`dependencies.CONFIRMED`)."""
    return _confirm_page(request, user, then, None, 200)


@router.post(lifecycle.CONFIRM_PAGE, dependencies=[CHECKED_FORM])
def confirm(
    request: Request,
    context: Ctx,
    user: User,
    password: Annotated[str, Form(max_length=1000)] = "",
    then: Annotated[str, Form(max_length=16)] = "admin",
) -> Response:
    """The user's own password again (ASVS 3.7.1): for `accounts.CONFIRM_WINDOW` their session may make
    an admin's changes; then on to the page `then` names (a fixed one). Checked as a sign-in is, in turn
    with every other attempt and Argon2 outside any transaction; a wrong one counts toward the sign-in
    limits and is a `sign-in-failed` in the access audit."""
    address = access.address_of(request)
    web = context.settings.web
    with context.store.session() as session:
        attempt, wait = accounts.start_attempt(
            session, credentials.normalise(user.name), address, web.sign_in_failures, web.sign_in_delay_seconds
        )
        stored = accounts.password_hash_of(session, user.name) if attempt is not None else None
    right = attempt is not None and accounts.verify(stored, password)
    with context.store.session() as session:
        if attempt is not None:
            accounts.finish_attempt(session, attempt, right)
        if right:
            accounts.confirm(session, user)
        else:
            access.record(request, access.SIGN_IN_FAILED, user, session=session, user_id=user.user_id)
    if right:
        return RedirectResponse(CONFIRM_THEN.get(then, "/admin"), 303)
    message = "Not confirmed: that is not your password." if attempt is not None else accounts.too_many(wait)
    return _confirm_page(request, user, then, message, 401)


def _confirm_page(request: Request, user: accounts.SignedIn, then: str, message: str | None, status: int) -> Response:
    then = then if then in CONFIRM_THEN else "admin"
    minutes = int(accounts.CONFIRM_WINDOW.total_seconds() // 60)
    return render(request, "confirm.html", status, user=user, then=then, message=message, minutes=minutes)


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
    """Enrolment: a secret as text, as an `otpauth://` URI and as a QR code, confirmed by a code. The
    same pending secret is shown at each visit (a reload, a second tab) until a code confirms it, the
    user asks for a new one, or it is an hour old (`totp.pending_secret`)."""
    with context.store.session() as session:  # the secret shown is kept, for the code that confirms it
        found = session.get(WebUser, user.user_id)
        if found is None or found.totp_secret:
            return _enrolled_page(request, user, found, None, 200)
        secret = totp.pending_secret(found)
    return _totp_page(request, user, None, secret, None, 200)


@router.post(lifecycle.TOTP_PAGE, dependencies=[CHECKED_FORM])
def enrol(
    request: Request,
    context: Ctx,
    user: User,
    code: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """The code of the secret the page showed (kept in the database, never taken from the form) confirms
    it; `action=new`: another secret instead (the one shown before works no more). Enrolled already,
    `action=codes` with a current code: ten new recovery codes (those before work no more)."""
    address = access.address_of(request)
    with context.store.session() as session:
        found = session.get(WebUser, user.user_id)
        if found is not None and found.totp_secret and action == "codes":
            if wait := _wait(context, session, found.name, address):
                return _enrolled_page(request, user, found, f"Not renewed: {accounts.too_many(wait)}", 422)
            if not totp.check_code(found, code):
                accounts.record_failure(session, found.name, address)
                message = "Not renewed: that code is not right, or was used already: wait for the next one."
                return _enrolled_page(request, user, found, message, 422)
            codes = totp.renew_recovery_codes(found)
            access.record(request, access.TOTP_ENROL, user, session=session, user_id=user.user_id)
            return render(request, "totp.html", 200, user=user, codes=codes, left=None, secret=None, message=None)
        if found is None or found.totp_secret:
            return _enrolled_page(request, user, found, "Not enrolled: you have a second factor already.", 422)
        if action == "new":
            secret = totp.pending_secret(found, renew=True)
            return _totp_page(request, user, None, secret, "A new key: the one shown before works no more.", 200)
        pending = found.totp_pending_secret
        if not pending or totp.pending_expired(found):
            expired = "Not enrolled: that key had expired; here is a new one."
            return _totp_page(request, user, None, totp.pending_secret(found, renew=True), expired, 422)
        secret = pending
        step = totp.matching_step(secret, code, None)
        if step is None:
            message = "Not enrolled: that code is not right. Check the app's clock, and type the code it shows now."
            return _totp_page(request, user, None, secret, message, 422)
        codes = totp.enrol(found, secret, step)
        access.record(request, access.TOTP_ENROL, user, session=session, user_id=user.user_id)
    return render(request, "totp.html", 200, user=user, codes=codes, left=None, secret=None, message=None)


def _enrolled_page(
    request: Request, user: accounts.SignedIn, found: WebUser | None, message: str | None, status: int
) -> Response:
    """The page of a user with a second factor: how many recovery codes are left, and how many of them
    are of the older, weaker kind (to be replaced)."""
    left = totp.recovery_codes_left(found) if found is not None else 0
    old = totp.old_recovery_codes_left(found) if found is not None else 0
    return render(request, "totp.html", status, user=user, left=left, old=old, secret=None, codes=None,
                  message=message)  # fmt: skip


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
