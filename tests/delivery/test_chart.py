"""Filed consents sent to the chart (issue 29, part 3): HL7 MDM^T02/T10 over MLLP to a sink that ACKs as
told, a FHIR DocumentReference to a small FHIR server (bearer token, mutual TLS), through the chart's
outbox: at most once, retried when no one answers, refused with the reason, every attempt audited."""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hl7
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from packetgen.cli import main
from packetgen.delivery import chart, mdm
from packetgen.settings import load_settings
from packetgen.store import open_store
from packetgen.store.consents import Found, record_scan
from packetgen.store.tables import AuditEvent, ChartMessage, ScheduleEntry
from packetgen.web import schedule as web_schedule
from tests.helpers.chart_sinks import Certificates, fhir_sink, make_mtls_certificates, mllp_sink
from tests.helpers.stores import migrated_sqlite

APPOINTMENT = "CH-0001"
MRN, LAST, FIRST, BORN = "00778812", "Okafor|Jr", "Adaeze", "1961-03-09"
PHI = (MRN, "Okafor", FIRST, BORN, "19610309")


@dataclass
class Site:
    """A site with one appointment on the schedule and its consent filed."""

    folder: Path
    environ: dict[str, str]
    pdf: bytes

    def settings(self) -> Any:
        return load_settings(self.environ)

    def configure(self, **chart_settings: Any) -> None:
        data = yaml.safe_load((self.folder / "settings.yaml").read_text(encoding="utf-8"))
        data["chart"] = {**data.get("chart", {}), **chart_settings}
        (self.folder / "settings.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")

    def file_again(self, pdf: bytes) -> None:
        """The consent scanned and filed again (other bytes)."""
        self.pdf = pdf
        _file(self, pdf)

    def rows(self) -> list[ChartMessage]:
        store = open_store(self.settings())
        try:
            with store.reading() as session:
                rows = list(session.scalars(select(ChartMessage).order_by(ChartMessage.id)))
                session.expunge_all()
                return rows
        finally:
            store.close()

    def audit(self) -> list[tuple[str, str]]:
        store = open_store(self.settings())
        try:
            with store.reading() as session:
                query = select(AuditEvent.action, AuditEvent.result).order_by(AuditEvent.id)
                return [(a, r) for a, r in session.execute(query) if a.startswith("chart")]
        finally:
            store.close()

    def send(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
        code = main(["chart", "send", *args], self.environ)
        return code, capsys.readouterr().out.splitlines()


def _file(site: Site, pdf: bytes) -> None:
    settings = site.settings()
    signed = settings.signed_dir
    signed.mkdir(parents=True, exist_ok=True)
    name = f"{APPOINTMENT}-consent-signed.pdf"
    (signed / name).write_bytes(pdf)
    store = open_store(settings)
    try:
        with store.session() as session:
            record_scan(session, [Found(APPOINTMENT, True, 2, 2, (), name)], datetime.now(UTC), "tester")
    finally:
        store.close()


@pytest.fixture
def site(tmp_path: Path, request: pytest.FixtureRequest) -> Site:
    database = getattr(request, "param", "sqlite")
    url = (
        migrated_sqlite(tmp_path / "var" / "packetgen.sqlite")
        if database == "sqlite"
        else request.getfixturevalue("postgres").database()
    )
    (tmp_path / "settings.yaml").write_text(
        yaml.safe_dump({"web": {"out_dir": "out"}, "hl7": {"mrn_assigning_authorities": ["RGH"]}}), encoding="utf-8"
    )
    environ = {"PACKETGEN_SETTINGS": str(tmp_path / "settings.yaml"), "PACKETGEN_DATABASE_URL": url}
    site = Site(tmp_path, environ, b"%PDF-1.7\n" + os.urandom(4000) + b"\n%%EOF\n")
    store = open_store(site.settings())
    record = {"appointment_id": APPOINTMENT, "mrn": MRN, "last_name": LAST, "first_name": FIRST,
              "date_of_birth": BORN, "encounter": "V-55", "procedure": "vertebroplasty"}  # fmt: skip
    try:
        with store.session() as session:
            session.add(
                ScheduleEntry(
                    appointment_id=APPOINTMENT,
                    place="upload",
                    status="ok",
                    patient=f"{LAST}, {FIRST}",
                    mrn=MRN,
                    record=json.dumps(record),
                    uploaded_at=datetime.now(UTC),
                    file="CH-0001.pdf",
                    sha256="0" * 64,
                )
            )
    finally:
        store.close()
    _file(site, site.pdf)
    return site


def _segments(raw: bytes) -> Any:
    return hl7.parse(raw.decode("utf-8"))


def _no_phi(lines: list[str], caplog: pytest.LogCaptureFixture) -> None:
    text = "\n".join(lines) + "\n" + "\n".join(r.getMessage() for r in caplog.records)
    assert not [p for p in PHI if p in text], text


@pytest.mark.parametrize("site", ["sqlite", "postgresql"], indirect=True)
def test_a_filed_consent_is_sent_by_mdm_once_and_the_ack_is_waited_for(
    site: Site, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with mllp_sink() as sink:
        site.configure(mllp=sink.address, timeout=3)
        code, lines = site.send(capsys)
        assert (code, lines) == (0, [f"{APPOINTMENT}: sent to the chart by MDM (ACK AA)"])
        code, again = site.send(capsys)
        assert (code, again, len(sink.received)) == (0, ["chart: nothing to send"], 1)
    message = _segments(sink.received[0])
    assert str(message.segment("MSH")(9)) == "MDM^T02^MDM_T02"
    pid = message.segment("PID")
    assert str(pid(3)(1)(1)) == MRN
    assert str(pid(3)(1)(4)) == "RGH"
    assert str(pid(3)(1)(5)) == "MR"
    assert message.unescape(str(pid(5)(1)(1))) == LAST  # the name's `|` escaped and read back
    assert str(pid(7)) == "19610309"
    assert str(message.segment("PV1")(19)) == "V-55"
    txa = message.segment("TXA")
    assert str(txa(2)) == "CN"
    assert str(txa(17)) == "AU"
    document_id = str(txa(12)(1)(1))
    assert len(document_id) == 32
    assert str(txa(13)) == ""
    obx = message.segment("OBX")
    assert str(obx(2)) == "ED"
    assert str(obx(3)(1)(1)) == "59284-0"
    ed = obx(5)(1)
    assert [str(ed(n)) for n in (2, 3, 4)] == ["application", "pdf", "Base64"]
    assert base64.b64decode(str(ed(5))) == site.pdf
    (row,) = site.rows()
    assert (row.state, row.attempts, row.pdf, row.receipt) == ("sent", 1, b"", "ACK AA")
    assert site.audit() == [("chart-queued", "queued"), ("chart-sent", "sent (ACK AA)")]
    _no_phi(lines, caplog)


def test_a_refused_document_fails_with_the_reason_and_is_not_retried_by_itself(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    with mllp_sink() as sink:
        sink.answers = ["AE"]
        site.configure(mllp=sink.address, timeout=3)
        code, lines = site.send(capsys)
        assert code == 1
        assert lines == [f"{APPOINTMENT}: not sent by MDM: ACK AE: PID-3 ^ unknown patient"]
        assert site.send(capsys) == (0, ["chart: nothing to send"])  # refused: left for a person
        code, lines = site.send(capsys, "--all")  # asked: tried again, and taken
        assert (code, lines) == (0, [f"{APPOINTMENT}: sent to the chart by MDM (ACK AA)"])
        assert len(sink.received) == 2
    assert [a for a, _r in site.audit()] == ["chart-queued", "chart-failed", "chart-sent"]
    assert site.audit()[1][1] == "failed: ACK AE: PID-3 ^ unknown patient"


def test_no_ack_is_retried_later_then_sent_with_the_same_document_id(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    with mllp_sink() as sink:
        sink.answers = ["silent"]
        site.configure(mllp=sink.address, timeout=0.5)
        code, lines = site.send(capsys)
        assert code == 1
        assert lines == [f"{APPOINTMENT}: not sent by MDM: no acknowledgement within 0.5 s; "
                         "`generate.py chart send` tries again"]  # fmt: skip
        (row,) = site.rows()
        assert (row.state, row.attempts) == ("queued", 1)
        code, lines = site.send(capsys)  # the first retry is due at once (then 1, 2, 4 … minutes)
        assert (code, lines) == (0, [f"{APPOINTMENT}: sent to the chart by MDM (ACK AA)"])
    first, second = (_segments(m) for m in sink.received)
    assert str(first.segment("TXA")(12)) == str(second.segment("TXA")(12))
    assert str(first.segment("MSH")(10)) == str(second.segment("MSH")(10))  # the engine can tell a retry
    assert [a for a, _r in site.audit()] == ["chart-queued", "chart-failed", "chart-sent"]


def test_a_consent_filed_again_after_it_was_sent_replaces_it_by_mdm_t10(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    with mllp_sink() as sink:
        site.configure(mllp=sink.address, timeout=3)
        assert site.send(capsys)[0] == 0
        site.file_again(b"%PDF-1.7\nthe second scan\n%%EOF\n")
        code, lines = site.send(capsys)
        assert (code, lines) == (
            0,
            [f"{APPOINTMENT}: sent to the chart by MDM (ACK AA), replacing the version sent before"],
        )
    first, second = (_segments(m) for m in sink.received)
    assert str(second.segment("MSH")(9)) == "MDM^T10^MDM_T02"
    assert str(second.segment("EVN")(1)) == "T10"
    parent = str(first.segment("TXA")(12)(1)(1))
    assert str(second.segment("TXA")(13)(1)(1)) == parent
    assert str(second.segment("TXA")(12)(1)(1)) != parent
    assert base64.b64decode(str(second.segment("OBX")(5)(1)(5))) == b"%PDF-1.7\nthe second scan\n%%EOF\n"


def test_a_consent_is_sent_as_a_fhir_document_reference_with_the_bearer_token(
    site: Site, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token_file = site.folder / "chart-token"
    token_file.write_text("s3cret-token\n", encoding="utf-8")
    with fhir_sink(token="s3cret-token") as sink:
        site.configure(fhir_url=sink.url, token_file="chart-token", timeout=3)
        code, lines = site.send(capsys)
        assert (code, lines) == (0, [f"{APPOINTMENT}: sent to the chart by FHIR (DocumentReference/1)"])
        assert site.send(capsys) == (0, ["chart: nothing to send"])
    (resource,) = sink.received
    assert resource["resourceType"] == "DocumentReference"
    assert resource["status"] == "current"
    assert resource["type"]["coding"][0] == {"system": "http://loinc.org", "code": "59284-0",
                                             "display": "Consent Document"}  # fmt: skip
    assert resource["subject"]["identifier"]["value"] == MRN
    assert resource["subject"]["identifier"]["type"]["coding"][0]["code"] == "MR"
    attachment = resource["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == site.pdf
    assert (
        sink.headers[0]["If-None-Exist"]
        == f"identifier={resource['identifier'][0]['system']}|" + resource["identifier"][0]["value"]
    )
    _no_phi(lines, caplog)


def test_a_wrong_token_and_a_4xx_fail_with_the_servers_words_never_the_document(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    (site.folder / "chart-token").write_text("wrong", encoding="utf-8")
    with fhir_sink(token="right") as sink:
        site.configure(fhir_url=sink.url, token_file="chart-token", timeout=3)
        code, lines = site.send(capsys)
        assert code == 1
        assert lines == [f"{APPOINTMENT}: not sent by FHIR: HTTP 401: bearer token missing or wrong"]
        (site.folder / "chart-token").write_text("right", encoding="utf-8")
        sink.answers = [422]
        code, lines = site.send(capsys, "--all")
        assert lines == [f"{APPOINTMENT}: not sent by FHIR: HTTP 422: subject.identifier: no patient with this MRN"]
        sink.answers = [503]
        code, lines = site.send(capsys, "--all")
        assert lines[0].endswith("HTTP 503: subject.identifier: no patient with this MRN; `generate.py chart send` "
                                 "tries again")  # fmt: skip
        assert site.rows()[0].state == "queued"
        assert site.send(capsys)[0] == 0
    assert all(base64.b64encode(site.pdf).decode()[:40] not in r for _a, r in site.audit())


@pytest.fixture(scope="module")
def mtls(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_mtls_certificates(tmp_path_factory.mktemp("chart-tls"))


def test_mutual_tls_sends_with_the_client_certificate_and_is_refused_without(
    site: Site, capsys: pytest.CaptureFixture[str], mtls: Certificates
) -> None:
    with fhir_sink(tls=mtls.server_context()) as sink:
        site.configure(fhir_url=sink.url, ca_file=str(mtls.ca), timeout=3)
        code, lines = site.send(capsys)
        assert code == 1
        assert "not sent by FHIR" in lines[0]
        assert "tries again" in lines[0]
        assert sink.received == []
        site.configure(client_cert=str(mtls.client_cert), client_key=str(mtls.client_key))
        code, lines = site.send(capsys)
        assert (code, lines) == (0, [f"{APPOINTMENT}: sent to the chart by FHIR (DocumentReference/1)"])
    assert base64.b64decode(sink.received[0]["content"][0]["attachment"]["data"]) == site.pdf


def test_mllp_inside_tls_checks_the_engines_certificate_and_sends_the_clients(
    site: Site, capsys: pytest.CaptureFixture[str], mtls: Certificates
) -> None:
    with mllp_sink(tls=mtls.server_context()) as sink:
        site.configure(mllp=sink.address, mllp_tls=True, timeout=3)  # the engine's CA not named: not trusted
        code, lines = site.send(capsys)
        assert code == 1
        assert "not sent by MDM" in lines[0]
        assert "tries again" in lines[0]
        site.configure(ca_file=str(mtls.ca))  # trusted now, but no client certificate: the engine refuses
        code, lines = site.send(capsys)
        assert code == 1
        assert "not sent by MDM" in lines[0]
        assert sink.received == []
        site.configure(client_cert=str(mtls.client_cert), client_key=str(mtls.client_key))
        code, lines = site.send(capsys, "--all")  # now, not after the wait before a third try
        assert (code, lines) == (0, [f"{APPOINTMENT}: sent to the chart by MDM (ACK AA)"])
    obx = _segments(sink.received[0]).segment("OBX")
    assert base64.b64decode(str(obx(5)(1)(5))) == site.pdf
    (row,) = site.rows()
    assert (row.state, row.attempts) == ("sent", 3)


def test_both_routes_and_the_schedule_says_sent_to_the_chart(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    with mllp_sink() as mllp, fhir_sink() as fhir:
        site.configure(mllp=mllp.address, fhir_url=fhir.url, timeout=3)
        store = open_store(site.settings())
        try:
            with store.reading() as session:
                entry = session.scalars(select(ScheduleEntry)).one()
                assert web_schedule.entry(session, entry.id).consent == "signed consent filed"  # type: ignore[union-attr]
            code, lines = site.send(capsys)
            assert code == 0
            assert len(lines) == 2
            with store.reading() as session:
                row = web_schedule.entry(session, entry.id)
                assert row is not None
                assert row.consent == "signed consent filed, sent to the chart"
        finally:
            store.close()


class _Report:
    """What `scanning.filing.file_scan` reports, as far as the chart reads it."""

    def __init__(self, path: Path) -> None:
        self.filed = (path,)
        self.path = path

    def found(self) -> list[Found]:
        return [Found(APPOINTMENT, True, 2, 2, (), self.path.name)]


def test_filing_sends_on_its_own_when_the_chart_is_set(site: Site) -> None:
    with mllp_sink() as sink:
        site.configure(mllp=sink.address, timeout=3)
        settings = site.settings()
        store = open_store(settings)
        try:
            path = settings.signed_dir / f"{APPOINTMENT}-consent-signed.pdf"
            outcomes = chart.after_scan(store, settings, _Report(path), datetime.now(UTC), "scan folder")  # type: ignore[arg-type]
            assert [o.line() for o in outcomes] == [f"{APPOINTMENT}: sent to the chart by MDM (ACK AA)"]
            assert chart.after_scan(store, settings, _Report(path), datetime.now(UTC), "scan folder") == []  # type: ignore[arg-type]
        finally:
            store.close()
        assert len(sink.received) == 1


def test_a_claimed_message_is_not_sent_by_a_second_sender(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    with mllp_sink() as sink:
        site.configure(mllp=sink.address, timeout=3)
        settings = site.settings()
        store = open_store(settings)
        try:
            ids, _ = chart.queue_filed(store, settings, "tester")
            with store.session() as session:
                session.execute(update(ChartMessage).values(state="sending"))  # another sender has it
            assert chart.send(store, settings, ids, "tester") == []
        finally:
            store.close()
        assert sink.received == []


def test_no_destination_is_a_usage_error(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chart", "send"], site.environ) == 2
    assert "set chart.mllp or chart.fhir_url" in capsys.readouterr().err


# The ACK comes from outside: whatever it holds, reading it gives an Ack or NoAnswer, never anything else.
_HL7_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@given(raw=st.binary(max_size=300))
def test_any_bytes_read_as_an_ack_give_an_ack_or_no_answer(raw: bytes) -> None:
    try:
        ack = mdm.read_ack(raw, "C1")
    except mdm.NoAnswer as exc:
        assert exc.reason
    else:
        assert ack.code in ("AA", "AE", "AR", "CA", "CE", "CR")


@given(
    code=st.sampled_from(["AA", "AE", "AR", "CA", "CE", "CR"]), text=_HL7_TEXT, control=st.sampled_from(["C1", "C2"])
)
def test_an_ack_of_this_message_is_read_with_its_text_on_one_line(code: str, text: str, control: str) -> None:
    raw = f"MSH|^~\\&|EHR|H|PG||20261207||ACK|9|P|2.5.1\rMSA|{code}|{control}|{mdm.escape(text)}\r".encode()
    try:
        ack = mdm.read_ack(raw, "C1")
    except mdm.NoAnswer:
        assert control != "C1"
        return
    assert control == "C1"
    assert ack.code == code
    assert ack.accepted == (code in ("AA", "CA"))
    assert all(c.isprintable() for c in ack.text)
    assert len(ack.text) <= 300


@given(value=_HL7_TEXT)
def test_escaped_text_reads_back_as_one_component(value: str) -> None:
    segment = f"MSH|^~\\&|A\rNTE|1||{mdm.escape(value)}"
    message = hl7.parse(segment)
    field = message.segment("NTE")(3)
    assert "|" not in str(field)
    assert "^" not in str(field)
    assert "~" not in str(field)


def test_a_printed_signed_and_scanned_consent_reaches_the_chart_by_mdm_and_fhir(
    library: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The whole loop: a real packet's consent pages rasterised and shuffled into a scanner's PDF, read by
    `generate.py scan` with `chart.*` set: filed, then sent at once by both routes; the chart gets the filed
    bytes, and the lines name the appointment only."""
    from packetgen.build import make_packet
    from tests.helpers.scans import consent_pages, scan_pdf, turned
    from tests.helpers.site import BASE_APPOINTMENT, TODAY

    caplog.set_level(logging.DEBUG)
    record = {**BASE_APPOINTMENT, "appointment_id": "CH-LOOP"}
    (tmp_path / "appointment.yaml").write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    packet = make_packet(tmp_path / "appointment.yaml", tmp_path / "packets", library=library, today=TODAY)
    pages = consent_pages(packet.path, 200)
    scan = scan_pdf([turned(p, 180) if n == 0 else p for n, p in enumerate(reversed(pages))], tmp_path / "s.pdf", 200)
    environ = {"PACKETGEN_SETTINGS": str(tmp_path / "settings.yaml"),
               "PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "var" / "packetgen.sqlite")}  # fmt: skip
    with mllp_sink() as mllp, fhir_sink() as fhir:
        settings = {"web": {"out_dir": "out"}, "chart": {"mllp": mllp.address, "fhir_url": fhir.url, "timeout": 5}}
        (tmp_path / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
        store = open_store(load_settings(environ))
        try:
            with store.session() as session:
                session.add(ScheduleEntry(appointment_id="CH-LOOP", place="upload", status="ok", mrn=record["mrn"],
                                          record=json.dumps(record), uploaded_at=datetime.now(UTC)))  # fmt: skip
        finally:
            store.close()
        code = main(["scan", str(scan)], environ)
        lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines == [
        f"CH-LOOP: complete, {len(pages)} pages",
        "CH-LOOP: sent to the chart by MDM (ACK AA)",
        "CH-LOOP: sent to the chart by FHIR (DocumentReference/1)",
    ]
    filed = (tmp_path / "out" / "signed" / "CH-LOOP-consent-signed.pdf").read_bytes()
    message = _segments(mllp.received[0])
    assert str(message.segment("PID")(3)(1)(1)) == record["mrn"]
    assert base64.b64decode(str(message.segment("OBX")(5)(1)(5))) == filed
    assert base64.b64decode(fhir.received[0]["content"][0]["attachment"]["data"]) == filed
    text = "\n".join(lines) + "\n".join(r.getMessage() for r in caplog.records)
    assert not [p for p in (record["mrn"], record["last_name"], record["date_of_birth"]) if p in text]


def test_a_reason_echoing_the_patient_is_said_without_their_identifiers(
    site: Site, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with mllp_sink() as sink:
        sink.answers, sink.reason = ["AR"], f"no patient {MRN} OKAFOR\\F\\JR born 19610309"
        site.configure(mllp=sink.address, timeout=3)
        code, lines = site.send(capsys)
    assert code == 1
    assert lines == [f"{APPOINTMENT}: not sent by MDM: ACK AR: no patient [patient data] [patient data] born "
                     "[patient data]"]  # fmt: skip
    _no_phi(lines + [r for _a, r in site.audit()], caplog)


def test_chart_lists_what_is_not_yet_sent(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    with mllp_sink() as sink:
        sink.answers = ["AE"]
        site.configure(mllp=sink.address, timeout=3)
        site.send(capsys)
    assert main(["chart"], site.environ) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert f"{APPOINTMENT}  MDM  failed  tries 1  ACK AE" in line
    assert main(["chart", "--all"], site.environ) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
