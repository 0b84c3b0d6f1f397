"""One patient's line of the schedule: its page, the packet's preview, printing, email, and the packet
made again in another layout or language. URLs name the line by number, never the patient."""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, Response

from ...build import packet_from
from ...delivery.printing import PrintServer
from ...delivery.relay import relay_config
from ...delivery.service import Packet, email_packet, print_packet
from ...errors import PacketgenError, UsageError
from ...models import Department
from ...settings import EmailSettings
from ...store.access import DISMISS_ERROR
from ...store.tables import ScheduleEntry
from ...yamlsafe import Located
from .. import access, accounts, actions, schedule, signing
from ..context import RENDERING, Context
from ..dependencies import CHECKED_FORM, Ctx, User, require
from ..pages import print_queues, render
from ..plain import plain_lines

router = APIRouter(include_in_schema=False)
_INLINE = {"Content-Disposition": 'inline; filename="packet.pdf"'}
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_AGAIN_KEPT = 3600.0
"""A packet made again waits this long in the output folder for its page (it holds patient data)."""
Once = Annotated[str, Form(max_length=64)]
"""The form's one-time token (`actions`)."""


def entry_row(entry_id: int, context: Ctx) -> schedule.Row:
    """The schedule line `entry_id` (404 when there is none)."""
    with context.store.reading() as session:
        row = schedule.entry(session, entry_id)
    if row is None:
        raise HTTPException(404)
    return row


Row = Annotated[schedule.Row, Depends(entry_row)]


def packet_of(row: Row, context: Ctx) -> Packet:
    """The line's packet as delivery takes it (404 when none was made); with its record's date of
    birth, for a site whose passphrase is the date of birth (none made up when the line has none)."""
    entry = row.entry
    path = entry.packet_path(context.settings.web.out_dir)
    if entry.status != "ok" or path is None or not entry.sha256:
        raise HTTPException(404)
    layout = context.library.layouts.get(entry.layout or "") or context.library.layout(None)
    return Packet(path, entry.sha256, entry.appointment_id, layout, entry.language or "en", entry.date_of_birth,
                  _department_of(entry, context))  # fmt: skip


def _department_of(entry: ScheduleEntry, context: Ctx) -> Department | None:
    """The department the line's packet was made for; for a line made before lines kept it, its
    procedure's. None when it is unavailable now (the packet still prints; it is not emailed)."""
    library = context.library
    content = library.contents.get(entry.procedure or "")
    key = entry.department or (content.department if content else None)
    return library.departments.get(key or "")


Made = Annotated[Packet, Depends(packet_of)]


@router.get("/entries/{entry_id}", dependencies=[require("view")])
def entry_page(request: Request, user: User, context: Ctx, row: Row, done: str | None = None) -> Response:
    """One patient's page; after an action (`done`: its one-time token), with what became of it. The
    result stays while the user stays (a reload shows it again, acting on nothing); an email's
    passphrase is forgotten once another page is shown."""
    access.record(request, access.VIEW_PATIENT, user, entry_id=row.entry.id, appointment_id=row.entry.appointment_id)
    found = actions.result(context, user, done, ("print", "email", "reprint", "sign"), f"/entries/{row.entry.id}")
    if found is None:
        return entry_page_with(request, context, user, row)
    return entry_page_with(request, context, user, row, found.message, found.status, found.detail.get("queue", ""),
                           found.secret, again=found.detail.get("again") and found.token)  # fmt: skip


@router.get("/entries/{entry_id}/again/{token}.pdf", dependencies=[require("reprint")])
def again_pdf(request: Request, user: User, context: Ctx, row: Row, token: str, download: bool = False) -> Response:
    """The packet made again ("Make again", shown in its patient's page): this session's, for an hour."""
    found = actions.result(context, user, token, ("reprint",), f"/entries/{row.entry.id}")
    name = found.detail.get("again") if found else None
    path = context.settings.web.out_dir / str(name)
    if not name or not path.is_file():
        raise HTTPException(404)
    access.record(request, access.VIEW_PDF, user, entry_id=row.entry.id, appointment_id=row.entry.appointment_id)
    disposition = "attachment" if download else "inline"
    return FileResponse(path, media_type="application/pdf",
                        headers={"Content-Disposition": f'{disposition}; filename="packet-again.pdf"'})  # fmt: skip


@router.get("/entries/{entry_id}/packet.pdf", dependencies=[require("view")])
def packet_pdf(request: Request, user: User, row: Row, context: Ctx) -> Response:
    """The packet's PDF (the patient page's preview shows it)."""
    path = row.entry.packet_path(context.settings.web.out_dir)
    if row.entry.status != "ok" or path is None or not path.is_file():
        raise HTTPException(404)
    access.record(request, access.VIEW_PDF, user, entry_id=row.entry.id, appointment_id=row.entry.appointment_id)
    return FileResponse(path, media_type="application/pdf", headers=_INLINE)


@router.post("/entries/{entry_id}/print", dependencies=[require("print"), CHECKED_FORM])
def print_entry(
    request: Request,
    user: User,
    context: Ctx,
    row: Row,
    packet: Made,
    once: Once,
    queue: Annotated[str, Form(max_length=127)] = "",
    copies: Annotated[int, Form(ge=1, le=20)] = 1,
) -> Response:
    """The packet printed two-sided, once for the form's token; then its page says what became of it."""

    def work(token: str) -> actions.Outcome:
        try:
            server = PrintServer(context.settings.cups_server)
            chosen = server.queue(queue or context.settings.printer)
            job = print_packet(context.store, server, chosen, packet, f"web:{user.name}", copies,
                               context.settings.print_timeout)  # fmt: skip
            message, status = f"Printed on {chosen} (job {job.job_id}).", 200
        except UsageError as exc:
            message, status = f"Not printed: {exc}", 502
        return actions.Outcome(_result_page(row, token), message, status, detail={"queue": queue})

    return actions.once(request, context, user, once, "print", work)


def _result_page(row: schedule.Row, token: str) -> str:
    return f"/entries/{row.entry.id}?done={token}"


_OTHER_ADDRESS = (
    "packets go only to the address on the appointment; your site allows other addresses only for some "
    "roles or domains (email.other_addresses_roles, email.other_addresses_domains)."
)


def may_email(policy: EmailSettings, role: str, address: str, on_record: str | None) -> bool:
    """Whether a user of `role` may send a packet to `address`: the appointment's own address always;
    another only for the roles or domains the site allows."""
    if on_record and address.casefold() == on_record.strip().casefold():
        return True
    return role in policy.other_addresses_roles or address.rpartition("@")[2].lower() in policy.other_addresses_domains


_EMAIL_ROUTE = "/entries/{entry_id}/email"


@router.post(_EMAIL_ROUTE, dependencies=[require("email"), CHECKED_FORM])
def email_entry(
    request: Request,
    user: User,
    context: Ctx,
    row: Row,
    packet: Made,
    once: Once,
    to: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """The packet encrypted and emailed (to `to`, or the address on the line, as the site's recipient
    policy allows), once for the form's token; the passphrase shown on the patient's page until the
    user leaves it."""
    return actions.once(request, context, user, once, "email",
                        lambda token: _email(request, context, user, row, packet, to, token))  # fmt: skip


def _email(
    request: Request, context: Context, user: accounts.SignedIn, row: schedule.Row, packet: Packet, to: str, token: str
) -> actions.Outcome:
    passphrase = None
    try:
        address = validate_email(to or row.entry.email or "", check_deliverability=False).normalized
        if may_email(context.settings.email, user.role, address, row.entry.email):
            relay = relay_config(context.settings)
            # The full address (the delivery audit keeps its domain), committed before anything is sent.
            access.record(request, access.EMAIL_PACKET, user, entry_id=row.entry.id,
                          appointment_id=row.entry.appointment_id, recipient=address)  # fmt: skip
            secret, outcomes = email_packet(context.store, context.settings.email, relay, packet, address,
                                            f"web:{user.name}")  # fmt: skip
            said = outcomes[0].line() if outcomes else "queued."
            message = said[:1].upper() + said[1:]
            passphrase, status = secret.shown, 200
        else:
            access.record(request, access.ACCESS_REFUSED, user, entry_id=row.entry.id,
                          appointment_id=row.entry.appointment_id, recipient=address, route=_EMAIL_ROUTE,
                          status=403)  # fmt: skip
            message, status = f"Not sent: {_OTHER_ADDRESS}", 403
    except EmailNotValidError:
        message, status = "Not sent: expected an email address such as name@example.org.", 422
    except UsageError as exc:
        message, status = f"Not sent: {exc}", 502
    return actions.Outcome(_result_page(row, token), message, status, secret=passphrase)


@router.post("/entries/{entry_id}/reprint", dependencies=[require("reprint"), CHECKED_FORM])
def reprint_entry(
    request: Request,
    user: User,
    context: Ctx,
    row: Row,
    once: Once,
    layout: Annotated[str, Form(max_length=64)] = "",
    language: Annotated[str, Form(max_length=35)] = "",
    queue: Annotated[str, Form(max_length=127)] = "",
) -> Response:
    """The packet made again in another layout (large print) or language, once for the form's token:
    shown inside its patient's page, or printed on `queue`. The schedule's own packet is left as it is
    (or, removed by the retention purge, stays removed)."""
    entry = row.entry
    if not entry.record or layout not in ("", *context.library.layouts):
        raise HTTPException(404)
    return actions.once(
        request,
        context,
        user,
        once,
        "reprint",
        lambda token: _reprint(request, context, user, row, layout, language, queue, token),
    )


def _reprint(
    request: Request,
    context: Context,
    user: accounts.SignedIn,
    row: schedule.Row,
    layout: str,
    language: str,
    queue: str,
    token: str,
) -> actions.Outcome:
    entry = row.entry
    access.record(request, access.REPRINT, user, entry_id=entry.id, appointment_id=entry.appointment_id)
    wanted = language if _LANGUAGE_TAG.fullmatch(language) else None
    page = _result_page(row, token)
    out_dir = context.settings.web.out_dir
    with tempfile.TemporaryDirectory(prefix="packetgen-reprint-") as folder:
        generator = dataclasses.replace(context.generator(layout or None), out_dir=Path(folder))
        try:
            record = Located(json.loads(entry.record or "{}"), "schedule")
            with RENDERING:
                made = packet_from(generator, record, wanted, provider_optional=True)
        except PacketgenError as exc:
            return actions.Outcome(page, "Not made: " + "; ".join(exc.lines()), 422)
        said = f"Made again in {made.layout}, {made.language}"
        if wanted and made.language != wanted:
            said += f" (there is no packet in {wanted})"
        if not queue:
            _forget_old_again(out_dir)
            name = f"again-{secrets.token_hex(12)}.pdf"
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / name).write_bytes(made.path.read_bytes())
            return actions.Outcome(page, f"{said}: shown below.", detail={"again": name})
        library = context.library
        again = Packet(made.path, made.sha256, entry.appointment_id, library.layouts[made.layout], made.language,
                       entry.date_of_birth, library.departments.get(made.department))  # fmt: skip
        try:
            server = PrintServer(context.settings.cups_server)
            chosen = server.queue(queue)
            job = print_packet(context.store, server, chosen, again, f"web:{user.name}", 1,
                               context.settings.print_timeout)  # fmt: skip
        except UsageError as exc:
            return actions.Outcome(page, f"Not printed: {exc}", 502)
    return actions.Outcome(page, f"Printed in {made.layout}, {made.language} on {chosen} (job {job.job_id}).")


@router.post("/dismiss", dependencies=[require("upload"), CHECKED_FORM])
def dismiss_error(
    request: Request,
    user: User,
    context: Ctx,
    once: Once,
    entry: Annotated[int, Form()],
    day: Annotated[str, Form(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
) -> Response:
    """An error line of the schedule dismissed once handled (once for the form's token): the day's list
    hides it (its "show dismissed" link shows it); the access audit says who, when, which line."""

    def work(token: str) -> actions.Outcome:
        back = f"/schedule?day={day}" if day else "/schedule"
        with context.store.session() as session:
            line = session.get(ScheduleEntry, entry)
            if line is None or line.status != "error":
                raise HTTPException(404)
            if line.dismissed_at is None:
                line.dismissed_at, line.dismissed_by = accounts.now(), user.name
                access.record(request, DISMISS_ERROR, user, session=session, entry_id=line.id,
                              appointment_id=line.appointment_id)  # fmt: skip
        return actions.Outcome(back, "Dismissed.")

    return actions.once(request, context, user, once, "dismiss", work)


def _forget_old_again(out_dir: Path) -> None:
    """Packets made again more than an hour ago leave the output folder (they hold patient data)."""
    limit = time.time() - _AGAIN_KEPT
    for old in out_dir.glob("again-*.pdf"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


def entry_page_with(
    request: Request,
    context: Context,
    user: accounts.SignedIn,
    row: schedule.Row,
    message: str | None = None,
    status: int = 200,
    queue: str = "",
    passphrase: str | None = None,
    again: str | None = None,
) -> Response:
    """One patient's page (after an action: with what became of it, an email's passphrase, the packet
    made again: `again`, the action's token, which names its PDF), with the previous and next patient of its day."""
    with context.store.reading() as session:
        before, after = schedule.neighbours(session, row.entry)
    return render(request, "entry.html", status, user=user, row=row, queues=print_queues(context),
                  default_queue=queue or context.settings.printer or "", message=message, passphrase=passphrase,
                  layouts=sorted(context.library.layouts), again=again, before=before, after=after,
                  plain_lines=plain_lines, may_sign=_may_sign(context, user, row))  # fmt: skip


def _may_sign(context: Context, user: accounts.SignedIn, row: schedule.Row) -> bool:
    """Whether the page offers "Sign on a tablet": the user's role may, the site has a signing
    certificate, the line has its packet and the record a date of birth to confirm."""
    entry = row.entry
    return (user.may("sign") and signing.available(context.settings) and entry.status == "ok"
            and bool(entry.file) and entry.date_of_birth is not None)  # fmt: skip
