"""Clock time at the site: the appointment's local start, and moments relative to it.

Time is injected (`Site`), so personalization is a pure function and its
tests need no mocking. A start that does not exist or happens twice on the
site's clock (daylight-saving changes) is refused rather than guessed; every
moment computed from it (arrival, `times:`) is one real moment in the site's
zone, printed with its own date when that is not the appointment's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from .errors import PacketError, UsageError
from .language.clock import one_oclock
from .language.labels import Labels
from .models import Appointment
from .models.content import Timing

CLOCK_VARIABLE = "PACKETGEN_CLOCK"
"""The rehearsal clock: set, every command makes packets as if it were that moment at the site (a dress
rehearsal of tomorrow's run, with the warnings tomorrow's run would give; the tests' fixed clock)."""


@dataclass(frozen=True)
class Site:
    """Where and when we are: the site's time zone, today's date there and, where known, the clock."""

    timezone: str
    today: date
    at: datetime | None = None
    """The wall-clock time at the site when packets are made (naive, its `fold` kept), on `today`;
    None: the start of `today` (tests' fixed clock, a pool job given only the date)."""

    @classmethod
    def now(cls, tz_name: str) -> Site:
        """The site as of this moment (the CLI's clock), or as of the rehearsal clock CLOCK_VARIABLE
        names: a wall-clock time at the site such as 2026-12-08T06:00."""
        fixed = os.environ.get(CLOCK_VARIABLE, "").strip()
        if fixed:
            try:
                at = datetime.fromisoformat(fixed)
            except ValueError:
                at = None
            if at is None or at.tzinfo is not None:
                raise UsageError(f"{CLOCK_VARIABLE}: expected a date and time at the site such as 2026-12-08T06:00")
            return cls(tz_name, at.date(), at.replace(microsecond=0))
        now = datetime.now(ZoneInfo(tz_name)).replace(microsecond=0)
        return cls(tz_name, now.date(), now.replace(tzinfo=None))

    def on(self, today: date) -> Site:
        """The site on `today`: this one when it is the same day (its clock kept), else without a clock."""
        return self if today == self.today else Site(self.timezone, today)

    @property
    def made(self) -> datetime:
        """When packets are made, as a wall-clock time at the site: `at`, else the start of `today`."""
        return self.at if self.at is not None and self.at.date() == self.today else datetime.combine(self.today, time())

    def passed(self, when: datetime, how: str = "datetime") -> bool:
        """Whether the moment `when` (a wall-clock time at the site, printed as `how`) has passed when
        packets are made: a moment printed as a date when its day is over, any other when its time is."""
        if how == "date":
            return when.date() < self.made.date()
        return instant(when, self.timezone) < instant(self.made, self.timezone)


def instant(wall: datetime, tz_name: str) -> datetime:
    """A naive wall-clock time at the site (its `fold` telling a repeated time apart) as a UTC instant:
    naive times compare by their digits, which the clocks going back repeat."""
    return wall.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


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


def moment(start: datetime, timing: Timing, tz_name: str, arrive_minutes_before: int = 0) -> datetime:
    """A moment relative to the start (a naive wall-clock time at the site), as a naive wall-clock
    time there, one real moment in the site's zone.

    `days` are calendar days: the same clock time that many days away, or the clock time `at` on
    that day ("18:00 the day before" is 18:00 on the site's clock, whatever daylight-saving change
    lies between). Where the clocks skip or repeat that time on that day it resolves as the zone's
    rule for fold=0 gives it, normalised through UTC (02:30 on the day clocks go forward is 03:30;
    01:30 on the day they go back is the first 01:30). `hours` and `minutes` are elapsed time,
    counted on the real timeline: 60 minutes before 03:30 on that day is 01:30, and 60 minutes
    before 00:30 is 23:30 the day before. `at: arrival` is `arrive_minutes_before` elapsed minutes
    before the start. The result keeps `fold` for a time the clocks repeat.
    """
    tz = ZoneInfo(tz_name)
    if timing.at == "arrival":
        return _elapsed(start, -arrive_minutes_before, tz)
    if timing.at is not None:
        hour, minute = (int(part) for part in timing.at.split(":"))
        return _elapsed(datetime.combine(start.date() + timedelta(days=timing.days), time(hour, minute)), 0, tz)
    day = start if timing.days == 0 else start + timedelta(days=timing.days)  # `+` would drop start's fold
    return _elapsed(day, timing.hours * 60 + timing.minutes, tz)


def _elapsed(wall: datetime, minutes: int, tz: ZoneInfo) -> datetime:
    """`minutes` of real time after the wall-clock time `wall` (fold=0 where it is skipped), on the clock."""
    utc = wall.replace(tzinfo=tz).astimezone(UTC) + timedelta(minutes=minutes)
    return utc.astimezone(tz).replace(tzinfo=None)


def show(when: datetime, how: str, labels: Labels, locale: str, day: date | None = None) -> str:
    """Format a moment as `date`, `time` or `datetime` in the packet's language, its date and its
    time each unbroken. A `datetime` is the date, then the time: "Wednesday, January 13, at 6:00 PM"
    (`date_at_time`; Spanish "miércoles, 13 de enero, a las 6:00 p. m.", "a la 1:00 p. m."). A `time`
    falling on a date other than `day` (the appointment's) carries its own date, after it, so that it
    still reads after "at" or "by": "11:30 PM on Monday, December 14" (`time_on_date`)."""
    on = unbroken(format_date(when.date(), labels.date_weekday, locale=locale))
    if how == "date":
        return on
    at = unbroken(format_time(when.time(), labels.time, locale=locale))
    if how == "time" and (day is None or when.date() == day):
        return at
    pattern = labels.date_at_time if how == "datetime" else labels.time_on_date
    return one_oclock(pattern.format(time=at, date=on), locale)


def unbroken(text: str) -> str:
    """A date or time that never breaks across lines ("December | 7", "9:15 | AM"): its spaces made
    no-break spaces (they print and extract as spaces)."""
    return text.replace(" ", "\u00a0").replace("\u202f", "\u00a0")
