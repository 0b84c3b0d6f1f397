"""Consents signed on a tablet (issue 29; `web/signing.py`): from a patient's page, "Sign on a tablet"
starts a session for the line's issued consent; its pages (`/signing/TOKEN`, the token random, nothing
of the patient in any address or title) confirm the date of birth, then take each page's initials and
choices and each signer's signature in turn, and file the signed consent. For clinicians and admins,
only where the site has a signing certificate (`sign.*`)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ...errors import UsageError
from ...store.access import SIGNING_ABANDON, SIGNING_DOB_MISMATCH, SIGNING_FINISH, SIGNING_START
from .. import access, accounts, actions, signing
from ..context import Context
from ..dependencies import CHECKED_FORM, Ctx, User, require
from ..pages import render

router = APIRouter(include_in_schema=False, dependencies=[require("sign")])
logger = logging.getLogger(__name__)

Token = Annotated[str, Form(max_length=64)]
KIND = "sign"
"""The finishing form's kind (`actions`): the patient's page shows its result."""
OUTCOMES = {"refused": "refused", "withdrawn": "withdrawn"}


def _see_other(location: str) -> Response:
    return RedirectResponse(location, status_code=303)


def _find(context: Context, user: accounts.SignedIn, token: str) -> signing.Open:
    try:
        return signing.find(context.store, context.settings, user, token)
    except signing.Gone:
        raise HTTPException(404) from None


@router.post("/entries/{entry_id}/signing", dependencies=[CHECKED_FORM])
def start_signing(request: Request, user: User, context: Ctx, entry_id: int) -> Response:
    """A new signing session for the line's issued consent (404 where the site has no signing certificate);
    303 to its first step, the date of birth."""
    if not signing.available(context.settings):
        raise HTTPException(404)
    try:
        token = signing.start(context.store, context.settings, user, entry_id)
    except signing.Gone:
        raise HTTPException(404) from None
    except UsageError as exc:
        return render(request, "signing.html", 409, user=user, stopped=f"Signing cannot start: {exc}.",
                      entry_id=entry_id)  # fmt: skip
    access.record(request, SIGNING_START, user, entry_id=entry_id)
    return _see_other(f"/signing/{token}")


@router.get("/signing/{token}")
def signing_page(request: Request, user: User, context: Ctx, token: str) -> Response:
    """The session's current step."""
    return _page(request, context, user, token, _find(context, user, token))


def _page(
    request: Request,
    context: Context,
    user: accounts.SignedIn,
    token: str,
    found: signing.Open,
    message: str | None = None,
    status: int = 200,
) -> Response:
    step = found.step
    number = min(found.row.step, len(found.steps) - 1) + 1
    parts = found.parts
    names = {"patient": found.entry.patient or "", "provider": found.entry.provider or ""}
    pad = found.layout.by_id.get(f"{step.role}.signature") if step.role else None
    return render(request, "signing.html", status, user=user, token=token, step=step, number=number,
                  total=len(found.steps), message=message, entry_id=found.entry.id,
                  signed=[s["role"] for s in parts.get("signers", [])], initialled=len(parts.get("initials", {})),
                  initials_total=len(found.layout.of_kind("initials")), name=names.get(step.role or "", ""),
                  role_words=ROLE_WORDS, signature_box=pad or signing.SIGNATURE_PAD)  # fmt: skip


ROLE_WORDS = {
    "patient": "the patient (or legal representative)",
    "provider": "the provider",
    "witness": "the witness",
    "interpreter": "the interpreter",
    "telephone_witness": "the second witness (consent by telephone)",
}


@router.get("/signing/{token}/pages/{page}.png")
def page_png(user: User, context: Ctx, token: str, page: int) -> Response:
    """The current step's consent page (1-based) as an image, its boxes outlined and numbered; never cached."""
    found = _find(context, user, token)
    if found.step.page is None or page != found.step.page + 1:
        raise HTTPException(404)
    role = found.step.role
    signature = found.layout.by_id.get(f"{role}.signature") if role else None
    image = signing.page_image(found.pdf, found.step.page, found.step.boxes, signature)
    return Response(image, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/signing/{token}/dob", dependencies=[CHECKED_FORM])
def confirm_dob(
    request: Request, user: User, context: Ctx, token: str, dob: Annotated[str, Form(max_length=32)] = ""
) -> Response:
    """The date of birth typed on the tablet, compared with the record: the next step, or (a mismatch) the
    session ended and the access audit told (the date itself never shown, kept or logged)."""
    found = _find(context, user, token)
    if found.step.kind != "dob":
        return _see_other(f"/signing/{token}")
    if not signing.confirm_dob(context.store, found, token, dob):
        access.record(request, SIGNING_DOB_MISMATCH, user, entry_id=found.entry.id,
                      appointment_id=found.entry.appointment_id)  # fmt: skip
        stopped = (
            "The date of birth does not match the record, so signing has stopped. Hand the tablet back to the "
            "clinician: check the patient's identity, then start again from the patient's page."
        )
        return render(request, "signing.html", 403, user=user, stopped=stopped, entry_id=found.entry.id)
    return _see_other(f"/signing/{token}")


@router.post("/signing/{token}/step", dependencies=[CHECKED_FORM])
async def take_step(request: Request, user: User, context: Ctx, token: str, step: Annotated[int, Form()]) -> Response:
    """The current step's form: a page's initials and check boxes, or a signer's name, choices and
    signature (or, for a signer who may be left out, `skip`). A form for another step than the current
    one (sent twice, Back pressed) changes nothing."""
    form = await request.form()
    fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    ticked = [key for key in form if key == "tick" or key.startswith("one-")]  # check boxes, and one-of groups
    fields["tick"] = [v for key in ticked for v in form.getlist(key) if isinstance(v, str)]
    return await run_in_threadpool(_take_step, request, context, user, token, step, fields)


def _take_step(
    request: Request, context: Context, user: accounts.SignedIn, token: str, number: int, fields: dict[str, Any]
) -> Response:
    found = _find(context, user, token)
    if number != found.row.step or found.step.kind not in ("page", "signer"):
        return _see_other(f"/signing/{token}")
    try:
        signing.take_step(context.store, found, token, fields)
    except signing.StepRefused as refused:
        return _page(request, context, user, token, found, str(refused), 422)
    return _see_other(f"/signing/{token}")


@router.post("/signing/{token}/finish", dependencies=[CHECKED_FORM])
async def finish(
    request: Request,
    user: User,
    context: Ctx,
    token: str,
    once: Token,
    outcome: Annotated[str, Form(max_length=16)] = "consented",
) -> Response:
    """The consent signed (`outcome` consented, or refused or withdrawn: recorded with whatever was
    signed), certified, filed and recorded, once for the form's token, on a worker thread; then its
    patient's page says what became of it. `outcome` abandon: the session ends, nothing filed."""
    if outcome not in ("consented", "refused", "withdrawn", "abandon"):
        raise HTTPException(422)
    return await run_in_threadpool(_finish, request, context, user, token, once, outcome)


def _finish(
    request: Request, context: Context, user: accounts.SignedIn, token: str, once: str, outcome: str
) -> Response:
    found = _find(context, user, token)
    entry_page = f"/entries/{found.entry.id}"
    if found.step.kind == "dob":
        outcome = "abandon"  # nothing is recorded before the patient is identified
    if outcome == "abandon":
        signing.end(context.store, token)
        access.record(request, SIGNING_ABANDON, user, entry_id=found.entry.id,
                      appointment_id=found.entry.appointment_id)  # fmt: skip
        logger.info("signing session abandoned: line %d", found.entry.id)
        return _see_other(entry_page)

    def work(done: str) -> actions.Outcome:
        location = f"{entry_page}?done={done}"
        try:
            finished = signing.finish(context.store, context.settings, found, token, outcome, f"web:{user.name}")
        except UsageError as exc:  # a certificate that went wrong since the start: nothing kept
            signing.end(context.store, token)
            return actions.Outcome(location, f"Not signed: {exc}. Nothing was filed: start again.", 422)
        access.record(request, SIGNING_FINISH, user, entry_id=found.entry.id,
                      appointment_id=found.entry.appointment_id)  # fmt: skip
        said = {"consented": "Consent signed on the tablet", "refused": "Refusal recorded on the tablet",
                "withdrawn": "Withdrawal recorded on the tablet"}[finished.outcome]  # fmt: skip
        roles = ", ".join(r.replace("_", " ") for r in finished.roles) or "nobody"
        return actions.Outcome(location, f"{said}, certified and filed as {finished.file} (signed by {roles}).")

    return actions.once(request, context, user, once, KIND, work)
