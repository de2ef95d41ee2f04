"""The one place the current time comes from, so tests can travel in time, and the one place
that turns an instant into a clinic's own local day.

A clinic's day is its own: a dose limit "for the day", a label's date, a reminder's due date
and the procedure board all use the clinic's time zone (`Clinic.timezone`), never the
server's. Pass the clinic; the server's zone is only the fallback for code that has none.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.utils import timezone


class HasTimezone(Protocol):
    timezone: str


def now() -> datetime:
    return timezone.now()


def zone(clinic: HasTimezone | None) -> ZoneInfo:
    """The clinic's zone (the server's configured zone when no clinic is given)."""
    if clinic is None:
        return ZoneInfo(str(timezone.get_current_timezone()))
    return ZoneInfo(clinic.timezone)


def today(clinic: HasTimezone | None = None) -> date:
    """Today's date at the clinic."""
    return localdate(now(), clinic)


def localtime(at: datetime, clinic: HasTimezone | None = None) -> datetime:
    """An instant as the clinic's wall-clock time (with its offset)."""
    return at.astimezone(zone(clinic))


def localdate(at: datetime, clinic: HasTimezone | None = None) -> date:
    """The clinic-local date of an instant."""
    return localtime(at, clinic).date()


def day_bounds(day: date, clinic: HasTimezone | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a clinic-local day as aware instants (23 or 25 hours across DST)."""
    tz = zone(clinic)
    # In UTC: arithmetic between two times of one zone object ignores a DST change.
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end
