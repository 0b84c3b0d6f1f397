"""The interpreter notice in the patient's own language, for a patient whose language has no packet."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from packetgen.build import Generated
from packetgen.checks import undrawable
from packetgen.language.direction import visual
from packetgen.language.taglines import RIGHT_TO_LEFT, SHAPED, TAGLINES, tagline_for
from packetgen.library import Library
from packetgen.render.flowables import RightToLeft
from packetgen.render.fonts import load_fonts
from packetgen.render.styles import make_styles
from tests.helpers.pdftext import page_texts, stream_texts

TOP_15 = ("es", "zh", "tl", "vi", "ar", "fr", "ko", "ru", "de", "ht", "hi", "pt", "it", "pl", "ur")
"""The languages most spoken at home in the United States after English (American Community Survey)."""


def test_the_15_most_spoken_languages_somali_and_arabic_have_a_tagline() -> None:
    for tag in (*TOP_15, "so", "ar"):
        assert tagline_for(tag) is not None, tag
    assert len(TAGLINES) >= 17


@pytest.mark.parametrize(
    ("tag", "chosen"),
    [
        ("zh-TW", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("pt-BR", "pt"),
        ("fr-CA", "fr"),
        ("so-SO", "so"),
        ("ar-EG", "ar"),
    ],
)
def test_a_tag_finds_its_languages_tagline(tag: str, chosen: str) -> None:
    found = tagline_for(tag)
    assert found is not None
    assert found[0] == chosen


def test_a_language_without_a_tagline_gets_none() -> None:
    assert tagline_for("xh") is None


@pytest.mark.parametrize("layout", ["letter", "a4", "large-print"])
def test_every_tagline_can_be_drawn_in_every_layout(library: Library, layout: str) -> None:
    fonts = load_fonts(library.layout(layout).fonts)
    for tag, text in TAGLINES.items():
        assert undrawable(text, fonts, shaped=tag in SHAPED) is None, tag
    assert undrawable(TAGLINES["hi"], fonts) is not None  # unshaped, Hindi would print wrong: refused


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", "Quý vị có quyền được thông dịch viên miễn phí."),
        ("so", "Waxaad xaq u leedahay turjubaan bilaash ah."),
        ("zh-TW", "您有權免費獲得口譯服務。"),
        ("ko", "귀하는 무료 통역 서비스를 받을 권리가 있습니다."),
    ],
)
def test_the_notice_comes_in_english_and_in_the_patients_language(
    generate: Callable[..., Generated], language: str, expected: str
) -> None:
    first = page_texts(generate(language=language).path)[0]
    assert "You have the right to a free interpreter" in first
    assert expected in first.replace("\n", "")


def test_no_tagline_for_a_patient_whose_packet_is_in_their_language(generate: Callable[..., Generated]) -> None:
    for language in ("en", "es"):
        first = page_texts(generate(language=language).path)[0]
        assert "interpreter" not in first
        assert not any(text[:25] in first for text in TAGLINES.values())


def test_hindi_is_shaped_in_a_devanagari_font(generate: Callable[..., Generated]) -> None:
    made = generate(language="hi")
    fonts = subprocess.run(["pdffonts", str(made.path)], capture_output=True, text=True, check=True).stdout
    assert "Lohit-Devanagari" in fonts
    first = stream_texts(made.path)[0]
    assert "You have the right to a free interpreter" in first
    # Shaped: conjuncts ("क्ष" in हस्ताक्षर) are glyphs of their own, with no character of their own, so
    # ReportLab maps them into the private use area; unshaped text would hold none.
    hindi = first[first.index("anything.") :]
    assert any("\ue000" <= ch <= "\uf8ff" for ch in hindi)
    assert "दुभा" in hindi  # plain letters still extract as themselves


def test_right_to_left_lines_read_from_the_top_line_down(library: Library) -> None:
    layout = library.layout("letter")
    fonts = load_fonts(layout.fonts)
    style = make_styles(layout, fonts).tagline
    for tag in RIGHT_TO_LEFT:
        text = TAGLINES[tag]
        para = RightToLeft(text, style.fontName, style.fontSize, style.leading, style.textColor, fonts)
        para.wrap(200, 1000)
        assert len(para.lines) >= 3, tag
        assert " ".join(para.lines) == " ".join(text.split())  # logical order kept, line by line
        for line in para.lines:
            assert fonts.width(visual(line), style.fontName, style.fontSize) <= 200 or " " not in line
