"""Refusals before drawing: every string a packet will draw is checked against its fonts."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from packetgen.build import Generated
from packetgen.checks import check_appointment, check_packet, undrawable
from packetgen.errors import InputErrors, SourcePos
from packetgen.language.labels import LABELS
from packetgen.language.taglines import TAGLINES
from packetgen.library import Library
from packetgen.models import Appointment
from packetgen.models.packet import ResolvedPacket
from packetgen.personalize import personalize
from packetgen.render import load_fonts
from packetgen.timing import Site
from tests.helpers.site import BASE_APPOINTMENT, DEPARTMENT, TODAY, ZONE


class Without:
    """Fonts that can draw everything but the characters given."""

    def __init__(self, missing: str) -> None:
        self.missing = missing

    def can_draw(self, ch: str) -> bool:
        return ch not in self.missing

    def covers_all(self, text: str) -> bool:
        return not any(ch in self.missing for ch in text)


def test_every_drawn_string_is_checked_and_named_by_its_place(library: Library) -> None:
    appointment = Appointment.model_validate({**BASE_APPOINTMENT, "flags": ["sedation"]}).with_origin({})
    layout = library.layout(None)
    department = library.department(DEPARTMENT)
    packet = personalize(library.contents["vertebroplasty"], appointment, layout, department, Site(ZONE, TODAY))
    where = SourcePos("packets/vertebroplasty.yaml", 1)
    assert check_packet(packet, Without(""), where) == []
    errors = [str(e) for e in check_packet(packet, Without("ễ"), where)]
    missing = "character U+1EC5 (LATIN SMALL LETTER E WITH CIRCUMFLEX AND TILDE) has no glyph in this layout's fonts"
    assert errors == [f"{where}: patient.names[0]: {missing}"]
    content = {str(e).split(": ")[1] for e in check_packet(packet, Without("V"), where)}
    assert {"title", "handout.sections[0].blocks[0].text", "consent.procedure"} <= content


def test_right_to_left_scripts_other_than_arabic_and_hebrew_are_named() -> None:
    assert undrawable("Ann", Without("")) is None
    assert undrawable("ܫܠܡ", Without("")) == (
        "character U+072B (SYRIAC LETTER SHIN) is right-to-left text in a script packets cannot print yet "
        "(only Arabic and Hebrew)"
    )
    assert (
        undrawable("Zoë", Without("ë"))
        == "character U+00EB (LATIN SMALL LETTER E WITH DIAERESIS) has no glyph in this layout's fonts"
    )


def test_an_instruction_no_font_can_draw_is_named_by_its_index() -> None:
    appointment = Appointment.model_validate(
        {**BASE_APPOINTMENT, "instructions": ["Fast from midnight.", "Bring ∰ form"]}
    ).with_origin({"instructions": SourcePos("a.yaml", 12), "": SourcePos("a.yaml", 1)})
    errors = [str(e) for e in check_appointment(appointment, Without("∰"))]
    assert errors == [
        "a.yaml:12: instructions[1]: character U+2230 (VOLUME INTEGRAL) has no glyph in this layout's fonts"
    ]


GLYPHLESS = "\U00013000"
"""EGYPTIAN HIEROGLYPH A001: in no font of any layout."""
NO_GLYPH = "character U+13000 (EGYPTIAN HIEROGLYPH A001) has no glyph in this layout's fonts"


def _packet(library: Library, language: str) -> ResolvedPacket:
    appointment = Appointment.model_validate({**BASE_APPOINTMENT, "language": language}).with_origin({})
    content = library.contents["vertebroplasty"]
    return personalize(content, appointment, library.layout(None), library.department(DEPARTMENT), Site(ZONE, TODAY))


def test_labels_and_the_tagline_are_checked_with_the_layouts_own_fonts(library: Library) -> None:
    """Labels (from `language/labels.py`) and taglines (`language/taglines.py`) are drawn like the
    content: a character no font can draw in any of them is refused, named by its place."""
    fonts = load_fonts(library.layout(None).fonts)
    where = SourcePos("packets/vertebroplasty.yaml", 1)
    packet = _packet(library, "vi")
    assert packet.tagline is not None
    assert check_packet(packet, fonts, where) == []
    broken = dataclasses.replace(
        packet,
        labels=dataclasses.replace(
            packet.labels,
            signature=f"Signature {GLYPHLESS}",
            patient_choices=("Patient", f"Legal representative {GLYPHLESS}"),
            email_attachment=f"{GLYPHLESS}.pdf",  # every label is checked, drawn or not
        ),
        tagline=dataclasses.replace(packet.tagline, text=f"{packet.tagline.text} {GLYPHLESS}"),
    )
    assert [str(e) for e in check_packet(broken, fonts, where)] == [
        f"{where}: labels.signature: {NO_GLYPH}",
        f"{where}: labels.patient_choices[1]: {NO_GLYPH}",
        f"{where}: labels.email_attachment: {NO_GLYPH}",
        f"{where}: tagline.text: {NO_GLYPH}",
    ]


def test_only_a_shaped_tagline_may_hold_letters_that_combine(library: Library) -> None:
    packet = _packet(library, "hi")
    assert packet.tagline is not None
    assert packet.tagline.shaped
    where = SourcePos("packets/vertebroplasty.yaml", 1)
    assert check_packet(packet, Without(""), where) == []  # the Hindi tagline, shaped by HarfBuzz
    label = dataclasses.replace(packet, labels=dataclasses.replace(packet.labels, signer_witness="गवाह"))
    (error,) = [str(e) for e in check_packet(label, Without(""), where)]
    assert error.startswith(f"{where}: labels.signer_witness: character U+0917 (DEVANAGARI LETTER GA) is in a script")
    unshaped = dataclasses.replace(packet, tagline=dataclasses.replace(packet.tagline, shaped=False))
    (error,) = [str(e) for e in check_packet(unshaped, Without(""), where)]
    assert error.startswith(f"{where}: tagline.text: character U+")
    missing = dataclasses.replace(packet, tagline=dataclasses.replace(packet.tagline, text=f"गवाह {GLYPHLESS}"))
    assert [str(e) for e in check_packet(missing, Without(GLYPHLESS), where)] == [f"{where}: tagline.text: {NO_GLYPH}"]


@pytest.mark.parametrize("where", ["label", "tagline"])
def test_a_packet_with_a_label_or_tagline_no_font_can_draw_is_refused_and_not_written(
    generate: Callable[..., Generated], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """What the person making the packet sees: one line naming the place, and no file (never tofu)."""
    if where == "label":
        monkeypatch.setitem(LABELS, "en", dataclasses.replace(LABELS["en"], signature=f"Signature {GLYPHLESS}"))
    else:
        monkeypatch.setitem(TAGLINES, "vi", f"{TAGLINES['vi']} {GLYPHLESS}")
    with pytest.raises(InputErrors) as info:
        generate(language="vi")
    place = {"label": "labels.signature", "tagline": "tagline.text"}[where]
    (line,) = info.value.lines()
    assert re.fullmatch(rf"packets/vertebroplasty\.yaml:\d+: {re.escape(place)}: {re.escape(NO_GLYPH)}", line), line
    assert not list((tmp_path / "out").glob("*.pdf"))
