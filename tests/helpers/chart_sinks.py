"""The chart's two ends in tests, on loopback: an MLLP sink that answers each MDM message as told (ACK AA,
AE, AR, or never), and a FHIR sink (an HTTP server, optionally TLS asking for a client certificate) that
keeps each DocumentReference and answers 201, 4xx or 5xx as told; and a test CA with a server and a
client certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import socketserver
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.helpers.servers import make_authority, pem_key, serving

START, END = b"\x0b", b"\x1c\r"


@dataclass
class MllpSink:
    """What the sink received (each message's bytes) and how it answers the next ones (`AA` by default)."""

    port: int = 0
    answers: list[str] = field(default_factory=list)
    """`AA`, `AE`, `AR` or `silent`, one per message to come; then `AA`."""
    received: list[bytes] = field(default_factory=list)
    reason: str = "PID-3 \\S\\ unknown patient"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def mllp_sink(tls: ssl.SSLContext | None = None) -> Iterator[MllpSink]:
    """An interface engine's MLLP endpoint on loopback that ACKs what it receives; `tls`: MLLP inside
    TLS with this server context (`Certificates.server_context`: a client certificate required)."""
    sink = MllpSink()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            buffer = b""
            self.request.settimeout(10)
            while True:
                try:
                    chunk = self.request.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while END in buffer:
                    frame, _, buffer = buffer.partition(END)
                    message = frame[frame.find(START) + 1 :]
                    sink.received.append(message)
                    answer = sink.answers.pop(0) if sink.answers else "AA"
                    if answer == "silent":
                        continue  # never answered: the sender gives up and tries later
                    control = message.split(b"\r", 1)[0].decode("utf-8").split("|")[9]
                    text = sink.reason if answer != "AA" else ""
                    ack = f"MSH|^~\\&|EHR|HOSP|PACKETGEN||20261207120000||ACK^T02|A{len(sink.received)}|P|2.5.1\r"
                    ack += f"MSA|{answer}|{control}|{text}\r"
                    self.request.sendall(START + ack.encode("utf-8") + END)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    sink.port = server.server_address[1]
    with serving(server):
        yield sink


@dataclass
class FhirSink:
    """What the FHIR sink received (each request's headers and JSON) and how it answers the next ones."""

    url: str = ""
    token: str | None = None
    """When set, a request without `Authorization: Bearer TOKEN` is answered 401."""
    answers: list[int] = field(default_factory=list)
    """201, 4xx or 5xx, one per request to come; then 201."""
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _outcome(text: str) -> bytes:
    return json.dumps(
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid", "diagnostics": text}]}
    ).encode()


@contextmanager
def fhir_sink(tls: ssl.SSLContext | None = None, token: str | None = None) -> Iterator[FhirSink]:
    sink = FhirSink(token=token)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: bytes, location: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.path.endswith("/fhir/DocumentReference"):
                self._answer(404, _outcome("no such endpoint"))
                return
            if sink.token is not None and self.headers.get("Authorization") != f"Bearer {sink.token}":
                self._answer(401, _outcome("bearer token missing or wrong"))
                return
            sink.headers.append(dict(self.headers.items()))
            sink.received.append(json.loads(body))
            status = sink.answers.pop(0) if sink.answers else 201
            if status == 201:
                number = len(sink.received)
                self._answer(201, b"", f"{sink.url}/DocumentReference/{number}/_history/1")
            else:
                self._answer(status, _outcome("subject.identifier: no patient with this MRN"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    sink.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/fhir"
    with serving(server):
        yield sink


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def server_context(self) -> ssl.SSLContext:
        """A server that asks for a client certificate this CA signed, and refuses a client without one."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert, self.server_key)
        context.load_verify_locations(cafile=str(self.ca))
        context.verify_mode = ssl.CERT_REQUIRED
        return context


def make_mtls_certificates(folder: Path) -> Certificates:
    """A test CA, a server certificate for 127.0.0.1 and a client certificate it signed, as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key, ca = make_authority("packetgen chart test CA")
    ca_name = ca.subject

    def leaf(name: str, server: bool) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
        )
        if server:
            names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.PEM), pem_key(key)

    paths = Certificates(*(folder / n for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")))
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server_cert, server_key = leaf("localhost", True)
    client_cert, client_key = leaf("packetgen chart client", False)
    paths.server_cert.write_bytes(server_cert)
    paths.server_key.write_bytes(server_key)
    paths.client_cert.write_bytes(client_cert)
    paths.client_key.write_bytes(client_key)
    return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
