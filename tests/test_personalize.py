"""Personalization: real dates from relative times, the site's clock, flags, warnings."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from packetgen.cli import main
from packetgen.errors import InputErrors, PacketError
from packetgen.language.labels import LABELS
from packetgen.library import Library, load_library
from packetgen.models import Appointment, Content
from packetgen.models.content import Timing
from packetgen.models.packet import Callout, ListBlock, Paragraph, ResolvedPacket, Section
from packetgen.personalize import personalize
from packetgen.timing import Site, moment
from tests.helpers.site import BASE_APPOINTMENT, TODAY, ZONE, copy_site, normalize


def resolve(library: Library, today: date = TODAY, content: Content | None = None, **overrides: Any) -> ResolvedPacket:
    appointment = Appointment.model_validate({**BASE_APPOINTMENT, **overrides}).with_origin({})
    layout = library.layout(None)
    content = content or library.contents["vertebroplasty"]
    return personalize(content, appointment, layout, library.department(content.department), Site(ZONE, today))


def section(packet: ResolvedPacket, section_id: str) -> Section:
    """The handout's or the consent's section `section_id` as the packet prints it."""
    sections = (*packet.handout.sections, *packet.consent.sections, *packet.consent.after_risks)
    return next(s for s in sections if s.id == section_id)


def bullets(packet: ResolvedPacket, section_id: str) -> tuple[str, ...]:
    """The items of the section's first list."""
    return next(b for b in section(packet, section_id).blocks if isinstance(b, ListBlock)).items


def every_bullet(packet: ResolvedPacket, section_id: str) -> tuple[str, ...]:
    """The items of every list in the section, in order (a shared fragment's list follows the content's own)."""
    return tuple(item for b in section(packet, section_id).blocks if isinstance(b, ListBlock) for item in b.items)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_resolved_packet_pickles_with_its_labels(library: Library, language: str) -> None:
    """Worker processes receive resolved packets: the typed labels travel with them, equal."""
    content = library.translations["vertebroplasty"]["es"] if language == "es" else None
    packet = resolve(library, content=content, language=language)
    assert packet.labels is LABELS[language]
    again = pickle.loads(pickle.dumps(packet))
    assert again == packet
    assert again.labels.signer_patient == packet.labels.signer_patient


def test_night_before_becomes_the_real_weekday_and_date(library: Library) -> None:
    packet = resolve(library, start="2027-03-01T08:00")  # a Monday; the night before is in February
    # Dates and times hold no-break spaces: never "February | 28" or "7:00 | AM" across two lines.
    assert bullets(packet, "before")[0] == "Don't eat or drink after midnight the night before the procedure."
    assert packet.handout.checklist is not None  # the moment the fast starts, said once: in the checklist
    first = packet.handout.checklist.items[0]
    assert first == "Nothing to eat or drink after 11:59\u00a0PM on Sunday,\u00a0February\u00a028."
    assert packet.visit.date == "Monday,\u00a0March\u00a01,\u00a02027"
    assert packet.visit.arrival == "7:00\u00a0AM"
    assert packet.patient.date_of_birth == "Mar\u00a014,\u00a01948"


def test_arrival_counts_real_minutes_on_the_days_clocks_change(library: Library) -> None:
    packet = resolve(library, start="2027-03-14T03:30")  # America/Chicago springs forward at 02:00
    assert packet.visit.time == "3:30\u00a0AM"
    assert packet.visit.arrival == "1:30\u00a0AM"  # 60 minutes before; 2:30 AM does not exist that day
    autumn = resolve(library, start="2026-11-01T02:30")  # falls back at 02:00: 1:00-2:00 AM happens twice
    assert autumn.visit.arrival == "1:30\u00a0AM"  # the second 1:30 AM, 60 minutes before


def test_calendar_days_keep_the_clock_time_and_resolve_skipped_or_repeated_ones() -> None:
    zone = "America/Chicago"
    assert moment(datetime(2027, 3, 16, 2, 30), Timing(days=-1, show="time"), zone) == datetime(2027, 3, 15, 2, 30)
    # 2:30 AM does not exist on March 14, 2027: read with the offset before the change, it is 3:30 AM.
    assert moment(datetime(2027, 3, 15, 2, 30), Timing(days=-1, show="time"), zone) == datetime(2027, 3, 14, 3, 30)
    # 1:30 AM happens twice on November 1, 2026: the first (fold=0), then minutes count real time.
    first = moment(datetime(2026, 11, 2, 1, 30), Timing(days=-1, show="time"), zone)
    assert (first, first.fold) == (datetime(2026, 11, 1, 1, 30), 0)
    later = moment(datetime(2026, 11, 2, 1, 30), Timing(days=-1, minutes=60, show="time"), zone)
    assert (later, later.fold) == (datetime(2026, 11, 1, 1, 30), 1)


def arrive_item(texts: tuple[str, ...], lead: str) -> str:
    (item,) = [normalize(text) for text in texts if text.startswith(lead)]
    return item


@pytest.mark.parametrize(
    ("start", "time", "arrival"), [("00:30", "12:30 AM", "11:30 PM"), ("00:00", "12:00 AM", "11:00 PM")]
)
def test_arrival_before_midnight_prints_the_day_before(library: Library, start: str, time: str, arrival: str) -> None:
    """Issue 23: a start at 00:30 (or the 00:00 some feeds send) printed the arrival 23 hours after it."""
    packet = resolve(library, start=f"2026-12-15T{start}")  # a Tuesday
    assert packet.visit.date == "Tuesday,\u00a0December\u00a015,\u00a02026"
    # The date and the time each never break; the words between them may.
    assert packet.visit.arrival == f"{arrival.replace(' ', chr(0xA0))} on Monday,\u00a0December\u00a014"
    visit_line = packet.labels.time_line.format(time=packet.visit.time, arrival=packet.visit.arrival)
    assert normalize(visit_line) == f"{time}. Please arrive by {arrival} on Monday, December 14."
    checklist = packet.handout.checklist
    assert checklist is not None
    # {{ arrival }} is a moment shown as `datetime`: its date, then its time.
    assert arrive_item(checklist.items, "Arrive") == f"Arrive by Monday, December 14, at {arrival}."

    spanish = resolve(library, content=library.translations["vertebroplasty"]["es"], start=f"2026-12-15T{start}")
    hora = arrival.replace("PM", "p. m.")
    assert normalize(spanish.visit.arrival) == f"{hora} del lunes, 14 de diciembre"
    assert spanish.handout.checklist is not None
    assert arrive_item(spanish.handout.checklist.items, "Llegue") == (
        f"Llegue a más tardar el lunes, 14 de diciembre, a las {hora}"  # one stop: "p. m." ends the sentence
    )


def test_arrival_on_the_day_prints_its_time_alone_in_the_visit_line(library: Library) -> None:
    packet = resolve(library, start="2026-12-15T09:15")
    assert packet.visit.arrival == "8:15\u00a0AM"
    assert packet.handout.checklist is not None
    assert arrive_item(packet.handout.checklist.items, "Arrive") == "Arrive by Tuesday, December 15, at 8:15 AM."


EXTRA_TIMES = """times:
  night_before: {days: -1, show: date}
  ready: {minutes: -30, show: time}
  pills: {minutes: -480, show: time}
  night_call: {days: -1, show: time}
  call: {days: -1, minutes: 120, show: datetime}
"""


def edited_site(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """A copy of the site whose English vertebroplasty has `changes` (the Spanish removed); its path."""
    root = copy_site(tmp_path / "site")
    (root / "packets" / "vertebroplasty.es.yaml").unlink()
    path = root / "packets" / "vertebroplasty.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_time_on_another_day_prints_its_own_date(tmp_path: Path) -> None:
    path = edited_site(
        tmp_path,
        ("times:\n  night_before: {days: -1, show: date}\n", EXTRA_TIMES),
        (
            "Bring an adult who will drive you home.",
            "Be ready at {{ ready }}. Take your pills at {{ pills }}. Wake at {{ night_call }}. We call on {{ call }}.",
        ),
    )
    library = load_library(root=path.parent.parent)
    packet = resolve(library)  # Monday, December 7, 2026 at 7:30 AM
    assert packet.handout.checklist is not None
    assert arrive_item(packet.handout.checklist.items, "Be ready") == (
        "Be ready at 7:00 AM. Take your pills at 11:30 PM on Sunday, December 6. "
        "Wake at 7:30 AM on Sunday, December 6. We call on Sunday, December 6, at 9:30 AM."
    )


def line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def test_validate_refuses_a_time_put_with_the_appointments_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = "Arrive by {{ arrival_time }} on {{ procedure_date }}."
    path = edited_site(tmp_path, ("Arrive by {{ arrival }}.", old))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        f"{path}:{line_of(path, old)}: handout.checklist.items[1].text: a time that may fall on another day "
        "carries its own date: write {{ arrival }} instead of {{ arrival_time }} … {{ procedure_date }}"
    ) in err


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("On {{ procedure_date }}, be ready at {{ ready }}.", "give `ready` `show: datetime`"),
        ("Llegue a las {{ arrival_time }} del {{ procedure_date }}.", "write {{ arrival }} instead of"),
        ("Arrive by {{ arrival_time }}. Your procedure is on {{ procedure_date }}.", None),
        ("Stop eating on {{ night_before }}, the day before {{ procedure_date }}.", None),  # a date, not a time
        ("Your procedure is on {{ procedure_date }}; we call at {{ call }}.", None),  # a datetime is dated
    ],
)
def test_a_sentence_may_not_pair_a_time_with_the_appointments_date(
    tmp_path: Path, text: str, refused: str | None
) -> None:
    changes = [("times:\n  night_before: {days: -1, show: date}\n", EXTRA_TIMES), ("Arrive by {{ arrival }}.", text)]
    path = edited_site(tmp_path, *changes)
    if refused is None:
        load_library(root=path.parent.parent)
        return
    with pytest.raises(InputErrors) as info:
        load_library(root=path.parent.parent)
    (error,) = info.value.errors
    assert error.field == "handout.checklist.items[1].text"
    assert refused in str(error)


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


def test_flags_add_callouts_and_clauses_where_the_content_puts_them_in_its_order(library: Library) -> None:
    packet = resolve(library, flags=["sedation", "anticoagulant"])
    callouts = [b.heading for b in section(packet, "before").blocks if isinstance(b, Callout)]
    assert callouts == [  # the content's order, not the record's
        "You take a medicine that thins your blood (anticoagulant)",
        "You will be given medicine to help you relax and feel sleepy (sedation)",
    ]
    # The sedation details go with the consent to anesthesia and sedation; others with the conditions.
    assert bullets(packet, "conditions") == (
        "I understand that taking a blood thinner can increase the risk of bleeding from this procedure.",
    )
    assert every_bullet(packet, "anesthesia")[-1].startswith("I agree to receive sedation.")
    plain = resolve(library)
    assert "conditions" not in [s.id for s in plain.consent.after_risks]  # nothing to print: no heading either
    assert every_bullet(plain, "anesthesia") == every_bullet(packet, "anesthesia")[:-1]
    assert len(every_bullet(plain, "anesthesia")) == 3  # local anesthetic, IV sedation and the ride home, for everyone
    assert [b for b in section(plain, "before").blocks if isinstance(b, Callout)] == []


def test_every_risk_reaches_handout_and_consent(library: Library) -> None:
    packet = resolve(library)
    content = library.contents["vertebroplasty"]
    unconditional = [risk for risk in content.risks if risk.when is None]
    assert len(packet.handout.risks) == len(unconditional) == 14
    assert packet.handout.risks == packet.consent.risks
    # A flag's own risks (issue 28: a blood thinner's bleeding, a contrast allergy's reaction) on both too.
    flagged = resolve(library, flags=["anticoagulant", "contrast_allergy"])
    assert len(flagged.handout.risks) == len(content.risks) == 16
    assert flagged.handout.risks == flagged.consent.risks
    assert "Heavier bleeding, because you take a blood thinner" in flagged.consent.risks


def test_placeholders_are_filled_everywhere(library: Library) -> None:
    packet = resolve(library, provider="Dr. {{ x }} Who")
    statement = section(packet, "statement").blocks[0]
    closing = packet.handout.closing[-1]
    assert isinstance(statement, Paragraph)
    assert isinstance(closing, Paragraph)
    assert statement.text.startswith("I ask Dr. {{ x }} Who and the care team at Riverside")
    assert closing.text.endswith("call Riverside General Hospital at (217) 555-0142.")


def test_past_appointment_and_missing_language_are_warnings(library: Library) -> None:
    packet = resolve(library, today=date(2027, 1, 1), language="fr")
    assert any("warning: start: the appointment is in the past" in w for w in packet.warnings)
    assert any("warning: language: no vertebroplasty packet in 'fr'" in w for w in packet.warnings)
    assert resolve(library).warnings == ()


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("Dr. Maria Alvarez, MD", "Dr. Maria Alvarez"),  # a title and a degree: the title alone
        ("Dr. John Smith III, MD, FACC", "Dr. John Smith III"),
        ("Dr. John Smith, Jr.", "Dr. John Smith, Jr."),  # a generation is the name's own
        ("Dr. Ana Lee, II", "Dr. Ana Lee, II"),
        ("Maria Alvarez, MD", "Maria Alvarez, MD"),  # a degree alone stays
        ("Dr. Okafor", "Dr. Okafor"),
    ],
)
def test_running_text_names_a_doctor_by_title_or_degree_never_both(library: Library, given: str, said: str) -> None:
    packet = resolve(library, provider=given)
    (request,) = [b.text for b in section(packet, "statement").blocks if isinstance(b, Paragraph)][:1]
    assert request.startswith(f"I ask {said} and the care team"), request
    assert packet.visit.provider == given  # the appointment panel keeps the record's words
