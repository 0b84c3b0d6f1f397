"""The delivery recipes the CLI, the batch and the web app call: email a packet (`email_for`,
`email_packet`), send the outbox, print a packet (`print_packet`) or a print run (`print_run`); each
print and email has its audit line."""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.parser import BytesHeaderParser
from pathlib import Path

from ..errors import UsageError
from ..models import Department, Layout
from ..settings import EmailSettings
from ..store import Store
from ..store.tables import OutboxMessage
from . import audit, outbox
from .message import Email, Written, domain_of, sender_of, write_message
from .passphrase import Passphrase, passphrase_for
from .printing import MEDIA, PrintJob, PrintServer
from .relay import Connection, RelayConfig, SendFailure, envelope_sender

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    """What became of one outbox message in one attempt."""

    outbox_id: int
    appointment_id: str | None
    state: str
    """`sent`, `queued` (not taken: kept with the reason, retried later) or `unknown` (perhaps delivered)."""
    reason: str | None
    domain: str

    def line(self) -> str:
        """One line for the sender: never the address, only its domain."""
        where = f"outbox message {self.outbox_id}, to an address at {self.domain}"
        if self.state == outbox.SENT:
            return f"sent ({where})"
        if self.state == outbox.QUEUED:
            return f"queued ({where}): {self.reason}; `generate.py outbox send` tries again"
        return f"not known whether sent ({where}): {self.reason}; it will not be sent again by itself"


def queue_written(store: Store, written: Sequence[Written], actor: str) -> list[int]:
    """Commit messages to the outbox, with an audit line each, in one transaction: all of them are
    stored before any is sent. Returns their outbox ids, in order."""
    now = utc_now()
    with store.session() as session:
        ids = []
        for message in written:
            queued = outbox.enqueue(
                session,
                message_id=message.message_id,
                now=now,
                actor=actor,
                appointment_id=message.appointment_id,
                packet_sha256=message.sha256,
                recipient=message.recipient,
                raw=message.raw,
            )
            domain = domain_of(message.recipient)
            audit.record(session, now, actor, audit.EMAIL, message.appointment_id, message.sha256, domain, "queued")
            ids.append(queued.id)
    for message, outbox_id in zip(written, ids, strict=True):
        logger.info(
            "email queued: outbox message %d (%s), appointment %s, to an address at %s",
            outbox_id,
            message.message_id,
            message.appointment_id,
            domain_of(message.recipient),
        )
    return ids


def queue_email(store: Store, email: Email, actor: str) -> int:
    """Encrypt the packet, write the message, and commit it to the outbox (with its audit line)
    before anything is sent; returns its outbox id."""
    return queue_written(store, [write_message(email)], actor)[0]


_WORTH_A_POOL = 100
"""Starting worker processes costs about a second and a half (as long as writing 50 messages):
fewer messages are written in this process."""


def queue_emails(store: Store, emails: Sequence[Email], actor: str, workers: int = 1) -> list[int]:
    """`queue_email` for many: written in `workers` processes (encryption is the slow part), then
    committed together."""
    if workers <= 1 or len(emails) < _WORTH_A_POOL:
        written = [write_message(email) for email in emails]
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["packetgen.delivery.message"])  # unless a batch started it already
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            written = list(pool.map(write_message, emails, chunksize=4))
    return queue_written(store, written, actor)


def send_queued(
    store: Store,
    relay: RelayConfig,
    ids: Iterable[int],
    actor: str,
    workers: int = 1,
    done: Callable[[Outcome], None] = lambda _outcome: None,
) -> list[Outcome]:
    """Try each message once, over `workers` connections to the relay. A relay that cannot be
    reached fails the attempt of the message at hand, and leaves the rest queued untouched."""
    waiting: queue.SimpleQueue[int] = queue.SimpleQueue()
    for message_id in ids:
        waiting.put(message_id)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    unreachable = threading.Event()

    def work() -> None:
        connection: Connection | None = None
        try:
            while not unreachable.is_set():
                try:
                    message_id = waiting.get_nowait()
                except queue.Empty:
                    return
                outcome, connection = _attempt(store, relay, message_id, actor, connection, unreachable)
                if outcome is not None:
                    with lock:
                        outcomes.append(outcome)
                    done(outcome)
        finally:
            if connection is not None:
                connection.close()

    threads = [threading.Thread(target=work, name=f"smtp-{n}") for n in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes, key=lambda o: o.outbox_id)


def _attempt(
    store: Store,
    relay: RelayConfig,
    message_id: int,
    actor: str,
    connection: Connection | None,
    unreachable: threading.Event,
) -> tuple[Outcome | None, Connection | None]:
    with store.session() as session:  # committed before a byte goes to the relay
        message = outbox.claim(session, message_id)
        if message is None:
            return None, connection  # another sender has it, or it is done
        raw, recipient, appointment_id, sha256 = (
            message.raw,
            message.recipient,
            message.appointment_id,
            message.packet_sha256,
        )
    domain = domain_of(recipient)
    sender = envelope_sender(str(BytesHeaderParser().parsebytes(raw)["From"]))
    failure: SendFailure | None = None
    try:
        if connection is None:
            try:
                connection = Connection(relay)
            except SendFailure:
                unreachable.set()
                raise
        connection.send(raw, sender, recipient)
    except SendFailure as exc:
        failure = exc
        if connection is not None:  # start the next message on a fresh session
            connection.close()
            connection = None
    now = utc_now()
    with store.session() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        if failure is None:
            outbox.mark_sent(message, now)
            state, result = outbox.SENT, "sent"
        elif failure.unknown:
            outbox.mark_unknown(message, failure.reason)
            state, result = "unknown", f"unknown: {failure.reason}"
        else:
            outbox.mark_failed(message, failure.reason, now)
            state, result = outbox.QUEUED, f"failed, queued: {failure.reason}"
        audit.record(session, now, actor, audit.EMAIL, appointment_id, sha256, domain, result)
    logger.info(
        "email %s: outbox message %d, appointment %s, to an address at %s", state, message_id, appointment_id, domain
    )
    reason = failure.reason if failure else None
    return Outcome(message_id, appointment_id, state, reason, domain), connection


def send_due(store: Store, relay: RelayConfig, actor: str, workers: int = 1) -> list[Outcome]:
    """`generate.py outbox send`: every queued message whose back-off has passed."""
    with store.reading() as session:
        ids = list(outbox.due(session, utc_now()))
    return send_queued(store, relay, ids, actor, workers)


@dataclass(frozen=True)
class Packet:
    """A packet on disk to deliver, and what delivering it needs to know (patient data: never written)."""

    path: Path
    sha256: str
    appointment_id: str | None
    layout: Layout
    language: str
    date_of_birth: date | None = None
    """For a site whose packets open with the patient's date of birth."""
    department: Department | None = None
    """The department the packet was made for: its email's sender. None where it is unavailable now
    (its file has errors): the packet prints, but is not emailed."""


def email_for(settings: EmailSettings, packet: Packet, recipient: str) -> tuple[Email, Passphrase]:
    """The email of a packet to `recipient`, and the passphrase it opens with (the site's policy), for
    every door: the CLI, `batch --email` and the web app. UsageError if it cannot be sent as the
    site asks (no sender for the department, no date of birth for a date-of-birth passphrase)."""
    sender_of(packet.department)
    assert packet.department is not None  # sender_of refuses a packet without one
    secret = passphrase_for(settings, packet.date_of_birth)
    pdf = packet.path.read_bytes()
    email = Email(pdf, packet.sha256, packet.appointment_id, recipient, packet.department, packet.language,
                  secret.secret)  # fmt: skip
    return email, secret


def email_packet(
    store: Store, settings: EmailSettings, relay: RelayConfig, packet: Packet, recipient: str, actor: str
) -> tuple[Passphrase, list[Outcome]]:
    """Email one packet: queued in the outbox (with its audit line, committed) before it is sent, then
    sent once; the passphrase to give the patient by another channel, and what became of the message."""
    email, secret = email_for(settings, packet, recipient)
    return secret, send_queued(store, relay, [queue_email(store, email, actor)], actor)


def print_packet(
    store: Store,
    server: PrintServer,
    queue_name: str,
    packet: Packet,
    actor: str,
    copies: int = 1,
    timeout: float = 120.0,
) -> PrintJob:
    """Print one packet two-sided on its layout's paper, named by its appointment id (never a name),
    and record it in the audit, printed or not."""
    item = ToPrint(packet.path, packet.appointment_id or "packet", media_for(packet.layout),
                   [(packet.appointment_id, packet.sha256)])  # fmt: skip
    return print_and_record(store, server, item, queue_name, actor, copies, timeout)


def print_run(
    store: Store,
    server: PrintServer,
    queue_name: str,
    path: Path,
    packets: Sequence[tuple[str | None, str]],
    layout: Layout,
    actor: str,
    timeout: float = 120.0,
    submitted: Callable[[int], None] | None = None,
) -> PrintJob:
    """Print a day's print run (`packets`: the appointment id and sha256 of each packet in it) two-sided
    on the layout's paper, named `print-run`, and record each packet in the audit, printed or not."""
    item = ToPrint(path, "print-run", media_for(layout), packets)
    return print_and_record(store, server, item, queue_name, actor, 1, timeout, submitted)


@dataclass(frozen=True)
class ToPrint:
    """One file to print, and the packets it holds (a print run holds several)."""

    path: Path
    job_name: str
    media: str
    packets: Sequence[tuple[str | None, str]]
    """(appointment id, packet sha256) of each packet in the file, for the audit."""


def media_for(layout: Layout) -> str:
    return MEDIA[layout.page.size]


def print_and_record(
    store: Store,
    server: PrintServer,
    item: ToPrint,
    queue_name: str,
    actor: str,
    copies: int = 1,
    timeout: float = 120.0,
    submitted: Callable[[int], None] | None = None,
) -> PrintJob:
    """Print one file and record it in the audit, printed or not (a failure is re-raised)."""
    try:
        job = server.print_file(item.path, queue_name, item.job_name, item.media, copies, timeout, submitted)
    except UsageError as exc:
        _record_prints(store, item, queue_name, actor, f"failed: {exc}")
        logger.info("not printed: %s on %s (%d packets): %s", item.job_name, queue_name, len(item.packets), exc)
        raise
    logger.info("printed: %s on %s (%d packets): job %d", item.job_name, queue_name, len(item.packets), job.job_id)
    pages = f", {job.impressions} pages" if job.impressions is not None else ""
    copies_text = f"{copies} copies" if copies > 1 else "1 copy"
    _record_prints(store, item, queue_name, actor, f"printed (job {job.job_id}{pages}, {copies_text})")
    return job


def _record_prints(store: Store, item: ToPrint, queue_name: str, actor: str, result: str) -> None:
    now = utc_now()
    with store.session() as session:
        for appointment_id, sha256 in item.packets:
            audit.record(session, now, actor, audit.PRINT, appointment_id, sha256, queue_name, result)
