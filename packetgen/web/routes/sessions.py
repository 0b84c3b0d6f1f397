"""Sessions: each user lists their own and ends any of them (the browser holding it is signed out at
its next request); admins list and end everyone's. Every end is in the access audit."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ...store.access import ADMIN_END_SESSION, END_SESSION
from .. import access, accounts
from ..context import Context
from ..dependencies import CHECKED_FORM, CONFIRMED_SESSIONS, SIGNED_IN, Ctx, Reading, User, require
from ..pages import SESSION_COOKIE, delete_cookie, render

router = APIRouter(include_in_schema=False)


@router.get("/sessions", dependencies=[SIGNED_IN])
def own_sessions(request: Request, user: User, context: Ctx, session: Reading) -> Response:
    found = accounts.list_sessions(session, user.user_id, user.csrf_token)
    return _page(request, context, user, found, everyone=False)


@router.post("/sessions/{handle}/end", dependencies=[SIGNED_IN, CHECKED_FORM])
def end_own_session(request: Request, user: User, context: Ctx, handle: str) -> Response:
    """End one of one's own sessions (404 for anyone else's); ending the one in use signs out here."""
    return _end(request, context, user, handle, user.user_id, END_SESSION, "/sessions")


@router.get("/admin/sessions", dependencies=[require("admin")])
def everyones_sessions(request: Request, user: User, context: Ctx, session: Reading) -> Response:
    found = accounts.list_sessions(session, None, user.csrf_token)
    return _page(request, context, user, found, everyone=True)


@router.post("/admin/sessions/{handle}/end", dependencies=[require("admin"), CHECKED_FORM, CONFIRMED_SESSIONS])
def end_anyones_session(request: Request, user: User, context: Ctx, handle: str) -> Response:
    """An admin ends anyone's session (their own too), with their password given in the last five minutes."""
    return _end(request, context, user, handle, None, ADMIN_END_SESSION, "/admin/sessions")


def _end(request: Request, context: Context, user: accounts.SignedIn, handle: str, of_user: int | None, action: str,
         back: str) -> Response:  # fmt: skip
    """End the session `handle` names (of user `of_user` only, unless None), recorded as `action`
    (committed with the end); 303 to `back`, or to sign-in when it was the one in use. 404 if none."""
    with context.store.session() as session:
        mine = accounts.list_sessions(session, user.user_id, user.csrf_token)
        current = any(s.current and s.handle == handle for s in mine)
        owner = accounts.end_session(session, handle, of_user)
        if owner is not None:
            access.record(request, action, user, session=session, user_id=owner)
    if owner is None:
        raise HTTPException(404)
    response = RedirectResponse("/sign-in" if current else back, 303)
    if current:
        delete_cookie(request, response, SESSION_COOKIE)
    return response


def _page(
    request: Request, context: Context, user: accounts.SignedIn, found: list[accounts.SessionInfo], everyone: bool
) -> Response:
    web = context.settings.web
    return render(request, "sessions.html", user=user, sessions=found, everyone=everyone,
                  idle_minutes=web.session_idle_minutes, max_hours=web.session_max_hours)  # fmt: skip
