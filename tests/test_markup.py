"""The one escape, font fallback runs, and the author-only template engine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.platypus import Paragraph

from packetgen.direction import visual
from packetgen.markup import fill, template_problem, to_markup

ALLOWED = frozenset({"provider", "night_before"})


class Fonts:
    """A main font that lacks CJK, and a fallback that has it."""

    def __init__(self, fallback: str | None = "CJK") -> None:
        self.fallback = fallback

    def covers_all(self, text: str) -> bool:
        return all(self.fallback_for(ch) is None for ch in text)

    def fallback_for(self, ch: str) -> str | None:
        return self.fallback if "\u4e00" <= ch <= "\u9fff" else None


cjk = Fonts()


def test_escapes_markup_characters_once() -> None:
    assert to_markup("O'Brien & <Sons> &amp;", cjk) == "O'Brien &amp; &lt;Sons&gt; &amp;amp;"


def test_fallback_font_runs_keep_spaces_inside_a_run() -> None:
    assert to_markup("Wang 王 小明 <x>", cjk) == 'Wang <font name="CJK">王 小明 </font>&lt;x&gt;'


@given(st.text(max_size=60))
def test_any_text_survives_paragraph_parsing(text: str) -> None:
    # Whatever a patient's name holds, ReportLab's parser must accept the markup.
    Paragraph(to_markup(text, Fonts(fallback=None)))


def test_patient_values_are_inserted_never_compiled() -> None:
    text = fill("Ask {{ provider }}.", {"provider": "{{ 7*7 }} {% raw %}"})
    assert text == "Ask {{ 7*7 }} {% raw %}."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("plain text", None),
        ("on {{ night_before }} ask {{provider}}", None),
        ("{{ arrival }}", "unknown placeholder 'arrival'; expected one of: night_before, provider"),
        ("{{ provider.__class__ }}", "only simple placeholders like {{ provider }} are allowed"),
        ("{{ provider | upper }}", "only simple placeholders like {{ provider }} are allowed"),
        ("{% if provider %}x{% endif %}", "only simple placeholders like {{ provider }} are allowed"),
        ("{{ provider ", "only simple placeholders like {{ provider }} are allowed"),
    ],
)
def test_template_rules(text: str, problem: str | None) -> None:
    assert template_problem(text, ALLOWED) == problem


def test_blank_value_is_refused_rather_than_printed() -> None:
    with pytest.raises(ValueError, match="blank"):
        fill("Ask {{ provider }}.", {"provider": " "})


def test_right_to_left_text_is_put_in_drawing_order() -> None:
    assert visual("Ann O'Brien") == "Ann O'Brien"
    assert visual("דוד כהן") == "ןהכ דוד"  # Hebrew: the run reversed, no joining
    # Arabic: joined forms (final dal, medial meem with shadda and fatha, medial hah with fatha,
    # initial meem with damma), drawn right to left, each mark just before its letter: a
    # right-to-left font's marks reach rightwards from where they are drawn.
    assert visual("مُحَمَّد") == "\ufeaa\u0651\u064e\ufee4\u064e\ufea4\u064f\ufee3"
    assert visual("لا") == "\ufefb"  # lam-alef is always one glyph
    assert visual("عبد الله") == "\ufeea\ufee0\ufedf\ufe8d \ufeaa\ufe92\ufecb"  # no ALLAH ligature glyph
    assert visual("Nguye\u0302\u0303n") == "Nguye\u0302\u0303n"  # left-to-right marks stay put
    assert visual("O'Brien محمد 42") == "O'Brien 42 \ufeaa\ufee4\ufea4\ufee3"  # digits join the Arabic run
