"""When a message may go out: the clinic's quiet hours and the retry back-off. Pure.

Quiet hours are wall-clock times in the clinic's own zone (``Clinic.timezone``): 21:00-08:00
means no unsolicited message between 9 pm and 8 am *at the clinic*, whatever the server's
zone and across daylight-saving changes. A window whose start is after its end wraps
midnight; equal start and end means no quiet hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


def parse_window(text: str) -> tuple[time, time]:
    """'21:00-08:00' -> (21:00, 08:00); ValueError naming the problem otherwise."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as exc:
        raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}") from exc
    return start, end


def in_quiet_hours(wall: time, start: time, end: time) -> bool:
    """True if a clinic-local wall-clock time falls in [start, end)."""
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def next_allowed(at: datetime, *, zone: ZoneInfo, start: time, end: time) -> datetime:
    """``at`` itself if outside quiet hours, else the instant the quiet hours end (UTC)."""
    local = at.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return at
    end_day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    # fold=0: an end time that a DST change repeats is taken at its first occurrence.
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def backoff(attempt: int) -> timedelta:
    """Delay before retry number ``attempt`` (1-based): 1, 2, 4, 8 ... minutes, at most 1 h."""
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    return min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_CAP)
