"""The delivery commands: `print`, `email`, `outbox [send]`, `audit`, and `batch --email/--printer`.

Part of the command line (`cli/__init__.py` dispatches here): parse nothing, call `delivery.service`, print one
line per outcome. Patient data never reaches stdout or stderr but the one-time passphrase, which the
sender must see; a recipient is shown by domain.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..batch.run import BatchResult
    from ..build import Generated
    from ..delivery.printing import PrintServer
    from ..delivery.relay import RelayConfig
    from ..delivery.service import Packet
    from ..library import Library
    from ..settings import Settings
    from ..store import Store

EXIT_OK, EXIT_SOME_FAILED = 0, 1


def made_from_args(args: argparse.Namespace, settings: Settings, library: Library) -> Generated:
    """The packet of `args.appointment` (`packet`, `print`, `email`): its path on stdout, warnings on stderr."""
    from ..build import make_packet

    if not args.appointment.is_file():
        raise UsageError(f"{args.appointment}: no such file")
    made = make_packet(
        args.appointment,
        args.out,
        args.layout,
        args.language,
        library=library,
        settings=settings,
        allow_overdue=args.allow_overdue,
    )
    for warning in made.warnings:
        print(warning, file=sys.stderr)
    print(made.path)
    return made


def _packet_of(made: Generated, library: Library) -> Packet:
    from ..delivery.service import Packet

    return Packet(made.path, made.sha256, made.appointment_id, library.layouts[made.layout], made.language,
                  made.date_of_birth, library.departments[made.department])  # fmt: skip


def print_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery.audit import operating_system_user
    from ..delivery.printing import PrintServer
    from ..delivery.service import media_for, print_packet
    from ..store import open_store
    from . import load_content

    server = PrintServer(settings.cups_server)
    queue = server.queue(args.printer or settings.printer)
    library = load_content(settings, one_packet=True)
    store = open_store(settings)
    try:
        made = made_from_args(args, settings, library)
        packet = _packet_of(made, library)
        job = print_packet(store, server, queue, packet, operating_system_user(), args.copies, settings.print_timeout)
    finally:
        store.close()
    pages = f", {job.impressions} pages" if job.impressions is not None else ""
    copies = f"{args.copies} copies" if args.copies > 1 else "1 copy"
    media = media_for(packet.layout)
    print(f"printed on {queue}: job {job.job_id}{pages}, two-sided, {media}, {copies} ({job.seconds:.2f} s)")
    return EXIT_OK


def email_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery.audit import operating_system_user
    from ..delivery.relay import relay_config
    from ..delivery.service import email_packet
    from ..store import open_store
    from . import load_content

    relay = relay_config(settings)
    library = load_content(settings, one_packet=True)
    store = open_store(settings)
    try:
        made = made_from_args(args, settings, library)
        recipient = args.to or made.email
        if not recipient:
            raise UsageError(f"{args.appointment}: email: the record has no email address; give --to ADDRESS")
        for warning in (*relay.warnings, *settings.email.warnings()):
            print(warning, file=sys.stderr)
        packet = _packet_of(made, library)
        secret, outcomes = email_packet(store, settings.email, relay, packet, recipient, operating_system_user())
    finally:
        store.close()
    for outcome in outcomes:
        print(outcome.line())
    print(f"password: {secret.shown}")
    return EXIT_OK


def outbox_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery import outbox
    from ..delivery.message import domain_of
    from ..store import open_store

    if args.action == "send":
        return _send_outbox(args, settings)
    store = open_store(settings)
    try:
        with store.reading() as session:
            messages = outbox.listing(session, include_sent=args.all)
            rows = [
                (
                    str(m.id),
                    _when(m.created_at),
                    m.state,
                    str(m.attempts),
                    domain_of(m.recipient),
                    m.appointment_id or "-",
                    _when(m.next_attempt_at) if m.state == outbox.QUEUED and m.next_attempt_at else "-",
                    m.last_error or "",
                )
                for m in messages
            ]
    finally:
        store.close()
    if not rows:
        print("outbox: nothing waiting" if not args.all else "outbox: empty")
        return EXIT_OK
    _table(("ID", "CREATED (UTC)", "STATE", "TRIES", "TO DOMAIN", "APPOINTMENT", "NEXT TRY (UTC)", "LAST ERROR"), rows)
    counts = {state: sum(1 for row in rows if row[2] == state) for state in (outbox.QUEUED, outbox.SENDING)}
    print(f"outbox: {counts[outbox.QUEUED]} queued, {counts[outbox.SENDING]} being sent or perhaps delivered")
    return EXIT_OK


def _send_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery.audit import operating_system_user
    from ..delivery.relay import relay_config
    from ..delivery.service import send_due
    from ..store import open_store

    relay = relay_config(settings)
    for warning in relay.warnings:
        print(warning, file=sys.stderr)
    store = open_store(settings)
    try:
        outcomes = send_due(store, relay, operating_system_user(), args.workers)
    finally:
        store.close()
    for outcome in outcomes:
        print(outcome.line())
    sent = sum(1 for o in outcomes if o.state == "sent")
    print(f"outbox send: {sent} sent, {len(outcomes) - sent} not sent")
    return EXIT_OK if sent == len(outcomes) else EXIT_SOME_FAILED


def audit_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery import audit
    from ..store import open_store

    since = datetime.fromisoformat(args.since).replace(tzinfo=UTC) if args.since else None
    if args.access:
        return _access_audit(settings, since, args.appointment)
    store = open_store(settings)
    try:
        with store.reading() as session:
            rows = [
                (
                    _when(e.at, seconds=True),
                    e.actor,
                    e.action,
                    e.appointment_id or "-",
                    e.packet_sha256,
                    e.target,
                    e.result,
                )
                for e in audit.events(session, args.appointment, since)
            ]
    finally:
        store.close()
    if not rows:
        print("audit: nothing recorded")
        return EXIT_OK
    _table(("WHEN (UTC)", "WHO", "ACTION", "APPOINTMENT", "PACKET SHA-256", "QUEUE OR DOMAIN", "RESULT"), rows)
    return EXIT_OK


def _access_audit(settings: Settings, since: datetime | None, appointment: str | None) -> int:
    """`audit --access`: one line per use of the web app, oldest first, ids only (`-` where none)."""
    from ..store import open_store
    from ..store.access import COLUMNS, access_events, fields

    store = open_store(settings)
    try:
        with store.reading() as session:
            rows = [
                tuple(cell or "-" for cell in fields(e))
                for e in access_events(session, since, appointment_id=appointment)
            ]
    finally:
        store.close()
    if not rows:
        print("audit: nothing recorded")
        return EXIT_OK
    _table(tuple(c.upper().replace("_", " ") for c in COLUMNS), rows)
    return EXIT_OK


@dataclass
class BatchDelivery:
    """What `batch --email` and `--printer` do once the packets are made."""

    settings: Settings
    store: Store
    library: Library
    """The content and layouts the batch itself runs with (loaded once, for both)."""
    relay: RelayConfig | None
    server: PrintServer | None
    printer: str | None
    email: bool

    @classmethod
    def prepare(cls, args: argparse.Namespace, settings: Settings) -> BatchDelivery | None:
        """Checked before any packet is made: a missing relay or unknown printer stops the batch."""
        if not args.email and not args.printer:
            return None
        from ..delivery.relay import relay_config
        from ..store import open_store
        from . import load_content

        relay = relay_config(settings) if args.email else None
        server, printer = None, None
        if args.printer:
            from ..delivery.printing import PrintServer

            server = PrintServer(settings.cups_server)
            printer = server.queue(args.printer)
        library = load_content(settings)
        return cls(settings, open_store(settings), library, relay, server, printer, args.email)

    def deliver(self, result: BatchResult, out_dir: Path) -> bool:
        """Print the run and email the packets; False if the print run did not print."""
        try:
            printed = self._print_run(result) if self.printer else True
            emailed = self._email(result, out_dir) if self.email else True
        finally:
            self.store.close()
        return printed and emailed

    def _print_run(self, result: BatchResult) -> bool:
        from ..delivery.audit import operating_system_user
        from ..delivery.service import print_run

        if result.print_run is None or self.printer is None or self.server is None:
            return True
        packets = [(entry.appointment_id, entry.sha256 or "") for entry in result.printable.values()]
        layout, actor = self.library.layout(None), operating_system_user()
        try:
            job = print_run(
                self.store,
                self.server,
                self.printer,
                result.print_run,
                packets,
                layout,
                actor,
                self.settings.print_timeout,
            )
        except UsageError as exc:
            print(f"generate.py: error: {exc}", file=sys.stderr)
            return False
        pages = f", {job.impressions} pages" if job.impressions is not None else ""
        print(f"printed the print run on {self.printer}: job {job.job_id}{pages}, two-sided")
        return True

    def _email(self, result: BatchResult, out_dir: Path) -> bool:
        from ..batch.run import default_workers
        from ..delivery import outbox
        from ..delivery.audit import operating_system_user
        from ..delivery.message import Email
        from ..delivery.service import Packet, email_for, queue_emails, send_queued

        assert self.relay is not None
        library = self.library
        actor = operating_system_user()
        emails: list[Email] = []
        shown: list[tuple[str, str]] = []
        already = 0
        for appointment_id, entry in sorted(result.to_email.items()):
            assert entry.patient is not None
            assert entry.patient.email
            assert entry.file
            assert entry.sha256
            assert entry.layout
            assert entry.language
            with self.store.reading() as session:
                if outbox.already_sent_or_queued(session, appointment_id, entry.sha256, entry.patient.email):
                    already += 1
                    continue
            packet = Packet(out_dir / entry.file, entry.sha256, appointment_id, library.layouts[entry.layout],
                            entry.language, entry.patient.date_of_birth,
                            library.departments.get(entry.department or ""))  # fmt: skip
            email, secret = email_for(self.settings.email, packet, entry.patient.email)
            emails.append(email)
            shown.append((appointment_id, secret.shown))
        workers = self.settings.workers or default_workers()
        queued = queue_emails(self.store, emails, actor, workers)
        for warning in (*self.relay.warnings, *self.settings.email.warnings()):
            print(warning, file=sys.stderr)
        outcomes = send_queued(self.store, self.relay, queued, actor, workers)
        by_id = {o.outbox_id: o for o in outcomes}
        for message_id, (appointment_id, passphrase) in zip(queued, shown, strict=True):
            outcome = by_id.get(message_id)
            state = (
                outcome.line()
                if outcome
                else "queued (the relay could not be reached); `generate.py outbox send` tries again"
            )
            print(f"{appointment_id}: {state}")
            print(f"{appointment_id}: password: {passphrase}")
        sent = sum(1 for o in outcomes if o.state == "sent")
        print(f"email: {sent} sent, {len(queued) - sent} queued, {already} already emailed earlier")
        return True  # a queued message is kept safe, not failed: `outbox send` takes it from there


def _when(moment: datetime | None, seconds: bool = False) -> str:
    from ..store.tables import utc  # the store's modules only when a command reads it

    if moment is None:
        return "-"
    return utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ" if seconds else "%Y-%m-%d %H:%M")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
