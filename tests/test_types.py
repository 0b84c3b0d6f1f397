"""The text type every content and appointment string passes through (`models.types.clean_text`)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from packetgen.models.types import clean_text


def _reference(value: str) -> str:
    """The rule as written: NFC, line ends unified, trimmed, not blank, and the first character of
    category Cc, Cf, Co or Cs (but tab and line feed) refused by its code."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not value:
        raise ValueError("blank")
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") and ch not in "\n\t":
            raise ValueError(f"U+{ord(ch):04X}")
    return value


def _outcome(function, value: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return "ok:" + function(value)
    except PydanticCustomError as exc:
        return "blank" if exc.type == "blank" else f"U+{exc.context['code']}"  # type: ignore[index]
    except ValueError as exc:
        return str(exc)


_TEXT = st.text(
    st.one_of(
        st.characters(),  # anything, surrogates, private use and format characters included
        st.sampled_from("\t\n\r \x00\x07\x1f\x7f\x85\u00ad\u200b\u200e\u2066\ufeff\ue000éñ中"),
    ),
    max_size=30,
)


@given(_TEXT)
def test_clean_text_refuses_exactly_what_the_rule_names_and_names_the_first(value: str) -> None:
    assert _outcome(clean_text, value) == _outcome(_reference, value)


@pytest.mark.parametrize(
    ("value", "code"),
    [("a\x07b", "0007"), ("año\u200bx\x01", "200B"), ("x\x01y\u200b", "0001"), ("\ue000", "E000"), ("a\x7f", "007F")],
)
def test_the_first_wrong_character_is_named(value: str, code: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        clean_text(value)
    assert caught.value.context == {"code": code}
