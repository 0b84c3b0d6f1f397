"""Clock time at the site: the appointment's local start, and moments relative to it.

Time is injected (`Site`), so personalization is a pure function and its
tests need no mocking. A start that does not exist or happens twice on the
site's clock (daylight-saving changes) is refused rather than guessed; every
moment computed from it (arrival, `times:`) is one real moment in the site's
zone, printed with its own date when that is not the appointment's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from .errors import PacketError
from .language.labels import Labels
from .models import Appointment
from .models.content import Timing


@dataclass(frozen=True)
class Site:
    """Where and when we are: the site's time zone and today's date there."""

    timezone: str
    today: date

    @classmethod
    def now(cls, tz_name: str) -> Site:
        """The site as of this moment (the CLI's clock)."""
        return cls(tz_name, datetime.now(ZoneInfo(tz_name)).date())


def local_start(appointment: Appointment, tz_name: str) -> datetime:
    """The start as a naive wall-clock time at the site; PacketError if it cannot exist."""
    tz = ZoneInfo(tz_name)
    start = appointment.start
    if start.tzinfo is not None:
        return start.astimezone(tz).replace(tzinfo=None)
    early, late = start.replace(tzinfo=tz, fold=0), start.replace(tzinfo=tz, fold=1)
    roundtrip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if roundtrip != start:
        raise PacketError(
            appointment.pos("start"),
            appointment.label("start"),
            f"this clock time does not exist in {tz_name} (clocks go forward)",
        )
    if early.utcoffset() != late.utcoffset():
        raise PacketError(
            appointment.pos("start"),
            appointment.label("start"),
            f"this clock time happens twice in {tz_name} (clocks go back); give a UTC offset",
        )
    return start


def moment(start: datetime, timing: Timing, tz_name: str) -> datetime:
    """A moment relative to the start (a naive wall-clock time at the site), as a naive wall-clock
    time there, one real moment in the site's zone.

    `days` are calendar days: the same clock time that many days away; where the clocks skip or
    repeat that time on that day it resolves as the zone's rule for fold=0 gives it, normalised
    through UTC (02:30 on the day clocks go forward is 03:30). `minutes` are elapsed minutes,
    counted on the real timeline: 60 minutes before 03:30 on that day is 01:30, and 60 minutes
    before 00:30 is 23:30 the day before. The result keeps `fold` for a time the clocks repeat.
    """
    tz = ZoneInfo(tz_name)
    day = start if timing.days == 0 else start + timedelta(days=timing.days)  # `+` would drop start's fold
    instant = day.replace(tzinfo=tz).astimezone(UTC) + timedelta(minutes=timing.minutes)
    return instant.astimezone(tz).replace(tzinfo=None)


def show(when: datetime, how: str, labels: Labels, locale: str, day: date | None = None) -> str:
    """Format a moment as `date`, `time` or `datetime` in the packet's language, its date and its
    time each unbroken. A `time` falling on a date other than `day` (the appointment's) carries
    its own date, as a `datetime` always does: "11:30 PM on Monday, December 14" (`time_on_date`)."""
    on = unbroken(format_date(when.date(), labels.date_weekday, locale=locale))
    if how == "date":
        return on
    at = unbroken(format_time(when.time(), labels.time, locale=locale))
    if how == "time" and (day is None or when.date() == day):
        return at
    return labels.time_on_date.format(time=at, date=on)


def unbroken(text: str) -> str:
    """A date or time that never breaks across lines ("December | 7", "9:15 | AM"): its spaces made
    no-break spaces (they print and extract as spaces)."""
    return text.replace(" ", "\u00a0").replace("\u202f", "\u00a0")
