"""One session with the site's SMTP relay (`packetgen.delivery.relay.Connection`), against a real relay
(aiosmtpd on loopback) that refuses the sender, a recipient or the message, or drops the line: the
exact one-line `SendFailure` a user reads, whether the message may have been delivered, that a
refusal leaves the session usable for the next message (RSET), and that the relay's words come
back as one short line with any address in them blanked (no patient data in messages)."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP as SMTPServer  # noqa: N811
from aiosmtpd.smtp import Envelope, Session

from packetgen.delivery import relay as relay_module
from packetgen.delivery.relay import Connection, RelayConfig, SendFailure, _text
from tests.helpers.mail import Relay

SENDER = "clinic@example.org"


@dataclass
class Scripted:
    """An aiosmtpd handler that gives the scripted replies to the first MAIL, RCPT and DATA commands
    (then accepts), counts RSETs and keeps what it takes.

    `drop` closes the line at that command (`MAIL`, `DATA` or `RSET`); `keep_recipients=False`
    accepts a recipient without keeping it, so the relay refuses the DATA command itself (503)."""

    mail: list[str | bytes] = field(default_factory=list)
    rcpt: list[str | bytes] = field(default_factory=list)
    data: list[str | bytes] = field(default_factory=list)
    drop: str | None = None
    keep_recipients: bool = True
    resets: int = 0
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    @staticmethod
    def _taken(reply: str | bytes) -> bool:
        return reply[:1] in ("2", b"2")

    def _drop(self, server: SMTPServer, command: str) -> bool:
        if self.drop != command:
            return False
        assert server.transport is not None
        server.transport.close()
        return True

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str | bytes:
        if self._drop(server, "MAIL"):
            return "250 OK"
        reply = self.mail.pop(0) if self.mail else "250 OK"
        if self._taken(reply):
            envelope.mail_from = address
        return reply

    async def handle_RCPT(  # noqa: N802
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str | bytes:
        reply = self.rcpt.pop(0) if self.rcpt else "250 OK"
        if self._taken(reply) and self.keep_recipients:
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str | bytes:  # noqa: N802
        if self._drop(server, "DATA"):
            return "250 OK"
        reply = self.data.pop(0) if self.data else "250 OK"
        if self._taken(reply):
            assert isinstance(envelope.original_content, bytes)
            self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), envelope.original_content))
        return reply

    async def handle_RSET(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.resets += 1
        self._drop(server, "RSET")
        return "250 OK"


Start = Callable[..., tuple[Scripted, Connection]]


def message(recipient: str) -> bytes:
    return (
        f"From: {SENDER}\r\nTo: {recipient}\r\nSubject: Your procedure packet\r\n\r\nYour packet is attached.\r\n"
    ).encode()


@pytest.fixture
def scripted(start_relay: Callable[..., Relay]) -> Iterator[Start]:
    """A relay (STARTTLS required) with a `Scripted` handler, and an open session with it."""
    connections: list[Connection] = []

    def start(**script: Any) -> tuple[Scripted, Connection]:
        handler = Scripted(**script)
        relay = start_relay(handler=handler)
        config = RelayConfig(
            "127.0.0.1", relay.port, implicit_tls=False, starttls=True, ca_file=relay.ca_file, timeout=5.0
        )
        connections.append(Connection(config))
        return handler, connections[-1]

    yield start
    for connection in connections:
        connection.close()


def refusal(connection: Connection, recipient: str) -> SendFailure:
    with pytest.raises(SendFailure) as caught:
        connection.send(message(recipient), SENDER, recipient)
    return caught.value


def test_messages_are_handed_over_and_a_forwarding_recipient_counts_as_taken(scripted: Start) -> None:
    handler, connection = scripted(rcpt=["251 2.1.5 User not local; will forward"])
    connection.send(message("nguyen.t@example.org"), SENDER, "nguyen.t@example.org")
    connection.send(message("alvarez.m@example.org"), SENDER, "alvarez.m@example.org")
    assert handler.received == [
        (SENDER, ["nguyen.t@example.org"], message("nguyen.t@example.org")),
        (SENDER, ["alvarez.m@example.org"], message("alvarez.m@example.org")),
    ]
    assert handler.resets == 0


def test_a_refused_sender_is_one_line_without_the_address_and_the_next_message_goes(scripted: Start) -> None:
    handler, connection = scripted(mail=["550 5.1.0 <clinic@example.org>: sender rejected"])
    failure = refusal(connection, "nguyen.t@example.org")
    where = connection.config.where
    assert failure.reason == str(failure) == f"{where}: refused the sender (550 5.1.0 <address>: sender rejected)"
    assert failure.unknown is False
    assert handler.received == []
    connection.send(message("nguyen.t@example.org"), SENDER, "nguyen.t@example.org")
    assert [to for _from, to, _content in handler.received] == [["nguyen.t@example.org"]]


@pytest.mark.parametrize(
    ("reply", "relays_words"),
    [
        ("550 5.1.1 <nguyen.t@example.org>: no such user", "550 5.1.1 <address>: no such user"),
        ("452 4.2.2 nguyen.t@example.org mailbox full, try later", "452 4.2.2 <address> mailbox full, try later"),
    ],
)
def test_a_refused_recipient_resets_the_session_so_the_next_message_goes(
    scripted: Start, reply: str, relays_words: str
) -> None:
    handler, connection = scripted(rcpt=[reply])
    failure = refusal(connection, "nguyen.t@example.org")
    assert failure.reason == f"{connection.config.where}: refused the recipient ({relays_words})"
    assert failure.unknown is False
    assert handler.resets == 1
    # Without the RSET the relay would still hold the first MAIL FROM and refuse the next one (503).
    connection.send(message("alvarez.m@example.org"), SENDER, "alvarez.m@example.org")
    assert handler.received == [(SENDER, ["alvarez.m@example.org"], message("alvarez.m@example.org"))]


def test_a_refused_message_is_one_line_and_the_next_message_goes(scripted: Start) -> None:
    handler, connection = scripted(data=["554 5.7.1 <nguyen.t@example.org>: message content rejected"])
    failure = refusal(connection, "nguyen.t@example.org")
    where = connection.config.where
    assert failure.reason == f"{where}: refused the message (554 5.7.1 <address>: message content rejected)"
    assert failure.unknown is False
    assert handler.received == []
    connection.send(message("alvarez.m@example.org"), SENDER, "alvarez.m@example.org")
    assert len(handler.received) == 1


def test_a_refused_data_command_is_one_line_and_nothing_was_handed_over(scripted: Start) -> None:
    handler, connection = scripted(keep_recipients=False)
    failure = refusal(connection, "nguyen.t@example.org")
    assert failure.reason == f"{connection.config.where}: refused the message (503 Error: need RCPT command)"
    assert failure.unknown is False
    assert handler.received == []


def test_a_relay_reply_in_bytes_that_are_not_utf8_is_still_read(scripted: Start) -> None:
    _handler, connection = scripted(data=[b"554 5.6.0 caf\xe9 content rejected"])
    failure = refusal(connection, "nguyen.t@example.org")
    assert failure.reason == f"{connection.config.where}: refused the message (554 5.6.0 caf\ufffd content rejected)"


def test_a_long_reply_on_several_lines_is_one_line_of_200_characters_without_addresses(scripted: Start) -> None:
    first = "550-5.1.1 <nguyen.t@example.org>:  no such\tuser here"
    second = "550 5.1.1 see the relay's log " + "for the reason, " * 20
    _handler, connection = scripted(rcpt=[f"{first}\r\n{second}"])
    failure = refusal(connection, "nguyen.t@example.org")
    words = failure.reason.removeprefix(f"{connection.config.where}: refused the recipient (550 ").removesuffix(")")
    assert len(words) == 200
    assert words == ("5.1.1 <address>: no such user here 5.1.1 see the relay's log " + "for the reason, " * 20)[:200]
    assert "nguyen" not in failure.reason


def test_a_relay_that_drops_the_line_at_the_reset_still_reports_its_refusal(scripted: Start) -> None:
    handler, connection = scripted(rcpt=["550 5.1.1 <nguyen.t@example.org>: no such user"], drop="RSET")
    failure = refusal(connection, "nguyen.t@example.org")
    assert failure.reason == f"{connection.config.where}: refused the recipient (550 5.1.1 <address>: no such user)"
    assert handler.resets == 1


def test_a_line_cut_before_the_message_is_sent_is_safe_to_try_again(scripted: Start) -> None:
    handler, connection = scripted(drop="MAIL")
    failure = refusal(connection, "nguyen.t@example.org")
    assert failure.reason == (
        f"{connection.config.where}: connection lost before the message was sent (SMTPServerDisconnected)"
    )
    assert failure.unknown is False
    assert handler.received == []


def test_a_line_cut_while_the_relay_takes_the_message_may_have_delivered_it(scripted: Start) -> None:
    _handler, connection = scripted(drop="DATA")
    failure = refusal(connection, "nguyen.t@example.org")
    assert failure.reason == (
        f"{connection.config.where}: connection lost while the relay was taking the message "
        "(SMTPServerDisconnected); it may have been delivered"
    )
    assert failure.unknown is True


@dataclass
class FakeSmtp:
    """Answers like smtplib.SMTP, or raises what it is given (what a real relay cannot make smtplib do)."""

    rcpt_reply: tuple[int, bytes] = (250, b"OK")
    rcpt_raises: BaseException | None = None
    data_raises: BaseException | None = None
    rset_raises: BaseException | None = None
    calls: list[str] = field(default_factory=list)

    def mail(self, sender: str) -> tuple[int, bytes]:
        self.calls.append("mail")
        return 250, b"OK"

    def rcpt(self, recipient: str) -> tuple[int, bytes]:
        self.calls.append("rcpt")
        if self.rcpt_raises:
            raise self.rcpt_raises
        return self.rcpt_reply

    def data(self, message: bytes) -> tuple[int, bytes]:
        self.calls.append("data")
        if self.data_raises:
            raise self.data_raises
        return 250, b"OK"

    def rset(self) -> tuple[int, bytes]:
        self.calls.append("rset")
        if self.rset_raises:
            raise self.rset_raises
        return 250, b"OK"


def fake_connection(monkeypatch: pytest.MonkeyPatch, smtp: FakeSmtp) -> Connection:
    monkeypatch.setattr(relay_module, "_open", lambda config: smtp)
    return Connection(RelayConfig("relay.example.org", 587, implicit_tls=False, starttls=True))


@pytest.mark.parametrize(
    "error", [smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), ConnectionResetError(104, "Reset")]
)
def test_a_refusal_stands_when_the_reset_after_it_fails(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    smtp = FakeSmtp(rcpt_reply=(550, b"5.1.1 no such user"), rset_raises=error)
    with pytest.raises(SendFailure) as caught:
        fake_connection(monkeypatch, smtp).send(b"", SENDER, "nguyen.t@example.org")
    assert caught.value.reason == "relay.example.org:587: refused the recipient (550 5.1.1 no such user)"
    assert smtp.calls == ["mail", "rcpt", "rset"]


def test_an_os_error_is_named_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    smtp = FakeSmtp(rcpt_raises=ConnectionResetError(104, "Connection reset by peer"))
    with pytest.raises(SendFailure) as caught:
        fake_connection(monkeypatch, smtp).send(b"", SENDER, "nguyen.t@example.org")
    assert caught.value.reason == (
        "relay.example.org:587: connection lost before the message was sent (connection reset by peer)"
    )
    assert caught.value.unknown is False

    smtp = FakeSmtp(data_raises=TimeoutError())
    with pytest.raises(SendFailure) as caught:
        fake_connection(monkeypatch, smtp).send(b"", SENDER, "nguyen.t@example.org")
    assert caught.value.reason == (
        "relay.example.org:587: connection lost while the relay was taking the message (timed out); "
        "it may have been delivered"
    )
    assert caught.value.unknown is True


@pytest.mark.parametrize(
    ("reply", "line"),
    [
        ("535 5.7.8  Authentication\r\n credentials invalid ", "535 5.7.8 Authentication credentials invalid"),
        ("550 mailbox <nguyen.t@example.org> and alvarez.m@example.org>", "550 mailbox <address> and <address>"),
        (b"550 5.1.1 <nguyen.t@example.org>\n\tunknown", "550 5.1.1 <address> unknown"),
        ("", ""),
    ],
)
def test_a_reply_as_text_or_bytes_is_one_line_without_addresses(reply: str | bytes, line: str) -> None:
    assert _text(reply) == line


def test_a_reply_is_cut_after_its_addresses_are_blanked() -> None:
    reply = "550 " + "<nguyen.t@example.org> " * 30
    assert _text(reply) == ("550 " + "<address> " * 30)[:200]
    assert len(_text(reply)) == 200
    assert _text("x" * 199) == "x" * 199
