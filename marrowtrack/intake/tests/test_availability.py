"""Free-slot finder and resource checks (pure)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from marrowtrack.intake.availability import (
    CLINIC,
    Block,
    Calendar,
    Candidate,
    Hours,
    free_slots,
    problems,
)

NY = ZoneInfo("America/New_York")
DAY = date(2026, 3, 2)
ROOM = Candidate("room:1", "Room 1")
DOC = Candidate("staff:1", "Dr A")


def _at(hh: int) -> datetime:
    return datetime.combine(DAY, time(hh), tzinfo=NY)


def _calendar(**blocks: list[Block]) -> Calendar:
    return Calendar(NY, {CLINIC: [Hours(0, time(8), time(17))]}, blocks)


def test_a_free_resource_has_no_problems():
    assert problems(_calendar(), ROOM, _at(9), _at(12)) == []


def test_free_slots_skip_times_a_resource_is_busy():
    calendar = Calendar(
        NY, {CLINIC: [Hours(0, time(8), time(17))]}, {"room:1": [Block(_at(9), _at(12), "busy")]}
    )
    slots = free_slots(
        calendar, day=DAY, minutes=180, step=60, needs={"room": [ROOM], "doc": [DOC]}
    )
    assert [s.starts_at.hour for s in slots] == [12, 13, 14]


def test_free_slots_pick_the_next_candidate_when_the_first_is_busy():
    other = Candidate("room:2", "Room 2")
    calendar = _calendar(**{"room:1": [Block(_at(8), _at(17), "busy")]})
    slots = free_slots(calendar, day=DAY, minutes=60, step=60, needs={"room": [ROOM, other]})
    assert slots[0].chosen["room"] == other


def test_no_hours_on_the_day_means_no_slots():
    assert free_slots(_calendar(), day=date(2026, 3, 7), minutes=30, step=30, needs={}) == []
