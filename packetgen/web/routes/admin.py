"""Admin: users and their access, the printers, the state of the content, the audit. Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...build import site_today
from ...delivery import audit
from ...errors import UsageError
from ...library.approval import approval_of
from ...store.tables import WebUser
from .. import accounts
from ..context import Context
from ..dependencies import CHECKED_FORM, Ctx, Reading, User, require
from ..pages import print_queues, render

router = APIRouter(include_in_schema=False, dependencies=[require("admin")])


@router.get("/admin")
def admin_page(request: Request, user: User, context: Ctx, session: Reading) -> Response:
    return admin_page_with(request, context, session, user)


@router.post("/admin", dependencies=[CHECKED_FORM])
def admin_filtered(
    request: Request,
    user: User,
    context: Ctx,
    session: Reading,
    appointment: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The audit for one appointment: the id travels in the form, never in the URL."""
    return admin_page_with(request, context, session, user, appointment)


@router.post("/admin/users", dependencies=[CHECKED_FORM])
def add_user(
    request: Request,
    user: User,
    context: Ctx,
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        with context.store.session() as session:
            accounts.add_user(session, name, role, password)
    except UsageError as exc:
        return _after(request, context, user, f"Not added: {exc}", 422)
    return _after(request, context, user, f"User {name} added ({role}).")


@router.post("/admin/users/{user_id}/access", dependencies=[CHECKED_FORM])
def set_access(request: Request, user: User, context: Ctx, user_id: int, enabled: Annotated[bool, Form()]) -> Response:
    """Disable (or enable again) a user: a disabled user's sessions end at their next request."""
    if user_id == user.user_id and not enabled:
        return _after(request, context, user, "You cannot disable yourself.", 422)
    with context.store.session() as session:
        found = accounts.set_enabled(session, user_id, enabled)
    if found is None:
        raise HTTPException(404)
    return _after(request, context, user, f"User {found} {'enabled' if enabled else 'disabled'}.")


def _after(request: Request, context: Context, user: accounts.SignedIn, message: str, status: int = 200) -> Response:
    """The admin page after a change, read in a session opened after its commit."""
    with context.store.reading() as session:
        return admin_page_with(request, context, session, user, "", message, status)


def admin_page_with(request: Request, context: Context, session: Session, user: accounts.SignedIn,
                    appointment: str = "", message: str | None = None, status: int = 200) -> Response:  # fmt: skip
    """Users, content (with its approval state today), layouts, departments, print queues and the audit
    (the last 200 events, or one appointment's)."""
    today = site_today(context.settings)
    contents = [(c.id, c.language, c.version, approval_of(c, today)) for c, _located in context.library.editions()]
    users = session.scalars(select(WebUser).order_by(WebUser.name)).all()
    events = list(audit.events(session, appointment or None))[-200:]
    layouts = sorted(context.library.layouts)
    return render(request, "admin.html", status, user=user, users=users, events=events, contents=contents,
                  layouts=layouts, departments=sorted(context.library.departments), queues=print_queues(context),
                  appointment=appointment, message=message, roles=accounts.ROLES)  # fmt: skip
