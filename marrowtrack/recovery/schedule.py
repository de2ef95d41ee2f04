"""When each first-week check-in opens, is invited, reminded and closes. Pure.

Check-ins are on days 1 to 7 after the injection and at 2 weeks (docs/reference.md §4, "Follow-up
calls at 24-72 h and 2 wk"; issue 13). Day N is the clinic-local date ``treated_on + N``.
The patient may answer any time that day; the invitation goes at 09:00, a reminder at
15:00 if it is still open, and at midnight an unanswered check-in is missed and a nurse
calls (``worklist.due_at``). Times are the clinic's wall clock (``Clinic.timezone``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHECKIN_DAYS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 14)
INVITE_AT = time(9, 0)
REMIND_AT = time(15, 0)


@dataclass(frozen=True)
class Window:
    day: int
    on: date
    opens_at: datetime
    invite_at: datetime
    remind_at: datetime
    closes_at: datetime


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def window(treated_on: date, day: int, zone: ZoneInfo) -> Window:
    on = treated_on + timedelta(days=day)
    return Window(
        day=day,
        on=on,
        opens_at=_at(on, time.min, zone),
        invite_at=_at(on, INVITE_AT, zone),
        remind_at=_at(on, REMIND_AT, zone),
        closes_at=_at(on + timedelta(days=1), time.min, zone),
    )


def windows_from(treated_on: date, first_day: date, zone: ZoneInfo) -> list[Window]:
    """The check-ins still to come when the course starts on ``first_day`` (a plan recorded
    as treated days later gets no check-ins for days already past)."""
    every = (window(treated_on, day, zone) for day in CHECKIN_DAYS)
    return [w for w in every if w.on >= first_day]
