"""Right-to-left text (Arabic, Hebrew) put into the order it is drawn in.

ReportLab draws characters left to right as given. Its own answer for
right-to-left text needs `rlbidi`, which has no installable release, and its
uharfbuzz shaping joins Arabic letters but leaves the words of a name in
reversed order. So a string with right-to-left characters is prepared here,
once, before it becomes markup or is drawn: Arabic letters become their joined
presentation forms (arabic-reshaper), then the Unicode Bidirectional Algorithm
reorders the runs for a left-to-right line (python-bidi). Packets are
left-to-right documents (English, Spanish), so the base direction is LTR.

Limits: a right-to-left string long enough to wrap is reordered as one line;
other right-to-left scripts, which need joining arabic-reshaper does not do
(Syriac, N'Ko, Thaana), are refused by `checks.undrawable`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from arabic_reshaper import ArabicReshaper
from arabic_reshaper.ligatures import LETTERS_LIGATURES, SENTENCES_LIGATURES, WORDS_LIGATURES
from bidi import get_display

_RTL = frozenset({"R", "AL"})

_RESHAPER = ArabicReshaper(
    configuration={
        "delete_harakat": False,  # vowel marks are part of how the name is written: keep them
        # Only the lam-alef ligatures, which Arabic always writes joined and the packet fonts have;
        # word and sentence ligatures (e.g. ALLAH as one glyph) have no glyph in them.
        **{
            name: "lam with alef" in name.lower()
            for name, _forms in (*SENTENCES_LIGATURES, *WORDS_LIGATURES, *LETTERS_LIGATURES)
        },
    }
)


def has_rtl(text: str) -> bool:
    """Whether `text` holds any right-to-left letter."""
    return not text.isascii() and any(unicodedata.bidirectional(ch) in _RTL for ch in text)


@lru_cache(maxsize=1024)
def visual(text: str) -> str:
    """`text` in drawing order: unchanged unless it holds right-to-left letters."""
    if not has_rtl(text):
        return text
    # A reversed run puts each vowel mark just before its letter: right where a right-to-left
    # font's zero-width marks belong (their outlines reach rightwards, over the next glyph).
    return str(get_display(_RESHAPER.reshape(text), base_dir="L"))
