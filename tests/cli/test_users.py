"""The `user` commands as an operator meets them (issue 26): names that look like another user's
refused, weak passwords refused with the reason and never the password, a change of password, an
admin's reset with a one-time password, unlocking sign-in, a new role; each change in the access audit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from packetgen.cli import main
from packetgen.delivery.audit import operating_system_user
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.access import access_events
from packetgen.store.tables import WebSession, WebUser
from packetgen.web import accounts
from tests.helpers.stores import migrated_sqlite

PASSWORD = "a long enough password"
_ADVICE = "choose a longer one, of several uncommon words (a strength of 1 of 4; 3 is needed)"


def _run(environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv), environ=environ)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    environ = {"PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "db.sqlite")}
    for name, role in (("ana", "clinician"), ("root", "admin")):
        assert _run(environ, monkeypatch, "user", "add", name, "--role", role, stdin=PASSWORD + "\n") == 0
    capsys.readouterr()
    return environ


def _store(environ: dict[str, str]):  # type: ignore[no-untyped-def]
    return open_store(Settings(database_url=environ["PACKETGEN_DATABASE_URL"]))


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("ana ", "user name: expected no spaces before or after it"),
        (" ana", "user name: expected no spaces before or after it"),
        ("аna", "user name: expected letters of one script, not Cyrillic and Latin mixed"),  # a Cyrillic а
        ("Ana", "user name: too like the existing user ana: choose one that looks different"),
        ("ａｎａ", "user ana exists already"),  # full width: NFKC makes it `ana`
        ("an\u200ba", "user name: expected no control, invisible or unusual space characters"),
        ("ro0t", "user name: too like the existing user root: choose one that looks different"),
    ],
)
def test_look_alike_user_names_are_refused(
    site: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, error: str
) -> None:
    assert _run(site, monkeypatch, "user", "add", name, "--role", "admin", stdin=PASSWORD + "\n") == 2
    assert capsys.readouterr().err.strip() == f"generate.py: error: {error}"


def test_an_all_cyrillic_look_alike_and_a_full_width_sign_in(
    site: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(site, monkeypatch, "user", "add", "асе", "--role", "admin", stdin=PASSWORD + "\n") == 0  # Cyrillic
    assert _run(site, monkeypatch, "user", "add", "ace", "--role", "admin", stdin=PASSWORD + "\n") == 2
    err = capsys.readouterr().err.strip()
    assert err == "generate.py: error: user name: too like the existing user асе: choose one that looks different"
    store = _store(site)
    with store.session() as session:
        assert accounts.check_password(session, "ａｎａ", PASSWORD) is not None  # signs in as ana
    store.close()


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short one", "password: expected at least 12 characters"),
        ("password1234", f"password: too easy to guess (This is a very common password); {_ADVICE}"),
        ("qwertyuiop123", f"password: too easy to guess (This is a very common password); {_ADVICE}"),
        ("bea's own long password", "password: expected not to contain the user name"),
        ("correct horse battery staple " * 5, "password: expected at most 128 characters"),  # 145
    ],
)
def test_weak_passwords_are_refused_with_the_reason_never_the_password(
    site: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], password: str,
    error: str,
) -> None:  # fmt: skip
    assert _run(site, monkeypatch, "user", "add", "bea", "--role", "clinician", stdin=password + "\n") == 2
    err = capsys.readouterr().err.strip()
    assert err == f"generate.py: error: {error}"
    assert password not in err
    assert _run(site, monkeypatch, "user", "passwd", "ana", stdin=password.replace("bea", "ana") + "\n") == 2
    assert capsys.readouterr().err.strip() == f"generate.py: error: {error}"


def test_a_password_of_128_characters_is_accepted(
    site: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ASVS 2.1.2: passwords of 64 characters or more allowed, more than 128 denied."""
    long = ("correct horse battery staple " * 5)[:128]
    assert _run(site, monkeypatch, "user", "add", "bea", "--role", "clinician", stdin=long + "\n") == 0
    assert capsys.readouterr().out.strip() == "user bea added (clinician)"


def test_passwd_reset_unlock_and_role_are_in_the_access_audit(
    site: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(site)
    with store.session() as session:
        ana = session.scalars(select(WebUser).where(WebUser.name == "ana")).one()
        accounts.open_session(session, ana)
        for _ in range(5):
            accounts.record_failure(session, "ana", "192.0.2.7")
    with store.reading() as session:
        assert accounts.too_many_failures(session, "ana", "192.0.2.8", 5)

    assert _run(site, monkeypatch, "user", "passwd", "ana", stdin="another long passphrase\n") == 0
    assert capsys.readouterr().out.strip() == "user ana: password changed; their sessions ended"
    with store.reading() as session:
        assert session.scalars(select(WebSession)).all() == []
        assert accounts.check_password(session, "ana", "another long passphrase") is not None
        assert accounts.check_password(session, "ana", PASSWORD) is None

    assert _run(site, monkeypatch, "user", "unlock", "ana") == 0
    assert capsys.readouterr().out.strip() == "user ana: unlocked (5 failed sign-in(s) forgotten)"
    with store.reading() as session:
        assert not accounts.too_many_failures(session, "ana", "192.0.2.8", 5)

    assert _run(site, monkeypatch, "user", "reset", "ana") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("user ana: password reset, sessions ended; they choose a new one at their next sign-in")
    one_time = out[-1]
    assert len(one_time) == 20
    with store.reading() as session:
        user = accounts.check_password(session, "ana", one_time)
        assert user is not None
        assert user.must_change_password
        assert accounts.check_password(session, "ana", "another long passphrase") is None

    assert _run(site, monkeypatch, "user", "role", "ana", "admin") == 0
    assert capsys.readouterr().out.strip() == "user ana: role admin"
    assert _run(site, monkeypatch, "user", "role", "root", "clinician") == 0
    capsys.readouterr()
    assert _run(site, monkeypatch, "user", "role", "ana", "clinician") == 2  # the last admin stays one
    assert capsys.readouterr().err.strip() == (
        "generate.py: error: user ana is the only admin: make another user admin first"
    )
    assert _run(site, monkeypatch, "user", "unlock", "zed") == 2
    assert capsys.readouterr().err.strip() == "generate.py: error: no user named zed"

    with store.reading() as session:
        rows = [(e.who, e.address, e.action, e.user_id) for e in access_events(session)]
        ana_id = session.scalars(select(WebUser.id).where(WebUser.name == "ana")).one()
        root_id = session.scalars(select(WebUser.id).where(WebUser.name == "root")).one()
    store.close()
    me = operating_system_user()
    assert rows == [
        (me, "", "admin-set-password", ana_id),
        (me, "", "admin-unlock-user", ana_id),
        (me, "", "admin-reset-password", ana_id),
        (me, "", "admin-change-role", ana_id),
        (me, "", "admin-change-role", root_id),
    ]
    assert main(["audit", "--access"], environ=site) == 0
    printed = capsys.readouterr().out
    assert "admin-reset-password" in printed
    assert one_time not in printed


def test_reset_clear_totp_removes_the_second_factor(
    site: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(site)
    with store.session() as session:
        root = session.scalars(select(WebUser).where(WebUser.name == "root")).one()
        root.totp_secret, root.recovery_codes = "JBSWY3DPEHPK3PXP", "0" * 64
    assert _run(site, monkeypatch, "user", "reset", "root") == 0
    with store.reading() as session:
        assert session.scalars(select(WebUser.totp_secret).where(WebUser.name == "root")).one() == "JBSWY3DPEHPK3PXP"
    assert _run(site, monkeypatch, "user", "reset", "root", "--clear-totp") == 0
    assert "password reset and second factor removed" in capsys.readouterr().out.splitlines()[-2]
    with store.reading() as session:
        root = session.scalars(select(WebUser).where(WebUser.name == "root")).one()
        assert (root.totp_secret, root.recovery_codes, root.must_change_password) == (None, None, True)
    store.close()
