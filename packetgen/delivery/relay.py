"""The site's SMTP relay: STARTTLS required unless turned off, or TLS from the first byte (smtps).

Every failure is sorted by what it means for the message: `refused` or `unreachable` (the relay
did not take it: safe to try again), or `unknown` (the connection was cut while the relay was
taking it: it may have been delivered, so it is never sent again by itself).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import UsageError
from ..settings import Settings

_ADDRESS = re.compile(r"<?[^\s<>]+@[^\s<>]+>?")


class SendFailure(Exception):
    """One attempt failed; `reason` is one line in the relay's words, without message content."""

    def __init__(self, reason: str, *, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unknown = unknown
        """The relay may have the message (cut off during DATA): never retried automatically."""


@dataclass(frozen=True)
class RelayConfig:
    """Where and how to reach the relay (from `PACKETGEN_SMTP_URL` and the password file)."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    timeout: float = 30.0

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def warnings(self) -> tuple[str, ...]:
        if self.implicit_tls or self.starttls:
            return ()
        return (f"warning: mail to {self.host} is sent without TLS (?tls=none in the relay URL)",)


def relay_config(settings: Settings) -> RelayConfig:
    """The relay the settings name; UsageError (without the password) if none or unusable."""
    if not settings.smtp_url:
        raise UsageError("no mail relay: set PACKETGEN_SMTP_URL (smtp://host:587, smtps://host:465) or smtp_url")
    parts = urlsplit(settings.smtp_url)
    implicit = parts.scheme == "smtps"
    query = dict(parse_qsl(parts.query))
    password = unquote(parts.password) if parts.password is not None else None
    if settings.smtp_password_file is not None:
        try:
            password = settings.smtp_password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(
                f"cannot read the relay password file {settings.smtp_password_file}: {exc.strerror}"
            ) from None
    return RelayConfig(
        host=parts.hostname or "",
        port=parts.port or (465 if implicit else 587),
        implicit_tls=implicit,
        starttls=not implicit and query.get("tls") != "none",
        user=unquote(parts.username) if parts.username else None,
        password=password,
        ca_file=settings.smtp_ca_file,
        timeout=settings.email.timeout,
    )


class Connection:
    """An open, authenticated session with the relay, for one or many messages."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self._smtp = _open(config)

    def send(self, message: bytes, sender: str, recipient: str) -> None:
        """Hand one message to the relay; SendFailure if it did not take it (or may have)."""
        where = self.config.where
        smtp = self._smtp
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                raise _refused(where, "sender", code, reply, smtp)
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise _refused(where, "recipient", code, reply, smtp)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise SendFailure(f"{where}: connection lost before the message was sent ({_why(exc)})") from None
        try:
            code, reply = smtp.data(message)
        except smtplib.SMTPDataError as exc:  # refused DATA itself: nothing was handed over
            raise SendFailure(f"{where}: refused the message ({exc.smtp_code} {_text(exc.smtp_error)})") from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise SendFailure(
                f"{where}: connection lost while the relay was taking the message ({_why(exc)}); it may have "
                "been delivered",
                unknown=True,
            ) from None
        if code != 250:
            raise _refused(where, "message", code, reply, smtp)

    def close(self) -> None:
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


def envelope_sender(mailbox: str) -> str:
    return parseaddr(mailbox)[1]


def _open(config: RelayConfig) -> smtplib.SMTP:
    where = config.where
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    if config.ca_file:
        context.load_default_certs()
    smtp: smtplib.SMTP | None = None
    try:
        if config.implicit_tls:
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        smtp.ehlo()
        if config.starttls:
            if not smtp.has_extn("starttls"):
                raise SendFailure(f"{where}: the relay does not offer STARTTLS (required; ?tls=none turns it off)")
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.user:
            smtp.login(config.user, config.password or "")
    except SendFailure:
        _close_quietly(smtp)
        raise
    except smtplib.SMTPNotSupportedError:
        _close_quietly(smtp)
        raise SendFailure(
            f"{where}: the relay offers no authentication (AUTH), but the relay URL names a user"
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        _close_quietly(smtp)
        raise SendFailure(f"{where}: the relay refused the user name or password ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        _close_quietly(smtp)
        raise SendFailure(f"{where}: the relay refused ({exc.smtp_code} {_text(exc.smtp_error)})") from None
    except ssl.SSLError as exc:
        _close_quietly(smtp)
        raise SendFailure(f"{where}: TLS failed ({exc.reason or exc.__class__.__name__})") from None
    except (smtplib.SMTPException, OSError) as exc:
        _close_quietly(smtp)
        raise SendFailure(f"{where}: cannot reach the relay ({_why(exc)})") from None
    return smtp


def _refused(where: str, what: str, code: int, reply: bytes, smtp: smtplib.SMTP) -> SendFailure:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()  # the session stays usable for the next message
    return SendFailure(f"{where}: refused the {what} ({code} {_text(reply)})")


def _text(reply: bytes | str) -> str:
    """A relay's reply as one short line, any address in it (often the recipient's) blanked."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return _ADDRESS.sub("<address>", " ".join(text.split()))[:200]


def _why(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__


def _close_quietly(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
