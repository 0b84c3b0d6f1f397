"""A filed consent as a FHIR R4 DocumentReference, POSTed to the site's FHIR server.

The resource: status `current`, docStatus `final`, the document's id as its identifier (`urn:uuid:…`,
the same at every attempt, and `If-None-Exist` on it, so a retry of a document the server took creates
nothing new), type LOINC 59284-0 (patient consent), category HL7 table 0270 `CN` (consent), the subject
by its MRN identifier (type `MR`, the site's MRN system when it names one), the date it was filed, the
PDF inline (base64), and `relatesTo` `replaces` the version sent before, when there was one.

201 or 200: sent. 4xx: refused, with the OperationOutcome's text (never the document), not retried by
itself. 5xx, no answer or a timeout: retried later.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

MR_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
CONSENT_TYPE = {"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}
CONSENT_CATEGORY = {"system": "http://terminology.hl7.org/CodeSystem/v2-0270", "code": "CN", "display": "Consent"}
IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"


def document_reference(
    mrn: str,
    mrn_system: str | None,
    pdf: bytes,
    document_id: str,
    filed_at: datetime,
    replaces: dict[str, Any] | None,
) -> dict[str, Any]:
    """The DocumentReference (R4) of a filed consent; `replaces`: the Reference of the version it replaces
    (`{"reference": "DocumentReference/ID"}`, or by its identifier)."""
    identifier: dict[str, Any] = {"type": {"coding": [MR_TYPE]}, "value": mrn}
    if mrn_system:
        identifier["system"] = mrn_system
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": f"urn:uuid:{document_id}"}],
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [CONSENT_TYPE], "text": "Signed consent"},
        "category": [{"coding": [CONSENT_CATEGORY]}],
        "subject": {"identifier": identifier},
        "date": filed_at.isoformat(timespec="seconds"),
        "description": "Signed consent, scanned",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf).decode("ascii"),
                    "title": "Signed consent",
                    "creation": filed_at.isoformat(timespec="seconds"),
                }
            }
        ],
    }
    if replaces:
        resource["relatesTo"] = [{"code": "replaces", "target": replaces}]
    return resource


@dataclass(frozen=True)
class Answer:
    """The server's answer: created (with its `DocumentReference/ID`, if it said), or refused and why."""

    created: bool
    reference: str | None
    reason: str


class TryLater(Exception):
    """The server did not take it and may later (5xx, no answer, timeout, not reached)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def post(
    base_url: str,
    resource: dict[str, Any],
    *,
    token: str | None,
    context: ssl.SSLContext | None,
    timeout: float,
) -> Answer:
    """POST `resource` to `{base_url}/DocumentReference`."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    body = json.dumps(resource, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/fhir+json; charset=utf-8",
        "Accept": "application/fhir+json",
        "If-None-Exist": f"identifier={IDENTIFIER_SYSTEM}|{resource['identifier'][0]['value']}",
        "Prefer": "return=minimal",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    try:
        connection.request("POST", f"{parts.path.rstrip('/')}/DocumentReference", body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        location = response.getheader("Location") or response.getheader("Content-Location") or ""
        answer = response.read(1_000_000)
    except TimeoutError:
        raise TryLater(f"no answer within {timeout:g} s") from None
    except ssl.SSLError as exc:
        raise TryLater(f"TLS failed ({exc.reason or type(exc).__name__})") from None
    except (OSError, http.client.HTTPException) as exc:
        raise TryLater(
            f"cannot reach the FHIR server ({getattr(exc, 'strerror', None) or type(exc).__name__})"
        ) from None
    finally:
        connection.close()
    if status in (200, 201):
        return Answer(True, _reference(location), f"HTTP {status}")
    reason = f"HTTP {status}" + (f": {text}" if (text := outcome_text(answer)) else "")
    if 400 <= status < 500:
        return Answer(False, None, reason)
    raise TryLater(reason)


def replaced(reference: str | None, document_id: str) -> dict[str, Any]:
    """The Reference of a version sent before: the server's id when it said it, else its identifier."""
    if reference:
        return {"reference": reference}
    return {"identifier": {"system": IDENTIFIER_SYSTEM, "value": f"urn:uuid:{document_id}"}}


def _reference(location: str) -> str | None:
    """`DocumentReference/ID` from a Location such as `…/DocumentReference/ID/_history/1`."""
    parts = [p for p in urlsplit(location).path.split("/") if p]
    if "DocumentReference" in parts:
        at = parts.index("DocumentReference")
        if at + 1 < len(parts):
            return f"DocumentReference/{parts[at + 1]}"[:200]
    return None


def outcome_text(raw: bytes) -> str:
    """The text of an OperationOutcome's issues (diagnostics, else details), on one line, at most 300
    characters; empty when the answer is none."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if not isinstance(data, dict) or data.get("resourceType") != "OperationOutcome":
        return ""
    texts = []
    for issue in data.get("issue") or []:
        if not isinstance(issue, dict):
            continue
        details = issue.get("details") if isinstance(issue.get("details"), dict) else {}
        text = issue.get("diagnostics") or (details or {}).get("text")
        if isinstance(text, str):
            texts.append(text)
    joined = "; ".join(texts)
    cleaned = "".join(c if c.isprintable() else " " for c in joined)
    return " ".join(cleaned.split())[:300]
