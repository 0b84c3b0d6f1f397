"""The day's schedule: the page, and uploads read by the batch intake into its lines."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from .. import access, accounts, schedule
from ..context import Context
from ..dependencies import CHECKED_FORM, Ctx, Reading, User, require
from ..pages import print_queues, render

router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[require("view")])
def schedule_page(request: Request, user: User, context: Ctx, session: Reading) -> Response:
    access.record(request, access.VIEW_SCHEDULE, user)  # the day's patients, by name
    return schedule_page_with(request, context, session, user)


@router.post("/upload", dependencies=[require("upload"), CHECKED_FORM])
async def upload(request: Request, user: User, context: Ctx, file: UploadFile) -> Response:
    """A CSV, FHIR Bundle or HL7 file: its packets made, its records on the schedule, each error
    shown in the command line's words (naming the file as uploaded)."""
    limit = context.settings.web.max_upload_bytes
    raw = await file.read(limit + 1)
    await run_in_threadpool(access.record, request, access.UPLOAD, user)
    errors: list[str] = []
    loaded = None
    if len(raw) > limit:
        errors = [f"{file.filename or 'upload'}: the file is larger than {limit // 1_000_000} MB"]
    else:
        try:  # in a worker thread: the event loop answers every other request meanwhile
            loaded = await run_in_threadpool(
                schedule.upload, context.store, context.settings, context.library, raw, file.filename or "upload"
            )
        except schedule.UploadRefused as exc:
            errors = exc.lines
    return await run_in_threadpool(_after_upload, request, context, user, errors, loaded)


def _after_upload(
    request: Request, context: Context, user: accounts.SignedIn, errors: list[str], loaded: int | None
) -> Response:
    with context.store.reading() as session:  # after the upload's commit
        if errors:
            return schedule_page_with(request, context, session, user, errors, 422)
        return schedule_page_with(request, context, session, user, done=f"{loaded} records read.")


def schedule_page_with(
    request: Request,
    context: Context,
    session: Session,
    user: accounts.SignedIn,
    errors: Sequence[str] = (),
    status: int = 200,
    done: str | None = None,
) -> Response:
    """The schedule, with what an action found wrong (`errors`) or did (`done`)."""
    rows = schedule.rows(session)
    return render(request, "schedule.html", status, user=user, rows=rows, errors=list(errors), done=done,
                  queues=print_queues(context), default_queue=context.settings.printer or "")  # fmt: skip
