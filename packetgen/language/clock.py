"""A clock time in a sentence, as each language says it.

In Spanish an hour takes the article of its number: "a las 6:00 p. m.", but "a la 1:00 p. m."
and "a la 1:30" (la una). Content and labels write "a las {{ procedure_time }}"; `one_oclock`
makes the article agree once the time is known, wherever a time prints.
"""

from __future__ import annotations

import re

_ONE_OCLOCK = {
    # "las" just before 1:MM (never 11:MM or 21:MM) is "la": "a la 1:30", "desde la 1:00", "La 1:15".
    "es": (re.compile(r"\b([Ll])as(\s+)(?=1:\d\d(?!\d))"), r"\1a\2"),
}
"""Per primary language: the article before a time of the hour one, and what it becomes."""


def one_oclock(text: str, language: str) -> str:
    """`text` with the article before a one-o'clock time agreeing, in `language` (a BCP 47 tag or a
    locale such as `es_MX`): Spanish "a las 1:30 p. m." → "a la 1:30 p. m."; unchanged in others."""
    rule = _ONE_OCLOCK.get(re.split(r"[-_]", language)[0].lower())
    if rule is None or "1:" not in text:
        return text
    pattern, replacement = rule
    return pattern.sub(replacement, text)
