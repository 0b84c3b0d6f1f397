"""The pages people use: sign-in, the schedule, one patient, admin. Server-rendered, no script.

Every page but sign-in needs a session; every form carries the session's CSRF token; each action
checks the role (`accounts.PERMISSIONS`). URLs name schedule entries by number, never by patient
or appointment id, and page titles never name a patient.
"""

from __future__ import annotations

import dataclasses
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..errors import PacketgenError, UsageError
from ..models import Layout
from . import accounts, schedule
from .context import RENDERING, Context

if TYPE_CHECKING:
    from ..delivery.service import Packet

HERE = Path(__file__).parent
SESSION_COOKIE, SIGN_IN_COOKIE = "packetgen_session", "packetgen_signin"
_TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))

router = APIRouter(include_in_schema=False)


def context_of(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = _TEMPLATES.get_template(template).render(request=request, **values)
    return HTMLResponse(page, status)


def error_page(request: Request, status: int) -> str:
    words = {401: "Please sign in.", 403: "Your role does not allow this.", 404: "Not found."}
    message = words.get(status, "Something went wrong. Please try again, or call the help desk.")
    return _TEMPLATES.get_template("error.html").render(request=request, status=status, message=message, user=None)


def signed_in(request: Request) -> accounts.SignedIn:
    """The session's user; a redirect to sign-in without one. Behind a reverse proxy that names the
    user (`web.trusted_user_header`), that user, with a session opened for them when they have none
    (the app's middleware sets its cookie)."""
    context = context_of(request)
    header = context.settings.web.trusted_user_header
    cookie = request.cookies.get(SESSION_COOKIE) or ""
    with context.store.session() as session:  # committed before a refusal: an idle session is removed
        resumed = accounts.resume_session(session, cookie, _idle(context)) if cookie else None
    if not header:
        if resumed is None:
            raise HTTPException(303, headers={"Location": "/sign-in"})
        return resumed
    with context.store.session() as session:
        name = request.headers.get(header, "")
        user = accounts.user_named(session, name) if name else None
        if user is None:
            raise HTTPException(401)
        if resumed is not None and resumed.user_id == user.id:
            return resumed
        request.state.new_session, opened = accounts.open_session(session, user)
        return opened


User = Annotated[accounts.SignedIn, Depends(signed_in)]


def allowed(user: accounts.SignedIn, action: str) -> None:
    if not user.may(action):
        raise HTTPException(403)


def check_csrf(user: accounts.SignedIn, token: str) -> None:
    if not hmac.compare_digest(user.csrf_token, token):
        raise HTTPException(403)


def _idle(context: Context) -> timedelta:
    return timedelta(minutes=context.settings.web.session_idle_minutes)


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")


# --- sign-in -----------------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "sign_in.html", csrf_token=token, user=None, message=None)
    set_cookie(request, response, SIGN_IN_COOKIE, token)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()],
) -> Response:
    context = context_of(request)
    if not hmac.compare_digest(request.cookies.get(SIGN_IN_COOKIE, ""), csrf_token):
        raise HTTPException(403)
    address = request.client.host if request.client else "unknown"
    value = ""
    message: str | None = None
    with context.store.session() as session:
        if accounts.too_many_failures(session, name, address, context.settings.web.sign_in_failures):
            user, message = None, "Too many attempts. Please wait 15 minutes, or ask an administrator."
        else:
            user = accounts.check_password(session, name, password)
            if user is None:
                message = "That name and password do not match."
                accounts.record_failure(session, name, address)
            else:
                value, _user = accounts.open_session(session, user)
    if user is None:
        token = secrets.token_urlsafe(32)
        refused = render(request, "sign_in.html", 401, csrf_token=token, user=None, message=message)
        set_cookie(request, refused, SIGN_IN_COOKIE, token)
        return refused
    response = RedirectResponse("/", 303)
    set_cookie(request, response, SESSION_COOKIE, value)
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, user: User, csrf_token: Annotated[str, Form()]) -> Response:
    check_csrf(user, csrf_token)
    with context_of(request).store.session() as session:
        accounts.close_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/sign-in", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- the schedule --------------------------------------------------------------------------------


@router.get("/")
def schedule_page(request: Request, user: User) -> Response:
    allowed(user, "view")
    return schedule_page_with(request, user, [], 200)


@router.post("/upload")
async def upload(request: Request, user: User, file: UploadFile, csrf_token: Annotated[str, Form()]) -> Response:
    allowed(user, "upload")
    check_csrf(user, csrf_token)
    context = context_of(request)
    limit = context.settings.web.max_upload_bytes
    raw = await file.read(limit + 1)
    errors: list[str] = []
    loaded = None
    if len(raw) > limit:
        errors = [f"{file.filename or 'upload'}: the file is larger than {limit // 1_000_000} MB"]
    else:
        try:
            loaded = schedule.upload(context.store, context.settings, context.library, raw, file.filename or "upload")
        except schedule.UploadRefused as exc:
            errors = exc.lines
    if errors:
        return schedule_page_with(request, user, errors, 422)
    return schedule_page_with(request, user, [], 200, f"{loaded} records read.")


def schedule_page_with(
    request: Request, user: accounts.SignedIn, errors: list[str], status: int, done: str | None = None
) -> Response:
    """The schedule, with what an action found wrong (`errors`) or did (`done`)."""
    context = context_of(request)
    with context.store.reading() as session:
        rows = schedule.rows(session)
    return render(request, "schedule.html", status, user=user, rows=rows, errors=errors, done=done,
                  queues=_queues(context), default_queue=context.settings.printer or "")  # fmt: skip


# --- one patient -----------------------------------------------------------------------------------


def _row(request: Request, entry_id: int) -> schedule.Row:
    with context_of(request).store.reading() as session:
        row = schedule.entry(session, entry_id)
    if row is None:
        raise HTTPException(404)
    return row


@dataclass(frozen=True)
class _Packet:
    row: schedule.Row
    path: Path
    sha256: str
    layout: Layout


def _packet_for(
    request: Request, user: accounts.SignedIn, entry_id: int, action: str, token: str
) -> tuple[Context, _Packet]:
    """For an action on an entry's packet: the role and the form's token checked, the packet found."""
    allowed(user, action)
    check_csrf(user, token)
    context = context_of(request)
    row = _row(request, entry_id)
    entry = row.entry
    path = entry.packet_path(context.settings.web.out_dir)
    if entry.status != "ok" or path is None or not entry.sha256:
        raise HTTPException(404)
    layout = context.library.layouts.get(entry.layout or "") or context.library.layout(None)
    return context, _Packet(row, path, entry.sha256, layout)


def _queues(context: Context) -> list[str]:
    """The print server's queues, for the print form (none when it cannot be reached)."""
    from ..delivery.printing import PrintServer

    try:
        return PrintServer(context.settings.cups_server).queues()
    except UsageError:
        return []


@router.get("/entries/{entry_id}")
def entry_page(request: Request, user: User, entry_id: int) -> Response:
    allowed(user, "view")
    return _entry_page(request, user, entry_id)


@router.get("/entries/{entry_id}/packet.pdf")
def packet_pdf(request: Request, user: User, entry_id: int) -> Response:
    allowed(user, "view")
    row = _row(request, entry_id)
    path = row.entry.packet_path(context_of(request).settings.web.out_dir)
    if row.entry.status != "ok" or path is None or not path.is_file():
        raise HTTPException(404)
    return FileResponse(
        path, media_type="application/pdf", headers={"Content-Disposition": 'inline; filename="packet.pdf"'}
    )


@router.post("/entries/{entry_id}/print")
def print_entry(
    request: Request,
    user: User,
    entry_id: int,
    csrf_token: Annotated[str, Form()],
    queue: Annotated[str, Form(max_length=127)] = "",
    copies: Annotated[int, Form(ge=1, le=20)] = 1,
) -> Response:
    context, packet = _packet_for(request, user, entry_id, "print", csrf_token)
    from ..delivery.printing import PrintServer
    from ..delivery.service import print_packet

    try:
        server = PrintServer(context.settings.cups_server)
        chosen = server.queue(queue or context.settings.printer)
        job = print_packet(
            context.store,
            server,
            chosen,
            _to_deliver(packet),
            f"web:{user.name}",
            copies,
            context.settings.print_timeout,
        )
        message = f"Printed on {chosen} (job {job.job_id})."
        status = 200
    except UsageError as exc:
        message, status = f"Not printed: {exc}", 502
    return _entry_page(request, user, entry_id, message, status, queue)


@router.post("/entries/{entry_id}/email")
def email_entry(
    request: Request,
    user: User,
    entry_id: int,
    csrf_token: Annotated[str, Form()],
    to: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    context, packet = _packet_for(request, user, entry_id, "email", csrf_token)
    entry = packet.row.entry
    from email_validator import EmailNotValidError, validate_email

    from ..delivery.relay import relay_config
    from ..delivery.service import email_packet

    passphrase = None
    try:
        address = validate_email(to or entry.email or "", check_deliverability=False).normalized
        relay = relay_config(context.settings)
        actor = f"web:{user.name}"
        secret, outcomes = email_packet(
            context.store, context.settings.email, relay, _to_deliver(packet), address, actor
        )
        message = outcomes[0].line() if outcomes else "Queued."
        passphrase, status = secret.shown, 200
    except EmailNotValidError:
        message, status = "Not sent: expected an email address such as name@example.org.", 422
    except UsageError as exc:
        message, status = f"Not sent: {exc}", 502
    return _entry_page(request, user, entry_id, message, status, passphrase=passphrase)


@router.post("/entries/{entry_id}/reprint")
def reprint_entry(
    request: Request,
    user: User,
    entry_id: int,
    csrf_token: Annotated[str, Form()],
    layout: Annotated[str, Form(max_length=64)] = "",
    language: Annotated[str, Form(max_length=35)] = "",
    queue: Annotated[str, Form(max_length=127)] = "",
) -> Response:
    """The packet made again in another layout (large print) or language: shown, or printed on `queue`.
    The schedule's own packet is left as it is."""
    context, packet = _packet_for(request, user, entry_id, "reprint", csrf_token)
    entry = packet.row.entry
    if not entry.record or layout not in ("", *context.library.layouts):
        raise HTTPException(404)
    import json
    import tempfile

    from ..build import packet_from
    from ..delivery.printing import PrintServer
    from ..delivery.service import Packet, print_packet
    from ..yamlsafe import Located

    wanted = re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", language)
    with tempfile.TemporaryDirectory(prefix="packetgen-reprint-") as folder:
        generator = dataclasses.replace(context.generator(layout or None), out_dir=Path(folder))
        try:
            record = Located(json.loads(entry.record), "schedule")
            with RENDERING:
                made = packet_from(generator, record, language if wanted else None, provider_optional=True)
        except PacketgenError as exc:
            message = "Not made: " + "; ".join(exc.lines())
            return _entry_page(request, user, entry_id, message, 422)
        if not queue:
            pdf = made.path.read_bytes()
            inline = {"Content-Disposition": 'inline; filename="packet.pdf"'}
            return Response(pdf, media_type="application/pdf", headers=inline)
        again = Packet(
            made.path, made.sha256, entry.appointment_id, context.library.layouts[made.layout], made.language
        )
        try:
            server = PrintServer(context.settings.cups_server)
            chosen = server.queue(queue)
            job = print_packet(
                context.store, server, chosen, again, f"web:{user.name}", 1, context.settings.print_timeout
            )
        except UsageError as exc:
            return _entry_page(request, user, entry_id, f"Not printed: {exc}", 502)
    done = f"Printed in {made.layout}, {made.language} on {chosen} (job {job.job_id})."
    return _entry_page(request, user, entry_id, done)


def _to_deliver(packet: _Packet) -> Packet:
    """The schedule line's packet as delivery takes it (its record's date of birth, for a site whose
    passphrase is the date of birth: none made up when the line has none)."""
    from ..delivery.service import Packet

    entry = packet.row.entry
    return Packet(packet.path, packet.sha256, entry.appointment_id, packet.layout, entry.language or "en",
                  entry.date_of_birth)  # fmt: skip


def _entry_page(
    request: Request,
    user: accounts.SignedIn,
    entry_id: int,
    message: str | None = None,
    status: int = 200,
    queue: str = "",
    passphrase: str | None = None,
) -> Response:
    """One patient's page (after an action: with what became of it, and a passphrase shown once)."""
    context = context_of(request)
    return render(request, "entry.html", status, user=user, row=_row(request, entry_id), queues=_queues(context),
                  default_queue=queue or context.settings.printer or "", message=message, passphrase=passphrase,
                  layouts=sorted(context.library.layouts))  # fmt: skip


# --- admin ------------------------------------------------------------------------------------------


@router.get("/admin")
def admin_page(request: Request, user: User) -> Response:
    return _admin(request, user, "")


@router.post("/admin")
def admin_filtered(
    request: Request,
    user: User,
    csrf_token: Annotated[str, Form()],
    appointment: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The audit for one appointment: the id travels in the form, never in the URL."""
    allowed(user, "admin")
    check_csrf(user, csrf_token)
    return _admin(request, user, appointment)


@router.post("/admin/users")
def add_user(
    request: Request,
    user: User,
    csrf_token: Annotated[str, Form()],
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    allowed(user, "admin")
    check_csrf(user, csrf_token)
    try:
        with context_of(request).store.session() as session:
            accounts.add_user(session, name, role, password)
    except UsageError as exc:
        return _admin(request, user, "", f"Not added: {exc}", 422)
    return _admin(request, user, "", f"User {name} added ({role}).")


@router.post("/admin/users/{user_id}/access")
def set_access(
    request: Request, user: User, user_id: int, csrf_token: Annotated[str, Form()], enabled: Annotated[bool, Form()]
) -> Response:
    """Disable (or enable again) a user: a disabled user's sessions end at their next request."""
    allowed(user, "admin")
    check_csrf(user, csrf_token)
    if user_id == user.user_id and not enabled:
        return _admin(request, user, "", "You cannot disable yourself.", 422)
    with context_of(request).store.session() as session:
        found = accounts.set_enabled(session, user_id, enabled)
    if found is None:
        raise HTTPException(404)
    return _admin(request, user, "", f"User {found} {'enabled' if enabled else 'disabled'}.")


def _admin(request: Request, user: accounts.SignedIn, appointment: str, message: str | None = None,
           status: int = 200) -> Response:  # fmt: skip
    allowed(user, "admin")
    from sqlalchemy import select

    from ..build import site_today
    from ..delivery import audit
    from ..library.approval import approval_of
    from ..store.tables import WebUser

    context = context_of(request)
    today = site_today(context.settings, context.library)
    contents = [(c.id, c.language, c.version, approval_of(c, today)) for c, _located in context.library.editions()]
    with context.store.reading() as session:
        users = session.scalars(select(WebUser).order_by(WebUser.name)).all()
        events = list(audit.events(session, appointment or None))[-200:]
    layouts = sorted(context.library.layouts)
    return render(request, "admin.html", status, user=user, users=users, events=events, contents=contents,
                  layouts=layouts, queues=_queues(context), appointment=appointment, message=message,
                  roles=accounts.ROLES)  # fmt: skip


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    """The API's OpenAPI description as a page (no script: the site's CSP allows none); the JSON is
    at /api/openapi.json."""
    spec = request.app.openapi()
    operations = [
        (method.upper(), path, operation)
        for path, methods in spec.get("paths", {}).items()
        for method, operation in methods.items()
    ]
    return render(request, "api_docs.html", user=None, spec=spec, operations=operations)
