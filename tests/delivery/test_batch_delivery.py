"""`batch --email`: each record with an address gets its own packet under its own passphrase, once,
even when the run is repeated; the manifest never holds an address."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.cli import main
from tests.helpers.mail import Relay, attachment
from tests.helpers.servers import free_port
from tests.helpers.stores import migrated_sqlite

CSV = """appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,location,language,email
B-1,00012345,Nguyễn,Thị Ánh,1948-03-14,vertebroplasty,2026-12-07T07:30,Dr. Alvarez,Room 214,en,anh.nguyen@example.org
B-2,0000987654,O'Brien,Seán,1939-11-02,vertebroplasty,2026-12-07T09:15,Dr. Okafor,Suite B,es,sean@example.net
B-3,0000555,Wang,Wei,1950-01-01,vertebroplasty,2026-12-07T11:00,Dr. Okafor,Suite B,en,
"""


def _email_the_day(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[dict[str, str], list[str], str]:
    """`batch --email` on the day's CSV: (its environment, its arguments, what it printed)."""
    source = tmp_path / "today.csv"
    source.write_text(CSV, encoding="utf-8")
    environ = relay.environ(PACKETGEN_DATABASE_URL=migrated_sqlite(tmp_path / "db.sqlite"), PACKETGEN_WORKERS="1")
    argv = ["batch", str(source), "--out", str(tmp_path / "out"), "--email"]
    assert main(argv, environ=environ) == 0
    return environ, argv, capsys.readouterr().out


def test_batch_emails_each_record_with_an_address_once(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ, argv, out = _email_the_day(relay, tmp_path, capsys)
    passwords = dict(re.findall(r"^(B-\d): password: (\S+)$", out, re.MULTILINE))
    assert sorted(passwords) == ["B-1", "B-2"]
    assert "B-1: sent (outbox message 1, to an address at example.org)" in out
    assert "B-2: sent (outbox message 2, to an address at example.net)" in out
    assert out.splitlines()[-1] == "email: 2 sent, 0 queued, 0 already emailed earlier"

    received = {str(m["To"]): m for m in relay.handler.received}
    assert sorted(received) == ["anh.nguyen@example.org", "sean@example.net"]
    for appointment_id, address, name, subject in (
        ("B-1", "anh.nguyen@example.org", "Nguyễn, Thị Ánh", "Documents from Riverside General Hospital"),
        ("B-2", "sean@example.net", "O'Brien, Seán", "Documentos de Riverside General Hospital"),
    ):
        message = received[address]
        assert message["Subject"] == subject  # in the packet's language
        reader = PdfReader(io.BytesIO(attachment(message)))
        assert reader.decrypt(passwords[appointment_id])
        assert name in reader.pages[0].extract_text()
        assert (tmp_path / "out" / f"{appointment_id}.pdf").is_file()
    manifest = (tmp_path / "out" / "manifest.jsonl").read_text(encoding="utf-8")
    assert "example.org" not in manifest
    assert "recipient" not in manifest

    # Run again (resumed, or not): nothing is emailed twice.
    assert main([*argv, "--resume"], environ=environ) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "email: 0 sent, 0 queued, 2 already emailed earlier"
    assert "password" not in out
    assert len(relay.handler.received) == 2


def test_a_batch_whose_relay_is_down_keeps_every_message_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "today.csv"
    source.write_text(CSV, encoding="utf-8")
    database = migrated_sqlite(tmp_path / "db.sqlite")
    environ = {"PACKETGEN_SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "PACKETGEN_DATABASE_URL": database}
    assert main(["batch", str(source), "--out", str(tmp_path / "out"), "--email"], environ=environ) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "email: 0 sent, 2 queued, 0 already emailed earlier"
    assert len(re.findall(r"^B-\d: password: ", out, re.MULTILINE)) == 2
    assert main(["outbox"], environ=environ) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "outbox: 2 queued, 0 being sent or perhaps delivered"


def test_a_new_packet_for_the_same_appointment_and_address_is_emailed(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ, argv, _out = _email_the_day(relay, tmp_path, capsys)
    first = (tmp_path / "out" / "B-1.pdf").read_bytes()

    # B-1 moves to another day: a different packet (the patient's real dates) for the same address.
    (tmp_path / "today.csv").write_text(CSV.replace("2026-12-07T07:30", "2026-12-09T10:45"), encoding="utf-8")
    assert main(argv, environ=environ) == 0
    out = capsys.readouterr().out
    newer = (tmp_path / "out" / "B-1.pdf").read_bytes()
    assert newer != first
    assert "B-1: sent (outbox message 3, to an address at example.org)" in out
    assert "B-2:" not in out  # the same packet as before: not sent twice
    assert out.splitlines()[-1] == "email: 1 sent, 0 queued, 1 already emailed earlier"
    password = re.search(r"^B-1: password: (\S+)$", out, re.MULTILINE)
    assert password, out
    assert len(relay.handler.received) == 3
    latest = relay.handler.received[-1]
    assert latest["To"] == "anh.nguyen@example.org"
    reader = PdfReader(io.BytesIO(attachment(latest)))
    assert reader.decrypt(password.group(1))
    assert reader.pages[0].extract_text() == PdfReader(io.BytesIO(newer)).pages[0].extract_text()
    assert "December 9" in " ".join(page.extract_text() for page in reader.pages)
