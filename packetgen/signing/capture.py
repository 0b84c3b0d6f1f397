"""What a tablet captured for one consent (CAPTURE_JSON; docs/using/signing.md): each signer's strokes,
printed name and moment, the patient's initials and ticks, and how the session ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..errors import UsageError
from .layout import ROLE_KEYS, Layout

Point = tuple[float, float]
"""A point in its box's own coordinates: x from the left edge, y from the top edge, each 0..1 (what a
canvas on a tablet records, divided by the canvas's size)."""
Stroke = tuple[Point, ...]
"""One touch of the finger or stylus, from down to up."""
Outcome = Literal["consented", "refused", "withdrawn"]


@dataclass(frozen=True)
class SignerCapture:
    """One signer's part: their signature, printed name and the moment they signed."""

    role: str
    name: str
    signed_at: datetime
    """With its UTC offset, as the tablet recorded it; printed in the site's time zone."""
    signature: tuple[Stroke, ...]
    ticks: tuple[str, ...] = ()
    """Ids of the check boxes of this signer's block they ticked (`patient.choice.1`)."""
    fields: dict[str, str] = field(default_factory=dict)
    """Further lines of this signer's block they filled, by id (`interpreter.field.1`: `Spanish`)."""
    teach_back: str | None = None
    """The provider's teach-back line: what the patient said back, in their words (the audit page)."""


@dataclass(frozen=True)
class Capture:
    """Everything one signing session captured for one consent."""

    session: str
    """An opaque id of the signing session (never a name, an MRN or a date of birth)."""
    dob_confirmed: bool
    """The patient's date of birth was confirmed on the tablet before anything was signed."""
    outcome: Outcome
    signers: tuple[SignerCapture, ...]
    initials: dict[str, tuple[Stroke, ...]] = field(default_factory=dict)
    """The patient's initials, by initials box id (`initials.3`)."""
    ticks: tuple[str, ...] = ()
    """Ids of check boxes in the consent's text the patient ticked (`choice.1`)."""


class CaptureError(UsageError):
    """A capture that cannot be used: `capture: FIELD: what was expected` (never the value)."""


def _error(where: str, message: str) -> CaptureError:
    return CaptureError(f"capture: {where}: {message}")


def _strokes(value: Any, where: str) -> tuple[Stroke, ...]:
    if not isinstance(value, list) or not value:
        raise _error(where, "expected a list of strokes, each a list of [x, y] points")
    strokes = []
    for i, stroke in enumerate(value):
        if not isinstance(stroke, list) or not stroke:
            raise _error(f"{where}[{i}]", "expected a list of [x, y] points")
        points = []
        for point in stroke:
            ok = isinstance(point, list) and len(point) == 2 and all(isinstance(v, int | float) for v in point)
            if not ok or not all(0 <= v <= 1 for v in point):
                raise _error(f"{where}[{i}]", "expected [x, y] points, each between 0 and 1")
            points.append((float(point[0]), float(point[1])))
        strokes.append(tuple(points))
    return tuple(strokes)


def read_strokes(value: Any, where: str) -> tuple[Stroke, ...]:
    """Strokes as CAPTURE_JSON has them (a list of lists of [x, y] points, each 0..1), checked: a
    CaptureError naming `where` otherwise (never the value)."""
    return _strokes(value, where)


def _text(value: Any, where: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or not value.isprintable():
        raise _error(where, f"expected text of 1 to {limit} printable characters")
    return value.strip()


def _moment(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _error(where, "expected a date and time with its UTC offset, such as 2026-12-10T10:05:00-06:00")
    return moment


def _ids(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(where, "expected a list of box ids")
    return tuple(value)


def read_capture(data: Any, layout: Layout) -> Capture:
    """A capture read from its JSON and checked against the consent's boxes (errors name the field,
    never the value)."""
    if not isinstance(data, dict):
        raise _error("capture", "expected an object")
    known = {"session", "dob_confirmed", "outcome", "signers", "initials", "ticks"}
    if unknown := sorted(set(data) - known):
        raise _error(unknown[0], "unknown field")
    session = _text(data.get("session"), "session", 100)
    dob = data.get("dob_confirmed")
    if not isinstance(dob, bool):
        raise _error("dob_confirmed", "expected true or false")
    outcome = data.get("outcome", "consented")
    if outcome not in ("consented", "refused", "withdrawn"):
        raise _error("outcome", "expected consented, refused or withdrawn")
    signers = []
    raw_signers = data.get("signers", [])
    if not isinstance(raw_signers, list):
        raise _error("signers", "expected a list")
    for i, raw in enumerate(raw_signers):
        signers.append(_signer(raw, f"signers[{i}]", layout))
    roles = [s.role for s in signers]
    if len(set(roles)) != len(roles):
        raise _error("signers", "each role signs once")
    initials = data.get("initials", {})
    if not isinstance(initials, dict):
        raise _error("initials", "expected an object of initials box ids")
    read_initials = {}
    for box_id, strokes in initials.items():
        box = layout.by_id.get(box_id)
        if box is None or box.kind != "initials":
            raise _error(f"initials.{box_id}", "no such initials box on this consent")
        read_initials[box_id] = _strokes(strokes, f"initials.{box_id}")
    ticks = _ids(data.get("ticks", []), "ticks")
    for tick in ticks:
        box = layout.by_id.get(tick)
        if box is None or box.kind != "choice" or box.role is not None:
            raise _error("ticks", "a check box id that is not in this consent's text")
    capture = Capture(session, dob, outcome, tuple(signers), read_initials, ticks)
    _complete(capture, layout)
    return capture


def _signer(raw: Any, where: str, layout: Layout) -> SignerCapture:
    if not isinstance(raw, dict):
        raise _error(where, "expected an object")
    if unknown := sorted(set(raw) - {"role", "name", "signed_at", "signature", "ticks", "fields", "teach_back"}):
        raise _error(f"{where}.{unknown[0]}", "unknown field")
    role = raw.get("role")
    if role not in ROLE_KEYS:
        raise _error(f"{where}.role", f"expected one of {', '.join(ROLE_KEYS)}")
    if layout.signer(role) is None:
        raise _error(f"{where}.role", "this consent has no signature block for that role")
    ticks = _ids(raw.get("ticks", []), f"{where}.ticks")
    for tick in ticks:
        box = layout.by_id.get(tick)
        if box is None or box.kind != "choice" or box.role != role:
            raise _error(f"{where}.ticks", "a check box id that is not in this signer's block")
    fields = raw.get("fields", {})
    if not isinstance(fields, dict):
        raise _error(f"{where}.fields", "expected an object of line ids")
    for key in fields:
        box = layout.by_id.get(key)
        if box is None or box.kind != "field" or box.role != role:
            raise _error(f"{where}.fields", "a line id that is not in this signer's block")
    teach_back = raw.get("teach_back")
    return SignerCapture(
        role=role,
        name=_text(raw.get("name"), f"{where}.name", 120),
        signed_at=_moment(raw.get("signed_at"), f"{where}.signed_at"),
        signature=_strokes(raw.get("signature"), f"{where}.signature"),
        ticks=ticks,
        fields={k: _text(v, f"{where}.fields.{k}", 120) for k, v in fields.items()},
        teach_back=None if teach_back is None else _text(teach_back, f"{where}.teach_back", 1000),
    )


def _complete(capture: Capture, layout: Layout) -> None:
    """A consent given is signed by the patient (or representative) and the provider, with every
    initials box initialled and the date of birth confirmed; a refusal or withdrawal needs neither."""
    if capture.outcome != "consented":
        return
    if not capture.dob_confirmed:
        raise _error("dob_confirmed", "the patient's date of birth must be confirmed before consent is signed")
    roles = {s.role for s in capture.signers}
    for needed in ("patient", "provider"):
        if needed not in roles:
            raise _error("signers", f"a consent given needs the {needed}'s signature")
    for box in layout.of_kind("initials"):
        if box.id not in capture.initials:
            raise _error(f"initials.{box.id}", "not initialled")
