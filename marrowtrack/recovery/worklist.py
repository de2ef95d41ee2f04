"""When a nurse task is due. Pure.

- An urgent check-in: within the hour (triage.py, "URGENT").
- A call today: by 18:00 clinic time when reported before 16:00; otherwise by 10:00 the
  next morning (a call in the last two hours of the day would be rushed or missed).
- A missed check-in (found at midnight): a call by 12:00 the next day, after the morning's
  urgent work.
Times are the clinic's wall clock (``Clinic.timezone``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

URGENT_WITHIN = timedelta(hours=1)
CALL_CUTOFF = time(16, 0)
CALL_BY = time(18, 0)
NEXT_MORNING_BY = time(10, 0)
MISSED_BY = time(12, 0)


def _wall(at: datetime, wall: time, zone: ZoneInfo, *, next_day: bool = False) -> datetime:
    day = at.astimezone(zone).date() + timedelta(days=1 if next_day else 0)
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def due_urgent(at: datetime) -> datetime:
    return at + URGENT_WITHIN


def due_call_today(at: datetime, zone: ZoneInfo) -> datetime:
    if at.astimezone(zone).time() < CALL_CUTOFF:
        return _wall(at, CALL_BY, zone)
    return _wall(at, NEXT_MORNING_BY, zone, next_day=True)


def due_missed(closed_at: datetime, zone: ZoneInfo) -> datetime:
    """``closed_at`` is the midnight that ended the check-in's day."""
    return _wall(closed_at, MISSED_BY, zone)
