"""`generate.py check-deploy` (issue 26): each setting a production site should not have is one line,
exit 1; safe settings say "nothing found", exit 0. Nothing is changed or contacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from packetgen.cli import main


def check(
    tmp_path: Path, settings: str, capsys: pytest.CaptureFixture[str], database_url: str | None = None
) -> tuple[int, list[str]]:
    out_dir, var = tmp_path / "out", tmp_path / "var"
    for folder in (out_dir, var):
        folder.mkdir(mode=0o700, exist_ok=True)
    (tmp_path / "settings.yaml").write_text(f"web:\n  out_dir: {out_dir}\n{settings}", encoding="utf-8")
    environ = {
        "PACKETGEN_SETTINGS": str(tmp_path / "settings.yaml"),
        "PACKETGEN_DATABASE_URL": database_url or f"sqlite:///{var / 'packetgen.sqlite'}",
    }
    code = main(["check-deploy"], environ=environ)
    return code, capsys.readouterr().out.splitlines()


def test_safe_settings_find_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path, "", capsys) == (0, ["check-deploy: nothing found"])


UNSAFE = """\
  trusted_user_header: X-Remote-User
  trusted_proxies: [0.0.0.0/0]
  session_idle_minutes: 240
  sign_in_failures: 50
listener:
  host: 0.0.0.0
email:
  passphrase: date_of_birth
  allow_weak_passphrase: true
smtp_url: smtp://mailer:hunter2@relay.example.org:25?tls=none
debug: true
log_level: debug
"""


def test_each_unsafe_setting_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check(tmp_path, UNSAFE, capsys)
    assert code == 1
    named = [line.split(":", 1)[0] for line in lines[:-1]]
    assert named == [
        "debug",
        "log_level",
        "web.trusted_proxies",
        "web.session_idle_minutes",
        "web.sign_in_failures",
        "listener.host",
        "email.passphrase",
        "smtp_url",
        "smtp_url",
    ]
    assert lines[-1] == "check-deploy: 9 problem(s)"
    assert not any("hunter2" in line for line in lines)  # a password is named, never shown


def test_patient_data_open_to_other_users_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(tmp_path, "", capsys)
    (tmp_path / "out").chmod(0o755)
    (tmp_path / "var" / "packetgen.sqlite").write_bytes(b"")
    (tmp_path / "var" / "packetgen.sqlite").chmod(0o644)
    code, lines = check(tmp_path, "", capsys)
    assert code == 1
    assert lines[:2] == [
        f"database_url: {tmp_path / 'var' / 'packetgen.sqlite'} is open to other users of this machine (mode 0644); "
        "make it 0700 or 0600",
        f"web.out_dir: {tmp_path / 'out'} is open to other users of this machine (mode 0755); make it 0700 or 0600",
    ]


def test_a_proxy_header_without_proxies_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check(tmp_path, "  trusted_user_header: X-Remote-User\n", capsys)
    assert (code, lines[0].split(";")[0]) == (1, "web.trusted_user_header: set without web.trusted_proxies")


def test_long_sessions_any_host_and_an_unnamed_tls_proxy_are_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = '  session_max_hours: 48\n  allowed_hosts: ["*"]\n  behind_proxy: true\n'
    code, lines = check(tmp_path, settings, capsys)
    assert code == 1
    assert [line.split(";")[0] for line in lines] == [
        "web.session_max_hours: 48",
        "web.allowed_hosts: * answers to any Host header",
        "web.behind_proxy: set without web.trusted_proxies",
        "check-deploy: 3 problem(s)",
    ]
    named = "  allowed_hosts: [packets.example.org]\n  behind_proxy: true\n  trusted_proxies: [10.0.0.5]\n"
    assert check(tmp_path, named, capsys) == (0, ["check-deploy: nothing found"])


def test_a_short_sign_in_delay_and_admins_without_a_second_factor_are_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = check(tmp_path, "  sign_in_delay_seconds: 0.01\n  require_totp_for: [scheduler]\n", capsys)
    assert code == 1
    assert [line.split(";")[0] for line in lines] == [
        "web.sign_in_delay_seconds: 0.01",
        "web.require_totp_for: does not include admin",
        "check-deploy: 2 problem(s)",
    ]
    assert check(tmp_path, "  require_totp_for: []\n", capsys)[1][0].startswith("web.require_totp_for:")
    safe = "  sign_in_delay_seconds: 1\n  require_totp_for: [admin, clinician]\n"
    assert check(tmp_path, safe, capsys) == (0, ["check-deploy: nothing found"])


def test_postgresql_on_another_machine_must_be_encrypted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpq's default (`sslmode=prefer`) falls back to clear text: a database on another machine must
    say `require` or `verify-full`, in the URL or in PGSSLMODE; a local one (loopback, a socket) need not."""
    monkeypatch.delenv("PGSSLMODE", raising=False)
    url = "postgresql+psycopg://packets@db.example.org/packets"
    code, lines = check(tmp_path, "", capsys, database_url=url)
    assert code == 1
    assert lines[0] == (
        "database_url: PostgreSQL on db.example.org with sslmode=prefer may be read on the network; "
        "add ?sslmode=verify-full (or require)"
    )
    assert check(tmp_path, "", capsys, database_url=url + "?sslmode=verify-full")[0] == 0
    assert check(tmp_path, "", capsys, database_url=url + "?sslmode=disable")[0] == 1
    assert check(tmp_path, "", capsys, database_url="postgresql+psycopg://packets@127.0.0.1/packets")[0] == 0
    assert check(tmp_path, "", capsys, database_url="postgresql+psycopg:///packets?host=/run/postgresql")[0] == 0
    monkeypatch.setenv("PGSSLMODE", "require")
    assert check(tmp_path, "", capsys, database_url=url)[0] == 0
