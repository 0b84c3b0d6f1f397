"""Sign-in limits as growing delays, not lockouts (issue 26): after `web.sign_in_failures` failures an
account (an address: four times as many) waits before its next attempt, a wait that doubles with each
further failure, up to 15 minutes; an attempt inside the wait is refused without its password being
checked; once the wait has passed the right password works; an unlock forgets the account's failures.
The decisions are taken in the database, in turn, so that several workers and instances agree."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import SignInAttempt
from packetgen.web import accounts
from tests.helpers.stores import migrated_sqlite
from tests.helpers.web import PASSWORD, App, csrf

WRONG = "guess guess guess"


def _web(failures: int, delay: float) -> str:
    return f"  sign_in_failures: {failures}\n  sign_in_delay_seconds: {delay}\n"


def _sign_in(app: App, name: str, password: str, peer: str | None = None) -> httpx.Response:
    client = app.client(peer=peer)
    token = csrf(client.get("/sign-in").text)
    return client.post("/sign-in", data={"name": name, "password": password, "csrf_token": token})


def _outcomes(app: App, account: str) -> list[str]:
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            query = select(SignInAttempt.outcome).where(SignInAttempt.account == account)
            return list(session.scalars(query.order_by(SignInAttempt.id)))
    finally:
        store.close()


def test_the_right_password_works_once_the_wait_has_passed(
    start_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = start_app(web=_web(2, 0.8))
    for _ in range(2):
        assert "That name and password do not match." in _sign_in(app, "clinician", WRONG).text
    waiting = _sign_in(app, "clinician", PASSWORD)  # inside the wait: refused, the password unchecked
    assert waiting.status_code == 401
    assert "Too many attempts: try again in about 1 second." in waiting.text
    wrong = _sign_in(app, "clinician", WRONG)  # a wrong one inside the wait: the same answer, not "do not match"
    assert "Too many attempts: try again in about 1 second." in wrong.text
    assert _outcomes(app, "clinician") == ["failed", "failed"]  # neither was checked, nor counted
    clock = accounts.now
    monkeypatch.setattr(accounts, "now", lambda: clock() + timedelta(seconds=0.9))  # the app's clock, 0.9 s on
    assert _sign_in(app, "clinician", PASSWORD).status_code == 303  # no lockout
    assert _outcomes(app, "clinician") == ["failed", "failed", "ok"]  # the success is recorded, clears nothing


def test_the_wait_doubles_with_each_failure_up_to_15_minutes(tmp_path: Path) -> None:
    store = open_store(Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite")))
    moment = accounts.now()
    with store.session() as session:
        for _ in range(4):  # four failures, the latest just now
            session.add(SignInAttempt(at=moment, account="ana", address="192.0.2.7", outcome=accounts.FAILED))
        session.add(SignInAttempt(at=moment, account="ana", address="192.0.2.7", outcome=accounts.OK))
    with store.reading() as session:
        assert accounts.wait_seconds(session, "ana", "192.0.2.9", 5, 10.0) == 0  # 4 of 5: no wait
        assert 9 < accounts.wait_seconds(session, "ana", "192.0.2.9", 4, 10.0) <= 10  # the 4th: the first wait
        assert 39 < accounts.wait_seconds(session, "ana", "192.0.2.9", 2, 10.0) <= 40  # two beyond: 4 times it
        assert 899 < accounts.wait_seconds(session, "ana", "192.0.2.9", 1, 200.0) <= 900  # 1,600 s: capped at 900
        assert accounts.wait_seconds(session, "bea", "192.0.2.9", 1, 10.0) == 0  # another account
        assert 9 < accounts.wait_seconds(session, "bea", "192.0.2.7", 1, 10.0) <= 10  # ... from that address: 4 × 1
    with store.session() as session:  # failures older than the window no longer count
        old = moment - timedelta(minutes=16)
        session.execute(SignInAttempt.__table__.update().values(at=old))
    with store.reading() as session:
        assert accounts.wait_seconds(session, "ana", "192.0.2.7", 1, 10.0) == 0
    store.close()


def test_a_decision_waits_for_the_one_in_progress(tmp_path: Path, web_database: Callable[[], str | None]) -> None:
    """Two stores (as two instances) on one database, a limit of 1: while one decision's transaction is
    open, the other's waits for it, then sees its pending attempt and is refused."""
    url = web_database() or migrated_sqlite(tmp_path / "db.sqlite")
    first, second = open_store(Settings(database_url=url)), open_store(Settings(database_url=url))
    decided: list[tuple[int | None, float]] = []

    def decide() -> None:
        with second.session() as session:
            decided.append(accounts.start_attempt(session, "ana", "192.0.2.8", 1, 30.0))

    with first.session() as session:
        attempt, wait = accounts.start_attempt(session, "ana", "192.0.2.7", 1, 30.0)
        assert attempt is not None
        assert wait == 0
        other = threading.Thread(target=decide)
        other.start()
        other.join(0.5)
        assert other.is_alive()  # waiting for this transaction
        assert decided == []
    other.join(10)
    [(refused, waited)] = decided
    assert refused is None  # the pending attempt counted as a failure
    assert 29 < waited <= 30
    first.close()
    second.close()


def test_the_address_limit_does_not_stop_another_address(start_app: Callable[..., App]) -> None:
    app = start_app(web=_web(1, 30))
    for number in range(4):  # four times the account's limit, each on another (unknown) name
        assert _sign_in(app, f"nobody{number}", WRONG, peer="192.0.2.7").status_code == 401
    refused = _sign_in(app, "scheduler", PASSWORD, peer="192.0.2.7")
    assert "Too many attempts: try again in about 30 seconds." in refused.text
    assert _sign_in(app, "scheduler", PASSWORD, peer="192.0.2.8").status_code == 303


def test_an_unlock_forgets_the_accounts_failures_not_its_successes(start_app: Callable[..., App]) -> None:
    app = start_app(web=_web(2, 30))
    assert _sign_in(app, "clinician", PASSWORD).status_code == 303
    for _ in range(2):
        assert _sign_in(app, "clinician", WRONG).status_code == 401
    assert "Too many attempts" in _sign_in(app, "clinician", PASSWORD).text
    admin, token = app.signed_in("admin")
    store = open_store(Settings(database_url=app.database_url))
    with store.reading() as session:
        user_id = accounts.user_id_of(session, "clinician")
    store.close()
    unlocked = admin.post(f"/admin/users/{user_id}/unlock", data={"csrf_token": token})
    assert "User clinician unlocked (2 failed sign-in(s) forgotten)." in unlocked.text
    assert _outcomes(app, "clinician") == ["ok"]
    assert _sign_in(app, "clinician", PASSWORD).status_code == 303


@pytest.mark.process  # two `generate.py serve` processes on one database, guessed at from many threads at once
def test_guesses_at_once_on_two_instances_are_checked_no_more_than_the_limit(start_app: Callable[..., App]) -> None:
    """Twelve wrong passwords sent at once, six to each of two instances sharing the database, with a
    limit of 3 and a first wait of a minute: each decision and its pending row are taken in one
    serialised transaction, and a pending attempt counts as a failure, so exactly 3 are checked
    ("do not match") and the other 9 are refused unchecked ("Too many attempts"); the table holds 3
    attempts. (Without the serialisation, all 12 could be checked.)"""
    one = start_app(web=_web(3, 60), process=True)
    two = start_app(site=(one.database_url, one.out_dir, one.token), web=_web(3, 60), process=True)
    forms = []
    for app in (one, two) * 6:
        client = app.client()
        forms.append((client, csrf(client.get("/sign-in").text)))
    start = threading.Barrier(len(forms))
    answers: list[str] = []

    def guess(client: httpx.Client, token: str) -> None:
        start.wait()
        answer = client.post("/sign-in", data={"name": "clinician", "password": WRONG, "csrf_token": token})
        answers.append(answer.text)

    threads = [threading.Thread(target=guess, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    checked = sum("That name and password do not match." in text for text in answers)
    refused = sum("Too many attempts: try again in about" in text for text in answers)
    assert (checked, refused) == (3, 9)
    assert _outcomes(one, "clinician") == ["failed"] * 3
