"""HL7 v2 acknowledgements (original mode, chapter 2): AA, AE with the errors, AR.

Built from the message being answered with python-hl7's `create_ack` (its
separators, application and facility swapped, control id in MSA-2), plus the
text (MSA-3) and one ERR segment per error, escaped with the message's own
escape character. Errors carry no patient values, only where and what.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

ACCEPT, ERROR, REJECT = "AA", "AE", "AR"
_LOCATION = re.compile(r"([A-Z][A-Z0-9]{2})-(\d+)")
# HL7 table 0357: message error condition codes
_REQUIRED, _DATA, _UNSUPPORTED_TYPE = "101", "102", "200"


def acknowledge(message: Any | None, code: str, errors: Sequence[str] = (), control_id: str = "") -> bytes:
    """The ACK for a message (parsed, or only its header when the rest could not be used) or, when not
    even a header could be read, a bare one, as bytes. MSA-2 echoes the message's control id (MSH-10,
    trimmed); MSH-7 is the time of the acknowledgement (UTC)."""
    now = datetime.now(UTC).strftime("%Y%m%d%H%M%S+0000")
    if message is None:
        text = f"MSH|^~\\&|PACKETGEN||||{now}||ACK|ACK{control_id}|P|2.5.1\rMSA|{code}|{control_id}"
        text += f"|{_plain(errors[0], control_id)}" if errors else ""
        return (text + "\r").encode()
    echoed = control_id or _control_id(message)
    ack = message.create_ack(ack_code=code, message_id=f"ACK{echoed}"[:20])
    ack.segment("MSH").assign_field(now, 7)
    ack.segment("MSA").assign_field(message.escape(echoed), 2)
    if errors:
        ack.segment("MSA").assign_field(message.escape(_plain(errors[0], echoed)), 3)
    text = str(ack) + "".join(_err(message, error, code, echoed) + "\r" for error in errors)
    return text.encode("utf-8")


def _err(message: Any, error: str, code: str, control_id: str) -> str:
    """ERR: location (ERR-2), HL7 error code (ERR-3), severity (ERR-4), user message (ERR-8)."""
    field, component = message.separators[1], message.separators[3]
    plain = _plain(error, control_id)
    where = _LOCATION.match(plain)
    location = component.join([where[1], "1", where[2]]) if where else ""
    condition = _UNSUPPORTED_TYPE if code == REJECT else _REQUIRED if "missing" in error else _DATA
    parts = ["ERR", "", location, component.join([condition, "", "HL70357"]), "E", "", "", ""]
    return str(field.join([*parts, str(message.escape(plain))]))


def _plain(error: str, control_id: str = "") -> str:
    """The error without its `mllp:CONTROL-ID:` place (the sender knows which message it sent); an
    error about another file (a content file that is unavailable) keeps its `PATH:LINE:`."""
    for place in (f"mllp:{control_id}: ", "mllp:?: ", "mllp: "):
        if error.startswith(place):
            return error[len(place) :]
    return error


def _control_id(message: Any) -> str:
    try:
        return str(message.segment("MSH")(10)).strip()
    except (KeyError, IndexError):
        return ""
