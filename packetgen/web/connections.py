"""What `generate.py serve` asks of a connection before the app sees it: its request's line and headers
in time (slow clients), and over TLS a version and ciphers of today.

uvicorn closes a kept-alive connection that stays idle `timeout_keep_alive` seconds, but any byte
resets that, and nothing limits how long a request's headers may take to arrive: a client sending
half a request line, or one header a minute, holds a connection (and its memory) for ever
("slow loris"). `HeaderDeadline` gives each request `web.header_timeout_seconds` for its request line
and every header, counted from the connection's opening or from the end of the previous response;
a connection that has not sent them all by then is closed. The body is not covered (its limits are
`web/limits.py`'s).

`tls_context` is uvicorn's own context with TLS 1.2 (or `web.tls_min_version`) as the oldest version
and, over TLS 1.2, only ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 (Mozilla's
"intermediate" ciphers without DHE): no CBC, no RSA key exchange, no SHA-1 MAC. TLS 1.3's suites
are all AEAD and are left as OpenSSL has them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Fast
except ImportError:  # pragma: no cover (httptools is a dependency; uvicorn falls back to h11 without it)
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Fast  # type: ignore[assignment]

TLS12_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    )
)
"""The TLS 1.2 cipher suites `serve` offers (OpenSSL names), strongest key exchange only."""

_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class _Deadline:
    """The header deadline, mixed into one of uvicorn's HTTP/1.1 protocols (`cycle` is the request being
    answered: a new one is made once a request's headers are all in)."""

    header_timeout: float = 10.0
    _deadline: asyncio.TimerHandle | None = None
    _waiting_after: object = None

    # The protocol's own attributes and methods, as the mixin uses them.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self._deadline is not None and self.cycle is not self._waiting_after:
            self._disarm()  # a request's line and headers are all in (the body may take its time)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        answering = self.cycle is not None and not self.cycle.response_complete  # a pipelined request, started
        if not self.transport.is_closing() and not answering:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        self._disarm()
        self._waiting_after = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.cycle is not self._waiting_after:
            return
        logger.info("a connection closed: its request's headers took longer than %g s", self.header_timeout)
        self.transport.close()


class HeaderDeadline(_Deadline, _Fast):  # type: ignore[misc]
    """uvicorn's HTTP/1.1 protocol (httptools, what `http="auto"` picks; h11 without it) with the header
    deadline. A request's headers are all in once uvicorn has made its `cycle`, as both protocols do."""

    def __init__(self, *args: Any, header_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout


def protocol(header_timeout: float) -> Any:
    """uvicorn's `http=`: the protocol class with `header_timeout` (a partial: picklable, for workers)."""
    return functools.partial(HeaderDeadline, header_timeout=header_timeout)


def tls_context(minimum: str, _config: Any, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """uvicorn's `ssl_context_factory`: its context (certificate and key loaded) with `minimum` ("1.2"
    or "1.3") as the oldest TLS version and only `TLS12_CIPHERS` over TLS 1.2."""
    context = default()
    context.minimum_version = _VERSIONS[minimum]
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    return context


def tls_factory(minimum: str) -> Any:
    """`tls_context` for `minimum`, as uvicorn takes it (a partial: picklable, for workers)."""
    return functools.partial(tls_context, minimum)
