"""A test SMTP relay's parts (aiosmtpd) and reading what it received."""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP as SMTPServer  # noqa: N811
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

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


def authenticate(server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


def attachment(message: Message) -> bytes:
    parts = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload
