"""One recipe per delivery: the email of a packet and its passphrase by the site's one policy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from packetgen.delivery.service import Packet, email_for
from packetgen.errors import UsageError
from packetgen.library import Library
from packetgen.settings import EmailSettings


def _packet(tmp_path: Path, library: Library, born: date | None) -> Packet:
    pdf = tmp_path / "P-1.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    return Packet(
        pdf, "0" * 64, "P-1", library.layout(None), "en", born, library.department("interventional-radiology")
    )


def test_a_date_of_birth_passphrase_is_the_records_date_and_never_a_made_up_one(
    tmp_path: Path, library: Library
) -> None:
    policy = EmailSettings(passphrase="date_of_birth", allow_weak_passphrase=True, date_of_birth_format="DDMMYYYY")
    email, secret = email_for(policy, _packet(tmp_path, library, date(1948, 3, 14)), "a@example.org")
    assert (email.passphrase, secret.secret) == ("14031948", "14031948")
    assert secret.shown == "the patient's date of birth as DDMMYYYY"
    with pytest.raises(
        UsageError, match="the site's passphrase is the patient's date of birth, and this record has none"
    ):
        email_for(policy, _packet(tmp_path, library, None), "a@example.org")


def test_a_one_time_passphrase_needs_no_date_of_birth(tmp_path: Path, library: Library) -> None:
    email, secret = email_for(EmailSettings(), _packet(tmp_path, library, None), "a@example.org")
    assert secret.secret == secret.shown == email.passphrase
    assert len(secret.secret.split("-")) == 5
