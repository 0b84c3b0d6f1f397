"""A test certificate authority for signing consents (root → the site's signing certificate, and a
time-stamping certificate), and a tablet's capture with strokes for every box of a consent."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from packetgen.signing.layout import Layout
from tests.helpers.servers import make_authority, pem_key, serving


@dataclass(frozen=True)
class SigningCA:
    root: Path
    certificate: Path
    key: Path
    tsa_certificate: Path
    tsa_key: Path


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Riverside General Hospital (test)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_signing_ca(folder: Path, crl_url: str | None = None) -> SigningCA:
    """Root CA → the site's document-signing certificate and a TSA certificate, as PEM files in `folder`;
    with `crl_url`, each names it as its CRL distribution point, and the root's (empty) CRL is written
    to `root.crl` (DER)."""
    now = dt.datetime.now(dt.UTC)
    root_key, root = make_authority("packetgen test signing root", days=365)
    root_name = root.subject

    def leaf(
        common: str, usage: x509.KeyUsage, extended: list[x509.ObjectIdentifier] | None, rsa_key: bool = False
    ) -> tuple[Any, Any]:
        # pyHanko's in-process DummyTimeStamper signs with RSA only
        key = rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common))
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if extended:
            builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=True)
        if crl_url:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        return builder.sign(root_key, hashes.SHA256()), key

    signing, signing_key = leaf(
        "Riverside General Hospital consents",
        x509.KeyUsage(True, True, False, False, False, False, False, False, False),
        None,
    )
    tsa, tsa_key = leaf(
        "packetgen test TSA",
        x509.KeyUsage(True, False, False, False, False, False, False, False, False),
        [ExtendedKeyUsageOID.TIME_STAMPING],
        rsa_key=True,
    )
    files = SigningCA(
        folder / "root.pem", folder / "site.pem", folder / "site.key", folder / "tsa.pem", folder / "tsa.key"
    )
    files.root.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(signing.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(pem_key(signing_key))
    files.tsa_certificate.write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    files.tsa_key.write_bytes(pem_key(tsa_key))
    if crl_url:
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(root_name)
            .last_update(now - dt.timedelta(hours=1))
            .next_update(now + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        (folder / "root.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return files


class _Handler(BaseHTTPRequestHandler):
    server: PkiServer

    def do_GET(self) -> None:
        body = self.server.files.get(self.path)
        self._answer(200 if body is not None else 404, "application/pkix-crl", body or b"")

    def do_POST(self) -> None:
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.server.stamper is not None
        self.server.stamped += 1
        self._answer(200, "application/timestamp-reply", self.server.stamper.request_tsa_response(request).dump())

    def _answer(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


class PkiServer(ThreadingHTTPServer):
    """A site's PKI on loopback: its CRL (GET) and an RFC 3161 time-stamping authority (POST)."""

    files: dict[str, bytes]
    stamper: DummyTimeStamper | None
    stamped: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@contextmanager
def pki_server() -> Iterator[PkiServer]:
    server = PkiServer(("127.0.0.1", 0), _Handler)
    server.files, server.stamper, server.stamped = {}, None, 0
    with serving(server):
        yield server


def scribble(seed: int, points: int = 24) -> list[list[list[float]]]:
    """Two strokes that wander across a box's whole area (0..1 both ways), different for each seed."""
    first = [[0.05 + 0.9 * i / (points - 1), 0.5 + 0.4 * math.sin(i * 0.7 + seed)] for i in range(points)]
    second = [[0.2 + 0.6 * i / (points - 1), 0.9 - 0.8 * i / (points - 1)] for i in range(points)]
    return [first, second, [[0.98, 0.02]]]


def full_capture(layout: Layout) -> dict[str, Any]:
    """A consent given and signed by every signer of `layout`, every initials box initialled, every
    check box ticked and every further line filled (CAPTURE_JSON)."""
    signers = []
    for n, signer in enumerate(layout.signers):
        boxes = [layout.by_id[b] for b in signer.boxes]
        entry: dict[str, Any] = {
            "role": signer.role,
            "name": f"Signer {n + 1} Ivanova-Παπαδοπούλου",
            "signed_at": f"2026-12-10T16:{10 + n:02d}:00+00:00",
            "signature": scribble(n),
            "ticks": [b.id for b in boxes if b.kind == "choice"][:1],
            "fields": {b.id: f"line {i + 1}" for i, b in enumerate(boxes) if b.kind == "field"},
        }
        if signer.role == "provider":
            entry["teach_back"] = "Cement goes into the broken bone; it can leak."
        signers.append(entry)
    return {
        "session": "S-7f3a9c",
        "dob_confirmed": True,
        "outcome": "consented",
        "signers": signers,
        "initials": {b.id: scribble(100 + i, 8) for i, b in enumerate(layout.of_kind("initials"))},
        "ticks": [b.id for b in layout.of_kind("choice") if b.role is None],
    }
