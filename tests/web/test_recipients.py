"""Who a packet may be emailed to from the web app (issue 26, item 8): the address on the appointment
always; another only for the roles or the domains a site allows (`email.other_addresses_roles`,
`email.other_addresses_domains`). A refusal says why and sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from packetgen.settings import EmailSettings, Settings
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.web.routes.entries import may_email
from tests.helpers.mail import Relay
from tests.helpers.web import App, act, entry_ids, upload


def test_the_policy() -> None:
    strict = EmailSettings()
    assert may_email(strict, "clinician", "anh@example.org", "Anh@Example.org ")
    assert not may_email(strict, "clinician", "someone@else.example", "anh@example.org")
    assert not may_email(strict, "admin", "someone@else.example", None)
    open_roles = EmailSettings(other_addresses_roles=("clinician",))
    assert may_email(open_roles, "clinician", "someone@else.example", "anh@example.org")
    assert not may_email(open_roles, "admin", "someone@else.example", "anh@example.org")
    domains = EmailSettings(other_addresses_domains=("CareHome.example.org",))
    assert domains.other_addresses_domains == ("carehome.example.org",)
    assert may_email(domains, "clinician", "nurse@carehome.example.org", "anh@example.org")
    assert not may_email(domains, "clinician", "nurse@evil.carehome.example.org.attacker.example", None)
    assert not may_email(domains, "clinician", "nurse@sub.carehome.example.org", None)


def test_another_address_is_refused_and_nothing_is_sent(start_app: Callable[..., App], relay: Relay) -> None:
    app = start_app(**relay.environ())
    scheduler, scheduler_token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, scheduler_token).text)["Nguyễn, Thị Ánh"]
    client, token = app.signed_in("clinician")
    refused = act(client, f"/entries/{entry}/email", {"csrf_token": token, "to": "stranger@elsewhere.example"})
    assert refused.status_code == 403
    assert "Not sent: packets go only to the address on the appointment" in refused.text
    assert relay.handler.received == []
    sent = act(client, f"/entries/{entry}/email", {"csrf_token": token, "to": "anh@example.org"})
    assert sent.status_code == 200, sent.text
    assert len(relay.handler.received) == 1


def test_the_access_audit_keeps_the_full_address_the_delivery_audit_its_domain(
    start_app: Callable[..., App], relay: Relay
) -> None:
    """Issue 26: who emailed which packet to which address, in full, is a row of the access audit
    (committed before the message goes); a refused address is there too. The delivery audit keeps
    only the recipient's domain."""
    app = start_app(**relay.environ())
    scheduler, scheduler_token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, scheduler_token).text)["Nguyễn, Thị Ánh"]
    client, token = app.signed_in("clinician")
    sent = act(client, f"/entries/{entry}/email", {"csrf_token": token, "to": "Anh@Example.org"})
    assert sent.status_code == 200, sent.text
    refused = act(client, f"/entries/{entry}/email", {"csrf_token": token, "to": "stranger@elsewhere.example"})
    assert refused.status_code == 403
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        emails = [(e.who, e.action, e.entry_id, e.appointment_id, e.recipient, e.route, e.status)
                  for e in access_events(session) if e.recipient]  # fmt: skip
        delivered = session.execute(text("SELECT * FROM audit_event")).all()
    store.close()
    assert emails == [
        ("clinician", "email-packet", entry, "W-1", "Anh@example.org", None, None),
        ("clinician", "access-refused", entry, "W-1", "stranger@elsewhere.example", "/entries/{entry_id}/email", 403),
    ]
    cells = [str(cell) for row in delivered for cell in row]
    assert not any("Anh@" in cell or "anh@" in cell for cell in cells)
    assert any("example.org" in cell for cell in cells)


WEAK = "email:\n  passphrase: date_of_birth\n  allow_weak_passphrase: true\n"
"""A site that accepts the date-of-birth passphrase (a block after `web:` in the test's settings file)."""


@pytest.mark.process  # what `generate.py serve` itself prints as it starts
def test_serve_warns_at_start_up_of_a_date_of_birth_passphrase(start_app: Callable[..., App], tmp_path: Path) -> None:
    app = start_app(web=WEAK, process=True)
    log = (tmp_path / f"serve-{app.url.rsplit(':', 1)[1]}.log").read_text()  # where start_app keeps it
    assert (
        "warning: email.passphrase is date_of_birth: a guessing program opens such a packet in about a minute; "
        "one-time words (email.passphrase: words) protect it"
    ) in log
    assert log.index("warning: email.passphrase") < log.index("serving on")  # before it serves
    plain = start_app(process=True)
    assert "email.passphrase" not in (tmp_path / f"serve-{plain.url.rsplit(':', 1)[1]}.log").read_text()
