"""The web commands: `serve`, `token add`, `user add` (`cli/__init__.py` dispatches here)."""

from __future__ import annotations

import argparse
import sys
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
    host = args.host or settings.web.host
    port = settings.web.port if args.port is None else args.port
    workers = args.workers or 1
    # One process: the app made here (a bad setting or database stops it now). Several: each
    # worker makes its own from the same environment (web_app below), uvicorn balancing them.
    library = load_content(settings)  # a broken content file is named here, once
    app: Any = create_app(settings, library=library) if workers == 1 else "packetgen.cli.web:web_app"
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
        proxy_headers=True,
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
    from ..store import open_store
    from ..web.accounts import add_token

    store = open_store(settings)
    try:
        with store.session() as session:
            token = add_token(session, args.name)
    finally:
        store.close()
    print(f"API token {args.name} added; it is shown once, keep it where the scheduling system keeps secrets:")
    print(token)
    return EXIT_OK


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
