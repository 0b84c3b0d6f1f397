"""What `generate.py serve` asks of a connection (issue 26, item 13; ASVS 9.1.2, 9.1.3): a request's line
and headers within `web.header_timeout_seconds` (slow clients), and over TLS version 1.2 or later with
ECDHE and AES-GCM or ChaCha20 only (`web.tls_min_version` may raise it to 1.3). Over real sockets,
against a `serve` process."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.web import App


def _address(app: App) -> tuple[str, int]:
    return "127.0.0.1", int(app.url.rsplit(":", 1)[1])


def _closed_after(connection: socket.socket) -> float:
    """Seconds until the server closes `connection` (reading whatever it answered meanwhile)."""
    started = time.monotonic()
    while connection.recv(65536):
        pass
    return time.monotonic() - started


def _response(connection: socket.socket) -> bytes:
    """One whole response (its headers, and its body by its `content-length`)."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.mark.process  # a real server's connections
def test_a_request_whose_headers_do_not_arrive_in_time_is_closed(start_app: Callable[..., App]) -> None:
    app = start_app(process=True, web="  header_timeout_seconds: 1\n  keep_alive_seconds: 30\n")
    # Half a request line, then nothing.
    with socket.create_connection(_address(app), timeout=10) as half:
        half.sendall(b"GET /healthz HTT")
        assert 0.5 < _closed_after(half) < 4
    # A connection that sends nothing at all.
    with socket.create_connection(_address(app), timeout=10) as silent:
        assert 0.5 < _closed_after(silent) < 4
    # A header every 0.3 s: each byte would restart a keep-alive timer, not this deadline.
    with socket.create_connection(_address(app), timeout=10) as dripping:
        dripping.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        for n in range(20):
            time.sleep(0.3)
            try:
                dripping.sendall(f"X-Slow-{n}: 1\r\n".encode())
                if dripping.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b"":
                    break  # closed by the server
            except BlockingIOError:
                continue  # open, nothing to read
            except OSError:
                break  # refused once closed: a broken pipe or a reset
        assert time.monotonic() - started < 4
    # A request sent at once is answered; on the same connection the deadline counts from the answer.
    with socket.create_connection(_address(app), timeout=10) as kept:
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _response(kept).startswith(b"HTTP/1.1 200 OK")
        time.sleep(0.6)  # idle, within the limit: the next request is still answered
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _response(kept).startswith(b"HTTP/1.1 200 OK")
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.")  # then half of one
        assert 0.5 < _closed_after(kept) < 4


@pytest.mark.process  # a real server's connections
def test_an_idle_kept_alive_connection_is_closed_after_the_sites_seconds(start_app: Callable[..., App]) -> None:
    app = start_app(process=True, web="  header_timeout_seconds: 30\n  keep_alive_seconds: 1\n")
    with socket.create_connection(_address(app), timeout=10) as kept:
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _response(kept).startswith(b"HTTP/1.1 200 OK")
        assert 0.5 < _closed_after(kept) < 4


def _handshake(app: App, authority: Path, setup: Callable[[ssl.SSLContext], None]) -> tuple[str, str] | ssl.SSLError:
    """The TLS version and cipher a client set up by `setup` gets, or the error that ended its handshake."""
    context = ssl.create_default_context(cafile=str(authority))
    setup(context)
    with socket.create_connection(_address(app), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                version, cipher = tls.version(), tls.cipher()
                assert version is not None
                assert cipher is not None
                return version, cipher[0]
        except ssl.SSLError as exc:
            assert "NO_PROTOCOLS_AVAILABLE" not in str(exc)  # the server refused it, not this client
            return exc


def _tls_1_1(context: ssl.SSLContext) -> None:
    with pytest.warns(DeprecationWarning, match="TLSv1_1"):
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")


def _tls_1_2_cbc_only(context: ssl.SSLContext) -> None:
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0")


def _tls_1_2_gcm(context: ssl.SSLContext) -> None:
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")


def _tls_1_2_chacha(context: ssl.SSLContext) -> None:
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305")


def _any(context: ssl.SSLContext) -> None:
    return None


@pytest.mark.process  # TLS: `generate.py serve` with a certificate
def test_tls_1_2_or_later_with_strong_ciphers_only(
    start_app: Callable[..., App], certificates: tuple[Path, Path, Path]
) -> None:
    app = start_app(tls=certificates)
    authority = certificates[0]
    assert isinstance(_handshake(app, authority, _tls_1_1), ssl.SSLError)
    assert isinstance(_handshake(app, authority, _tls_1_2_cbc_only), ssl.SSLError)
    assert _handshake(app, authority, _tls_1_2_gcm) == ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")
    assert _handshake(app, authority, _tls_1_2_chacha) == ("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305")
    assert _handshake(app, authority, _any)[0] == "TLSv1.3"  # type: ignore[index]


@pytest.mark.process  # TLS: `generate.py serve` with a certificate
def test_a_site_may_accept_tls_1_3_only(start_app: Callable[..., App], certificates: tuple[Path, Path, Path]) -> None:
    app = start_app(tls=certificates, web='  tls_min_version: "1.3"\n')
    authority = certificates[0]
    assert isinstance(_handshake(app, authority, _tls_1_2_gcm), ssl.SSLError)
    assert _handshake(app, authority, _any)[0] == "TLSv1.3"  # type: ignore[index]
