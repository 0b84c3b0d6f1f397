"""Real mail and print servers on loopback, started by the tests.

- `relay`: an SMTP server (aiosmtpd) in this process, with a test certificate authority, STARTTLS
  (required or not offered), implicit TLS, authentication, and handlers that refuse (4xx, 5xx) or
  drop the connection while taking a message;
- `cups`: a private CUPS server (Debian's cupsd, its own configuration under a temporary folder)
  with a cups-pdf queue that writes what it prints into a folder the test reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.helpers.mail import PASSWORD, USER, Handler, Relay, authenticate  # noqa: F401
from tests.helpers.servers import Cups, MissingServer, NotRoot, free_port, make_certificates, private_cups


@pytest.fixture
def start_relay(certificates: tuple[Path, Path, Path]) -> Iterator[Callable[..., Relay]]:
    """Start a relay: `mode` is `starttls` (required by it), `plain` (no STARTTLS offered) or `smtps`;
    `auth` requires the test user and password."""
    import ssl

    ca_file, cert_file, key_file = certificates
    controllers: list[Controller] = []
    # aiosmtpd warns in its log about its own deprecations (Session.login_data) and about AUTH
    # without STARTTLS (set on purpose for implicit TLS): errors still reach the test.
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.ERROR)

    def start(mode: str = "starttls", auth: bool = False, handler: Handler | None = None) -> Relay:
        handler = handler or Handler()
        port = free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        options: dict[str, Any] = {"hostname": "127.0.0.1", "port": port, "ready_timeout": 10}
        if auth:
            # aiosmtpd counts only STARTTLS as TLS: with implicit TLS, AUTH is offered (and checked)
            # without being required of every session, which aiosmtpd would warn about per connection.
            starttls = mode == "starttls"
            options.update(authenticator=authenticate, auth_required=starttls, auth_require_tls=starttls)
        if mode == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif mode == "smtps":
            options.update(ssl_context=context, server_hostname="localhost")
        controller = Controller(handler, **options)
        controller.start()
        controllers.append(controller)
        scheme = "smtps" if mode == "smtps" else "smtp"
        query = "?tls=none" if mode == "plain" else ""
        return Relay(handler, port, ca_file, f"{scheme}://127.0.0.1:{port}{query}")

    yield start
    for controller in controllers:
        controller.stop()
    mail_log.setLevel(level)


@pytest.fixture
def relay(start_relay: Callable[..., Relay]) -> Relay:
    """A relay that requires STARTTLS, with the test authority's certificate."""
    return start_relay()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def cups_server() -> Iterator[Cups]:
    """A private CUPS server on a free loopback port with one cups-pdf queue (see tests/servers.py)."""
    try:
        with private_cups() as server:
            yield server
    except MissingServer as exc:
        pytest.fail(str(exc))
    except NotRoot as exc:
        pytest.skip(str(exc))
