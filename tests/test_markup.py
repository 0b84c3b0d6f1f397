"""The one escape, font fallback runs, and the author-only template engine."""

from __future__ import annotations

import functools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from packetgen.language.direction import visual
from packetgen.library import load_library
from packetgen.markup import fill, language_runs, logical, template_problem, to_markup
from packetgen.render.fonts import FontSet, load_fonts

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
    assert to_markup("Wang 王 小明 <x>", cjk, spans=False) == 'Wang <font name="CJK">王 小明 </font>&lt;x&gt;'


def test_words_in_another_script_are_marked_with_their_language() -> None:
    # The span covers the Chinese words and the space between them, not the space after them.
    assert to_markup("Wang 王 小明 <x>", cjk) == (
        'Wang <onDraw name="lang" label="zh"/><font name="CJK">王 小明</font><onDraw name="lang" label=""/> &lt;x&gt;'
    )
    assert language_runs("محمد علي, MRN") == [("ar", "محمد علي"), ("", ", MRN")]
    assert language_runs("José Núñez") == [("", "José Núñez")]
    assert language_runs("Иван (Ivan) Петров") == [("ru", "Иван"), ("", " (Ivan) "), ("ru", "Петров")]


@functools.cache
def _letter_fonts() -> FontSet:
    return load_fonts(load_library().layout("letter").fonts)


PATIENT_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co")),
        st.sampled_from("<>&;'\"王小明김민준 /#"),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(PATIENT_TEXT)
def test_any_text_survives_paragraph_parsing(text: str) -> None:
    # Whatever a patient's name holds, ReportLab's parser accepts the markup and gives back the
    # very characters (in drawing order), each in the font that can draw it.
    fonts = _letter_fonts()
    style = ParagraphStyle("t", fontName=fonts.regular)
    frags = Paragraph(to_markup(text, fonts), style).frags
    assert "".join(f.text for f in frags).split() == visual(text).split()
    for frag in frags:
        for ch in frag.text:
            if not ch.isspace():
                assert frag.fontName == (fonts.fallback_for(ch) or fonts.regular), (ch, frag.fontName)


def test_the_fallback_path_is_taken_for_chinese_and_korean() -> None:
    fonts = _letter_fonts()
    frags = Paragraph(to_markup("Kim 김민준 & 王", fonts), ParagraphStyle("t", fontName=fonts.regular)).frags
    fallback = "wqy-microhei-fallback"
    assert [(f.text, f.fontName) for f in frags if f.text.strip()] == [
        ("Kim ", fonts.regular),
        ("김민준", fallback),
        ("&", fonts.regular),
        ("王", fallback),
    ]


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


def test_a_right_to_left_run_carries_its_text_in_reading_order() -> None:
    """Its glyphs are drawn in visual order; the span's label gives a screen reader the name as
    written (/ActualText)."""
    markup = to_markup("Patient: العلي, محمد", _letter_fonts())
    assert 'label="ar العلي, محمد"' in markup
    assert "ﻲﻠﻌﻟﺍ" in markup  # still drawn in joined forms, right to left
    assert 'label="zh"' in to_markup("王小明", _letter_fonts())  # no reading-order text needed
    assert logical(visual("مُحَمَّد")) == unicodedata.normalize("NFKC", "مُحَمَّد")  # marks too


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [chr(c) for c in range(0x0621, 0x064B)] + [chr(c) for c in range(0x05D0, 0x05EB)] + [" "]
        ),
        min_size=1,
        max_size=30,
    )
)
def test_reading_order_is_the_drawing_order_undone(text: str) -> None:
    """Arabic and Hebrew words, drawn right to left in joined forms, read back as written."""
    words = " ".join(text.split())
    if words:
        assert logical(visual(words)) == unicodedata.normalize("NFKC", words)


@given(value=st.text(alphabet="abc .:", min_size=1).filter(str.strip))
def test_a_value_ending_a_sentence_never_gives_two_full_stops(value: str) -> None:
    filled = fill("Arrive by {{ arrival }}. Then wait.", {"arrival": value})
    assert filled == f"Arrive by {value}{'' if value.endswith('.') else '.'} Then wait."


def test_the_spanish_time_closes_its_sentence_once() -> None:
    assert (
        fill("Llegue el {{ arrival }}.", {"arrival": "lunes, a las 6:30 a. m."}) == "Llegue el lunes, a las 6:30 a. m."
    )
