"""The web commands: `serve`, `token add`, `user add` (`cli/__init__.py` dispatches here)."""

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

    from ..web.app import create_app
    from . import load_content

    if bool(args.certfile) != bool(args.keyfile):
        raise UsageError("--certfile and --keyfile go together")
    if settings.web.trusted_user_header and not settings.web.trusted_proxies:
        raise UsageError("web.trusted_user_header needs web.trusted_proxies: the addresses of the proxies that set it")
    host = args.host or settings.web.host
    port = settings.web.port if args.port is None else args.port
    workers = args.workers or 1
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
        proxy_headers=False,  # the app reads them, from web.trusted_proxies only (`web/proxy.py`)
        server_header=False,
        log_config=None,  # the log is configured already (`logs.configure`): one format for every line
        log_level=_uvicorn_level(settings),
        access_log=False,  # its lines carry query strings: the app logs each request itself (`web/app.py`)
    )
    return EXIT_OK


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
    return create_app(settings)


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
    from ..store import open_store
    from ..web.accounts import add_user

    password = _password()
    store = open_store(settings)
    try:
        with store.session() as session:
            add_user(session, args.name, args.role, password)
    finally:
        store.close()
    print(f"user {args.name} added ({args.role})")
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
