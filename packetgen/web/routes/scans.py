"""Scanned consents uploaded in the web app (issue 29): a scanner's PDF or TIFF of signed consents read
as `generate.py scan` and the watched scan folder read it (`scanning.filing.file_scan`, on a worker
thread, never the event loop), its complete consents filed in the signed-consents folder, each
consent's state put on the schedule and in the audit (`record`, by `web:NAME`). The page then says
what became of each consent and of each page that is no consent's; its address holds only the form's
random token, its title nothing of the patients."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ...errors import UnusableInput
from ...store.access import UPLOAD_SCAN
from .. import access, accounts, actions
from ..context import Context
from ..dependencies import CHECKED_FORM, Ctx, User, require
from ..pages import render
from ..uploads import plural

router = APIRouter(include_in_schema=False)
logger = logging.getLogger(__name__)

PAGE = "/scans"
KIND = "scan"
"""The form action's kind (`actions`): the page shows only a result of its own kind."""
NOTHING_FILED = "nothing was filed"


@router.get(PAGE, dependencies=[require("upload")])
def scans_page(
    request: Request, user: User, context: Ctx, done: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    """The upload form; after an upload (`done`: its form's one-time token), what became of the scan."""
    found = actions.result(context, user, done, (KIND,), PAGE)
    if found is None:
        return scans_page_with(request, user)
    return scans_page_with(request, user, found.message, found.status, found.detail)


@router.post(PAGE, dependencies=[require("upload"), CHECKED_FORM])
async def upload_scan(
    request: Request,
    user: User,
    context: Ctx,
    once: Annotated[str, Form(max_length=64)],
    file: UploadFile | None = None,
) -> Response:
    """A scanner's PDF or TIFF, read and filed once for the form's token (303 to the page that says what
    became of it); no file, or one over the upload limit: the form again, saying so (422)."""
    limit = context.settings.web.max_upload_bytes
    raw = await file.read(limit + 1) if file is not None else b""
    await run_in_threadpool(access.record, request, UPLOAD_SCAN, user)
    if not raw:
        refusal = f"Choose a scanner's PDF or TIFF file to upload: {NOTHING_FILED}."
        return await run_in_threadpool(scans_page_with, request, user, refusal, 422)
    if len(raw) > limit:
        refusal = f"The file is larger than {limit // 1_000_000} MB: {NOTHING_FILED}. Scan the stack in smaller parts."
        return await run_in_threadpool(scans_page_with, request, user, refusal, 422)
    # The scan is read on a worker thread: its pages are rasterised and their codes read, seconds a page.
    return await run_in_threadpool(
        actions.once, request, context, user, once, KIND, lambda token: _read(context, user, raw, token)
    )


def _read(context: Context, user: accounts.SignedIn, raw: bytes, token: str) -> actions.Outcome:
    """The scan read as the command reads it, its consents filed and recorded; the outcome in plain words."""
    from ...delivery.chart import after_scan
    from ...scanning.filing import file_scan, record  # the scanning libraries only when a scan comes

    location = f"{PAGE}?done={token}"
    with tempfile.TemporaryDirectory(prefix="packetgen-scan-") as folder:
        path = Path(folder) / "scan"  # never the uploaded file's name: it may name a patient
        path.write_bytes(raw)
        try:
            report = file_scan(path, context.settings.signed_dir)
        except UnusableInput as exc:  # not a PDF or TIFF, or damaged: one line, nothing filed
            logger.info("scan upload refused: the file cannot be read")
            return actions.Outcome(location, f"That file cannot be read as a scan ({exc.error.message}): "
                                   f"{NOTHING_FILED}.", 422)  # fmt: skip
    moment = datetime.now(UTC)
    record(context.store, report, moment, f"web:{user.name}")
    after_scan(context.store, context.settings, report, moment, f"web:{user.name}", wait=False)  # chart.* set
    lines = [("filed" if c.complete else "incomplete", c.line()) for c in report.consents]
    lines += [("blank" if u.benign else "unread", u.line()) for u in report.unread]
    filed = len(report.filed)
    if report.consents:
        summary = f"{plural(len(report.consents), 'consent')} found: {filed} filed"
        summary += f", {len(report.consents) - filed} incomplete." if len(report.consents) > filed else "."
    else:
        summary = f"No consent found in the scan: {NOTHING_FILED}."
    return actions.Outcome(location, summary, detail={"lines": lines, "troubled": not report.all_filed})


def scans_page_with(
    request: Request,
    user: accounts.SignedIn,
    message: str | None = None,
    status: int = 200,
    detail: dict[str, Any] | None = None,
) -> Response:
    """The page: what the last upload came to (`message`, and `detail`'s lines), then the form."""
    detail = detail or {}
    return render(request, "scans.html", status, user=user, message=message, failed=status >= 400,
                  lines=detail.get("lines", []), troubled=bool(detail.get("troubled")))  # fmt: skip
