"""The day's print run: started from the schedule for the day it shows, confirmed first when it is
large, followed on a page of its own, cancelled there, downloaded once. The run itself is made in
the background (`web/print_runs.py`). Every POST acts once for its form's one-time token and answers
303 to a page that shows what it did (`web/actions.py`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from ...delivery.printing import PrintServer
from ...errors import UsageError
from ...store.access import CANCEL_PRINT_RUN
from ...store.tables import ScheduleEntry
from .. import access, accounts, actions, print_runs
from ..context import Context
from ..dependencies import CHECKED_FORM, Ctx, Reading, User, require
from ..pages import render

router = APIRouter(include_in_schema=False, dependencies=[require("print")])
_NOTHING = "Nothing to print: no line of this day chosen, or every packet of this day is printed."
_PLAN = "/print-run"
Once = Annotated[str, Form(max_length=64)]


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
    once: Once,
    day: Annotated[str, Form(max_length=10)] = "",
    department: Annotated[str, Form(max_length=64)] = "",
    which: Annotated[str, Form(pattern="^(selected|unprinted|none)$")] = "unprinted",
    entry: Annotated[list[int] | None, Form()] = None,
    queue: Annotated[str, Form(max_length=127)] = "",
    action: Annotated[str, Form(pattern="^(print|download)$")] = "print",
) -> Response:
    """The chosen lines, or every line not yet printed, of the day the schedule shows (`day`, default
    today at the site), in time order, each packet on a front page: printed two-sided on `queue` (each
    packet in the audit) or made to be downloaded. More packets than the site's `web.confirm_print_over`:
    first a page that says how many packets and pages, to confirm. `which=none` (Enter pressed in the
    form: the browser "clicks" its first button, hidden) does nothing."""
    wanted = _day(day, context)
    if which == "none":  # Enter in the form (its first, hidden button): nothing is done
        return RedirectResponse(f"/schedule?day={wanted.isoformat()}", 303)

    def work(token: str) -> actions.Outcome:
        here = f"{_PLAN}?done={token}"
        with context.store.reading() as session:
            if which == "selected":
                rows = print_runs.chosen_rows(session, entry or [])
            else:
                rows = print_runs.day_rows(session, wanted, context.settings.timezone, department)
            picked = print_runs.pick(rows, which, set(entry or []))
        plan: dict[str, Any] = {"day": wanted.isoformat(), "action": action, "which": which,
                                "ids": [e.id for e in picked], "queue": None}  # fmt: skip
        if not picked:
            return actions.Outcome(here, _NOTHING, 422, detail=plan)
        if action == "print":
            try:  # an unknown or stopped queue is said now, before anything is made
                plan["queue"] = PrintServer(context.settings.cups_server).queue(queue or context.settings.printer)
            except UsageError as exc:
                return actions.Outcome(here, f"Not printed: {exc}", 502, detail=plan)
        if len(picked) > context.settings.web.confirm_print_over:
            plan["pages"] = print_runs.pages_of(picked, context.settings.web.out_dir)
            return actions.Outcome(here, None, 200, detail=plan)
        return _start(context, user, picked, plan)

    return actions.once(request, context, user, once, "run", work)


def _day(day: str, context: Context) -> date:
    if not day:
        return print_runs.today(context.settings)
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise HTTPException(422) from None


def _start(
    context: Context, user: accounts.SignedIn, picked: list[ScheduleEntry], plan: dict[str, Any]
) -> actions.Outcome:
    run_id = print_runs.start(context, user.name, picked, plan["queue"], plan["action"])
    return actions.Outcome(f"/print-runs/{run_id}")


@router.get(_PLAN)
def print_run_plan(request: Request, user: User, context: Ctx, done: str | None = None) -> Response:
    """What a print run or download will be (packets, pages), to confirm; or why there is none."""
    found = actions.result(context, user, done, ("run",), _PLAN)
    if found is None:
        raise HTTPException(404)
    plan = found.detail
    return render(request, "print_run_plan.html", found.status, user=user, plan=plan, message=found.message,
                  token=found.token, day=plan.get("day", ""), day_words=_words(plan.get("day", "")),
                  packets=len(plan.get("ids", [])),
                  pages=plan.get("pages", 0), threshold=context.settings.web.confirm_print_over)  # fmt: skip


def _words(day: str) -> str:
    """A day as people say it: Monday, December 7, 2026."""
    try:
        found = date.fromisoformat(day)
    except ValueError:
        return day
    return f"{found.strftime('%A, %B')} {found.day}, {found.year}"


@router.post(f"{_PLAN}/confirm", dependencies=[CHECKED_FORM])
def confirm_print_run(
    request: Request, user: User, context: Ctx, once: Once, plan: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """The confirmed run started (once for the confirmation form's token)."""

    def work(token: str) -> actions.Outcome:
        found = actions.result(context, user, plan, ("run",), _PLAN)
        if found is None or found.status != 200 or not found.detail.get("ids"):
            return actions.Outcome(f"{_PLAN}?done={plan}" if found else "/", None, 200)
        detail = found.detail
        if detail.get("run"):  # confirmed already (another tab, Back): that run, not a second
            return actions.Outcome(f"/print-runs/{detail['run']}")
        with context.store.reading() as session:
            rows = print_runs.chosen_rows(session, detail["ids"])
            if detail.get("which") == "unprinted":  # printed meanwhile (another desk): not again
                rows = [r for r in rows if "printed" not in r.state]
            picked = print_runs.pick(rows, "selected", set(detail["ids"]))
        if not picked:
            return actions.Outcome(f"{_PLAN}?done={token}", _NOTHING, 422, detail=detail)
        if detail["action"] == "print":
            try:  # the queue again: it may have stopped since
                PrintServer(context.settings.cups_server).queue(detail["queue"])
            except UsageError as exc:
                return actions.Outcome(f"{_PLAN}?done={token}", f"Not printed: {exc}", 502, detail=detail)
        started = _start(context, user, picked, detail)
        actions.amend(context, plan, run=int(started.location.rpartition("/")[2]))
        return started

    return actions.once(request, context, user, once, "run", work)


@router.get("/print-runs/{run_id}")
def print_run_page(request: Request, user: User, run: Run) -> Response:
    return render(request, "print_run.html", user=user, view=run)


@router.get("/print-runs/{run_id}/status")
def print_run_status(run: Run) -> Response:
    """The run's progress for its page's script: no patient data, only counts and words."""
    return JSONResponse({"state": run.state, "words": run.words, "merged": run.merged, "total": run.total,
                         "finished": run.finished})  # fmt: skip


@router.post("/print-runs/{run_id}/cancel", dependencies=[CHECKED_FORM])
def cancel_print_run(request: Request, user: User, context: Ctx, run: Run, once: Once) -> Response:
    """An unfinished run cancelled (once for the form's token): its job at the printer too. Its page
    then says so; the access audit and the delivery audit record it."""

    def work(token: str) -> actions.Outcome:
        access.record(request, CANCEL_PRINT_RUN, user, print_run_id=run.id)
        print_runs.cancel(context, run.id, user.name)
        return actions.Outcome(f"/print-runs/{run.id}")

    return actions.once(request, context, user, once, "cancel", work)


@router.get("/print-runs/{run_id}/print-run.pdf")
def print_run_pdf(request: Request, user: User, run_id: int, context: Ctx) -> Response:
    """A run made to be downloaded, once, by who started it (or an admin): it leaves the output folder
    as it is sent. Anyone else: 404, and the run stays for its owner."""
    taken = print_runs.take_download(context, run_id, None if user.role == "admin" else user.name)
    if taken is None:
        raise HTTPException(404)
    access.record(request, access.DOWNLOAD_PRINT_RUN, user, print_run_id=run_id)
    # Sent from the disk in pieces (a day's run is hundreds of MB), then removed, sent or not.
    return FileResponse(taken, media_type="application/pdf", filename="print-run.pdf",
                        background=BackgroundTask(taken.unlink, missing_ok=True))  # fmt: skip
