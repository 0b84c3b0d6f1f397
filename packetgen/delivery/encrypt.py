"""AES-256 encryption of a packet (PDF 2.0 security handler: /V 5, /R 6), with pypdf."""

from __future__ import annotations

import io
import secrets

from pypdf import PdfReader, PdfWriter


def encrypt_pdf(data: bytes, passphrase: str) -> bytes:
    """The same document, every string and stream encrypted with AES-256 under `passphrase`.

    Opening needs the passphrase; printing and copying are then allowed (a patient must be able to
    print their consent). The owner password is random and thrown away. Not deterministic: the
    salts and initialisation vectors are random, as they must be."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=passphrase, owner_password=secrets.token_urlsafe(32), algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
