"""A filed consent as an HL7 v2.5.1 MDM^T02 (a new document) or MDM^T10 (a document replacing one sent
before), sent over MLLP, and the ACK read back.

The message: MSH, EVN, PID (the patient's identifiers as the schedule's record has them), PV1 (the
visit number when the record has one), TXA (TXA-2 `CN` consent, TXA-12 the document's unique id, TXA-13
the replaced document's for a T10, TXA-17 the completion status) and one OBX of type ED whose OBX-5 is
`^application^pdf^Base64^DATA`. Every text but the Base64 (whose alphabet holds no delimiter) is
escaped by HL7's rules.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
from dataclasses import dataclass
from datetime import date, datetime

import hl7

START, END = b"\x0b", b"\x1c\r"
DOCUMENT_TYPE = "CN"
"""TXA-2 (HL7 table 0270): consent."""
CONSENT_LOINC = ("59284-0", "Consent Document", "LN")
"""OBX-3: LOINC 59284-0, the code for a patient's consent document."""
_MAX_ACK = 1_000_000


@dataclass(frozen=True)
class Patient:
    """Who the document is about, as the schedule's record gives it (patient data: never logged)."""

    mrn: str
    last_name: str | None = None
    first_name: str | None = None
    name: str | None = None
    name_suffix: str | None = None
    date_of_birth: date | None = None
    encounter: str | None = None


@dataclass(frozen=True)
class Header:
    """MSH-3 to MSH-6, PID-3's assigning authority and TXA-17: the site's settings."""

    sending_application: str = "PACKETGEN"
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    mrn_authority: str = ""
    completion_status: str = "AU"


def escape(text: str) -> str:
    """HL7 v2 escaping of a value (the default delimiters `|^~\\&`); line breaks as `\\.br\\`."""
    out = (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
    )
    return out.replace("\r\n", "\\.br\\").replace("\n", "\\.br\\").replace("\r", "\\.br\\")


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%z")


def mdm_message(
    patient: Patient,
    header: Header,
    pdf: bytes,
    *,
    control_id: str,
    document_id: str,
    replaces: str | None,
    filed_at: datetime,
    now: datetime,
) -> bytes:
    """The MDM^T02 (or, `replaces` given, MDM^T10) carrying `pdf`, as UTF-8 bytes (segments ended by CR)."""
    event = "T10" if replaces else "T02"
    e = escape
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            e(header.sending_application),
            e(header.sending_facility),
            e(header.receiving_application),
            e(header.receiving_facility),
            _ts(now),
            "",
            f"MDM^{event}^MDM_T02",
            e(control_id),
            "P",
            "2.5.1",
            "",
            "",
            "AL",
            "NE",
            "",
            "UNICODE UTF-8",
        ]
    )
    evn = f"EVN|{event}|{_ts(now)}"
    authority = e(header.mrn_authority)
    pid3 = f"{e(patient.mrn)}^^^{authority}^MR"
    family = e(patient.last_name or patient.name or "")
    name = f"{family}^{e(patient.first_name or '')}^^{e(patient.name_suffix or '')}".rstrip("^")
    birth = patient.date_of_birth.strftime("%Y%m%d") if patient.date_of_birth else ""
    pid = f"PID|1||{pid3}||{name}||{birth}"
    pv1 = "PV1|1|O" + ("|" * 17 + e(patient.encounter) if patient.encounter else "")
    txa = [""] * 23
    txa[0], txa[1], txa[2], txa[3] = "TXA", "1", DOCUMENT_TYPE, "AP"
    txa[4] = _ts(filed_at)  # activity date/time: when it was filed
    txa[6] = _ts(filed_at)  # origination date/time
    txa[12] = f"{e(document_id)}^{e(header.sending_application)}"
    txa[13] = f"{e(replaces)}^{e(header.sending_application)}" if replaces else ""
    txa[16] = "consent-signed.pdf"
    txa[17] = header.completion_status
    txa[19] = "AV"  # available for patient care
    code, text, system = CONSENT_LOINC
    data = base64.b64encode(pdf).decode("ascii")
    obx = f"OBX|1|ED|{code}^{text}^{system}||^application^pdf^Base64^{data}||||||F"
    segments = [msh, evn, pid, pv1, "|".join(txa).rstrip("|"), obx]
    return ("\r".join(segments) + "\r").encode("utf-8")


@dataclass(frozen=True)
class Ack:
    """What the receiver answered: MSA-1 and its text (MSA-3, else the ERR segments' texts)."""

    code: str
    text: str

    @property
    def accepted(self) -> bool:
        return self.code in ("AA", "CA")


class NoAnswer(Exception):
    """No usable acknowledgement (not reached, cut off, timed out, unreadable): the attempt is retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_ack(raw: bytes, control_id: str) -> Ack:
    """The acknowledgement in `raw` (one frame's content) of the message numbered `control_id`; NoAnswer
    when it is none (not HL7, no MSA, another message's)."""
    try:
        text = raw.decode("utf-8")
        message = hl7.parse(text.replace("\n", "\r").strip("\r"))
        msa = message.segment("MSA")
    except (UnicodeDecodeError, KeyError, IndexError, ValueError, hl7.ParseException) as exc:
        raise NoAnswer(f"an answer that is no HL7 acknowledgement ({type(exc).__name__})") from None
    code = str(msa(1)).strip().upper() if len(msa) > 1 else ""
    answered = str(msa(2)).strip() if len(msa) > 2 else ""
    if code not in ("AA", "AE", "AR", "CA", "CE", "CR"):
        raise NoAnswer("an acknowledgement without a known MSA-1 code")
    if answered != control_id:
        raise NoAnswer("an acknowledgement of another message (MSA-2)")
    reason = str(msa(3)).strip() if len(msa) > 3 else ""
    if not reason:
        texts = []
        for segment in message:
            if str(segment[0]) == "ERR" and len(segment) > 8:
                texts.append(str(segment(8)).strip())
        reason = "; ".join(t for t in texts if t)
    with contextlib.suppress(ValueError, IndexError, KeyError):  # else the receiver's text as it came
        reason = message.unescape(reason)
    return Ack(code, _plain(reason))


def _plain(text: str) -> str:
    """The receiver's words on one line, at most 300 characters, no control characters."""
    cleaned = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(cleaned.split())[:300]


def send_frame(address: str, message: bytes, timeout: float, context: ssl.SSLContext | None = None) -> bytes:
    """Send one MLLP frame to `host:port` and return the content of the frame that answers it; NoAnswer
    when none comes within `timeout` seconds (each step)."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    try:
        with (
            socket.create_connection((host, int(port)), timeout=timeout) as raw_socket,
            # Inside TLS, the TLS socket takes the connection over (the plain one is left detached): it
            # is the one to close.
            context.wrap_socket(raw_socket, server_hostname=host)
            if context is not None
            else contextlib.nullcontext(raw_socket) as connection,
        ):
            connection.settimeout(timeout)
            connection.sendall(START + message + END)
            buffer = b""
            while END not in buffer:
                chunk = connection.recv(65536)
                if not chunk:
                    raise NoAnswer("the connection was closed without an acknowledgement")
                buffer += chunk
                if len(buffer) > _MAX_ACK:
                    raise NoAnswer("an answer too long to be an acknowledgement")
    except TimeoutError:
        raise NoAnswer(f"no acknowledgement within {timeout:g} s") from None
    except ssl.SSLError as exc:
        raise NoAnswer(f"TLS failed ({exc.reason or type(exc).__name__})") from None
    except OSError as exc:
        raise NoAnswer(f"cannot reach the MLLP endpoint ({exc.strerror or type(exc).__name__})") from None
    frame = buffer.split(END, 1)[0]
    start = frame.find(START)
    return frame[start + 1 :] if start >= 0 else frame
