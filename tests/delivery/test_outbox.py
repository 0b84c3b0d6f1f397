"""The outbox and the audit as a library: back-off, one sender per message, an append-only audit,
and the message itself (no patient data in it outside the attachment, whatever the language)."""

from __future__ import annotations

import email
import math
import re
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from packetgen.delivery import audit, outbox
from packetgen.delivery.message import Email, compose
from packetgen.delivery.passphrase import MAX_LENGTH, one_time, passphrase_for
from packetgen.delivery.relay import relay_config
from packetgen.delivery.service import Outcome, queue_email, send_queued
from packetgen.errors import UsageError
from packetgen.library import Library
from packetgen.settings import EmailSettings, Settings
from packetgen.store import Store, open_store
from tests.helpers.mail import Relay
from tests.helpers.stores import migrated_sqlite

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The outbox and the audit on both databases a site may run (PostgreSQL: a private server)."""
    if request.param == "sqlite":
        url = migrated_sqlite(tmp_path / "db.sqlite")
    else:
        url = request.getfixturevalue("postgres").database()
    opened = open_store(Settings(database_url=url))
    yield opened
    opened.close()


def queue_one(store: Store, recipient: str = "p@example.org", appointment_id: str = "A-1") -> int:
    with store.session() as session:
        message = outbox.enqueue(
            session,
            message_id=f"<{appointment_id}.{recipient}@test>",
            now=NOW,
            actor="tester",
            appointment_id=appointment_id,
            packet_sha256="ab" * 32,
            recipient=recipient,
            raw=b"From: a@example.org\r\nTo: p@example.org\r\nSubject: x\r\n\r\nbody\r\n",
        )
        return message.id


def test_back_off_after_failed_attempts() -> None:
    waits = [outbox.backoff(n) for n in range(1, 10)]
    minute = timedelta(minutes=1)
    assert waits == [timedelta(0), minute, 2 * minute, 4 * minute, 8 * minute, 16 * minute, 32 * minute,
                     timedelta(hours=1), timedelta(hours=1)]  # fmt: skip


def test_a_message_is_claimed_by_one_attempt_only_and_waits_its_back_off(store: Store) -> None:
    message_id = queue_one(store)
    with store.session() as session:
        assert outbox.due(session, NOW) == [message_id]
        claimed = outbox.claim(session, message_id)
        assert claimed is not None
        assert claimed.attempts == 1
    with store.session() as session:
        assert outbox.claim(session, message_id) is None  # already being sent
        assert outbox.due(session, NOW) == []
        message = session.get(outbox.OutboxMessage, message_id)
        assert message is not None
        outbox.mark_failed(message, "relay down", NOW)
    with store.session() as session:
        assert outbox.due(session, NOW) == [message_id]  # the first retry is due at once
        message = outbox.claim(session, message_id)
        assert message is not None
        outbox.mark_failed(message, "relay down", NOW)  # the second failure: wait a minute
    with store.session() as session:
        assert outbox.due(session, NOW + timedelta(seconds=59)) == []
        assert outbox.due(session, NOW + timedelta(minutes=1)) == [message_id]


def test_the_audit_is_append_only(store: Store) -> None:
    with store.session() as session:
        audit.record(session, NOW, "tester", audit.PRINT, "A-1", "ab" * 32, "frontdesk", "printed (job 1)")
    for statement in ("UPDATE audit_event SET result = 'nothing happened'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError, match="append-only"), store.session() as session:
            session.execute(text(statement))
    with store.reading() as session:
        assert [e.result for e in audit.events(session)] == ["printed (job 1)"]
        assert audit.events(session, appointment_id="A-2") == []
        assert len(audit.events(session, since=NOW)) == 1
        assert audit.events(session, since=NOW + timedelta(seconds=1)) == []


def test_two_senders_at_once_deliver_each_message_once(store: Store, relay: Relay) -> None:
    ids = [queue_one(store, f"p{n}@example.org", f"A-{n}") for n in range(12)]
    settings = Settings(smtp_url=relay.url, smtp_ca_file=relay.ca_file)
    config = relay_config(settings)
    # Two runs over the same messages, each with two connections, at the same time.
    results: list[list[Outcome]] = []
    runs = [threading.Thread(target=lambda: results.append(send_queued(store, config, ids, "t", 2))) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert sum(len(r) for r in results) == len(ids)  # each message attempted by exactly one sender
    assert sorted(rcpt for _sender, (rcpt,) in relay.handler.envelopes) == sorted(
        f"p{n}@example.org" for n in range(12)
    )
    with store.reading() as session:
        assert {m.state for m in outbox.listing(session, include_sent=True)} == {outbox.SENT}
        assert all(m.raw == b"" for m in outbox.listing(session, include_sent=True))  # not kept once sent


def test_the_message_names_no_patient_in_any_language(library: Library) -> None:
    for language in ("en", "es"):
        department = library.department("interventional-radiology")
        message = compose(department, language, "someone@example.org", b"%PDF-1.7 encrypted", NOW)
        parsed = email.message_from_bytes(message.as_bytes())
        assert parsed["Content-Language"] == language
        text_part = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
        body = text_part.get_payload(decode=True)
        assert isinstance(body, bytes)
        assert "(217) 555-0142" in body.decode()
        assert "vertebroplasty" not in message.as_string().lower()
    assert parsed["Subject"] == "Documentos de Riverside General Hospital"


def test_a_department_without_a_sender_cannot_email(store: Store, library: Library) -> None:
    department = library.department("interventional-radiology").model_copy(update={"email": None, "id": "plain"})
    email_ = Email(b"%PDF", "ab" * 32, "A-1", "p@example.org", department, "en", "a-b-c-d")
    with pytest.raises(
        UsageError,
        match=re.escape("department plain has no email sender: add email.sender to its file in departments/"),
    ):
        queue_email(store, email_, "tester")


def test_one_time_passphrases() -> None:
    drawn = {one_time(5) for _ in range(200)}
    assert len(drawn) == 200
    assert all(len(p) <= MAX_LENGTH and len(p.split("-")) == 5 for p in drawn)
    assert all(word.isalpha() and 3 <= len(word) <= 6 for p in drawn for word in p.split("-"))
    policy = EmailSettings(passphrase="date_of_birth", allow_weak_passphrase=True, date_of_birth_format="YYYYMMDD")
    chosen = passphrase_for(policy, datetime(1948, 3, 14).date())
    assert (chosen.secret, chosen.shown) == ("19480314", "the patient's date of birth as YYYYMMDD")


def test_already_sent_means_this_packet_to_this_address_for_this_appointment(store: Store) -> None:
    queue_one(store, "p@example.org", "A-1")  # packet "ab" * 32
    with store.reading() as session:
        assert outbox.already_sent_or_queued(session, "A-1", "ab" * 32, "p@example.org")
        assert not outbox.already_sent_or_queued(session, "A-1", "cd" * 32, "p@example.org")  # a newer packet
        assert not outbox.already_sent_or_queued(session, "A-1", "ab" * 32, "q@example.org")
        assert not outbox.already_sent_or_queued(session, "A-2", "ab" * 32, "p@example.org")


def test_passphrase_words_come_from_the_whole_list_of_3_to_6_letters() -> None:
    from packetgen.delivery.passphrase import _words

    pool = _words()
    assert len(pool) == len(set(pool))
    assert math.log2(len(pool)) >= 11  # bits a word
    lengths = {len(word) for word in pool}
    assert lengths == {3, 4, 5, 6}
    assert sum(len(word) >= 5 for word in pool) > len(pool) / 2
    # What a passphrase is worth, counting only those within MAX_LENGTH (longer ones are drawn again).
    by_length = Counter(len(word) for word in pool)
    for words, bits in ((5, 56), (4, 45)):
        ways = {0: 1}
        for _ in range(words):
            ways = _add_words(ways, by_length)
        kept = sum(count for letters, count in ways.items() if letters + words - 1 <= MAX_LENGTH)
        assert math.log2(kept) >= bits, (words, math.log2(kept))


def _add_words(ways: dict[int, int], by_length: Counter[int]) -> dict[int, int]:
    """Ways of making each number of letters, one word longer."""
    longer: dict[int, int] = {}
    for letters, count in ways.items():
        for length, words in by_length.items():
            longer[letters + length] = longer.get(letters + length, 0) + count * words
    return longer


def test_drawn_passphrases_use_many_words_of_every_length() -> None:
    drawn = [word for _ in range(300) for word in one_time(5).split("-")]
    lengths = Counter(len(word) for word in drawn)
    assert set(lengths) == {3, 4, 5, 6}
    assert lengths[5] + lengths[6] > len(drawn) / 2
    assert len(set(drawn)) > 800  # of 1,500 drawn from about 2,850 (3- and 4-letter words alone are 549)
