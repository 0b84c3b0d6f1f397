"""Real mail and print servers on loopback, started by the tests.

- `relay`: an SMTP server (aiosmtpd) in this process, with a test certificate authority, STARTTLS
  (required or not offered), implicit TLS, authentication, and handlers that refuse (4xx, 5xx) or
  drop the connection while taking a message;
- `cups`: a private CUPS server (Debian's cupsd, its own configuration under a temporary folder)
  with a cups-pdf queue that writes what it prints into a folder the test reads.
"""

from __future__ import annotations

import email
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer  # noqa: N811
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from ..servers import Cups, MissingServer, NotRoot, free_port, make_certificates, private_cups

USER, PASSWORD = "packetgen", "relay pass:word@1"


@dataclass
class Handler:
    """Keeps what the relay accepts; `refuse_rcpt`/`refuse_data` make it refuse, `drop` cut the line."""

    received: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_rcpt: str | None = None
    refuse_data: str | None = None
    drop: bool = False

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt.replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse_data:
            return self.refuse_data
        if self.drop:
            assert server.transport is not None
            server.transport.close()
            return "250 OK"
        assert isinstance(envelope.original_content, bytes)
        self.received.append(email.message_from_bytes(envelope.original_content))
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"


@dataclass
class Relay:
    handler: Handler
    port: int
    ca_file: Path
    url: str

    def environ(self, **extra: str) -> dict[str, str]:
        return {"PACKETGEN_SMTP_URL": self.url, "PACKETGEN_SMTP_CA_FILE": str(self.ca_file), **extra}


def _authenticate(server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


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
            options.update(authenticator=_authenticate, auth_required=starttls, auth_require_tls=starttls)
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
