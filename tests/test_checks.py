"""Refusals before drawing: every string a packet will draw is checked against its fonts."""

from __future__ import annotations

from packetgen.checks import check_appointment, check_packet, undrawable
from packetgen.errors import SourcePos
from packetgen.library import Library
from packetgen.models import Appointment
from packetgen.personalize import personalize
from packetgen.timing import Site
from tests.conftest import BASE_APPOINTMENT, TODAY


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
    packet = personalize(library.contents["vertebroplasty"], appointment, layout, Site("America/Chicago", TODAY))
    where = SourcePos("packets/vertebroplasty.yaml", 1)
    assert check_packet(packet, Without(""), where) == []
    errors = [str(e) for e in check_packet(packet, Without("ễ"), where)]
    missing = "character U+1EC5 (LATIN SMALL LETTER E WITH CIRCUMFLEX AND TILDE) has no glyph in this layout's fonts"
    assert errors == [f"{where}: patient.names[0]: {missing}"]
    content = {str(e).split(": ")[1] for e in check_packet(packet, Without("V"), where)}
    assert {"title", "handout.introduction[0]", "consent.procedure"} <= content


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
