"""Emailing a packet through a real SMTP relay (aiosmtpd on loopback): encrypted with AES-256,
opened with the printed passphrase, no patient data outside the attachment, nothing lost."""

from __future__ import annotations

import io
import re
import subprocess
import time
from email.message import Message
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.cli import main
from tests.helpers.departments import cardiology_site
from tests.helpers.mail import PASSWORD, USER, Handler, Relay, attachment
from tests.helpers.servers import free_port
from tests.helpers.stores import migrated_sqlite

ROOT = Path(__file__).parent.parent.parent
NGUYEN = ROOT / "examples/appointments/nguyen.yaml"
# Everything that identifies the patient or the visit in examples/appointments/nguyen.yaml.
PHI = ["Nguyễn", "Nguyen", "Thị", "Ánh", "00012345", "1948", "03/14", "14/03", "DEMO-0001", "vertebroplasty",
       "Vertebroplasty", "2026-12-07", "December", "Alvarez", "Room 214"]  # fmt: skip
WORDS = re.compile(r"^password: ([a-z]+(?:-[a-z]+){4})$", re.MULTILINE)


def run(argv: list[str], environ: dict[str, str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv, environ=environ)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def database(tmp_path: Path) -> dict[str, str]:
    return {"PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "var" / "packetgen.sqlite")}


def outside_attachment(message: Message) -> str:
    """Every header of the message and of its parts, and the text parts: what anyone on the path can read."""
    shown = [f"{k}: {v}" for k, v in message.items()]
    for part in message.walk():
        shown += [f"{k}: {v}" for k, v in part.items()]
        if part.get_content_maintype() == "text":
            text = part.get_payload(decode=True)
            assert isinstance(text, bytes)
            shown.append(text.decode("utf-8"))
    return "\n".join(shown)


def pdftext(path: Path, password: str | None = None) -> subprocess.CompletedProcess[str]:
    command = ["pdftotext", "-layout", *(["-upw", password] if password else []), str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_a_packet_is_sent_encrypted_and_opens_with_the_printed_passphrase(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = relay.environ(**database(tmp_path))
    code, out, err = run(
        ["email", str(NGUYEN), "--to", "patient@example.org", "--out", str(tmp_path / "out")], environ, capsys
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == str(tmp_path / "out" / "DEMO-0001.pdf")
    assert lines[1] == "sent (outbox message 1, to an address at example.org)"
    found = WORDS.search(out)
    assert found, out
    passphrase = found.group(1)
    assert len(set(passphrase.split("-"))) >= 4

    assert len(relay.handler.received) == 1
    message = relay.handler.received[0]
    assert relay.handler.envelopes == [("packets@riverside.example.org", ["patient@example.org"])]
    assert message["From"] == "Riverside General Hospital <packets@riverside.example.org>"
    assert message["Reply-To"] == "Interventional Radiology <ir-frontdesk@riverside.example.org>"
    assert message["Subject"] == "Documents from Riverside General Hospital"
    assert message["Message-ID"].endswith("@riverside.example.org>")
    pdf_part = next(part for part in message.walk() if part.get_content_type() == "application/pdf")
    assert pdf_part.get_filename() == "documents.pdf"

    # AES-256 with the PDF 2.0 security handler, opened by the printed passphrase only.
    encrypted = attachment(message)
    reader = PdfReader(io.BytesIO(encrypted))
    assert reader.is_encrypted
    handler = reader.trailer["/Encrypt"]
    assert (handler["/V"], handler["/R"]) == (5, 6)
    assert handler["/CF"]["/StdCF"]["/CFM"] == "/AESV3"
    assert not reader.decrypt("wrong-passphrase-here-now-please")
    assert PdfReader(io.BytesIO(encrypted)).decrypt(passphrase)
    received = tmp_path / "received.pdf"
    received.write_bytes(encrypted)
    assert pdftext(received).returncode != 0  # poppler will not open it without the passphrase
    opened = pdftext(received, passphrase)
    assert opened.returncode == 0
    original = tmp_path / "out" / "DEMO-0001.pdf"
    assert opened.stdout == pdftext(original).stdout  # the patient's whole packet
    assert "Nguyễn, Thị Ánh" in opened.stdout

    # Nothing that names the patient or the visit outside the encrypted attachment, nor in it in the clear.
    visible = outside_attachment(message)
    for value in PHI:
        # A number must not stand alone: inside a longer one it is a cross-reference offset (`0000019480`) or
        # the sending process's id in the Message-ID (`<….19487.…@…>`), neither of them the patient's.
        alone = rb"(?<!\d)" + re.escape(value.encode()) + rb"(?!\d)" if value.isdigit() else re.escape(value.encode())
        assert re.search(alone, visible.encode()) is None, value
        assert re.search(alone, encrypted) is None, value
    for value in ("Nguyễn", "00012345", "1948"):
        assert value not in err
        assert value not in out


def test_no_header_but_to_carries_the_recipients_address(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipient = "thi.anh.nguyen@patients.example.net"
    environ = relay.environ(**database(tmp_path))
    code, _out, err = run(["email", str(NGUYEN), "--to", recipient, "--out", str(tmp_path / "out")], environ, capsys)
    assert code == 0, err
    message = relay.handler.received[0]
    assert message["To"] == recipient
    # A time, a process and a random number, in the sender's domain: nothing about whom it is for.
    assert re.fullmatch(r"<[0-9.]+@riverside\.example\.org>", message["Message-ID"]), message["Message-ID"]
    headers = [f"{name}: {value}" for part in message.walk() for name, value in part.items() if name != "To"]
    for value in (recipient, "thi.anh.nguyen", "patients.example.net", "nguyen"):
        assert not [h for h in headers if value in h.casefold()], value


def test_the_unencrypted_packet_is_the_one_packet_makes(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = relay.environ(**database(tmp_path))
    assert run(["email", str(NGUYEN), "--to", "a@example.org", "--out", str(tmp_path / "e")], environ, capsys)[0] == 0
    assert run(["packet", str(NGUYEN), "--out", str(tmp_path / "p")], environ, capsys)[0] == 0
    assert (tmp_path / "e" / "DEMO-0001.pdf").read_bytes() == (tmp_path / "p" / "DEMO-0001.pdf").read_bytes()


def test_a_refusing_relay_leaves_the_message_queued_and_outbox_send_delivers_it_once(
    start_relay: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Handler(refuse_rcpt="451 4.3.0 {address}: mailbox busy, try later")
    relay: Relay = start_relay(handler=handler)  # type: ignore[operator]
    environ = relay.environ(**database(tmp_path))
    code, out, _err = run(
        ["email", str(NGUYEN), "--to", "nguyen.t@example.org", "--out", str(tmp_path / "o")], environ, capsys
    )
    assert code == 0  # queued is not a failure: nothing is lost
    assert "queued (outbox message 1, to an address at example.org): 127.0.0.1:" in out
    assert "refused the recipient (451 4.3.0 <address> mailbox busy, try later)" in out
    assert "nguyen.t" not in out  # the relay's reply echoed the address: blanked
    assert WORDS.search(out)

    code, out, _err = run(["outbox"], environ, capsys)
    assert code == 0
    row = out.splitlines()[1].split()
    assert (row[0], row[3], row[4], row[5], row[6]) == ("1", "queued", "1", "example.org", "DEMO-0001")
    assert "example.org" in out
    assert "DEMO-0001" in out
    assert "nguyen.t" not in out
    assert out.splitlines()[-1] == "outbox: 1 queued, 0 being sent or perhaps delivered"

    handler.refuse_rcpt = None
    code, out, _err = run(["outbox", "send"], environ, capsys)
    assert code == 0
    assert out.splitlines() == [
        "sent (outbox message 1, to an address at example.org)",
        "outbox send: 1 sent, 0 not sent",
    ]
    code, out, _err = run(["outbox", "send"], environ, capsys)
    assert out.strip() == "outbox send: 0 sent, 0 not sent"
    assert len(handler.received) == 1  # delivered once

    code, out, _err = run(["outbox"], environ, capsys)
    assert out.strip() == "outbox: nothing waiting"
    code, out, _err = run(["outbox", "--all"], environ, capsys)
    assert " sent " in out
    code, out, _err = run(["audit"], environ, capsys)
    results = [line.split(None, 6)[6] for line in out.splitlines()[1:]]
    assert results[0] == "queued"
    assert results[1].startswith("failed, queued: 127.0.0.1:")
    assert results[2] == "sent"
    assert all(line.split()[5] == "example.org" for line in out.splitlines()[1:])
    assert "nguyen.t" not in out


def test_a_permanent_refusal_is_kept_with_the_relays_words(
    start_relay: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relay: Relay = start_relay(handler=Handler(refuse_data="554 5.7.1 message content rejected"))  # type: ignore[operator]
    environ = relay.environ(**database(tmp_path))
    code, out, _err = run(
        ["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], environ, capsys
    )
    assert code == 0
    assert "refused the message (554 5.7.1 message content rejected)" in out
    assert "554 5.7.1 message content rejected" in run(["outbox"], environ, capsys)[1]


def test_a_relay_that_is_down_leaves_the_message_queued(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"PACKETGEN_SMTP_URL": f"smtp://127.0.0.1:{free_port()}", **database(tmp_path)}
    code, out, err = run(["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], environ, capsys)
    assert code == 0, err
    assert re.search(
        r"queued \(outbox message 1, to an address at example.org\): 127\.0\.0\.1:\d+: "
        r"cannot reach the relay \(connection refused\)",
        out,
    )
    assert WORDS.search(out)
    assert (tmp_path / "o" / "DEMO-0001.pdf").is_file()


def test_starttls_is_required_unless_turned_off(
    start_relay: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relay: Relay = start_relay("plain")  # type: ignore[operator]
    strict = {"PACKETGEN_SMTP_URL": relay.url.replace("?tls=none", ""), **database(tmp_path)}
    code, out, _err = run(["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], strict, capsys)
    assert code == 0
    assert "the relay does not offer STARTTLS (required; ?tls=none turns it off)" in out
    assert relay.handler.received == []

    plain = {"PACKETGEN_SMTP_URL": relay.url, **database(tmp_path)}
    code, out, err = run(["outbox", "send"], plain, capsys)
    assert code == 0
    assert "warning: mail to 127.0.0.1 is sent without TLS (?tls=none in the relay URL)" in err
    assert len(relay.handler.received) == 1


def test_a_relay_certificate_from_an_unknown_authority_is_refused(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    environ = {"PACKETGEN_SMTP_URL": relay.url, **database(tmp_path)}  # no PACKETGEN_SMTP_CA_FILE
    code, out, _err = run(
        ["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], environ, capsys
    )
    assert code == 0
    assert "TLS failed (CERTIFICATE_VERIFY_FAILED)" in out
    assert relay.handler.received == []
    # The relay saw our side refuse its certificate (aiosmtpd logs it as an error: expected here).
    deadline = time.monotonic() + 5
    while not any("UNKNOWN_CA" in (r.exc_text or "") for r in caplog.records):
        assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
        time.sleep(0.02)
    caplog.clear()


def test_implicit_tls_with_a_user_and_password_from_the_url_or_a_file(
    start_relay: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from urllib.parse import quote

    relay: Relay = start_relay("smtps", auth=True)  # type: ignore[operator]
    assert relay.url.startswith("smtps://")
    with_password = relay.url.replace("smtps://", f"smtps://{USER}:{quote(PASSWORD, safe='')}@")
    environ = relay.environ(**database(tmp_path), PACKETGEN_SMTP_URL=with_password)
    code, out, _err = run(
        ["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], environ, capsys
    )
    assert code == 0
    assert out.splitlines()[1].startswith("sent")

    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n")
    by_file = relay.environ(
        **database(tmp_path),
        PACKETGEN_SMTP_URL=relay.url.replace("smtps://", f"smtps://{USER}@"),
        PACKETGEN_SMTP_PASSWORD_FILE=str(secret),
    )
    assert (
        run(["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], by_file, capsys)[1]
        .splitlines()[1]
        .startswith("sent")
    )

    wrong = relay.environ(
        **database(tmp_path), PACKETGEN_SMTP_URL=relay.url.replace("smtps://", f"smtps://{USER}:nope@")
    )
    code, out, _err = run(["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], wrong, capsys)
    assert code == 0
    assert "the relay refused the user name or password (535)" in out
    assert len(relay.handler.received) == 2


def test_a_connection_cut_while_the_relay_takes_the_message_is_never_resent(
    start_relay: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Handler(drop=True)
    relay: Relay = start_relay(handler=handler)  # type: ignore[operator]
    environ = relay.environ(**database(tmp_path))
    code, out, _err = run(
        ["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], environ, capsys
    )
    assert code == 0
    assert "not known whether sent (outbox message 1, to an address at example.org)" in out
    assert "it may have been delivered" in out
    handler.drop = False
    assert run(["outbox", "send"], environ, capsys)[1].strip() == "outbox send: 0 sent, 0 not sent"
    assert handler.received == []
    listing = run(["outbox"], environ, capsys)[1]
    assert " sending " in listing
    assert listing.splitlines()[-1] == "outbox: 0 queued, 1 being sent or perhaps delivered"


def test_the_sites_date_of_birth_policy(relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = tmp_path / "settings.yaml"
    weak = "email:\n  passphrase: date_of_birth\n  date_of_birth_format: MMDDYYYY\n"
    settings.write_text(weak)
    environ = relay.environ(**database(tmp_path), PACKETGEN_SETTINGS=str(settings))
    command = ["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")]
    code, out, err = run(command, environ, capsys)  # refused unless the site says it accepts the risk
    assert code == 2
    assert err.strip().endswith(
        "settings.yaml:1: email: passphrase: date_of_birth opens a packet after at most 36,500 guesses (about "
        "a minute); set allow_weak_passphrase: true to accept that, or use words"
    )
    assert relay.handler.received == []
    settings.write_text(weak + "  allow_weak_passphrase: true\n")
    code, out, err = run(command, environ, capsys)
    assert code == 0
    assert "warning: email.passphrase is date_of_birth: a guessing program opens such a packet" in err
    assert "password: the patient's date of birth as MMDDYYYY" in out
    assert "03141948" not in out
    reader = PdfReader(io.BytesIO(attachment(relay.handler.received[0])))
    assert reader.decrypt("03141948")


def test_without_a_relay_or_an_address_nothing_is_made(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        ["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], database(tmp_path), capsys
    )
    assert code == 2
    assert (
        err.strip()
        == "generate.py: error: no mail relay: set PACKETGEN_SMTP_URL (smtp://host:587, smtps://host:465) or smtp_url"
    )
    assert not (tmp_path / "o").exists()
    with pytest.raises(SystemExit) as exited:
        main(["email", str(NGUYEN), "--to", "not an address"], environ=relay.environ(**database(tmp_path)))
    assert exited.value.code == 2
    assert "--to: expected an email address such as name@example.org" in capsys.readouterr().err
    code, _out, err = run(
        ["email", str(NGUYEN), "--out", str(tmp_path / "o")], relay.environ(**database(tmp_path)), capsys
    )
    assert code == 2
    assert err.strip().endswith("email: the record has no email address; give --to ADDRESS")


def test_a_bad_relay_url_is_one_line_without_its_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"PACKETGEN_SMTP_URL": "smtp://user:s3cret@relay.example.org:587?tls=off", **database(tmp_path)}
    code, _out, err = run(["email", str(NGUYEN), "--to", "p@example.org"], environ, capsys)
    assert code == 2
    assert err.strip() == "PACKETGEN_SMTP_URL: smtp_url: expected no query but ?tls=none (or ?tls=starttls)"
    assert "s3cret" not in err


def test_starttls_then_login(start_relay: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from urllib.parse import quote

    relay: Relay = start_relay("starttls", auth=True)  # type: ignore[operator]
    url = relay.url.replace("smtp://", f"smtp://{USER}:{quote(PASSWORD, safe='')}@")
    environ = relay.environ(**database(tmp_path), PACKETGEN_SMTP_URL=url)
    code, out, _err = run(
        ["email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")], environ, capsys
    )
    assert code == 0
    assert out.splitlines()[1].startswith("sent")
    assert len(relay.handler.received) == 1


@pytest.mark.process  # `generate.py email` as a program, as a clinician runs it
def test_email_as_a_program(relay: Relay, tmp_path: Path) -> None:
    import os
    import sys

    environ = {**os.environ, **relay.environ(**database(tmp_path))}
    result = subprocess.run(
        [sys.executable, "generate.py", "email", str(NGUYEN), "--to", "p@example.org", "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = WORDS.search(result.stdout)
    assert found
    reader = PdfReader(io.BytesIO(attachment(relay.handler.received[0])))
    assert reader.decrypt(found.group(1))


def test_a_packet_for_another_department_is_sent_from_its_sender(
    relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The From, Reply-To, subject and words of the email are the packet's department's (a record naming
    cardiology), one message by `email` and one by `batch --email` (its `department` column)."""
    root = cardiology_site(tmp_path / "site")
    record = tmp_path / "heart.yaml"
    record.write_text(NGUYEN.read_text(encoding="utf-8") + "department: cardiology\n", encoding="utf-8")
    source = tmp_path / "day.csv"
    source.write_text(
        "appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,email,department\n"
        "H-2,0000555,Wang,Wei,1950-01-01,vertebroplasty,2026-12-07T11:00,Dr. Okafor,wei@example.org,cardiology\n",
        encoding="utf-8",
    )
    environ = relay.environ(PACKETGEN_CONTENT_ROOT=str(root), PACKETGEN_WORKERS="1", **database(tmp_path))
    code, _out, err = run(
        ["email", str(record), "--to", "p@example.org", "--out", str(tmp_path / "o")], environ, capsys
    )
    assert code == 0, err
    assert main(["batch", str(source), "--out", str(tmp_path / "b"), "--email"], environ=environ) == 0
    assert len(relay.handler.received) == 2
    assert [sender for sender, _to in relay.handler.envelopes] == ["heart@lakeside.example.org"] * 2
    for message in relay.handler.received:
        assert message["From"] == "Lakeside Heart Institute <heart@lakeside.example.org>"
        assert message["Reply-To"] == "Cardiology front desk <cardiology-desk@lakeside.example.org>"
        assert message["Subject"] == "Documents from Lakeside Heart Institute"
        assert message["Message-ID"].endswith("@lakeside.example.org>")
        visible = outside_attachment(message)
        assert "(217) 555-0300" in visible
        for riverside in ("Riverside", "riverside", "(217) 555-0142"):
            assert riverside not in visible, riverside
