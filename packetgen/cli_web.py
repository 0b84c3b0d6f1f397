"""The web commands: `serve`, `token add`, `user add` (cli.py dispatches here)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .settings import Settings

EXIT_OK = 0


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .web.app import create_app

    if bool(args.certfile) != bool(args.keyfile):
        raise UsageError("--certfile and --keyfile go together")
    host = args.host or settings.web.host
    port = settings.web.port if args.port is None else args.port
    app = create_app(settings)
    scheme = "https" if args.certfile else "http"
    print(f"serving on {scheme}://{host}:{port}; packets into {settings.web.out_dir}", flush=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
        proxy_headers=True,
        server_header=False,
        log_level="warning",
    )
    return EXIT_OK


def token_command(args: argparse.Namespace, settings: Settings) -> int:
    from .store import open_store
    from .web.accounts import add_token

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
    from .store import open_store
    from .web.accounts import add_user

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
