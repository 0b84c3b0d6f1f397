"""The second factor (issue 26): TOTP codes (RFC 6238: 6 digits, 30-second steps, SHA-1, what every
authenticator app reads from an `otpauth://` URI) and recovery codes.

A code is accepted for the step before, the current step and the step after (clocks drift), and never
twice: the step of the last code accepted is kept, and a code of that step or an earlier one is refused
(a code seen over a shoulder or in a log cannot be replayed). Ten recovery codes are made at
enrolment, shown once, and kept as their SHA-256 (each is 60 random bits, like a token: a slow hash
adds nothing); each works once, in place of a code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp

from ..store.tables import WebUser

STEP_SECONDS = 30
WINDOW = 1
"""Steps accepted either side of the current one."""
RECOVERY_CODES = 10
ISSUER = "packetgen"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper
_CODE = re.compile(r"\d{6}")


def new_secret() -> str:
    """A new base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def uri(secret: str, name: str) -> str:
    """The `otpauth://totp/…` URI an authenticator app reads (typed or from the QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """`text` as a QR code, an SVG element to put in a page (zxing-cpp's writer, as the consent's scan-back
    codes are made): no script, only rectangles."""
    import zxingcpp

    svg = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_svg()
    svg = svg[svg.index("<svg") :]
    size = re.search(r'width="(\d+)" height="(\d+)"', svg)
    if size:
        width, height = size.groups()
        svg = svg.replace(size.group(0), f'width="200" height="200" viewBox="0 0 {width} {height}"', 1)
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code of the secret" ', 1)


def _step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def matching_step(secret: str, code: str, last_step: int | None, at: float | None = None) -> int | None:
    """The step (within `WINDOW` of now) whose code `code` is, if later than `last_step`; else None."""
    code = code.strip().replace(" ", "")
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    now = _step(at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and (last_step is None or step > last_step):
            return step
    return None


def check_code(user: WebUser, code: str) -> bool:
    """Whether `code` is a TOTP code of `user`'s not used before (its step then kept: it is used)."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def new_recovery_codes() -> list[str]:
    """Ten codes of 12 characters in groups of four (`abcd-efgh-jkmn`), shown once."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code.lower()).encode()).hexdigest()


def enrol(user: WebUser, secret: str, step: int) -> list[str]:
    """Give `user` the second factor `secret` (confirmed by a code of `step`): their new recovery codes."""
    codes = new_recovery_codes()
    user.totp_secret = secret
    user.totp_pending_secret = None
    user.totp_last_step = step
    user.recovery_codes = " ".join(_recovery_digest(code) for code in codes)
    return codes


def use_recovery_code(user: WebUser, code: str) -> bool:
    """Whether `code` is one of `user`'s unused recovery codes (then used: it works no more)."""
    if not user.recovery_codes or not 12 <= len(code) <= 40:
        return False
    wanted = _recovery_digest(code)
    kept = user.recovery_codes.split()
    found = [digest for digest in kept if hmac.compare_digest(digest, wanted)]
    if not found:
        return False
    user.recovery_codes = " ".join(digest for digest in kept if digest != found[0])
    return True


def recovery_codes_left(user: WebUser) -> int:
    return len(user.recovery_codes.split()) if user.recovery_codes else 0
