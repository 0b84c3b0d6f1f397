"""The second factor (issue 26): TOTP codes (RFC 6238: 6 digits, 30-second steps, SHA-1, what every
authenticator app reads from an `otpauth://` URI) and recovery codes.

A code is accepted for the step before, the current step and the step after (clocks drift), and never
twice: the step of the last code accepted is kept, and a code of that step or an earlier one is refused
(a code seen over a shoulder or in a log cannot be replayed). Ten recovery codes are made at
enrolment (or when the user asks for new ones), shown once; each works once, in place of a code.

A recovery code (ASVS 2.6.2) is 24 characters of a 31-letter alphabet without look-alikes (no `0`/`o`,
`1`/`l`/`i`), about 119 random bits, written in six groups of four (`abcd-efgh-jkmn-pqrs-tuvw-xyz2`);
it is read without regard to case, hyphens or spaces. Each is kept as `s1$SALT$DIGEST`: a random salt
of 128 bits of its own and the SHA-256 of salt and code (at 119 bits a slow hash adds nothing, and ten
SHA-256 per check cost nothing). Codes made before (12 characters, about 59 bits, kept as a bare
SHA-256) still work, once each, until the user makes new ones; the page tells them to.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime, timedelta

import pyotp

from ..store.tables import WebUser, utc

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


RECOVERY_LENGTH = 24
"""Characters of a recovery code: 24 × log2(31) ≈ 119 random bits (ASVS 2.6.2 asks for 112)."""
_OLD_LENGTH = 12
"""Characters of a recovery code made before migration 0014 (about 59 bits, kept unsalted)."""
_SALTED = "s1"
"""The prefix of a stored code with its own salt: `s1$SALT$DIGEST`."""


def new_recovery_codes() -> list[str]:
    """Ten codes of 24 characters in groups of four (`abcd-efgh-jkmn-pqrs-tuvw-xyz2`), shown once."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def _plain(code: str) -> str:
    """A code as typed, read without regard to case, hyphens or spaces."""
    return re.sub(r"[\s-]", "", code.lower())


def _salted_digest(salt: str, plain: str) -> str:
    return hashlib.sha256(f"{salt}${plain}".encode()).hexdigest()


def _stored(code: str) -> str:
    """What is kept of a new code: its own random salt and the SHA-256 of salt and code."""
    salt = secrets.token_hex(16)
    return f"{_SALTED}${salt}${_salted_digest(salt, _plain(code))}"


def _matches(kept: str, plain: str) -> bool:
    """Whether the stored code `kept` is `plain` (salted, or a bare SHA-256 made before migration 0014)."""
    prefix, _, rest = kept.partition("$")
    if prefix == _SALTED:
        salt, _, digest = rest.partition("$")
        return len(plain) == RECOVERY_LENGTH and hmac.compare_digest(digest, _salted_digest(salt, plain))
    old = hashlib.sha256(plain.encode()).hexdigest()
    return len(plain) == _OLD_LENGTH and hmac.compare_digest(kept, old)


def renew_recovery_codes(user: WebUser) -> list[str]:
    """Ten new recovery codes for `user` (returned, shown once); those they had work no more."""
    codes = new_recovery_codes()
    user.recovery_codes = " ".join(_stored(code) for code in codes)
    return codes


def enrol(user: WebUser, secret: str, step: int) -> list[str]:
    """Give `user` the second factor `secret` (confirmed by a code of `step`): their new recovery codes."""
    user.totp_secret = secret
    user.totp_pending_secret = None
    user.totp_pending_at = None
    user.totp_last_step = step
    return renew_recovery_codes(user)


def use_recovery_code(user: WebUser, code: str) -> bool:
    """Whether `code` is one of `user`'s unused recovery codes (then used: it works no more). Every
    kept code is compared, so that the time taken does not say which matched."""
    plain = _plain(code)
    if not user.recovery_codes or len(plain) not in (_OLD_LENGTH, RECOVERY_LENGTH):
        return False
    kept = user.recovery_codes.split()
    found = [stored for stored in kept if _matches(stored, plain)]
    if not found:
        return False
    user.recovery_codes = " ".join(stored for stored in kept if stored != found[0])
    return True


def recovery_codes_left(user: WebUser) -> int:
    return len(user.recovery_codes.split()) if user.recovery_codes else 0


def old_recovery_codes_left(user: WebUser) -> int:
    """How many of `user`'s unused recovery codes were made before migration 0014 (weaker: 59 bits,
    unsalted); the page asks them to make new ones."""
    kept = user.recovery_codes.split() if user.recovery_codes else []
    return sum(1 for stored in kept if not stored.startswith(f"{_SALTED}$"))


PENDING_LIFETIME_SECONDS = 3600
"""How long the enrolment page shows the same pending key (then a new one)."""


def pending_expired(user: WebUser) -> bool:
    """Whether `user`'s pending secret is older than `PENDING_LIFETIME_SECONDS` (or of unknown age)."""
    made = user.totp_pending_at
    return made is None or datetime.now(UTC) - utc(made) > timedelta(seconds=PENDING_LIFETIME_SECONDS)


def pending_secret(user: WebUser, renew: bool = False) -> str:
    """The secret the enrolment page shows `user`: the pending one while it is younger than an hour,
    else (or with `renew`) a new one, kept as pending from now."""
    if renew or not user.totp_pending_secret or pending_expired(user):
        user.totp_pending_secret = new_secret()
        user.totp_pending_at = datetime.now(UTC)
    return user.totp_pending_secret
