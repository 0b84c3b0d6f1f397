"""Clock time at the site: the appointment's local start, and moments relative to it.

Time is injected (`Site`), so personalization is a pure function and its
tests need no mocking. Times that do not exist or happen twice on the site's
clock (daylight-saving changes) are refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

from .errors import PacketError
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


def moment(start: datetime, timing: Timing) -> datetime:
    """A moment relative to the start, in wall-clock arithmetic (days are calendar days)."""
    return start + timedelta(days=timing.days, minutes=timing.minutes)


def show(when: datetime, how: str, labels: dict[str, str], locale: str) -> str:
    """Format a moment as `date`, `time` or `datetime` in the packet's language."""
    if how == "date":
        return format_date(when.date(), labels["date_weekday"], locale=locale)
    if how == "time":
        return format_time(when.time(), labels["time"], locale=locale)
    return format_datetime(when, f"{labels['date_weekday']} {labels['time']}", locale=locale)
