"""Moments relative to the appointment (`timing.py`, `timelines.py`): a day and a clock time, hours and
minutes from the start, the arrival; computed on the site's clock across daylight-saving changes
(properties, with Hypothesis), printed in English and Spanish, and passed or not when the packet is
made."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from packetgen.language.clock import one_oclock
from packetgen.language.labels import ENGLISH, SPANISH
from packetgen.models.content import Timing
from packetgen.timing import Site, moment, show
from tests.helpers.site import ZONE

TZ = ZoneInfo(ZONE)
DST_DAYS = (date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14), date(2027, 11, 7))
"""The days America/Chicago changes its clocks, 2026-2027."""

# Starts on and around the days the clocks change: any minute of the day, either of a repeated hour.
DAYS = st.sampled_from(DST_DAYS).flatmap(lambda day: st.integers(-2, 2).map(lambda n: day + timedelta(days=n)))
STARTS = st.builds(
    lambda day, minute, fold: datetime.combine(day, time()).replace(fold=fold) + timedelta(minutes=minute),
    DAYS,
    st.integers(0, 24 * 60 - 1),
    st.sampled_from((0, 1)),
)


def utc(wall: datetime) -> datetime:
    """A wall-clock time at the site as a UTC instant (its `fold` telling a repeated time apart)."""
    return wall.replace(tzinfo=TZ).astimezone(UTC)


def exists(wall: datetime) -> bool:
    """Whether the site's clock shows `wall` at some moment (not skipped when the clocks go forward)."""
    return utc(wall).astimezone(TZ).replace(tzinfo=None) == wall


@given(start=STARTS, days=st.integers(-10, 10), hour=st.integers(0, 23), minute=st.integers(0, 59))
@example(start=datetime(2027, 3, 15, 9, 0), days=-1, hour=2, minute=30)  # 02:30 the day the clocks skip it
@example(start=datetime(2026, 11, 2, 9, 0), days=-1, hour=1, minute=30)  # 01:30 the day it happens twice
@example(start=datetime(2026, 11, 2, 9, 0), days=-1, hour=18, minute=0)  # 18:00 the day before, across a change
def test_a_clock_time_on_a_day_is_that_time_on_the_sites_clock(
    start: datetime, days: int, hour: int, minute: int
) -> None:
    assume(exists(start))
    at = moment(start, Timing(days=days, at=f"{hour:02}:{minute:02}", show="datetime"), ZONE)
    wanted = datetime.combine(start.date() + timedelta(days=days), time(hour, minute))
    if exists(wanted):
        assert at == wanted  # "18:00 the day before" is 18:00 on that date, whatever change lies between
        assert at.fold == 0  # a repeated time: the first time the clock shows it
        assert utc(at) == wanted.replace(tzinfo=TZ, fold=0).astimezone(UTC)
    else:  # skipped by the clocks going forward: the moment an hour later on the clock
        assert at == wanted + timedelta(hours=1)
        assert exists(at)


@given(start=STARTS, days=st.integers(-10, 10), hours=st.integers(-48, 48), minutes=st.integers(-600, 600))
@example(start=datetime(2026, 11, 1, 3, 30), days=0, hours=-2, minutes=0)  # back over the repeated hour
@example(start=datetime(2027, 3, 14, 6, 0), days=0, hours=-5, minutes=0)  # back over the skipped hour
def test_hours_and_minutes_from_the_start_are_elapsed_time(
    start: datetime, days: int, hours: int, minutes: int
) -> None:
    assume(exists(start))
    at = moment(start, Timing(days=days, hours=hours, minutes=minutes, show="datetime"), ZONE)
    day = moment(start, Timing(days=days, show="datetime"), ZONE)  # the calendar days first
    assert utc(at) - utc(day) == timedelta(hours=hours, minutes=minutes)
    assert exists(at)
    if days == 0:
        assert utc(at) - utc(start) == timedelta(hours=hours, minutes=minutes)


@given(start=STARTS, before=st.integers(0, 600))
def test_at_arrival_is_the_arrival(start: datetime, before: int) -> None:
    assume(exists(start))
    at = moment(start, Timing(at="arrival", show="time"), ZONE, arrive_minutes_before=before)
    assert utc(start) - utc(at) == timedelta(minutes=before)


@given(when=STARTS, made=STARTS, how=st.sampled_from(("date", "time", "datetime")))
def test_a_moment_has_passed_when_it_comes_before_the_packet_is_made(when: datetime, made: datetime, how: str) -> None:
    assume(exists(when) and exists(made))
    site = Site(ZONE, made.date(), made)
    if how == "date":  # a day has passed once it is over
        assert site.passed(when, how) == (when.date() < made.date())
    else:  # compared as instants: the second 1:30 AM comes after the first
        assert site.passed(when, how) == (utc(when) < utc(made))
    # Without a clock (tests, a pool job given only the date): as at the start of the day.
    assert Site(ZONE, made.date()).passed(when, how) == (when.date() < made.date())


@pytest.mark.parametrize(
    ("when", "how", "english", "spanish"),
    [
        (datetime(2027, 1, 13, 18, 0), "datetime", "Wednesday, January 13, at 6:00 PM",
         "miércoles, 13 de enero, a las 6:00 p. m."),
        (datetime(2027, 1, 13, 13, 0), "datetime", "Wednesday, January 13, at 1:00 PM",
         "miércoles, 13 de enero, a la 1:00 p. m."),
        (datetime(2027, 1, 13, 1, 30), "datetime", "Wednesday, January 13, at 1:30 AM",
         "miércoles, 13 de enero, a la 1:30 a. m."),
        (datetime(2027, 1, 13, 11, 0), "datetime", "Wednesday, January 13, at 11:00 AM",
         "miércoles, 13 de enero, a las 11:00 a. m."),
        (datetime(2027, 1, 13, 18, 0), "date", "Wednesday, January 13", "miércoles, 13 de enero"),
        (datetime(2027, 1, 14, 6, 30), "time", "6:30 AM", "6:30 a. m."),  # on the appointment's day
        # A time on another day: its date after it, so that it still reads after "at" (a las).
        (datetime(2027, 1, 13, 23, 30), "time", "11:30 PM on Wednesday, January 13",
         "11:30 p. m. del miércoles, 13 de enero"),
    ],
)  # fmt: skip
def test_moments_are_printed_in_the_packets_language(when: datetime, how: str, english: str, spanish: str) -> None:
    day = date(2027, 1, 14)
    assert show(when, how, ENGLISH, "en", day).replace("\u00a0", " ") == english
    assert show(when, how, SPANISH, "es", day).replace("\u00a0", " ") == spanish
    assert " " not in show(when, "date", ENGLISH, "en")  # a date never breaks across lines


@given(hour=st.integers(0, 23), minute=st.integers(0, 59), capital=st.booleans())
def test_a_spanish_time_takes_la_at_one_oclock_and_las_otherwise(hour: int, minute: int, capital: bool) -> None:
    clock = show(datetime(2027, 1, 14, hour, minute), "time", SPANISH, "es", date(2027, 1, 14))
    article = "Las" if capital else "las"
    fixed = one_oclock(f"Desde {article} {clock} hasta {article} {clock}.", "es")
    wanted = ("La" if capital else "la") if hour % 12 == 1 else article
    assert fixed == f"Desde {wanted} {clock} hasta {wanted} {clock}."
    assert one_oclock(f"at {clock}", "en") == f"at {clock}"  # English has no such article


def test_the_rehearsal_clock_is_the_sites_now_and_a_bad_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from packetgen.errors import UsageError
    from packetgen.timing import CLOCK_VARIABLE

    monkeypatch.setenv(CLOCK_VARIABLE, "2026-12-08T06:00")
    site = Site.now("America/Chicago")
    assert (site.today, site.made) == (date(2026, 12, 8), datetime(2026, 12, 8, 6, 0))
    for bad in ("tomorrow", "2026-12-08T06:00+01:00"):
        monkeypatch.setenv(CLOCK_VARIABLE, bad)
        with pytest.raises(UsageError, match=f"^{CLOCK_VARIABLE}: expected a date and time"):
            Site.now("America/Chicago")
    monkeypatch.delenv(CLOCK_VARIABLE)
    assert Site.now("America/Chicago").today >= date(2026, 12, 7)  # the real clock again
