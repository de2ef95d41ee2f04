"""Whether a resource is free, and which slots are free: pure, no ORM.

Working hours are weekly and in clinic-local time; a resource without hours of its own
uses the clinic's opening hours (key ``CLINIC``). Blocks are appointments and exceptions
(holidays, maintenance, leave); a block on ``CLINIC`` closes everything. The booking
service loads these after locking the resource rows, so the same checks that the free-slot
finder uses also decide a booking under concurrency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CLINIC = "clinic"


@dataclass(frozen=True)
class Hours:
    weekday: int  # 0 = Monday
    starts: time
    ends: time


@dataclass(frozen=True)
class Block:
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    hours: Mapping[str, Sequence[Hours]] = field(default_factory=dict)
    blocks: Mapping[str, Sequence[Block]] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    key: str
    label: str


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    chosen: Mapping[str, Candidate]  # need (e.g. "room") -> the free resource picked


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: an appointment ending at 12:00 does not overlap one at 12:00."""
    return a_start < b_end and b_start < a_end


def _hours_for(calendar: Calendar, key: str) -> Sequence[Hours]:
    return calendar.hours.get(key) or calendar.hours.get(CLINIC, ())


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def within_hours(calendar: Calendar, key: str, start: datetime, end: datetime) -> bool:
    local_start, local_end = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    if local_end.date() != local_start.date() and local_end.time() != time(0):
        return False
    end_time = local_end.time() if local_end.date() == local_start.date() else time.max
    return any(
        h.weekday == local_start.weekday() and h.starts <= local_start.time() and end_time <= h.ends
        for h in _hours_for(calendar, key)
    )


def problems(calendar: Calendar, candidate: Candidate, start: datetime, end: datetime) -> list[str]:
    """Every reason ``candidate`` cannot be used from ``start`` to ``end``; empty if free."""
    found = []
    if not _hours_for(calendar, candidate.key):
        found.append(f"{candidate.label} has no working hours set.")
    elif not within_hours(calendar, candidate.key, start, end):
        local = start.astimezone(calendar.tz)
        found.append(
            f"{candidate.label} is not working {local:%A} {_hhmm(local)}-"
            f"{_hhmm(end.astimezone(calendar.tz))}."
        )
    for key in (candidate.key, CLINIC):
        for block in calendar.blocks.get(key, ()):
            if overlaps(start, end, block.starts_at, block.ends_at):
                who = candidate.label if key == candidate.key else "The clinic"
                found.append(f"{who} is unavailable: {block.reason}.")
    return found


def first_free(
    calendar: Calendar, candidates: Sequence[Candidate], start: datetime, end: datetime
) -> Candidate | None:
    return next((c for c in candidates if not problems(calendar, c, start, end)), None)


def _day_bounds(calendar: Calendar, day: date) -> tuple[time, time] | None:
    todays = [h for hs in calendar.hours.values() for h in hs if h.weekday == day.weekday()]
    if not todays:
        return None
    return min(h.starts for h in todays), max(h.ends for h in todays)


def free_slots(
    calendar: Calendar,
    *,
    day: date,
    minutes: int,
    step: int,
    needs: Mapping[str, Sequence[Candidate]],
    not_before: datetime | None = None,
) -> list[Slot]:
    """Start times on ``day`` (every ``step`` minutes) at which every need has a free
    resource for ``minutes``; the first free candidate of each need is chosen."""
    bounds = _day_bounds(calendar, day)
    if bounds is None:
        return []
    start = datetime.combine(day, bounds[0], tzinfo=calendar.tz)
    last = datetime.combine(day, bounds[1], tzinfo=calendar.tz) - timedelta(minutes=minutes)
    slots = []
    while start <= last:
        end = start + timedelta(minutes=minutes)
        chosen = {need: first_free(calendar, cands, start, end) for need, cands in needs.items()}
        if all(chosen.values()) and (not_before is None or start >= not_before):
            slots.append(Slot(start, end, {k: v for k, v in chosen.items() if v}))
        start += timedelta(minutes=step)
    return slots
