"""The email that carries an encrypted packet. Nothing outside the attachment names the patient.

Subject, body, attachment name and headers come from fixed labels and the packet's department: no
name, MRN, date of birth, procedure, appointment date or appointment id (ids can encode a date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from ..errors import UsageError
from ..language.labels import labels_for
from ..models import Department
from .encrypt import encrypt_pdf


def compose(department: Department, language: str, recipient: str, pdf: bytes, now: datetime) -> EmailMessage:
    """The message for `recipient` from the packet's department, in the packet's language, with `pdf`
    (already encrypted) attached."""
    if department.email is None:
        raise ValueError("department has no email sender")  # callers check first: see sender_of
    labels = labels_for(language)
    words = {"facility": department.name, "phone": department.phone}
    message = EmailMessage()
    message["From"] = department.email.sender
    message["To"] = recipient
    if department.email.reply_to:
        message["Reply-To"] = department.email.reply_to
    message["Subject"] = labels.email_subject.format(**words)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender_domain(department.email.sender))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(labels.email_body.format(**words), cte="quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=labels.email_attachment)
    message["Content-Language"] = language  # after the parts: setting content clears Content-* headers
    return message


def sender_domain(mailbox: str) -> str:
    """The domain of a `Name <address>` mailbox (Message-IDs are made in it)."""
    return parseaddr(mailbox)[1].rpartition("@")[2]


def domain_of(address: str) -> str:
    """What logs and the audit may say about a recipient: the domain only."""
    return address.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Email:
    """One packet to email: the unencrypted file's bytes and what the message needs to be written."""

    pdf: bytes
    sha256: str
    appointment_id: str | None
    recipient: str
    department: Department
    """The packet's department: the message's sender, name and phone."""
    language: str
    passphrase: str


@dataclass(frozen=True)
class Written:
    """A message ready for the outbox: its bytes (the packet encrypted) and what the outbox keeps."""

    message_id: str
    raw: bytes
    appointment_id: str | None
    sha256: str
    recipient: str


def write_message(email: Email) -> Written:
    """Encrypt the packet and write the message around it (no database: runs in worker processes)."""
    sender_of(email.department)
    message = compose(
        email.department, email.language, email.recipient, encrypt_pdf(email.pdf, email.passphrase), datetime.now(UTC)
    )
    return Written(str(message["Message-ID"]), wire_bytes(message), email.appointment_id, email.sha256, email.recipient)


def sender_of(department: Department | None) -> str:
    """The department's From mailbox; UsageError if the packet's department is not known or cannot send email."""
    if department is None:
        raise UsageError("the packet's department is unavailable (run generate.py validate): no sender to email from")
    if department.email is None:
        raise UsageError(
            f"department {department.id} has no email sender: add email.sender to its file in departments/"
        )
    return department.email.sender


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF line ends)."""
    return message.as_bytes(policy=SMTP)
