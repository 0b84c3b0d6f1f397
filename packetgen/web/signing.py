"""Consents signed on a tablet in the web app (issue 29): a signing session for one schedule line's issued
consent, step by step, then the signed consent filed where scanned consents are filed.

A session (`signing_session`, keyed by the SHA-256 of a random token that only its pages' addresses
hold) belongs to the web session that started it and to one line. Its steps come from the consent itself
(`signing.layout.find_boxes`): the patient's date of birth confirmed first (typed, compared with the
record: a mismatch ends the session, audited, the date never echoed nor logged); then each consent page
with initials boxes or check boxes in its text; then each signer whose block the consent prints, in
signing order (the interpreter only when the patient's language is not English; the witness, the
interpreter and the telephone witness may be left out); then the finish. What each step captured is
kept in the session's row until the session finishes (`finish`: the Capture built, `sign_consent` run,
the result filed as `<appointment_id>-consent-signed.pdf`, the row deleted: no signature is kept apart
from the signed PDF) or is abandoned, and the retention purge removes a session open longer than
`store.retention.SIGNING_LIFETIME`.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from ..errors import UsageError
from ..settings import Settings
from ..signing.capture import CaptureError, read_capture, read_strokes
from ..signing.layout import Box, Layout
from ..store import Store
from ..store.consents import record_signed
from ..store.retention import SIGNING_LIFETIME, purge_signing_sessions
from ..store.tables import ScheduleEntry, SigningSession, utc
from . import accounts
from .actions import owner_of

logger = logging.getLogger(__name__)

StepKind = Literal["dob", "page", "signer", "finish"]
OPTIONAL_ROLES = ("witness", "interpreter", "telephone_witness")
"""Signers a session may leave out (the patient's and the provider's signatures a consent given needs)."""
SCALE = 1.6
"""A page's image, pixels per PDF point: a letter page 980 pixels wide, the width of a tablet."""
SIGNATURE_PAD = Box("signature", "signature", 0, (0.0, 0.0, 300.0, 60.0), None, "Signature")
"""The pad's shape for a signature whose box was not found (its strokes are then drawn nowhere)."""
_LAYOUTS: dict[str, Layout] = {}
_LAYOUTS_LOCK = threading.Lock()
_KEPT_LAYOUTS = 16


def available(settings: Settings) -> bool:
    """Whether the site can sign consents: a signing certificate is set (`sign.certificate`)."""
    return settings.sign.certificate is not None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    """One step of a session: what the tablet shows and asks for."""

    kind: StepKind
    page: int | None = None
    """The consent page shown (0-based, in the packet), for a page's or a signer's step."""
    role: str | None = None
    heading: str = ""
    boxes: tuple[Box, ...] = ()
    """A page's initials boxes and check boxes; a signer's check boxes and further lines."""
    shown: str = ""
    """The page as the consent's own footer numbers it ("1 of 4"): the packet's handout comes before it."""

    @property
    def optional(self) -> bool:
        return self.role in OPTIONAL_ROLES

    @property
    def one_of(self) -> dict[str, str]:
        """A signer's check boxes printed on one line ("☐ Patient ☐ Legal representative", "☐ In person
        ☐ By phone ☐ By video") are one choice: each such box's id → its group's name (`one-N`)."""
        if self.kind != "signer":
            return {}
        lines: dict[tuple[int, int], list[Box]] = {}
        for box in self.boxes:
            if box.kind == "choice":
                lines.setdefault((box.page, round(box.rect[1])), []).append(box)
        groups = [group for group in lines.values() if len(group) > 1]
        return {box.id: f"one-{n}" for n, group in enumerate(groups, start=1) for box in group}


def steps(layout: Layout, language: str | None) -> list[Step]:
    """The session's steps for this consent, in order (see the module's docstring)."""
    found = [Step("dob")]
    pages = layout.consent_pages

    def shown(page: int) -> str:
        return f"{pages.index(page) + 1} of {len(pages)}" if page in pages else str(page + 1)

    for page in pages:
        boxes = tuple(b for b in layout.boxes if b.page == page and (b.kind == "initials" or _text_choice(b)))
        if boxes:
            found.append(Step("page", page, boxes=boxes, shown=shown(page)))
    english = (language or "en").lower().split("-")[0] == "en"
    for signer in layout.signers:
        if signer.role == "interpreter" and english:
            continue
        boxes = tuple(layout.by_id[b] for b in signer.boxes if layout.by_id[b].kind in ("choice", "field"))
        found.append(Step("signer", signer.page, signer.role, signer.heading, boxes, shown(signer.page)))
    found.append(Step("finish"))
    return found


def _text_choice(box: Box) -> bool:
    return box.kind == "choice" and box.role is None


def layout_of(pdf: bytes, sha256: str) -> Layout:
    """The consent's boxes (`find_boxes`), found once per packet in this process."""
    from ..scanning.filing import PDFIUM
    from ..signing.layout import find_boxes

    with _LAYOUTS_LOCK:
        known = _LAYOUTS.get(sha256)
    if known is not None:
        return known
    with PDFIUM:
        layout = find_boxes(pdf)
    with _LAYOUTS_LOCK:
        if len(_LAYOUTS) >= _KEPT_LAYOUTS:
            _LAYOUTS.pop(next(iter(_LAYOUTS)))
        _LAYOUTS[sha256] = layout
    return layout


def page_image(pdf: bytes, page: int, boxes: tuple[Box, ...], signature: Box | None = None) -> bytes:
    """Page `page` of the consent as a PNG, each of `boxes` on it outlined and numbered as the form below
    the image numbers it (its place among `boxes`), and the `signature` line outlined and named."""
    from PIL import ImageDraw

    from ..scanning.filing import PDFIUM
    from ..signing.layout import render_page

    with PDFIUM:
        image, height = render_page(pdf, page, SCALE)
    pen = ImageDraw.Draw(image)
    marked = [(str(n), box) for n, box in enumerate(boxes, start=1)]
    marked += [("Sign here", signature)] if signature is not None else []
    for label, box in marked:
        if box.page != page:
            continue
        left, bottom, right, top = box.rect
        outline = (left * SCALE - 3, (height - top) * SCALE - 3, right * SCALE + 3, (height - bottom) * SCALE + 3)
        pen.rectangle(outline, outline=(0, 90, 200), width=3)
        pen.text((outline[0] - 2, outline[1] - 12), label, fill=(0, 90, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class Open:
    """An open session as a request finds it."""

    row: SigningSession
    entry: ScheduleEntry
    layout: Layout
    steps: list[Step]
    pdf: bytes

    @property
    def step(self) -> Step:
        return self.steps[min(self.row.step, len(self.steps) - 1)]

    @property
    def parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = json.loads(self.row.parts or "{}")
        return parts


class Gone(Exception):
    """No such session for this user (never started, another web session's, finished, or too old)."""


def packet_bytes(entry: ScheduleEntry, out_dir: Path) -> bytes | None:
    """The line's issued packet, when it is still there as it was made."""
    path = entry.packet_path(out_dir)
    if entry.status != "ok" or path is None or not entry.sha256:
        return None
    try:
        pdf = path.read_bytes()
    except OSError:
        return None
    return pdf if hashlib.sha256(pdf).hexdigest() == entry.sha256 else None


def start(store: Store, settings: Settings, user: accounts.SignedIn, entry_id: int) -> str:
    """A new session for line `entry_id` (UsageError saying why there can be none; Gone: no such line);
    its token."""
    from ..signing.certify import load_certifier

    load_certifier(settings.sign)  # the certificate is usable before anyone signs anything
    with store.reading() as session:
        entry = session.get(ScheduleEntry, entry_id)
        if entry is None:
            raise Gone
        sha256, dob = entry.sha256 or "", entry.date_of_birth
        pdf = packet_bytes(entry, settings.web.out_dir)
    if pdf is None:
        raise UsageError("this line has no packet to sign: make it again first")
    if dob is None:
        raise UsageError("the record has no date of birth to confirm: the consent cannot be signed on a tablet")
    layout = layout_of(pdf, sha256)
    if not layout.consent_pages or not layout.signer("patient"):
        raise UsageError("this packet has no consent to sign")
    token = secrets.token_urlsafe(24)
    now = accounts.now()
    with store.session() as session:
        purge_signing_sessions(session, now)
        session.add(
            SigningSession(
                token_sha256=token_digest(token),
                owner=owner_of(user),
                user_id=user.user_id,
                entry_id=entry_id,
                packet_sha256=sha256,
                created_at=now,
                dob_confirmed=False,
                step=0,
                parts="{}",
            )
        )
    logger.info("signing session started: line %d", entry_id)
    return token


def find(store: Store, settings: Settings, user: accounts.SignedIn, token: str) -> Open:
    """The session `token` names, for this web session (Gone otherwise)."""
    with store.reading() as session:
        row = session.get(SigningSession, token_digest(token)) if token else None
        if row is None or row.owner != owner_of(user) or row.user_id != user.user_id:
            raise Gone
        if utc(row.created_at) < accounts.now() - SIGNING_LIFETIME:
            raise Gone
        entry = session.get(ScheduleEntry, row.entry_id)
        if entry is None or entry.sha256 != row.packet_sha256:
            raise Gone
        session.expunge_all()
    pdf = packet_bytes(entry, settings.web.out_dir)
    if pdf is None:
        raise Gone
    layout = layout_of(pdf, row.packet_sha256)
    return Open(row, entry, layout, steps(layout, entry.language), pdf)


def end(store: Store, token: str) -> None:
    """The session removed, with everything it captured."""
    with store.session() as session:
        session.execute(delete(SigningSession).where(SigningSession.token_sha256 == token_digest(token)))


def confirm_dob(store: Store, found: Open, token: str, typed: str) -> bool:
    """Whether `typed` is the record's date of birth: then the session goes on; else it ends (nothing of
    what was typed kept or logged)."""
    try:
        matches = date.fromisoformat(typed.strip()) == found.entry.date_of_birth
    except ValueError:
        matches = False
    if not matches:
        end(store, token)
        logger.info("signing session stopped: the date of birth does not match (line %d)", found.entry.id)
        return False
    _save(store, token, 1, found.parts, dob=True)
    return True


class StepRefused(Exception):
    """What the step's form lacks, in plain words (the form is shown again)."""


def take_step(store: Store, found: Open, token: str, form: dict[str, Any]) -> None:
    """The current step's form (a page's initials and ticks, a signer's signature) added to the session."""
    step, parts = found.step, found.parts
    if step.kind == "page":
        initials = dict(parts.get("initials", {}))
        for number, box in enumerate(step.boxes, start=1):
            if box.kind != "initials":
                continue
            strokes = _pad(form.get(f"pad:{box.id}", ""), f"initials box {number}")
            if strokes is None:
                raise StepRefused(f"Initial box {number} ({box.label or 'initials'}) before going on.")
            initials[box.id] = strokes
        chosen = set(form.get("tick", []))
        ticks = [t for t in parts.get("ticks", []) if t not in {b.id for b in step.boxes}]
        ticks += [b.id for b in step.boxes if b.kind == "choice" and b.id in chosen]
        parts = {**parts, "initials": initials, "ticks": ticks}
    elif step.kind == "signer":
        assert step.role is not None
        signers = [s for s in parts.get("signers", []) if s["role"] != step.role]
        if not form.get("skip"):
            signers.append(_signer(step, form))
        elif not step.optional:
            raise StepRefused("This signature is needed for a consent given: sign, or record a refusal.")
        parts = {**parts, "signers": signers}
    else:
        return
    _save(store, token, found.row.step + 1, parts)


def _signer(step: Step, form: dict[str, Any]) -> dict[str, Any]:
    name = str(form.get("name", "")).strip()
    if not name or len(name) > 120 or not name.isprintable():
        raise StepRefused("Write the signer's name as it should be printed (up to 120 characters).")
    signature = _pad(form.get("pad:signature", ""), "signature")
    if signature is None:
        raise StepRefused("Sign in the signature box before going on.")
    chosen = set(form.get("tick", []))
    groups: dict[str, list[Box]] = {}
    for box in step.boxes:
        if box.id in step.one_of:
            groups.setdefault(step.one_of[box.id], []).append(box)
    for group in groups.values():
        if sum(box.id in chosen for box in group) != 1:
            raise StepRefused(f"Choose one of: {' / '.join(box.label or 'this choice' for box in group)}.")
    signer: dict[str, Any] = {
        "role": step.role,
        "name": name,
        "signed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "signature": signature,
        "ticks": [b.id for b in step.boxes if b.kind == "choice" and b.id in chosen],
        "fields": {},
    }
    for box in step.boxes:
        text = str(form.get(f"field:{box.id}", "")).strip() if box.kind == "field" else ""
        if text:
            if len(text) > 120 or not text.isprintable():
                raise StepRefused(f"{box.label or 'A line'}: up to 120 printable characters.")
            signer["fields"][box.id] = text
    teach_back = str(form.get("teach_back", "")).strip()
    if step.role == "provider" and teach_back:
        if len(teach_back) > 1000 or not teach_back.isprintable():
            raise StepRefused("The teach-back line: up to 1000 printable characters, on one line.")
        signer["teach_back"] = teach_back
    return signer


def _pad(raw: Any, what: str) -> list[Any] | None:
    """A pad's strokes from its hidden field (JSON), checked; None when nothing was drawn."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        strokes = json.loads(raw)
    except ValueError:
        raise StepRefused(f"The {what} could not be read: clear it and draw again.") from None
    if strokes == []:
        return None
    try:
        read_strokes(strokes, what)
    except CaptureError:
        raise StepRefused(f"The {what} could not be read: clear it and draw again.") from None
    return strokes  # type: ignore[no-any-return]


def _save(store: Store, token: str, step: int, parts: dict[str, Any], dob: bool | None = None) -> None:
    with store.session() as session:
        row = session.get(SigningSession, token_digest(token))
        if row is None:
            raise Gone
        row.step, row.parts = step, json.dumps(parts, separators=(",", ":"))
        if dob is not None:
            row.dob_confirmed = dob


def identifiers(layout: Layout, appointment_id: str) -> str:
    """The filed consent's identifiers, as a scanned consent's say them (`filing.metadata`): its
    appointment, form and version (read from the consent's form line), and that it was signed on a tablet."""
    line = layout.form_line
    form = re.search(r"\bFORM (\S+)", line)
    version = re.search(r"\bVER (\S+)", line)
    return (
        f"appointment={appointment_id} document=CONSENT form={form.group(1) if form else ''} "
        f"version={version.group(1) if version else ''} pages={len(layout.consent_pages)} signed=tablet"
    )


@dataclass(frozen=True)
class Finished:
    outcome: str
    file: str
    roles: tuple[str, ...]


def finish(store: Store, settings: Settings, found: Open, token: str, outcome: str, actor: str) -> Finished:
    """The session's Capture signed into the consent (`sign_consent`, on the calling thread: a worker's),
    filed as `<appointment_id>-consent-signed.pdf` in the signed-consents folder, recorded (the schedule
    line's state, the audit), the session's row removed, and the chart told when `chart.*` is set.
    UsageError (a capture that cannot be used, a certificate that cannot be read): nothing filed, the
    session left to the caller to end."""
    from ..delivery.chart import Filed, after_filing
    from ..pdf.output import target_path, write_atomic
    from ..scanning.filing import SUFFIX
    from ..signing import sign_consent
    from ..signing.certify import load_certifier
    from .context import RENDERING

    if outcome == "consented" and found.step.kind != "finish":
        raise UsageError("the consent is not signed yet: finish every step first")
    parts = found.parts
    data = {
        "session": "S-" + found.row.token_sha256[:12],
        "dob_confirmed": bool(found.row.dob_confirmed),
        "outcome": outcome,
        "signers": parts.get("signers", []),
        "initials": parts.get("initials", {}),
        "ticks": parts.get("ticks", []),
    }
    capture = read_capture(data, found.layout)
    certifier = load_certifier(settings.sign)
    appointment_id = found.entry.appointment_id or f"line-{found.entry.id}"
    with RENDERING:  # ReportLab draws the marks and the audit page
        signed = sign_consent(found.pdf, found.layout, capture, certifier, ZoneInfo(settings.timezone),
                              settings.font_dirs, identifiers(found.layout, appointment_id))  # fmt: skip
    target = write_atomic(signed, target_path(settings.signed_dir, appointment_id + SUFFIX))
    moment = accounts.now()
    roles = tuple(s.role for s in capture.signers)
    with store.session() as session:
        record_signed(session, appointment_id, found.row.packet_sha256, target.name, len(found.layout.consent_pages),
                      outcome, roles, moment, actor)  # fmt: skip
        session.execute(delete(SigningSession).where(SigningSession.token_sha256 == found.row.token_sha256))
    logger.info("consent signed on a tablet and filed: line %d, %s", found.entry.id, outcome)
    after_filing(store, settings, [Filed(appointment_id, target, moment)], actor, wait=False)
    return Finished(outcome, target.name, roles)
