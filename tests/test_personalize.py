"""Personalization: real dates from relative times, the site's clock, flags, warnings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from packetgen.errors import PacketError
from packetgen.library import Library
from packetgen.models import Appointment
from packetgen.models.packet import ResolvedPacket
from packetgen.personalize import personalize
from packetgen.timing import Site
from tests.conftest import BASE_APPOINTMENT, TODAY


def resolve(library: Library, today: date = TODAY, **overrides: Any) -> ResolvedPacket:
    appointment = Appointment.model_validate({**BASE_APPOINTMENT, **overrides}).with_origin({})
    layout = library.layout(None)
    content = library.contents["vertebroplasty"]
    return personalize(content, appointment, layout, Site(layout.facility.timezone, today))


def bullets(packet: ResolvedPacket, section: str) -> tuple[str, ...]:
    return next(s for s in packet.handout.sections if s.id == section).bullets


def test_night_before_becomes_the_real_weekday_and_date(library: Library) -> None:
    packet = resolve(library, start="2027-03-01T08:00")  # a Monday; the night before is in February
    # Dates and times hold no-break spaces: never "February | 28" or "7:00 | AM" across two lines.
    assert bullets(packet, "before")[0].endswith("(after midnight on Sunday,\u00a0February\u00a028).")
    assert packet.visit.date == "Monday,\u00a0March\u00a01,\u00a02027"
    assert packet.visit.arrival == "7:00\u00a0AM"
    assert packet.patient.date_of_birth == "Mar\u00a014,\u00a01948"


def test_arrival_uses_wall_clock_on_the_day_clocks_change(library: Library) -> None:
    packet = resolve(library, start="2027-03-14T03:30")  # America/Chicago springs forward at 02:00
    assert packet.visit.time == "3:30\u00a0AM"
    assert packet.visit.arrival == "2:30\u00a0AM"


def test_offset_is_converted_to_the_site_clock(library: Library) -> None:
    packet = resolve(library, start="2026-12-07T13:30:00Z")
    assert packet.visit.time == "7:30\u00a0AM"  # 13:30 UTC is 07:30 in Chicago in December


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2027-03-14T02:30", "does not exist in America/Chicago"),
        ("2026-11-01T01:30", "happens twice in America/Chicago"),
    ],
)
def test_impossible_or_ambiguous_clock_times_are_refused(library: Library, start: str, message: str) -> None:
    with pytest.raises(PacketError, match=message):
        resolve(library, start=start)


def test_flags_add_callouts_to_their_section_and_clauses_to_the_consent(library: Library) -> None:
    packet = resolve(library, flags=["sedation", "anticoagulant"])
    labels = [c.label for c in next(s for s in packet.handout.sections if s.id == "before").callouts]
    assert labels == [
        "You will be given medicine to help you relax and feel sleepy (sedation)",
        "You take a medicine that thins your blood (anticoagulant)",
    ]
    # The sedation details go with the consent to anesthesia and sedation; others with the conditions.
    assert packet.consent.flag_clauses == (
        "I understand that taking a blood thinner can increase the risk of bleeding from this procedure.",
    )
    assert packet.consent.anesthesia[-1].startswith("I agree to receive sedation.")
    plain = resolve(library)
    assert plain.consent.flag_clauses == ()
    assert plain.consent.anesthesia == packet.consent.anesthesia[:-1]
    assert len(plain.consent.anesthesia) == 3  # local anesthetic, IV sedation and the ride home, for everyone


def test_every_risk_reaches_handout_and_consent(library: Library) -> None:
    packet = resolve(library)
    content = library.contents["vertebroplasty"]
    assert len(packet.handout.risks) == len(content.risks) == 14
    assert packet.handout.risks == packet.consent.risks


def test_placeholders_are_filled_everywhere(library: Library) -> None:
    packet = resolve(library, provider="Dr. {{ x }} Who")
    assert packet.consent.statement[0].startswith("I ask Dr. {{ x }} Who and the care team at Riverside")
    assert packet.handout.closing[-1].endswith("call Riverside General Hospital at (217) 555-0142.")


def test_past_appointment_and_missing_language_are_warnings(library: Library) -> None:
    packet = resolve(library, today=date(2027, 1, 1), language="fr")
    assert any("warning: start: the appointment is in the past" in w for w in packet.warnings)
    assert any("warning: language: no vertebroplasty packet in 'fr'" in w for w in packet.warnings)
    assert resolve(library).warnings == ()
