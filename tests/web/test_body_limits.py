"""Request bodies are limited while they are read, before the sign-in check (issue 26, item 4), over
real HTTP: an unauthenticated 100 MB upload is refused from its Content-Length with nothing read; a
body sent in chunks without one is cut off at its limit; a form far longer than any of ours is
refused before it is parsed; within the limits everything works as before."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from tests.helpers.web import App


def _raw_request(app: App, head: bytes, body_chunks: Iterator[bytes]) -> bytes:
    """Send a request by hand (so the body can be larger than its sender could hold), its body from a
    thread while the answer is read, and return the whole answer."""
    url = urlsplit(app.url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head)

        def send_body() -> None:
            with contextlib.suppress(OSError):  # the server answered and closed without reading the rest
                for chunk in body_chunks:
                    sock.sendall(chunk)

        sender = threading.Thread(target=send_body)
        sender.start()
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):  # to the end: the server closes after a 413
                answer += chunk
        with contextlib.suppress(OSError):  # already closed by the server
            sock.shutdown(socket.SHUT_RDWR)
        sender.join(timeout=30)
    return answer


@pytest.mark.process
def test_bodies_over_their_limits_are_refused_before_they_are_read(start_app: Callable[..., App]) -> None:
    served = start_app(process=True)
    # An unauthenticated 100 MB upload: refused from its Content-Length, nothing read, no sign-in redirect.
    head = (
        b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        b"Content-Length: 100000000\r\n\r\n"
    )
    answer = _raw_request(served, head, iter([b"x" * 65536] * 4))
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"too large" in answer
    # A form sent in chunks, with no length said: cut off once past 64 KB.
    head = b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    head += b"Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"a=" + b"x" * 16382
    chunks = iter([f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"] * 64 + [b"0\r\n\r\n"])  # 1 MB in all
    answer = _raw_request(served, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    # Sixty fields of a megabyte each.
    body = "&".join(f"f{n}=" + "y" * 1_000_000 for n in range(60)).encode()
    response = served.client().post(
        "/sign-in", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    # Within their limits, a form and an upload work as before.
    client, token = served.signed_in("scheduler")  # the sign-in form: well under 64 KB
    upload = client.post(
        "/upload",
        files={"file": ("day.csv", b"appointment_id\n" + b"x" * 2_000_000, "text/csv")},
        data={"csrf_token": token},
    )
    assert upload.status_code == 422  # a 2 MB file, under the 5 MB limit: read, and refused for its content
