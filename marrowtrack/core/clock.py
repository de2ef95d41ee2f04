"""The one place the current time comes from, so tests can travel in time, and the one place
that turns an instant into a clinic's own local day.

A clinic's day is its own: a dose limit "for the day", a label's date, a reminder's due date
and the procedure board all use the clinic's time zone (`Clinic.timezone`), never the
server's. Pass the clinic; the server's zone is only the fallback for code that has none.

A time a person reads (a signature, a release, an audit entry, a label, an export, a PDF) is
written by `stamp`: the clinic's wall clock with its UTC offset, "26 Nov 2026 09:15
(UTC+04:00)", so it cannot be mistaken for another zone's (docs/decisions/0025-clinic-time.md).
A `date` is a calendar day and is never converted through a time zone.
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


def offset_label(local: datetime) -> str:
    """'UTC+04:00' for an aware datetime ('UTC+00:00' in London in winter)."""
    offset = local.utcoffset()
    if offset is None:
        raise ValueError("A naive datetime has no offset: pass an aware one.")
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


# What a person reads: the date and time (the default), the time only (a line of a day's
# record under its date), or to the second (an audit entry).
STAMP_FORMATS = {"": "%d %b %Y %H:%M", "time": "%H:%M", "seconds": "%d %b %Y %H:%M:%S"}


def wall_clock(local: datetime, part: str = "") -> str:
    """An aware datetime as written, in its own zone: '26 Nov 2026 09:15 (UTC+04:00)'
    ('09:15 (UTC+04:00)' for part "time", '26 Nov 2026 09:15:42 (UTC+04:00)' for "seconds")."""
    return f"{local.strftime(STAMP_FORMATS[part])} ({offset_label(local)})"


def stamp(at: datetime, clinic: HasTimezone | None = None, part: str = "") -> str:
    """An instant as the clinic's wall clock with its offset (the active zone without a
    clinic: a staff page's is the user's clinic's, see accounts.middleware)."""
    return wall_clock(localtime(at, clinic), part)


def day_bounds(day: date, clinic: HasTimezone | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a clinic-local day as aware instants (23 or 25 hours across DST)."""
    tz = zone(clinic)
    # In UTC: arithmetic between two times of one zone object ignores a DST change.
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end
