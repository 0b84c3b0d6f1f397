"""What a user name and a password must be (issue 26), checked wherever one is set: `user add`, the
admin page, `user passwd`, a user changing their own.

User names are compared as Unicode NFKC makes them (so a full-width `ａｄｍｉｎ` is `admin`), on adding
and on signing in. A new name is refused with spaces around it, with a control or invisible character,
with letters of two scripts (a Cyrillic `а` among Latin letters), or when its skeleton is another
user's. The skeleton is a small, documented stand-in for Unicode's confusables (UTS #39): the name in
NFKC, case-folded, accents removed, and the Cyrillic and Greek letters that look like Latin ones, `0`,
`1` and `|`, read as those Latin letters; so `Admin`, `аdmin` (all Cyrillic but the look) and `admіn`
are all `admin`.

A password needs 12 to 128 characters, must not contain the user's name (of 3 characters or more),
and must reach a score of 3
of 4 in zxcvbn's offline estimate (common passwords, words, names, keyboard patterns, dates, repeats;
nothing leaves the machine). A refusal says why, never what the password was.
"""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

from ..errors import UsageError

MIN_LENGTH = 12
MAX_LENGTH = 128
"""A longer password is refused (ASVS 2.1.2: 64 characters or more allowed, more than 128 denied)."""
MIN_SCORE = 3
"""zxcvbn's score (0 to 4) a password must reach: 3 is "safely unguessable" (about 10^8 guesses or more)."""
_ESTIMATED = 72
"""zxcvbn judges at most 72 characters (it raises ValueError beyond: its time grows with the length), so
it is given the first 72; a longer password is long enough."""

_NAME_IN_PASSWORD = 3
"""A name this long or longer must not be in the password (shorter ones zxcvbn weighs as user input)."""

_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m",
        "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "һ": "h",
        "ԛ": "q", "ԝ": "w", "ь": "b", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j", "μ": "u",
        # digits and strokes read as letters
        "0": "o", "1": "l", "i": "l", "|": "l",
    }
)  # fmt: skip
_ONE_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HALFWIDTH": "CJK"}
"""Scripts written together (Japanese mixes kanji and kana), counted as one."""


def normalise(name: str) -> str:
    """A user name as it is stored and looked up: Unicode NFKC."""
    return unicodedata.normalize("NFKC", name)


def skeleton(name: str) -> str:
    """What a name looks like: NFKC, case-folded, accents removed, look-alike letters read as Latin."""
    folded = unicodedata.normalize("NFD", normalise(name).casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).translate(_LOOK_ALIKES)


def scripts(name: str) -> set[str]:
    """The scripts of a name's letters, as their Unicode names begin (LATIN, CYRILLIC, GREEK, CJK…)."""
    found = set()
    for c in name:
        if c.isalpha():
            script = unicodedata.name(c, "UNKNOWN").split(" ")[0]
            found.add(_ONE_SCRIPT.get(script, script))
    return found


def check_name(name: str, others: list[str]) -> str:
    """The new user name `name` as it will be stored (NFKC); UsageError when it will not do (`others`:
    the names of the users there are)."""
    normal = normalise(name)
    if not 1 <= len(normal) <= 100:
        raise UsageError("user name: expected 1 to 100 characters")
    if normal != normal.strip():
        raise UsageError("user name: expected no spaces before or after it")
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in normal):
        raise UsageError("user name: expected no control, invisible or unusual space characters")
    found = scripts(normal)
    if len(found) > 1:
        mixed = " and ".join(script.title() for script in sorted(found))
        raise UsageError(f"user name: expected letters of one script, not {mixed} mixed")
    if normal in others or normal in map(normalise, others):
        raise UsageError(f"user {normal} exists already")
    like = skeleton(normal)
    for other in others:
        if skeleton(other) == like:
            raise UsageError(f"user name: too like the existing user {other}: choose one that looks different")
    return normal


def check_password(password: str, name: str) -> None:
    """UsageError saying why `password` will not do for the user `name` (never repeating it)."""
    if len(password) < MIN_LENGTH:
        raise UsageError(f"password: expected at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UsageError(f"password: expected at most {MAX_LENGTH} characters")
    if len(name) >= _NAME_IN_PASSWORD and normalise(name).casefold() in normalise(password).casefold():
        raise UsageError("password: expected not to contain the user name")
    judged = zxcvbn(password[:_ESTIMATED], user_inputs=[name] if name else [])
    if judged["score"] < MIN_SCORE:
        warning = str(judged["feedback"].get("warning") or "").rstrip(".")
        why = f" ({warning})" if warning else ""
        raise UsageError(
            f"password: too easy to guess{why}; choose a longer one, of several uncommon words "
            f"(a strength of {judged['score']} of 4; {MIN_SCORE} is needed)"
        )
