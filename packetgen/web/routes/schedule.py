"""The day's schedule: the page, and uploads read by the batch intake into its lines."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ...store.tables import CsvFormat
from ...timing import Site
from .. import access, accounts, actions, print_runs, schedule, uploads
from ..context import Context
from ..dependencies import CHECKED_FORM, Ctx, Reading, User, require
from ..pages import print_queues, render
from ..plain import plain_lines

router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[require("view")])
@router.get("/schedule", dependencies=[require("view")])
def schedule_page(
    request: Request,
    user: User,
    context: Ctx,
    session: Reading,
    day: Annotated[str, Query(max_length=40)] = "",
    department: Annotated[str, Query(max_length=64)] = "",
    sort: Annotated[str, Query(max_length=20)] = "time",
    page: Annotated[str, Query(max_length=9)] = "1",
    dismissed: Annotated[str, Query(max_length=3)] = "",
    found: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The day's schedule (`day`: YYYY-MM-DD; default today at the site), narrowed to a department,
    sorted by a column, a page at a time (`dismissed=yes`: with the error lines dismissed as handled).
    A day that is not a date shows today, and says so (400). `found`: the token of a search this
    session posted (what it searched for is kept with the token, never in the URL)."""
    access.record(request, access.VIEW_SCHEDULE, user)  # the day's patients, by name
    if found:
        searched = actions.result(context, user, found, ("search",), "/schedule")
        if searched is not None:
            shown, _notice = _day(str(searched.detail.get("day", "")), context)
            return schedule_page_with(request, context, session, user, day=shown, sort=sort, page=_page(page),
                                      search=str(searched.detail.get("q", "")), search_token=found)  # fmt: skip
        over = "That search is over (searches are kept for a day). Search again."
        return schedule_page_with(request, context, session, user, sort=sort, page=_page(page), notice=over)
    shown, notice = _day(day, context)
    return schedule_page_with(request, context, session, user, status=400 if notice else 200, day=shown,
                              department=department, sort=sort, page=_page(page), notice=notice,
                              dismissed=dismissed == "yes")  # fmt: skip


@router.post("/search", dependencies=[require("view"), CHECKED_FORM])
def search_page(
    request: Request,
    user: User,
    context: Ctx,
    q: Annotated[str, Form(max_length=200)] = "",
    sort: Annotated[str, Form(max_length=20)] = "time",
    day: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Patients found by name (any case and accents), MRN or appointment id, on any day: a form post,
    so what was searched for never enters a URL or a log. It is kept with a fresh random token for
    this session, and the answer is 303 to `/schedule?found=TOKEN` (post/redirect/get: reloading the
    results searches again without posting), whose sorting and pages are links."""
    token = secrets.token_urlsafe(24)
    results = actions.Outcome(f"/schedule?found={token}&sort={quote(sort)}", detail={"q": q, "day": day})
    return actions.once(request, context, user, token, "search", lambda _token: results)


def _day(text: str, context: Context) -> tuple[date, str | None]:
    """The day asked for, or today at the site and what was wrong with the day asked for."""
    today = Site.now(context.settings.timezone).today
    if not text:
        return today, None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return today, "That day is not a date the schedule knows (it expects a date such as 2026-12-08). Here is today."


def _page(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 1_000_000 else 1


@router.post("/upload", dependencies=[require("upload"), CHECKED_FORM])
async def upload(
    request: Request,
    user: User,
    context: Ctx,
    file: UploadFile,
    csv_format: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """A CSV, FHIR Bundle or HL7 file (a CSV in the site's format `csv_format`, an admin's; empty: the
    standard columns), read in the background: answers with its progress page (303), or with the
    schedule and why when the file as a whole cannot be read."""
    limit = context.settings.web.max_upload_bytes
    raw = await file.read(limit + 1)
    await run_in_threadpool(access.record, request, access.UPLOAD, user)
    if len(raw) > limit:
        errors = [f"{file.filename or 'upload'}: the file is larger than {limit // 1_000_000} MB"]
        return await run_in_threadpool(_refused, request, context, user, errors)
    fmt = await run_in_threadpool(_format, context, csv_format)
    if isinstance(fmt, str):
        return await run_in_threadpool(_refused, request, context, user, [fmt])
    # in a worker thread until its first record is in (or it is refused): the event loop answers every other request
    upload_id = await run_in_threadpool(
        uploads.start, context, user.name, raw, file.filename or "upload", fmt, _FIRST_RECORD_WAIT
    )
    with context.store.reading() as session:
        found = uploads.view(session, upload_id)
    if found is not None and found.state == "refused":
        return await run_in_threadpool(_refused, request, context, user, found.errors)
    return RedirectResponse(f"/uploads/{upload_id}", 303)


_FIRST_RECORD_WAIT = 10.0
"""Seconds a POST /upload waits for the file's first record: a file refused as a whole is said on the schedule."""


def _format(context: Context, chosen: str) -> uploads.Format | str | None:
    """The CSV format picked at upload (None: the standard columns), or what is wrong with the choice."""
    if not chosen:
        return None
    with context.store.reading() as session:
        found = session.get(CsvFormat, int(chosen)) if chosen.isdigit() else None
        if found is None:
            return "That CSV format is no longer there: pick the CSV format for this file, or ask an admin to add one."
        return uploads.Format(found.name, found.encoding, found.columns)


def _refused(request: Request, context: Context, user: accounts.SignedIn, errors: list[str]) -> Response:
    with context.store.reading() as session:
        return schedule_page_with(request, context, session, user, errors, 422)


@router.get("/uploads/{upload_id}", dependencies=[require("upload")])
def upload_page(
    request: Request, user: User, session: Reading, upload_id: Annotated[str, Path(max_length=32)]
) -> Response:
    """An upload's progress: records read, packets made, errors; it reloads itself until it is done. Its
    errors name patients: the uploader's and admins' only, and each view is in the access audit."""
    found = uploads.view(session, upload_id)
    if found is None or not found.may_see(user.name, user.role):
        raise HTTPException(404)
    access.record(request, access.VIEW_UPLOAD, user)
    return render(request, "upload.html", user=user, view=found)


@router.get("/uploads/{upload_id}/status", dependencies=[require("upload")])
def upload_status(user: User, session: Reading, upload_id: Annotated[str, Path(max_length=32)]) -> Response:
    """The upload's counts (no patient data), for its uploader and admins."""
    found = uploads.view(session, upload_id)
    if found is None or not found.may_see(user.name, user.role):
        raise HTTPException(404)
    return JSONResponse({"state": found.state, "records": found.records, "made": found.made, "failed": found.failed,
                         "skipped": found.skipped, "finished": found.finished, "summary": found.summary})  # fmt: skip


def schedule_page_with(
    request: Request,
    context: Context,
    session: Session,
    user: accounts.SignedIn,
    errors: Sequence[str] = (),
    status: int = 200,
    done: str | None = None,
    *,
    day: date | None = None,
    department: str = "",
    sort: str = "time",
    page: int = 1,
    search: str | None = None,
    search_token: str | None = None,
    notice: str | None = None,
    dismissed: bool = False,
) -> Response:
    """The schedule of `day` (default: today at the site), or what `search` finds, with what an action
    found wrong (`errors`) or did (`done`); error lines dismissed as handled only with `dismissed`."""
    today = Site.now(context.settings.timezone).today
    day = day or today
    departments = sorted(context.library.departments.values(), key=lambda d: d.id)
    department = department if department in context.library.departments else ""
    where = None
    if search is not None:
        where = schedule.matching(search)
        if where is None:
            notice = notice or "Type a name, an MRN or an appointment id to search for."
    if where is None:
        search = None if search is not None and not search.strip() else search
        where = schedule.on_day(day, context.settings.timezone, department or None)
    where, hidden = print_runs.without_dismissed(session, where, dismissed)
    found = schedule.listing(session, where, sort, page)
    return render(request, "schedule.html", status, user=user, rows=found.rows, listing=found, errors=list(errors),
                  done=done, notice=notice, day=day, today=today, previous_day=day - timedelta(days=1),
                  next_day=day + timedelta(days=1), department=department, departments=departments,
                  search=search, search_token=search_token, sorts=schedule.SORTS, plain_lines=plain_lines,
                  queues=print_queues(context), default_queue=context.settings.printer or "",
                  csv_formats=uploads.formats(session), dismissed=dismissed, hidden=hidden)  # fmt: skip
