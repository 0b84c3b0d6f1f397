"""HL7 v2 acknowledgements (original mode, chapter 2): AA, AE with the errors, AR.

Built from the message being answered with python-hl7's `create_ack` (its
separators, application and facility swapped, control id in MSA-2), plus the
text (MSA-3) and one ERR segment per error, escaped with the message's own
escape character. Errors carry no patient values, only where and what.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

ACCEPT, ERROR, REJECT = "AA", "AE", "AR"
_LOCATION = re.compile(r"([A-Z][A-Z0-9]{2})-(\d+)")
# HL7 table 0357: message error condition codes
_REQUIRED, _DATA, _UNSUPPORTED_TYPE = "101", "102", "200"


def acknowledge(message: Any | None, code: str, errors: Sequence[str] = (), control_id: str = "") -> bytes:
    """The ACK for a parsed message (or, when it could not be parsed, a bare one), as bytes."""
    if message is None:
        text = f"MSH|^~\\&|PACKETGEN||||||ACK|{control_id}|P|2.5.1\rMSA|{code}|"
        text += f"|{_plain(errors[0])}" if errors else ""
        return (text + "\r").encode()
    ack = message.create_ack(ack_code=code, message_id=f"ACK{control_id or _control_id(message)}"[:20])
    if errors:
        ack.segment("MSA").assign_field(message.escape(_plain(errors[0])), 3)
    text = str(ack) + "".join(_err(message, error, code) + "\r" for error in errors)
    return text.encode("utf-8")


def _err(message: Any, error: str, code: str) -> str:
    """ERR: location (ERR-2), HL7 error code (ERR-3), severity (ERR-4), user message (ERR-8)."""
    field, component = message.separators[1], message.separators[3]
    where = _LOCATION.search(error.split(": ")[1] if ": " in error else "")
    location = component.join([where[1], "1", where[2]]) if where else ""
    condition = _UNSUPPORTED_TYPE if code == REJECT else _REQUIRED if "missing" in error else _DATA
    parts = ["ERR", "", location, component.join([condition, "", "HL70357"]), "E", "", "", ""]
    return str(field.join([*parts, str(message.escape(_plain(error)))]))


def _plain(error: str) -> str:
    """The error without its `inbox:17:` place (the sender knows which message it sent)."""
    return re.sub(r"^\S+?:\S+?: ", "", error, count=1)


def _control_id(message: Any) -> str:
    try:
        return str(message.segment("MSH")(10))
    except (KeyError, IndexError):
        return ""
