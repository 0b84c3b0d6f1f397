"""The tables, as SQLAlchemy models. The migrations in `migrations/versions/` create them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc(moment: datetime) -> datetime:
    """A time read back from a `DateTime(timezone=True)` column, as UTC: PostgreSQL gives it with its
    zone, SQLite without one (every time is stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Every table of the store."""


class InboxMessage(Base):
    """One message as the listener received it, stored before it was acknowledged."""

    __tablename__ = "inbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    control_id: Mapped[str] = mapped_column(String(200), default="")
    """MSH-10, as the sender numbered the message."""
    message_type: Mapped[str] = mapped_column(String(40), default="")
    appointment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    """The message's bytes (patient data: the database is private to its owner)."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    """`stored` (acknowledged, packet not yet made), `done`, `error` (AE) or `rejected` (AR)."""
    ack_code: Mapped[str] = mapped_column(String(2), default="")
    result: Mapped[str | None] = mapped_column(Text)
    """The manifest line (JSON) of what was made of it, once done."""
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Packet(Base):
    """The packet an appointment has now in a listener's output folder (for the day's print run)."""

    __tablename__ = "packet"

    appointment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    out_dir: Mapped[str] = mapped_column(String(1000), primary_key=True)
    local_start: Mapped[str] = mapped_column(String(16), index=True)
    """`YYYY-MM-DDTHH:MM` at the site: the day and order of the print run."""
    file: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    """`ok`, or `cancelled` (the packet was removed)."""
    message_id: Mapped[int] = mapped_column(Integer)
    """The inbox message that last changed it."""


class OutboxMessage(Base):
    """One email, stored (committed) before the first attempt to send it; delivered at most once."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    """The Message-ID header, kept for every attempt: a relay or the recipient can tell a retry by it."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    """Who asked for it: the operating-system user of the CLI, or the web user."""
    appointment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    packet_sha256: Mapped[str] = mapped_column(String(64))
    """The unencrypted packet's hash (the same packet is never emailed twice to one address by a batch)."""
    recipient: Mapped[str] = mapped_column(String(320))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    """The whole message, its PDF encrypted; emptied once it is sent."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    """`queued`, `sending` (an attempt is under way, or was cut off: never retried by itself), or `sent`."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    """Why the last attempt failed, in the relay's words (no message content)."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """One print or email, as it happened. Append-only: the database refuses updates and deletes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))
    """`print` or `email`."""
    appointment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    packet_sha256: Mapped[str] = mapped_column(String(64), index=True)
    """The packet's hash (indexed in migration 0017: the schedule finds what was done with a day's packets)."""
    target: Mapped[str] = mapped_column(String(320))
    """The print queue, or the recipient's domain (never the whole address)."""
    result: Mapped[str] = mapped_column(Text)
    """`printed (job 12, 8 pages)`, `queued: …`, `sent`, `failed: …`."""


class AccessEvent(Base):
    """One use of the app (a sign-in, a sign-in refused, a sign-out, a look at a patient's packet, a
    download, an API packet, an upload, a reprint, an admin's change), as it happened. Ids only, never
    a name, an MRN or a date of birth. Append-only: the database refuses updates and deletes."""

    __tablename__ = "access_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    who: Mapped[str] = mapped_column(String(100), index=True)
    """The web user's name or the API token's name; empty for a sign-in refused to a name no user has."""
    address: Mapped[str] = mapped_column(String(64))
    """The client's address, as the app saw it."""
    action: Mapped[str] = mapped_column(String(32), index=True)
    """A keyword: `sign-in`, `sign-in-failed`, `view-patient`, `view-pdf`, `api-packet`… (`store.access`)."""
    entry_id: Mapped[int | None] = mapped_column(Integer)
    """The schedule line (the number its URL shows)."""
    appointment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    print_run_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    """The user an admin's change concerns."""
    request_id: Mapped[str] = mapped_column(String(32))
    """The request's id (`X-Request-ID`, and on its log lines); empty outside a request."""
    route: Mapped[str | None] = mapped_column(String(200))
    """A refused request's route, as its template (`/entries/{entry_id}`): never the path as sent, nor
    its query (migration 0016)."""
    status: Mapped[int | None] = mapped_column(Integer)
    """A refused request's status (401, 403, or 303 to the sign-in page) (migration 0016)."""
    recipient: Mapped[str | None] = mapped_column(String(320))
    """An email's full recipient address (`email-packet`, and an address the recipient policy refused);
    the delivery audit keeps its domain only (migration 0016)."""
    repeats: Mapped[int | None] = mapped_column(Integer)
    """On a `refused-repeated` row: how many more refusals its address had in that minute, beyond those
    recorded one row each (migration 0016)."""


class WebUser(Base):
    """Someone who signs in to the web app."""

    __tablename__ = "web_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    """`scheduler`, `clinician` or `admin`."""
    password_hash: Mapped[str] = mapped_column(String(200))
    """Argon2id (argon2-cffi's encoding, parameters included); empty for a user a proxy signs in."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Set by an admin's reset (a one-time password): the next sign-in leads to the change of password
    and nowhere else until it is changed (migration 0012)."""
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    """The base32 TOTP secret once enrolment is confirmed by a code (None: no second factor)."""
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    """The secret the enrolment page shows, until a code from it confirms it (then `totp_secret`)."""
    totp_pending_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When `totp_pending_secret` was made: the page shows the same one until it is an hour old or the
    user asks for another (migration 0014)."""
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    """The time step of the last code accepted: that code, and any earlier, is refused (replay)."""
    recovery_codes: Mapped[str | None] = mapped_column(Text)
    """Each unused recovery code, space-separated, as `s1$SALT$DIGEST` (a random salt of 128 bits and the
    SHA-256 of salt and code; each works once); a code made before migration 0014 as its bare SHA-256."""


class ApiToken(Base):
    """A bearer token for the HTTP API, kept as its SHA-256 (a token is 256 random bits: a slow
    hash adds nothing)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """After this the token is refused (migration 0010; None: a token made before tokens expired)."""
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """The last request that used it, to the minute (None: never used)."""


class WebSession(Base):
    """A signed-in browser, kept in the database so every instance of the app honours it."""

    __tablename__ = "web_session"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the cookie's value (the value itself is never stored)."""
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The address it was opened from (as the access audit has it), for the list of sessions."""
    by_proxy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Opened for a user a trusted reverse proxy named (`web.trusted_user_header`): the one session
    that user's requests from the proxy share, cookie or not."""
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The password was right, the TOTP code is still to come: such a session reaches only the code's
    page (migration 0012)."""
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When its user last proved who they are in it: the password and TOTP code at sign-in, or the
    password again (`/account/confirm`); an admin's changes need it within `accounts.CONFIRM_WINDOW`
    (migration 0014)."""


class SignInAttempt(Base):
    """One sign-in attempt whose password (or second factor's code) was checked, for the growing delays
    per account and per address (`web.accounts.start_attempt`)."""

    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    account: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(8), default="failed", server_default="failed")
    """`pending` while the password is checked (it counts as a failure until then), `failed` or `ok`
    (migration 0013)."""


class ScheduleEntry(Base):
    """One appointment on the web schedule: what an upload or a feed made of it."""

    __tablename__ = "schedule_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """What URLs name (never the appointment id, which can encode a date, nor the patient)."""
    appointment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    place: Mapped[str] = mapped_column(String(300))
    start: Mapped[str | None] = mapped_column(String(16), index=True)
    """`YYYY-MM-DDTHH:MM` at the site."""
    patient: Mapped[str | None] = mapped_column(String(300))
    procedure: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(35))
    layout: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(64))
    """The department the packet was made for (migration 0007): its email's sender. None on lines made before."""
    status: Mapped[str] = mapped_column(String(16))
    """`ok`, `error` or `skipped`, as in the manifest."""
    error: Mapped[str | None] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    """For a site whose emailed packets open with the date of birth."""
    record: Mapped[str | None] = mapped_column(Text)
    """The record's fields as JSON, to make the packet again in another layout or language."""
    folder: Mapped[str | None] = mapped_column(String(1000))
    """The folder `file` is in when it is not the web app's output folder (a listener's `--out`)."""
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    day: Mapped[date | None] = mapped_column(Date, index=True)
    """The start's date at the site (migration 0017); None for a record that could not be read, which the
    schedule shows on the day it was uploaded."""
    mrn: Mapped[str | None] = mapped_column(String(64), index=True)
    """The record's MRN, as given (migration 0017): shown and searched."""
    provider: Mapped[str | None] = mapped_column(String(300))
    """The performing provider as printed (migration 0017)."""
    name_key: Mapped[str | None] = mapped_column(String(300))
    """`patient` folded (no accents, any case) for search (migration 0017)."""
    warnings: Mapped[str | None] = mapped_column(Text)
    """The record's warning lines, one a line, as the manifest holds them (migration 0017)."""
    approval: Mapped[str | None] = mapped_column(String(32))
    """The content's approval state the packet was marked with (`approved`, `draft`, ...) (migration 0017)."""
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When an error line was dismissed as handled (migration 0019): the day's list hides it."""
    pages: Mapped[int | None] = mapped_column(Integer)
    """The packet's page count (migration 0021); None on lines made before, whose file is counted."""
    dismissed_by: Mapped[str | None] = mapped_column(String(100))
    """Who dismissed it (migration 0019); the access audit has it too."""

    def packet_path(self, out_dir: Path) -> Path | None:
        """Where the packet is: in its own folder, else in the web app's `out_dir`."""
        if not self.file:
            return None
        return Path(self.folder or out_dir) / self.file


class PrintRun(Base):
    """A print run made and printed (or downloaded) in the background, and how far it has got:
    every instance can show its progress."""

    __tablename__ = "print_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """What URLs name."""
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """The last sign of life: a run that stops changing while unfinished was cut off (the app stopped)."""
    action: Mapped[str] = mapped_column(String(16))
    """`print` or `download`."""
    queue: Mapped[str | None] = mapped_column(String(127))
    total: Mapped[int] = mapped_column(Integer)
    """Packets in the run."""
    merged: Mapped[int] = mapped_column(Integer, default=0)
    """Packets put into the run's file so far."""
    state: Mapped[str] = mapped_column(String(16))
    """`merging`, `printing`, `printed`, `ready` (to download), `downloaded`, `expired`, `failed` or
    `cancelled` (from its page)."""
    job_id: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    """What became of it, in words (the print server's reason when it failed; never patient data)."""
    file: Mapped[str | None] = mapped_column(String(200))
    """The run's file in the web output folder while it waits to be downloaded."""


class Upload(Base):
    """A file uploaded to the web schedule, read in the background, and how far it has got: every
    instance can show its progress page."""

    __tablename__ = "upload"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    """A random id: what the progress page's URL names."""
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """The last sign of life: an upload that stops changing while unfinished was cut off (the app stopped)."""
    state: Mapped[str] = mapped_column(String(16))
    """`reading`, `done` or `refused` (the file as a whole could not be read)."""
    records: Mapped[int] = mapped_column(Integer, default=0)
    made: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str | None] = mapped_column(Text)
    """The errors found so far, one a line (as the schedule's Errors column shows them)."""
    days: Mapped[str | None] = mapped_column(Text)
    """The days of the appointments read so far (`YYYY-MM-DD`, space-separated)."""


class CsvFormat(Base):
    """A site's own CSV export, named by an admin: its column map (the text `--columns` reads) and encoding."""

    __tablename__ = "csv_format"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    encoding: Mapped[str | None] = mapped_column(String(40))
    columns: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FormAction(Base):
    """One submitted action form (print, email, make again, a print run, dismiss, cancel), by its
    one-time token: a second submit of the same form is not a second action but shows the first's
    result (`web/actions.py`). Kept for a day; a passphrase only until its page is left."""

    __tablename__ = "form_action"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The form's one-time token (random, made when the page was shown)."""
    owner: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the session's CSRF token: only the session that submitted it sees its result."""
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(16))
    """`running` while the action is done, then `done`."""
    location: Mapped[str | None] = mapped_column(String(200))
    """The page (a GET) that shows the result: never patient data."""
    status: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(200))
    """An email's passphrase, until the user leaves the page that shows it."""
    detail: Mapped[str | None] = mapped_column(Text)
    """What the result page needs besides (JSON): a print run's plan, a packet made again."""


class ScannedConsent(Base):
    """A consent a scan run found (migration 0020): filed, or incomplete and why. The latest for an
    appointment is what the web schedule and the patient page show."""

    __tablename__ = "scanned_consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appointment_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    """`filed` or `incomplete`."""
    pages_found: Mapped[int] = mapped_column(Integer)
    pages_expected: Mapped[int] = mapped_column(Integer)
    """The pages the consent has, as its codes say."""
    problems: Mapped[str | None] = mapped_column(Text)
    """What is missing or wrong, one a line, in plain words by page number (never a value: no PHI)."""
    file: Mapped[str | None] = mapped_column(String(200))
    """The filed PDF's name (in `scan.out_dir`), when filed."""
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    signed: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """For a consent signed on a tablet (not scanned), how its session ended: `consented`, `refused` or
    `withdrawn` (migration 0023); None for a scan's."""


class SigningSession(Base):
    """A consent being signed on a tablet (migration 0023): what has been captured so far, kept only while
    the session is open. Deleted when it finishes (the strokes then exist only in the signed PDF) or is
    abandoned, and purged after `web/signing.LIFETIME` by the retention purge."""

    __tablename__ = "signing_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the session's random token (the token is in its pages' addresses, never stored)."""
    owner: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the web session's CSRF token: only the web session that started it may continue it."""
    user_id: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    packet_sha256: Mapped[str] = mapped_column(String(64))
    """The issued packet it signs: a packet made again since then ends the session."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    dob_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    step: Mapped[int] = mapped_column(Integer, default=0)
    """How many of its steps are done (the date of birth first)."""
    parts: Mapped[str] = mapped_column(Text, default="{}")
    """What was captured so far (JSON: signers, initials, ticks, as CAPTURE_JSON has them)."""


class ChartMessage(Base):
    """A filed consent to send to the chart by one route (migration 0022): stored (committed) before the
    first attempt, claimed before each, sent at most once; the chart's outbox."""

    __tablename__ = "chart_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appointment_id: Mapped[str] = mapped_column(String(64), index=True)
    destination: Mapped[str] = mapped_column(String(8))
    """`mdm` (HL7 v2 over MLLP) or `fhir` (a DocumentReference)."""
    document_id: Mapped[str] = mapped_column(String(64), unique=True)
    """The document's id, the same at every attempt (TXA-12, the DocumentReference's identifier)."""
    replaces: Mapped[str | None] = mapped_column(String(200))
    """What it replaces, set when it is sent: the document id (TXA-13 of an MDM^T10) or the server's
    `DocumentReference/ID` of the last version sent by this route."""
    file: Mapped[str] = mapped_column(String(200))
    """The filed PDF's name."""
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    """The filed PDF's hash: the same bytes are queued once per route."""
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    """The filed PDF as it was queued; emptied once sent."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    """`queued`, `sending` (an attempt under way), `sent`, `failed` (refused: not retried by itself) or
    `replaced` (a later filing was queued before it was sent)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    """Why the last attempt failed, in the receiver's words (never the document)."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receipt: Mapped[str | None] = mapped_column(String(200))
    """What the receiver answered: `ACK AA`, or the created resource's `DocumentReference/ID`."""
