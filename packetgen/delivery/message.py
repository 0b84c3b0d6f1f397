"""The email that carries an encrypted packet. Nothing outside the attachment names the patient.

Subject, body, attachment name and headers come from fixed labels and the layout's facility: no
name, MRN, date of birth, procedure, appointment date or appointment id (ids can encode a date).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from ..labels import labels_for
from ..models import Layout


def compose(layout: Layout, language: str, recipient: str, pdf: bytes, now: datetime) -> EmailMessage:
    """The message for `recipient`, in the packet's language, with `pdf` (already encrypted) attached."""
    if layout.email is None:
        raise ValueError("layout has no email sender")  # callers check first: see service.sender_of
    labels = labels_for(language)
    facility = layout.facility
    words = {"facility": facility.name, "phone": facility.phone}
    message = EmailMessage()
    message["From"] = layout.email.sender
    message["To"] = recipient
    if layout.email.reply_to:
        message["Reply-To"] = layout.email.reply_to
    message["Subject"] = labels["email_subject"].format(**words)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender_domain(layout.email.sender))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(labels["email_body"].format(**words), cte="quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=labels["email_attachment"])
    message["Content-Language"] = language  # after the parts: setting content clears Content-* headers
    return message


def sender_domain(mailbox: str) -> str:
    """The domain of a `Name <address>` mailbox (Message-IDs are made in it)."""
    return parseaddr(mailbox)[1].rpartition("@")[2]


def domain_of(address: str) -> str:
    """What logs and the audit may say about a recipient: the domain only."""
    return address.rpartition("@")[2].lower()
