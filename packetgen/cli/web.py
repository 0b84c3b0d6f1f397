"""The web commands: `serve`, `token add|list|revoke`, `user add|passwd|reset|unlock|role` (`cli/__init__.py`
dispatches here)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from ..settings import Settings

EXIT_OK = 0


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from ..web import connections
    from ..web.app import create_app
    from . import load_content

    if bool(args.certfile) != bool(args.keyfile):
        raise UsageError("--certfile and --keyfile go together")
    if settings.web.trusted_user_header and not settings.web.trusted_proxies:
        raise UsageError("web.trusted_user_header needs web.trusted_proxies: the addresses of the proxies that set it")
    host = args.host or settings.web.host
    _refuse_plain_http(settings, host, bool(args.certfile))
    port = settings.web.port if args.port is None else args.port
    workers = args.workers or 1
    settings = _listening_on(settings, host)  # the app answers to the name it listens on (web.allowed_hosts)
    if workers > 1:
        import os

        os.environ[_HOST_VARIABLE] = host  # for the workers' apps (web_app), which read the environment
    # One process: the app made here (a bad setting or database stops it now). Several: each
    # worker makes its own from the same environment (web_app below), uvicorn balancing them.
    library = load_content(settings)  # a broken content file is named here, once
    app: Any = create_app(settings, library=library) if workers == 1 else "packetgen.cli.web:web_app"
    for warning in settings.email.warnings():
        print(warning, file=sys.stderr)
    scheme = "https" if args.certfile else "http"
    print(f"serving on {scheme}://{host}:{port} ({workers} worker(s)); packets into {settings.web.out_dir}", flush=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=workers,
        factory=workers > 1,
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
        # TLS 1.2 or later (web.tls_min_version), and over 1.2 ECDHE with AES-GCM or ChaCha20 only.
        ssl_context_factory=connections.tls_factory(settings.web.tls_min_version) if args.certfile else None,
        # A request's line and headers within web.header_timeout_seconds (slow clients), idle kept-alive
        # connections closed after web.keep_alive_seconds.
        http=connections.protocol(settings.web.header_timeout_seconds),
        timeout_keep_alive=settings.web.keep_alive_seconds,
        proxy_headers=False,  # the app reads them, from web.trusted_proxies only (`web/proxy.py`)
        server_header=False,
        log_config=None,  # the log is configured already (`logs.configure`): one format for every line
        log_level=_uvicorn_level(settings),
        access_log=False,  # its lines carry query strings: the app logs each request itself (`web/app.py`)
    )
    return EXIT_OK


def _refuse_plain_http(settings: Settings, host: str, tls: bool) -> None:
    """Plain HTTP only on loopback: beyond this machine, `--certfile` or a TLS proxy in front
    (`web.behind_proxy`), which must then be named (`web.trusted_proxies`)."""
    from .check_deploy import is_loopback

    if settings.web.behind_proxy and not settings.web.trusted_proxies:
        raise UsageError("web.behind_proxy needs web.trusted_proxies: the address of the TLS proxy in front")
    if not tls and not settings.web.behind_proxy and not is_loopback(host):
        raise UsageError(
            f"--host {host} without --certfile and --keyfile would serve plain HTTP beyond this machine: give a "
            "certificate, or set web.behind_proxy: true when a TLS proxy is in front"
        )


def _uvicorn_level(settings: Settings) -> str:
    """uvicorn's own messages (starting, stopping, a request it could not read) from INFO up at most:
    its debug lines are about connections, not ours to vouch for."""
    return "info" if settings.log_level == "DEBUG" else settings.log_level.lower()


def web_app() -> Any:
    """The app for one of several uvicorn workers: the site's settings read as the CLI reads them,
    the log configured as the CLI configures it."""
    import os

    from .. import logs
    from ..settings import load_settings
    from ..web.app import create_app

    settings = load_settings(os.environ)
    logs.configure(settings.log_level)
    return create_app(_listening_on(settings, os.environ.get(_HOST_VARIABLE) or settings.web.host))


_HOST_VARIABLE = "PACKETGEN_SERVE_HOST"
"""`serve --host` for the apps of several workers (set by `serve` for them only)."""


def _listening_on(settings: Settings, host: str) -> Settings:
    """The settings with `web.host` the address `serve` listens on (`--host` over `web.host`)."""
    return settings.model_copy(update={"web": settings.web.model_copy(update={"host": host})})


def token_command(args: argparse.Namespace, settings: Settings) -> int:
    """`token add NAME [--days N]` (the token on the last line, shown once), `token list`, `token revoke NAME`."""
    from ..store import open_store
    from ..web.accounts import add_token, list_tokens, revoke_token

    if args.action != "list" and not args.name:
        raise UsageError(f"token {args.action}: give the token's NAME")
    store = open_store(settings)
    try:
        with store.session() as session:
            if args.action == "list":
                tokens = list_tokens(session)
            elif args.action == "revoke":
                revoke_token(session, args.name)
            else:
                token = add_token(session, args.name, args.days)
    finally:
        store.close()
    if args.action == "list":
        for info in tokens:
            used = _minute(info.last_used_at) if info.last_used_at else "never used"
            print(f"{info.name}\tadded {_minute(info.created_at)}\texpires {_minute(info.expires_at)}\t{used}")
        print(f"{len(tokens)} API token(s)")
    elif args.action == "revoke":
        print(f"API token {args.name} revoked: its requests are refused from now on")
    else:
        print(f"API token {args.name} added, working for {args.days} days; it is shown once, keep it where the "
              "scheduling system keeps secrets:")  # fmt: skip
        print(token)
    return EXIT_OK


def _minute(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def user_command(args: argparse.Namespace, settings: Settings) -> int:
    """`user add NAME --role ROLE` and `user passwd NAME` (the password from a prompt or stdin), `user reset
    NAME [--clear-totp]` (a one-time password on the last line), `user unlock NAME`, `user role NAME ROLE`;
    each change but `add` recorded in the access audit as done by this machine's user. What it says is
    printed once committed."""
    from ..delivery.audit import operating_system_user
    from ..store import open_store
    from ..store.access import CHANGE_ROLE, RESET_PASSWORD, SET_PASSWORD, UNLOCK_USER, record_access
    from ..web import lifecycle
    from ..web.accounts import add_user, now

    password = _password() if args.action in ("add", "passwd") else ""
    store = open_store(settings)
    try:
        with store.session() as session:
            if args.action == "add":
                said = f"user {add_user(session, args.name, args.role, password).name} added ({args.role})"
            else:
                user = lifecycle.find_user(session, args.name)
                if args.action == "passwd":
                    lifecycle.set_password(session, user, password)
                    action, said = SET_PASSWORD, f"user {user.name}: password changed; their sessions ended"
                elif args.action == "reset":
                    one_time = lifecycle.reset_password(session, user, args.clear_totp)
                    cleared = " and second factor removed" if args.clear_totp else ""
                    action = RESET_PASSWORD
                    said = (f"user {user.name}: password reset{cleared}, sessions ended; they choose a new one at "
                            f"their next sign-in with this one-time password, shown once:\n{one_time}")  # fmt: skip
                elif args.action == "unlock":
                    forgotten = lifecycle.unlock(session, user)
                    action, said = UNLOCK_USER, f"user {user.name}: unlocked ({forgotten} failed sign-in(s) forgotten)"
                else:
                    lifecycle.set_role(session, user, args.role)
                    action, said = CHANGE_ROLE, f"user {user.name}: role {args.role}"
                record_access(session, now(), operating_system_user(), "", action, user_id=user.id)
    finally:
        store.close()
    print(said)
    return EXIT_OK


def _password() -> str:
    """From a prompt on a terminal (asked twice), else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password (at least 12 characters): ")
        if getpass.getpass("Again: ") != first:
            raise UsageError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")
