"""The password an emailed packet opens with: one-time words, or the site's date-of-birth policy."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from functools import cache

from xkcdpass import xkcd_password

from ..errors import UsageError
from ..settings import EmailSettings

_DIGITS = {"MMDDYYYY": "%m%d%Y", "DDMMYYYY": "%d%m%Y", "YYYYMMDD": "%Y%m%d"}
MAX_LENGTH = 32
"""Poppler (the PDF engine of most Linux readers, as Debian 12 ships it) reads only the first 32
bytes of an AES-256 password, so a longer one never opens there: passphrases stay within 32."""


@dataclass(frozen=True)
class Passphrase:
    """The secret, and how to tell the sender about it without printing patient data."""

    secret: str
    shown: str
    """What the sender is shown: the words themselves, or which date-of-birth form the patient types."""


@cache
def _words() -> tuple[str, ...]:
    """The EFF long list's words of 3 to 6 letters only (no "yo-yo": hyphens join the words), about
    2,840 words or 11.5 bits each: chosen by the EFF to be easy to say and spell, as xkcdpass ships them."""
    wordfile = xkcd_password.locate_wordfile("eff-long")
    return tuple(w for w in xkcd_password.generate_wordlist(wordfile, min_length=3, max_length=6) if w.isalpha())


def one_time(words: int) -> str:
    """`words` words drawn with the operating system's random source, joined by hyphens (easy to read
    out over the phone and to type), drawn again in the rare case they are longer than MAX_LENGTH."""
    pool = _words()
    while True:
        passphrase = "-".join(secrets.choice(pool) for _ in range(words))
        if len(passphrase) <= MAX_LENGTH:
            return passphrase


def passphrase_for(policy: EmailSettings, date_of_birth: date | None) -> Passphrase:
    """The passphrase the site's policy gives this patient's packet (the one policy every door uses);
    UsageError when the policy is the date of birth and the record has none (never a made-up one)."""
    if policy.passphrase == "date_of_birth":  # noqa: S105 (a policy name, not a password)
        if date_of_birth is None:
            raise UsageError("the site's passphrase is the patient's date of birth, and this record has none")
        form = policy.date_of_birth_format
        return Passphrase(date_of_birth.strftime(_DIGITS[form]), f"the patient's date of birth as {form}")
    secret = one_time(policy.words)
    return Passphrase(secret, secret)
