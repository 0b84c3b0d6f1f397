"""Admin: users and their access, the printers, the state of the content, the audit. Admins only;
every change of a user needs the admin's password within the last five minutes (`CONFIRMED`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...build import site_today
from ...delivery.printing import PrintServer, QueueState
from ...errors import UsageError
from ...library.approval import approval_of
from ...store.access import ADD_CSV_FORMAT, COLUMNS, REMOVE_CSV_FORMAT, access_events, fields
from ...store.tables import CsvFormat, WebUser
from .. import access, accounts, audit_view, lifecycle, uploads
from ..audit_view import AuditFilter
from ..context import Context
from ..dependencies import CHECKED_FORM, CONFIRMED, Ctx, Reading, User, require
from ..pages import render

router = APIRouter(include_in_schema=False, dependencies=[require("admin")])


@dataclass(frozen=True)
class Chosen:
    """Which of the access audit the admin page shows (empty: all)."""

    who: str = ""
    action: str = ""


def chosen_access(
    who: Annotated[str, Query(max_length=100)] = "", action: Annotated[str, Query(max_length=32)] = ""
) -> Chosen:
    return Chosen(who, action)


AccessFilter = Annotated[Chosen, Depends(chosen_access)]


@router.get("/admin")
def admin_page(request: Request, user: User, context: Ctx, session: Reading, chosen: AccessFilter) -> Response:
    """`?who=NAME&action=KEYWORD`: the audits of one user (or API token), of one action. A patient,
    a date range and the pages: by the filter's form (a post), never in the URL."""
    return admin_page_with(request, context, session, user, audit=AuditFilter(who=chosen.who, action=chosen.action))


@router.get("/admin/access.csv")
def access_csv(session: Reading, chosen: AccessFilter) -> Response:
    """The access audit as CSV (newest first; `?who=` and `?action=` as on the admin page): ids, never names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in access_events(session, None, chosen.who or None, chosen.action or None, newest_first=True):
        writer.writerow([_cell(cell) for cell in fields(e)])
    headers = {"Content-Disposition": 'attachment; filename="access-audit.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.post("/admin", dependencies=[CHECKED_FORM])
def admin_filtered(
    request: Request,
    user: User,
    context: Ctx,
    session: Reading,
    appointment: Annotated[str, Form(max_length=64)] = "",
    patient: Annotated[str, Form(max_length=200)] = "",
    who: Annotated[str, Form(max_length=100)] = "",
    action: Annotated[str, Form(max_length=32)] = "",
    since: Annotated[str, Form(max_length=10)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
    page: Annotated[int, Form(ge=1, le=1_000_000)] = 1,
    delivery_page: Annotated[int, Form(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The audits filtered by a date range (the site's days), a user, an action, a patient (name or
    MRN, any case) or an appointment, a page of each at a time: all in the form, never in the URL."""
    chosen = AuditFilter(audit_view.day(since), audit_view.day(until), who.strip(), action, patient.strip(),
                         appointment.strip(), page, delivery_page)  # fmt: skip
    return admin_page_with(request, context, session, user, audit=chosen)


@router.post("/admin/users", dependencies=[CHECKED_FORM, CONFIRMED])
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
            added = accounts.add_user(session, name, role, password)
            access.record(request, access.ADD_USER, user, session=session, user_id=added.id)
    except UsageError as exc:
        return _after(request, context, user, f"Not added: {exc}", 422)
    return _after(request, context, user, f"User {name} added ({role}).")


@router.post("/admin/users/{user_id}/access", dependencies=[CHECKED_FORM, CONFIRMED])
def set_access(request: Request, user: User, context: Ctx, user_id: int, enabled: Annotated[bool, Form()]) -> Response:
    """Disable (or enable again) a user: a disabled user's sessions end at their next request."""
    if user_id == user.user_id and not enabled:
        return _after(request, context, user, "You cannot disable yourself.", 422)
    with context.store.session() as session:
        found = accounts.set_enabled(session, user_id, enabled)
        if found is not None:
            change = access.ENABLE_USER if enabled else access.DISABLE_USER
            access.record(request, change, user, session=session, user_id=user_id)
    if found is None:
        raise HTTPException(404)
    return _after(request, context, user, f"User {found} {'enabled' if enabled else 'disabled'}.")


@router.post("/admin/users/{user_id}/reset", dependencies=[CHECKED_FORM, CONFIRMED])
def reset_password(
    request: Request, user: User, context: Ctx, user_id: int, clear_totp: Annotated[bool, Form()] = False
) -> Response:
    """A one-time password for the user, shown once on the page that answers (changed at their next
    sign-in); their sessions end; with `clear_totp`, their second factor is removed too."""
    if user_id == user.user_id:
        return _after(request, context, user, "You cannot reset yourself: change your password on its page.", 422)
    with context.store.session() as session:
        found = session.get(WebUser, user_id)
        if found is not None:
            one_time = lifecycle.reset_password(session, found, clear_totp)
            name = found.name
            access.record(request, access.RESET_PASSWORD, user, session=session, user_id=user_id)
    if found is None:
        raise HTTPException(404)
    cleared = " and second factor removed" if clear_totp else ""
    message = f"Password of {name} reset{cleared}. Give them this one-time password; it is shown only now:"
    return _after(request, context, user, message, secret=one_time)


@router.post("/admin/users/{user_id}/unlock", dependencies=[CHECKED_FORM, CONFIRMED])
def unlock(request: Request, user: User, context: Ctx, user_id: int) -> Response:
    """Forget the failed sign-ins that locked the user's account."""
    with context.store.session() as session:
        found = session.get(WebUser, user_id)
        if found is not None:
            forgotten = lifecycle.unlock(session, found)
            name = found.name
            access.record(request, access.UNLOCK_USER, user, session=session, user_id=user_id)
    if found is None:
        raise HTTPException(404)
    return _after(request, context, user, f"User {name} unlocked ({forgotten} failed sign-in(s) forgotten).")


@router.post("/admin/users/{user_id}/role", dependencies=[CHECKED_FORM, CONFIRMED])
def change_role(
    request: Request, user: User, context: Ctx, user_id: int, role: Annotated[str, Form(max_length=16)]
) -> Response:
    """Give the user another role (from their next request on); the last enabled admin keeps theirs."""
    try:
        with context.store.session() as session:
            found = session.get(WebUser, user_id)
            if found is None:
                raise HTTPException(404)
            lifecycle.set_role(session, found, role)
            name = found.name
            access.record(request, access.CHANGE_ROLE, user, session=session, user_id=user_id)
    except UsageError as exc:
        return _after(request, context, user, f"Not changed: {exc}", 422)
    return _after(request, context, user, f"User {name} is now {role}.")


@router.post("/admin/csv-formats", dependencies=[CHECKED_FORM, CONFIRMED])
def add_csv_format(
    request: Request,
    user: User,
    context: Ctx,
    name: Annotated[str, Form(max_length=100)] = "",
    encoding: Annotated[str, Form(max_length=40)] = "",
    columns: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """A site's own CSV export, named: its column map (the text `batch --columns` reads) and encoding
    (empty: UTF-8). Schedulers pick it when they upload."""
    name, encoding = name.strip(), encoding.strip()
    problems = [] if name else ["give the format a name"]
    known = uploads.check_encoding(encoding) if encoding else None
    if encoding and known is None:
        problems.append(f"there is no encoding called {encoding} (for an Excel/Windows export: cp1252)")
    problems += uploads.check_columns(columns or "{}")
    with context.store.session() as session:
        if not problems and session.scalars(select(CsvFormat).where(CsvFormat.name == name)).first():
            problems.append(f"there is already a CSV format called {name}")
        if not problems:
            session.add(CsvFormat(name=name, encoding=known, columns=columns or "{}", added_by=user.name,
                                  added_at=accounts.now()))  # fmt: skip
            access.record(request, ADD_CSV_FORMAT, user, session=session)
    if problems:
        return _after(request, context, user, f"Not added: {'; '.join(problems)}", 422)
    return _after(request, context, user, f"CSV format {name} added.")


@router.post("/admin/csv-formats/{format_id}/remove", dependencies=[CHECKED_FORM, CONFIRMED])
def remove_csv_format(request: Request, user: User, context: Ctx, format_id: int) -> Response:
    with context.store.session() as session:
        found = session.get(CsvFormat, format_id)
        if found is None:
            raise HTTPException(404)
        name = found.name
        session.delete(found)
        access.record(request, REMOVE_CSV_FORMAT, user, session=session)
    return _after(request, context, user, f"CSV format {name} removed.")


def _after(request: Request, context: Context, user: accounts.SignedIn, message: str, status: int = 200,
           secret: str | None = None) -> Response:  # fmt: skip
    """The admin page after a change, read in a session opened after its commit (`secret`: a one-time
    password to show once, under the message)."""
    with context.store.reading() as session:
        return admin_page_with(request, context, session, user, message, status, secret=secret)


_EVERYTHING = AuditFilter()


def admin_page_with(request: Request, context: Context, session: Session, user: accounts.SignedIn,
                    message: str | None = None, status: int = 200, secret: str | None = None,
                    audit: AuditFilter = _EVERYTHING) -> Response:  # fmt: skip
    """Users, CSV formats, printers (with their state), content (with its approval state today), layouts,
    departments, and the audits a page at a time (filtered by `audit`)."""
    today = site_today(context.settings)
    contents = [(c.id, c.language, c.version, approval_of(c, today)) for c, _located in context.library.editions()]
    users = session.scalars(select(WebUser).order_by(WebUser.name)).all()
    layouts = sorted(context.library.layouts)
    zone = context.settings.timezone
    deliveries = audit_view.delivery_page(session, audit, zone)
    accesses = audit_view.access_page(session, audit, zone)
    csv_query = urlencode({"who": audit.who, "action": audit.action})
    return render(request, "admin.html", status, user=user, users=users, contents=contents,
                  layouts=layouts, departments=sorted(context.library.departments), printers=printer_states(context),
                  message=message, roles=accounts.ROLES, deliveries=deliveries, accesses=accesses, audit=audit,
                  zone=zone, actions=audit_view.actions(access.ACTIONS), csv_query=csv_query,
                  secret=secret, confirmed=accounts.recently_confirmed(session, user),
                  csv_formats=uploads.formats(session))  # fmt: skip


def printer_states(context: Context) -> list[QueueState] | None:
    """Every queue of the print server with its state (None: the server cannot be reached)."""
    try:
        return PrintServer(context.settings.cups_server).states()
    except UsageError:
        return None
