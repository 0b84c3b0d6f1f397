"""The command line: parse arguments, call the library API, map errors to exit codes.

Exit codes: 0 done; 1 a batch in which some records failed; 2 nothing done
(bad options or an unusable input). Input errors print as one line each,
`PATH:LINE: field: what was expected`, never with a traceback.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import logs
from ..errors import InputErrors, PacketgenError, UsageError

if TYPE_CHECKING:
    from datetime import date

    from ..library import Library
    from ..library.approval import Approval
    from ..library.readability import SectionGrade
    from ..settings import Settings

EXIT_OK, EXIT_SOME_FAILED, EXIT_UNUSABLE = 0, 1, 2
logger = logging.getLogger(__name__)

EPILOG = """examples:
  generate.py packet examples/appointments/nguyen.yaml
  generate.py packet appt.json --out /secure/packets --layout letter
  generate.py batch examples/batch/appointments.csv --out output/today --print-run
  generate.py batch export.csv --columns examples/batch/epic-columns.yaml --encoding cp1252
  generate.py batch siu.hl7 --workers 2 --resume
  generate.py validate
  generate.py validate packets/vertebroplasty.yaml
  generate.py list
  generate.py preview vertebroplasty --language es --watch
  generate.py listen --out /srv/packets --port 2575
  generate.py print examples/appointments/nguyen.yaml --printer ir-frontdesk
  generate.py email examples/appointments/nguyen.yaml --to patient@example.org
  generate.py batch today.csv --email --print-run --printer ir-frontdesk
  generate.py outbox send
  generate.py audit --appointment VP-0001
  generate.py audit --access --since 2026-12-01
  generate.py user add ana --role clinician
  generate.py user reset ana
  generate.py token add epic-prod
  generate.py serve --port 8080
  generate.py scan scans/ward-3.pdf --out /srv/consents
  generate.py chart send
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_UNUSABLE)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("expected a whole number of at least 1")
    return int(value)


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError("expected a port number from 0 to 65535")
    return int(value)


def _language(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        raise argparse.ArgumentTypeError("expected a BCP 47 language tag such as en or es-MX")
    return value


def _address(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise argparse.ArgumentTypeError("expected an email address such as name@example.org") from None


def _day(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD")
    return value


def _one_packet(command: argparse.ArgumentParser) -> None:
    """The arguments of every command that makes one packet from one appointment file."""
    command.add_argument("appointment", type=Path, metavar="APPOINTMENT_FILE")
    command.add_argument(
        "--out", type=Path, default=Path("output"), metavar="DIR", help="output folder (default: output/)"
    )
    command.add_argument(
        "--layout", metavar="NAME", help="layout name, over the record's own (default: the record's, else letter)"
    )
    command.add_argument("--language", type=_language, metavar="TAG", help="override the appointment's language")
    _allow_overdue(command)


def _allow_overdue(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--allow-overdue",
        action="store_true",
        help="print from content past its review_due date, each page marked overdue (default: refuse)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="generate.py",
        description="Turn procedure content and appointments into personalized PDF packets.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    packet = commands.add_parser("packet", help="one appointment file (YAML or JSON) → one PDF packet")
    _one_packet(packet)
    print_ = commands.add_parser("print", help="make one packet and print it two-sided on a CUPS queue")
    _one_packet(print_)
    print_.add_argument("--printer", metavar="QUEUE", help="CUPS queue (default: PACKETGEN_PRINTER, else CUPS's)")
    print_.add_argument("--copies", type=_positive, default=1, metavar="N", help="copies (default: 1)")
    email = commands.add_parser("email", help="make one packet, encrypt it and email it through the relay")
    _one_packet(email)
    email.add_argument("--to", type=_address, metavar="ADDRESS", help="recipient (default: the record's email)")
    outbox = commands.add_parser("outbox", help="list the emails not yet sent; `outbox send` retries them")
    outbox.add_argument("action", nargs="?", choices=["send"], help="send every queued message that is due")
    outbox.add_argument("--all", action="store_true", help="list sent messages too")
    outbox.add_argument("--workers", type=_positive, default=1, metavar="N", help="connections to the relay")
    serve = commands.add_parser("serve", help="the web app for schedulers and clinicians, and the HTTP API")
    serve.add_argument("--host", metavar="ADDRESS", help="address to listen on (default: 127.0.0.1, loopback)")
    serve.add_argument("--port", type=_port, metavar="PORT", help="TCP port (default: 8080)")
    serve.add_argument("--certfile", metavar="PEM", help="serve HTTPS with this certificate (with --keyfile)")
    serve.add_argument("--keyfile", metavar="PEM", help="the certificate's private key")
    serve.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default: 1)")
    token = commands.add_parser(
        "token", help="`token add NAME [--days N]`: a new API token, shown once; `token list`; `token revoke NAME`"
    )
    token.add_argument("action", choices=["add", "list", "revoke"])
    token.add_argument("name", nargs="?", metavar="NAME", help="who uses it, e.g. the scheduling system's name")
    token.add_argument(
        "--days", type=_positive, default=365, metavar="N", help="how long a new token works (default: 365)"
    )
    user = commands.add_parser(
        "user", help="`user add NAME --role ROLE`, `user passwd|reset|unlock NAME`, `user role NAME ROLE`: web users"
    )
    user_actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    user_add = user_actions.add_parser("add", help="a new web user (password from a prompt or stdin)")
    user_add.add_argument("name", metavar="NAME")
    user_add.add_argument("--role", required=True, choices=["scheduler", "clinician", "admin"])
    user_actions.add_parser("passwd", help="a new password (from a prompt or stdin); their sessions end").add_argument(
        "name", metavar="NAME"
    )
    reset = user_actions.add_parser(
        "reset", help="a one-time password (the last line), changed at the next sign-in; their sessions end"
    )
    reset.add_argument("name", metavar="NAME")
    reset.add_argument("--clear-totp", action="store_true", help="remove their second factor too (they enrol again)")
    user_actions.add_parser("unlock", help="forget the failed sign-ins that make the account wait").add_argument(
        "name", metavar="NAME"
    )
    user_role = user_actions.add_parser("role", help="give the user another role")
    user_role.add_argument("name", metavar="NAME")
    user_role.add_argument("role", choices=["scheduler", "clinician", "admin"], metavar="ROLE")
    audit = commands.add_parser("audit", help="every print and email (--access: each use of the web app), oldest first")
    audit.add_argument(
        "--access",
        action="store_true",
        help="the access audit: sign-ins, sign-outs, patient pages, PDFs, downloads, API packets, uploads, reprints, "
        "changes to users (ids only)",
    )
    audit.add_argument("--appointment", metavar="ID", help="only this appointment's")
    audit.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only from this day (UTC) on")
    batch = commands.add_parser("batch", help="a CSV, FHIR Bundle or HL7 SIU file → one PDF per appointment + manifest")
    batch.add_argument("appointments", type=Path, metavar="APPOINTMENTS")
    batch.add_argument(
        "--out", type=Path, default=Path("output"), metavar="DIR", help="output folder (default: output/)"
    )
    batch.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default: the machine's cores)")
    batch.add_argument(
        "--layout", metavar="NAME", help="layout for every record, over its own (default: the record's, else letter)"
    )
    batch.add_argument("--columns", type=Path, metavar="MAP.yaml", help="map a site's CSV headers and date formats")
    batch.add_argument("--encoding", metavar="NAME", help="text encoding of the file, e.g. cp1252 (default: UTF-8)")
    batch.add_argument("--resume", action="store_true", help="keep packets that are whole and current; make the rest")
    batch.add_argument("--print-run", action="store_true", help="also write DIR/print-run.pdf for duplex printing")
    batch.add_argument("--printer", metavar="QUEUE", help="with --print-run: print it on this CUPS queue")
    batch.add_argument("--email", action="store_true", help="email each record that has an email address")
    _allow_overdue(batch)
    validate = commands.add_parser("validate", help="check content, layouts and departments; exit 0 when clean")
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    commands.add_parser("list", help="show the procedures, layouts and departments available")
    preview = commands.add_parser(
        "preview", help="sample packets of one procedure for made-up patients (every flag, none); --watch remakes them"
    )
    preview.add_argument("packet", metavar="PACKET_ID", help="the procedure: its id, a code or a title")
    preview.add_argument("--language", type=_language, metavar="TAG", help="a translation (default: the content's own)")
    preview.add_argument("--layout", metavar="NAME", help="layout name (default: letter)")
    preview.add_argument(
        "--department", metavar="ID", help="print another department's details (default: the procedure's)"
    )
    preview.add_argument(
        "--out",
        type=Path,
        default=Path("output/preview"),
        metavar="DIR",
        help="output folder (default: output/preview/)",
    )
    preview.add_argument(
        "--watch", action="store_true", help="make them again whenever a content, layout or department file changes"
    )
    commands.add_parser(
        "purge", help="remove the patient data the retention settings have passed (serve does it daily)"
    )
    commands.add_parser(
        "check-deploy", help="what in the settings is not safe for production, one line each; exit 1 if anything"
    )
    listen = commands.add_parser("listen", help="an MLLP listener for SIU messages: store, acknowledge, make packets")
    listen.add_argument("--host", metavar="ADDRESS", help="address to listen on (default: 127.0.0.1, loopback)")
    listen.add_argument("--port", type=_port, metavar="PORT", help="TCP port (default: 2575; 0 picks a free one)")
    listen.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder for packets")
    listen.add_argument(
        "--workers", type=_positive, metavar="N", help="worker processes (default: the machine's cores)"
    )
    listen.add_argument(
        "--layout", metavar="NAME", help="layout for every record, over its own (default: the record's, else letter)"
    )
    _allow_overdue(listen)
    scan = commands.add_parser(
        "scan", help="a scanner's PDF or TIFF of signed consents, in any order → each complete consent filed as PDF/A"
    )
    scan.add_argument("scan", type=Path, metavar="SCAN")
    scan.add_argument(
        "--out", type=Path, metavar="DIR", help="where to file them (default: scan.out_dir, else output/signed/)"
    )
    chart = commands.add_parser(
        "chart", help="filed consents not yet sent to the EHR's chart; `chart send` sends them (MDM, FHIR)"
    )
    chart.add_argument("action", nargs="?", choices=["send"], help="queue what is filed and send what is due")
    chart.add_argument(
        "--all", action="store_true", help="send: also what the chart refused and what waits; list: the sent too"
    )
    sign = commands.add_parser(
        "sign", help="an issued consent and what a tablet captured → the signed consent, certified (PAdES)"
    )
    sign.add_argument("consent", type=Path, metavar="CONSENT_PDF")
    sign.add_argument("capture", type=Path, metavar="CAPTURE_JSON")
    sign.add_argument("--out", type=Path, metavar="DIR", required=True, help="where to write the signed consent")
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command with the site's settings (read from `environ`, default this process's
    environment, and the settings file); returns the exit code."""
    args = build_parser().parse_args(argv)
    debug = False
    logs.configure()  # until the settings say otherwise: internal errors, without their messages
    collecting = gc.isenabled()
    if args.command in ONE_PACKET:
        gc.disable()  # see ONE_PACKET
    try:
        from ..settings import load_settings

        settings = load_settings(os.environ if environ is None else environ)
        debug = settings.debug
        logs.configure(settings.log_level)
        from . import delivery as cli_delivery
        from . import preview as cli_preview
        from . import web as cli_web

        commands = {
            "packet": _packet,
            "batch": _batch,
            "validate": _validate,
            "list": _list,
            "preview": cli_preview.preview_command,
            "listen": _listen,
            "print": cli_delivery.print_command,
            "email": cli_delivery.email_command,
            "outbox": cli_delivery.outbox_command,
            "audit": cli_delivery.audit_command,
            "serve": cli_web.serve_command,
            "token": cli_web.token_command,
            "user": cli_web.user_command,
            "check-deploy": _check_deploy,
            "purge": _purge,
            "scan": _scan,
            "chart": _chart,
            "sign": _sign,
        }
        return commands[args.command](args, settings)
    except PacketgenError as exc:  # every error a user can cause: one line each, exit 2
        prefix = "generate.py: error: " if isinstance(exc, UsageError) else ""
        for line in exc.lines():
            print(f"{prefix}{line}", file=sys.stderr)
    except BrokenPipeError:  # the reader went away (`validate | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # killed by SIGPIPE
    except Exception as exc:  # a bug: say so in one line, without values; PACKETGEN_DEBUG shows it
        if debug:
            raise
        logger.exception("internal error in `%s`", args.command)  # its frames, without values
        print(
            f"generate.py: internal error ({type(exc).__name__}); rerun with PACKETGEN_DEBUG=1 and report it",
            file=sys.stderr,
        )
    finally:
        if collecting:
            gc.enable()
    return EXIT_UNUSABLE


ONE_PACKET = frozenset({"packet", "print", "email"})
"""Commands that make one packet and end: they run without the cyclic garbage collector, whose passes over
the objects their imports and the content create cost about a tenth of a cold start (issue 30), for less
than 1 MB of garbage left until the process exits (`main` turns it back on for whatever runs next)."""


def _scan(args: argparse.Namespace, settings: Settings) -> int:
    from .scan import scan_command

    return scan_command(args, settings)


def _chart(args: argparse.Namespace, settings: Settings) -> int:
    from .chart import chart_command

    return chart_command(args, settings)


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from .purge import purge_command

    return purge_command(args, settings)


def _check_deploy(args: argparse.Namespace, settings: Settings) -> int:
    from .check_deploy import check_deploy_command

    return check_deploy_command(args, settings)


def load_content(settings: Settings, one_packet: bool = False) -> Library:
    """The site's content for a command that makes packets, each file on its own: a broken one makes
    only its own procedure, language or layout unavailable, and is named once on stderr (`PATH:LINE:
    warning: … unavailable …`). InputErrors (exit 2) only when nothing could be made. For `one_packet`
    (`packet`, `print`, `email`), figure files are read only for the packet that draws them: a broken
    one is that packet's error, and another procedure's is not read (`load_library(defer_figures=True)`)."""
    from ..library import load_library

    library = load_library(settings.content_root, strict=False, defer_figures=one_packet)
    for line in library.warnings():
        print(line, file=sys.stderr)
    return library


def _packet(args: argparse.Namespace, settings: Settings) -> int:
    from . import delivery as cli_delivery  # imported here so `--help` stays fast

    if not args.appointment.is_file():  # before loading the content: a typo is answered at once
        raise UsageError(f"{args.appointment}: no such file")
    cli_delivery.made_from_args(args, settings, load_content(settings, one_packet=True))
    return EXIT_OK


def _batch(args: argparse.Namespace, settings: Settings) -> int:
    import codecs

    from tqdm import tqdm

    from ..batch.run import BatchOptions, default_workers, run_batch
    from . import delivery as cli_delivery

    if not args.appointments.is_file():
        raise UsageError(f"{args.appointments}: no such file")
    if args.printer and not args.print_run:
        raise UsageError("--printer prints the print run: add --print-run")
    delivery = cli_delivery.BatchDelivery.prepare(args, settings)
    if args.encoding:
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            raise UsageError(f"unknown encoding '{args.encoding}'") from None
    options = BatchOptions(
        source=args.appointments,
        out_dir=args.out,
        workers=args.workers or settings.workers or default_workers(),
        layout_name=args.layout,
        columns=args.columns,
        resume=args.resume,
        print_run=args.print_run,
        encoding=args.encoding,
        allow_overdue=args.allow_overdue,
        keep_recipients=args.email,
    )
    library = delivery.library if delivery else load_content(settings)  # once for the batch and its delivery
    with tqdm(unit=" packets", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False) as bar:

        def advance() -> None:
            bar.update()

        report = bar.write if not bar.disable else _to_stderr
        result = run_batch(options, report=report, advance=advance, library=library, settings=settings)
    print(result.summary())
    if result.print_run:
        print(result.print_run)
    delivered = delivery.deliver(result, args.out) if delivery else True
    return EXIT_SOME_FAILED if result.failed or not delivered else EXIT_OK


def _listen(args: argparse.Namespace, settings: Settings) -> int:
    import signal

    from ..batch.run import default_workers
    from ..listener.server import Listener
    from ..store import open_store

    host = args.host or settings.listener.host
    port = settings.listener.port if args.port is None else args.port
    store = open_store(settings)
    workers = args.workers or settings.workers or default_workers()
    library = load_content(settings)
    listener = Listener(
        settings, store, args.out, workers, args.layout, allow_overdue=args.allow_overdue, library=library
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: listener.stop())

    def ready(bound_host: str, bound_port: int) -> None:
        print(f"listening on {bound_host}:{bound_port}; packets into {args.out}", flush=True)

    try:
        listener.serve(host, port, ready)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    finally:
        store.close()
    print("stopped", flush=True)
    return EXIT_OK


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from ..build import check_library, site_today
    from ..library import load_library
    from ..library.approval import approval_of
    from ..library.readability import (
        NEW_TEXT_TARGET,
        above_target,
        formula,
        new_text_above_target,
        new_text_grades,
        section_grades,
    )
    from ..library.rules import pending_review

    root = settings.content_root
    files = list(args.paths)
    shown = {str(p) for p in files}
    if files:  # check the given content against the project's layouts and departments, a translation against its source
        given = {p.resolve() for p in files}
        sources = {root / "packets" / f"{p.name.split('.')[0]}.yaml" for p in files if p.name.count(".") > 1}
        folders = ("layouts", "departments", "packets/fragments")  # what a content may name
        shared = [p for folder in folders for p in sorted((root / folder).glob("*.yaml"))]
        names = {p.name for p in files}  # a fragment given from elsewhere stands for the project's
        shared = [p for p in shared if p.parent.name != "fragments" or p.name not in names]
        extra = sorted(sources) + shared
        files += [p for p in extra if p.exists() and p.resolve() not in given]
    missing = [p for p in args.paths if not p.is_file()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file")
    try:
        library = load_library(root, files=files)
    except InputErrors as exc:  # findings in the content: every one, then exit 1 (as a batch with failures)
        return _findings(exc)
    errors = check_library(library, settings.font_dirs)
    today = site_today(settings)
    for content, located in library.editions():
        if shown and located.path not in shown:
            continue  # loaded only as the source of a translation that was asked for
        grades = section_grades(content)
        target = content.reading_grade_target
        print(f"{located.path}: {content.id} {content.version} ({content.language})")
        if content.translation is not None:
            made_from = content.translation
            state = "reviewed" if made_from.review == "approved" else "AWAITS review by a qualified medical translator"
            print(f"  translation of the {made_from.source_language} version {made_from.source_version}: {state}")
        _print_grades(f"reading grade ({formula(content.language)}) of each part", grades, target)
        errors += above_target(content, located, grades)
        new = new_text_grades(content)  # a fragment's text too, as printed in the part
        _print_grades("reading grade of the new text (review: pending) of each part", new, NEW_TEXT_TARGET)
        errors += new_text_above_target(located, new)
        print(f"  approval: {_approval_line(approval_of(content, today))}")
        pending = pending_review(located.data)
        print(f"  {len(pending)} items await clinical review:")
        for key in pending:
            print(f"    {located.pos(key)}: review: pending")
    _report_fragments(library, shown, today)
    if errors:
        return _findings(InputErrors(errors))
    for name in sorted(library.layouts):
        print(f"layout {name}: ok")
    for department_id in sorted(library.departments):
        print(f"department {department_id}: ok")
    return EXIT_OK


def _report_fragments(library: Library, shown: set[str], today: date) -> None:
    """Each shared fragment once (not under each content including it): who includes it, its approval and
    the items awaiting review. (Its text's reading grade is measured in each part that prints it.)"""
    from ..library.approval import fragment_approval
    from ..library.rules import pending_review

    users: dict[tuple[str, str], list[str]] = {}
    for content_id in sorted(library.contents):
        for edition in library.editions_of(content_id):
            for included in edition.fragments:
                users.setdefault((included.id, included.language), []).append(f"{edition.id} ({edition.language})")
    for (fragment_id, language), (fragment, located) in sorted(library.fragments.editions.items()):
        if shown and located.path not in shown:
            continue  # loaded for the content that was asked for
        print(f"{located.path}: fragment {fragment_id} {fragment.version} ({language})")
        if fragment.translation is not None:
            made_from = fragment.translation
            state = "reviewed" if made_from.review == "approved" else "AWAITS review by a qualified medical translator"
            print(f"  translation of the {made_from.source_language} version {made_from.source_version}: {state}")
        included_by = users.get((fragment_id, language), [])
        if included_by or not shown:  # (with files named, only those are loaded: who includes it is unknown)
            print(f"  included by: {', '.join(included_by) or 'no content'}")
        print(f"  approval: {_approval_line(fragment_approval(fragment, today))}")
        pending = pending_review(located.data)
        print(f"  {len(pending)} items await clinical review:")
        for key in pending:
            print(f"    {located.pos(key)}: review: pending")


def _list_fragments(library: Library) -> None:
    """The shared fragments: id, title, version and languages; a language whose file has errors says so."""
    shared = library.fragments
    if not shared.ids():
        return
    print("Shared fragments:")
    for fragment_id in shared.ids():
        usable = {tag: pair[0] for (key, tag), pair in shared.editions.items() if key == fragment_id}
        first = usable.get("en") or next(iter(usable.values()), None)
        about = f"{first.title} | version {first.version} | " if first else ""
        print(f"  {fragment_id:<26} {about}languages: {', '.join(sorted(usable)) or 'none'}")
        for (key, tag), path in sorted(shared.broken.items()):
            if key == fragment_id:
                print(f"    {tag}: UNAVAILABLE ({path} has errors); run generate.py validate to see them")


def _findings(errors: InputErrors) -> int:
    """What `validate` found wrong in the content, one line each on stderr: exit 1."""
    for line in errors.lines():
        print(line, file=sys.stderr)
    return EXIT_SOME_FAILED


def _print_grades(title: str, grades: list[SectionGrade], target: float) -> None:
    print(f"  {title}; target {target}:")
    for g in grades:
        mark = "  ABOVE TARGET" if g.grade > target else ""
        print(f"  {g.grade:5.1f}  {g.words:4d} words  {g.title}{mark}")


def _approval_line(approval: Approval) -> str:
    """`draft (why)`, or who approved it, and when review is due."""
    due = f"review due {approval.review_due.isoformat()}"
    if approval.draft or approval.overdue:
        return f"{approval.state.upper()} ({'; '.join(approval.reasons())}); {due}"
    return f"approved by {approval.approved_by} on {approval.approved_on}; {due}"


def _list(_args: argparse.Namespace, settings: Settings) -> int:
    from ..build import site_today
    from ..library.approval import approval_of

    library = load_content(settings)
    today = site_today(settings)
    print("Procedures:")
    every = set(library.contents) | set(library.unavailable_contents) | set(library.unavailable_translations)
    for content_id in sorted(every):
        content = library.contents.get(content_id)
        if content is None:
            unavailable = library.unavailable_contents.get(content_id)
            print(f"  {content_id:<18} {unavailable.summary() if unavailable else 'UNAVAILABLE (no usable content)'}")
        else:
            codes = ", ".join(k.label for k in content.codes)
            print(
                f"  {content.id:<18} {content.title} | version {content.version} | "
                f"languages: {', '.join(library.languages(content.id))} | {codes}"
            )
            for edition in library.editions_of(content.id):
                print(f"    {edition.language}: {_approval_line(approval_of(edition, today))}")
        for tag, translation in sorted(library.unavailable_translations.get(content_id, {}).items()):
            print(f"    {tag}: {translation.summary()}")
    _list_fragments(library)
    print("Layouts:")
    for layout in sorted(library.layouts.values(), key=lambda lay: lay.name):
        print(f"  {layout.name:<18} {layout.description} | {layout.page.size}")
    for name, unavailable in sorted(library.unavailable_layouts.items()):
        print(f"  {name:<18} {unavailable.summary()}")
    print("Departments:")
    for department in sorted(library.departments.values(), key=lambda d: d.id):
        where = ", ".join((department.name, dict(department.address).get("en", department.address[0][1])[0]))
        email = department.email.sender if department.email else "no email sender"
        print(f"  {department.id:<26} {where} | {department.phone} | {email}")
    for key, unavailable in sorted(library.unavailable_departments.items()):
        print(f"  {key:<26} {unavailable.summary()}")
    return EXIT_OK


def _sign(args: argparse.Namespace, settings: Settings) -> int:
    from .sign import sign_command

    return sign_command(args, settings)
