"""The day's print run: started from the schedule, followed on a page of its own, downloaded once.
The run itself is made in the background (`web/print_runs.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ...delivery.printing import PrintServer
from ...errors import UsageError
from ...store.tables import ScheduleEntry
from .. import access, print_runs, schedule
from ..dependencies import CHECKED_FORM, Ctx, Reading, User, require
from ..pages import render
from .schedule import schedule_page_with

router = APIRouter(include_in_schema=False, dependencies=[require("print")])
_NOTHING = "Nothing to print: no line chosen, or every packet is printed."


def run_of(run_id: int, session: Reading) -> print_runs.RunView:
    """The run `run_id` as its page shows it (404 when there is none)."""
    found = print_runs.view(session, run_id)
    if found is None:
        raise HTTPException(404)
    return found


Run = Annotated[print_runs.RunView, Depends(run_of)]


@router.post("/print-run", dependencies=[CHECKED_FORM])
def start_print_run(
    request: Request,
    user: User,
    context: Ctx,
    which: Annotated[str, Form(pattern="^(selected|unprinted)$")] = "unprinted",
    entry: Annotated[list[int] | None, Form()] = None,
    queue: Annotated[str, Form(max_length=127)] = "",
    action: Annotated[str, Form(pattern="^(print|download)$")] = "print",
) -> Response:
    """The chosen lines, or every line not yet printed, in time order, each packet on a front page:
    printed two-sided on `queue` (each packet in the audit) or made to be downloaded."""
    with context.store.reading() as session:
        picked = _picked(schedule.rows(session), which, set(entry or []))
    target: str | None = None
    errors, status = ([] if picked else [_NOTHING]), 422
    if picked and action == "print":
        try:  # an unknown or stopped queue is said now, before anything is made
            target = PrintServer(context.settings.cups_server).queue(queue or context.settings.printer)
        except UsageError as exc:
            errors, status = [f"Not printed: {exc}"], 502
    if errors:
        with context.store.reading() as session:
            return schedule_page_with(request, context, session, user, errors, status)
    run_id = print_runs.start(context, user.name, picked, target, action)
    return RedirectResponse(f"/print-runs/{run_id}", 303)


def _picked(rows: Sequence[schedule.Row], which: str, chosen: set[int]) -> list[ScheduleEntry]:
    """The lines chosen (`selected`), or every line not yet printed, whose packet was made."""
    return [
        r.entry for r in rows
        if r.entry.status == "ok" and r.entry.file and r.entry.sha256
        and (r.entry.id in chosen if which == "selected" else "printed" not in r.state)
    ]  # fmt: skip


@router.get("/print-runs/{run_id}")
def print_run_page(request: Request, user: User, run: Run) -> Response:
    return render(request, "print_run.html", user=user, view=run)


@router.get("/print-runs/{run_id}/status")
def print_run_status(run: Run) -> Response:
    """The run's progress for its page's script: no patient data, only counts and words."""
    return JSONResponse({"state": run.state, "words": run.words, "merged": run.merged, "total": run.total,
                         "finished": run.finished})  # fmt: skip


@router.get("/print-runs/{run_id}/print-run.pdf")
def print_run_pdf(request: Request, user: User, run_id: int, context: Ctx) -> Response:
    """A run made to be downloaded, once, by who started it (or an admin): it leaves the output folder
    as it is sent. Anyone else: 404, and the run stays for its owner."""
    data = print_runs.take_download(context, run_id, None if user.role == "admin" else user.name)
    if data is None:
        raise HTTPException(404)
    access.record(request, access.DOWNLOAD_PRINT_RUN, user, print_run_id=run_id)
    headers = {"Content-Disposition": 'attachment; filename="print-run.pdf"'}
    return Response(data, media_type="application/pdf", headers=headers)
