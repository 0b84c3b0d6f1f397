"""Filed consents sent to the EHR's chart: the recipes `generate.py chart send` and the three doors that
file (`scan`, the watched scan folder, the web upload) call.

`queue_filed` puts each filed consent not yet queued into the chart's outbox, once per route the
settings name (`chart.mllp`: HL7 v2 MDM over MLLP; `chart.fhir_url`: a FHIR DocumentReference), with an
audit row (`chart-queued`), committed before any attempt. `send` claims each row and sends it: an MDM^T02
waits for its ACK (an MDM^T10 replacing the version the chart has when the consent was filed again after
it was sent); a DocumentReference is POSTed. Each attempt is a row of the audit (`chart-sent`,
`chart-failed`). `after_filing` is both, for what a scan has just filed, when `chart.*` is set.
"""

from __future__ import annotations

import hashlib
import logging
import re
import ssl
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import UsageError
from ..settings import ChartSettings, Settings
from ..store import Store
from ..store.tables import ChartMessage, utc
from . import audit, chart_outbox, fhir_document, mdm
from .chart_outbox import FAILED, FHIR, MDM
from .outbox import QUEUED, SENT

if TYPE_CHECKING:
    from ..scanning.filing import ScanReport

logger = logging.getLogger(__name__)

CHART_QUEUED, CHART_SENT, CHART_FAILED = "chart-queued", "chart-sent", "chart-failed"
"""The audit's actions (16 characters at most)."""
ROUTE_NAMES = {MDM: "MDM", FHIR: "FHIR"}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Filed:
    """One filed consent to queue: its appointment, its file, and when it was filed."""

    appointment_id: str
    path: Path
    filed_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What became of one chart message in one attempt (or why it was not queued)."""

    appointment_id: str
    route: str
    state: str
    """`sent`, `queued` (no answer: retried later) or `failed` (refused, or cannot be sent)."""
    detail: str
    """The receipt (`ACK AA`, `DocumentReference/12`) or the reason."""
    replaced: bool = False
    """Sent as the new version of a consent sent before (an MDM^T10; `relatesTo` replaces)."""

    def line(self) -> str:
        """`A-1: sent to the chart by MDM (ACK AA)`, `A-1: not sent by FHIR: HTTP 422: …`: the appointment id
        and the receiver's words, never the patient's."""
        by = ROUTE_NAMES.get(self.route, self.route)
        if self.state == SENT:
            again = ", replacing the version sent before" if self.replaced else ""
            return f"{self.appointment_id}: sent to the chart by {by} ({self.detail}){again}"
        if self.state == QUEUED:
            return f"{self.appointment_id}: not sent by {by}: {self.detail}; `generate.py chart send` tries again"
        return f"{self.appointment_id}: not sent by {by}: {self.detail}"


def routes(settings: ChartSettings) -> tuple[str, ...]:
    """The routes the settings name, MDM first."""
    return tuple(r for r, on in ((MDM, settings.mllp), (FHIR, settings.fhir_url)) if on)


def _target(settings: ChartSettings, route: str) -> str:
    """Where a route goes, for the audit: the MLLP endpoint, the FHIR server's host (never a path)."""
    if route == MDM:
        return f"mllp {settings.mllp}"
    return f"fhir {urlsplit(settings.fhir_url or '').netloc}"


def queue_filed(
    store: Store, settings: Settings, actor: str, filed: Iterable[Filed] | None = None
) -> tuple[list[int], list[Outcome]]:
    """Queue each filed consent (default: each appointment's latest filed consent in the store, in the
    signed folder) for each route, unless these bytes are already queued or sent by it. Returns the new
    rows' ids, and an outcome for each consent whose file cannot be read."""
    chart = settings.chart
    wanted = routes(chart)
    if not wanted:
        return [], []
    if filed is None:
        with store.reading() as session:
            filed = [
                Filed(row.appointment_id, settings.signed_dir / (row.file or ""), utc(row.scanned_at))
                for row in chart_outbox.filed_consents(session)
            ]
    ids: list[int] = []
    problems: list[Outcome] = []
    now = utc_now()
    for consent in filed:
        try:
            pdf = consent.path.read_bytes()
        except OSError as exc:
            problems += [
                Outcome(consent.appointment_id, r, FAILED, f"its filed PDF cannot be read ({exc.strerror})")
                for r in wanted
            ]
            continue
        sha256 = hashlib.sha256(pdf).hexdigest()
        with store.session() as session:
            for route in wanted:
                row = chart_outbox.enqueue(
                    session,
                    appointment_id=consent.appointment_id,
                    destination=route,
                    document_id=uuid.uuid4().hex,
                    file=consent.path.name,
                    sha256=sha256,
                    pdf=pdf,
                    filed_at=consent.filed_at,
                    now=now,
                    actor=actor,
                )
                if row is not None:
                    audit.record(session, now, actor, CHART_QUEUED, consent.appointment_id, sha256,
                                 _target(chart, route), "queued")  # fmt: skip
                    ids.append(row.id)
    return ids, problems


def send(store: Store, settings: Settings, ids: Iterable[int], actor: str) -> list[Outcome]:
    """Try each row once, in order; what became of each (rows another attempt has are left out)."""
    outcomes = []
    for row_id in ids:
        outcome = _attempt(store, settings, row_id, actor)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def send_due(store: Store, settings: Settings, actor: str, everything: bool = False) -> list[Outcome]:
    """`chart send`: queue what is filed and not yet queued, then send every queued row whose back-off
    has passed; `everything`: also the refused ones again, and the waiting ones now."""
    _queued, problems = queue_filed(store, settings, actor)
    now = utc_now()
    with store.session() as session:
        if everything:
            chart_outbox.requeue_failed(session, now)
        due = list(chart_outbox.due(session, None if everything else now))
    return problems + send(store, settings, due, actor)


def after_filing(
    store: Store, settings: Settings, filed: Sequence[Filed], actor: str, wait: bool = True
) -> list[Outcome]:
    """What a scan has just filed, queued and sent when `chart.*` is set (`wait=False`: sent on a thread
    of its own, for the web app, which does not wait for the chart). Never raises: a failure is logged
    (with the appointment ids only) and left for `chart send`."""
    if not filed or not routes(settings.chart):
        return []
    try:
        ids, problems = queue_filed(store, settings, actor, filed)
    except Exception:
        logger.exception("chart: filed consents not queued (%d)", len(filed))
        return []

    def run() -> list[Outcome]:
        try:
            return problems + send(store, settings, ids, actor)
        except Exception:
            logger.exception("chart: sending stopped; `generate.py chart send` goes on")
            return problems

    if wait:
        return run()
    threading.Thread(target=run, name="chart-send", daemon=True).start()
    return []


def after_scan(
    store: Store, settings: Settings, report: ScanReport, moment: datetime, actor: str, wait: bool = True
) -> list[Outcome]:
    """`after_filing` for each consent a scan run (`scanning.filing.file_scan`) has filed at `moment`: the
    one call of the doors that file (`scan`, the watched scan folder, the web upload)."""
    if not routes(settings.chart) or not report.filed:
        return []
    filed = [
        Filed(found.appointment_id, path, moment)
        for found, path in zip((f for f in report.found() if f.file), report.filed, strict=True)
    ]
    return after_filing(store, settings, filed, actor, wait)


def _context(chart: ChartSettings) -> ssl.SSLContext:
    """TLS to the chart: the system's authorities and `ca_file`, the client certificate when set."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        if chart.ca_file is not None:
            context.load_verify_locations(cafile=str(chart.ca_file))
        if chart.client_cert is not None:
            key = str(chart.client_key) if chart.client_key is not None else None
            context.load_cert_chain(str(chart.client_cert), key)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"chart: cannot load a certificate or key file ({type(exc).__name__})") from None
    return context


def _token(chart: ChartSettings) -> str | None:
    if chart.token_file is None:
        return None
    try:
        return chart.token_file.read_text(encoding="utf-8").strip() or None
    except OSError as exc:
        raise UsageError(f"cannot read chart.token_file {chart.token_file}: {exc.strerror}") from None


def _patient(fields: dict[str, object]) -> mdm.Patient:
    def text(key: str) -> str | None:
        value = fields.get(key)
        return value if isinstance(value, str) and value else None

    born = text("date_of_birth")
    try:
        birth = date.fromisoformat(born) if born else None
    except ValueError:
        birth = None
    return mdm.Patient(
        mrn=text("mrn") or "",
        last_name=text("last_name"),
        first_name=text("first_name"),
        name=text("name"),
        name_suffix=text("name_suffix"),
        date_of_birth=birth,
        encounter=text("encounter"),
    )


def _attempt(store: Store, settings: Settings, row_id: int, actor: str) -> Outcome | None:
    chart = settings.chart
    with store.session() as session:  # committed before a byte leaves
        row = chart_outbox.claim(session, row_id)
        if row is None:
            return None
        appointment_id, route, sha256 = row.appointment_id, row.destination, row.sha256
        document_id, pdf, filed_at, attempts = row.document_id, row.pdf, utc(row.filed_at), row.attempts
        fields = chart_outbox.patient_record(session, appointment_id)
        before = chart_outbox.last_sent(session, appointment_id, route)
        replaces = (before.document_id, before.receipt) if before is not None else None
    target = _target(chart, route)
    state, detail, receipt, replaced = FAILED, "", "", None
    try:
        if fields is None:
            raise UsageError("no schedule line holds this appointment's patient (its MRN)")
        patient = _patient(fields)
        if route == MDM:
            receipt, replaced = _send_mdm(settings, patient, pdf, document_id, replaces, filed_at)
        else:
            receipt, replaced = _send_fhir(settings, patient, pdf, document_id, replaces, filed_at)
        state, detail = SENT, receipt
    except _Refused as exc:
        detail = exc.reason
    except UsageError as exc:
        detail = "; ".join(exc.lines())
    except (mdm.NoAnswer, fhir_document.TryLater) as exc:
        state, detail = QUEUED, exc.reason
    detail = _scrub(detail, fields)
    now = utc_now()
    with store.session() as session:
        found = session.get(ChartMessage, row_id)
        assert found is not None
        if state == SENT:
            chart_outbox.mark_sent(found, now, receipt, replaced)
            action, result = CHART_SENT, f"sent ({receipt})" + (", replacing an earlier version" if replaced else "")
        elif state == QUEUED:
            chart_outbox.mark_retry(found, detail, now)
            action, result = CHART_FAILED, f"failed, queued: {detail}"
        else:
            chart_outbox.mark_refused(found, detail)
            action, result = CHART_FAILED, f"failed: {detail}"
        audit.record(session, now, actor, action, appointment_id, sha256, target, result)
    logger.info("chart %s: message %d (attempt %d), appointment %s, by %s", state, row_id, attempts,
                appointment_id, ROUTE_NAMES[route])  # fmt: skip
    return Outcome(appointment_id, route, state, detail, replaced is not None)


def _scrub(text: str, fields: dict[str, object] | None) -> str:
    """The receiver's words without the patient's identifiers it may echo (MRN, names, date of birth, in
    the record's form or HL7's `YYYYMMDD`): they go to the terminal, the log and the audit."""
    if not fields:
        return text
    values = {str(fields.get(k) or "") for k in ("mrn", "last_name", "first_name", "name", "date_of_birth")}
    born = str(fields.get("date_of_birth") or "")
    values.add(born.replace("-", ""))
    for value in sorted((v for v in values if len(v) >= 2), key=len, reverse=True):
        text = re.sub(re.escape(value), "[patient data]", text, flags=re.IGNORECASE)
    return text


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _send_mdm(
    settings: Settings,
    patient: mdm.Patient,
    pdf: bytes,
    document_id: str,
    replaces: tuple[str, str | None] | None,
    filed_at: datetime,
) -> tuple[str, str | None]:
    chart = settings.chart
    assert chart.mllp is not None
    authority = chart.mrn_authority or next(iter(settings.hl7.mrn_assigning_authorities), "")
    header = mdm.Header(
        sending_application=chart.sending_application,
        sending_facility=chart.sending_facility or "",
        receiving_application=chart.receiving_application or "",
        receiving_facility=chart.receiving_facility or "",
        mrn_authority=authority,
        completion_status=chart.completion_status,
    )
    parent = replaces[0] if replaces else None
    control_id = document_id[:20]
    message = mdm.mdm_message(patient, header, pdf, control_id=control_id, document_id=document_id,
                              replaces=parent, filed_at=filed_at, now=utc_now())  # fmt: skip
    context = _context(chart) if chart.mllp_tls else None
    ack = mdm.read_ack(mdm.send_frame(chart.mllp, message, chart.timeout, context), control_id)
    if not ack.accepted:
        raise _Refused(f"ACK {ack.code}" + (f": {ack.text}" if ack.text else ""))
    return f"ACK {ack.code}", parent


def _send_fhir(
    settings: Settings,
    patient: mdm.Patient,
    pdf: bytes,
    document_id: str,
    replaces: tuple[str, str | None] | None,
    filed_at: datetime,
) -> tuple[str, str | None]:
    chart = settings.chart
    assert chart.fhir_url is not None
    system = next(iter(settings.fhir.mrn_systems), None)
    target = fhir_document.replaced(replaces[1], replaces[0]) if replaces else None
    resource = fhir_document.document_reference(patient.mrn, system, pdf, document_id, filed_at, target)
    https = chart.fhir_url.startswith("https:")
    answer = fhir_document.post(chart.fhir_url, resource, token=_token(chart),
                                context=_context(chart) if https else None, timeout=chart.timeout)  # fmt: skip
    if not answer.created:
        raise _Refused(answer.reason)
    replaced = (replaces[1] or replaces[0]) if replaces else None
    return answer.reference or answer.reason, replaced
