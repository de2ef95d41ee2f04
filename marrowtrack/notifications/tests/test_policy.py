"""Quiet hours in the clinic's zone, and the retry back-off."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from marrowtrack.notifications import policy

NY = ZoneInfo("America/New_York")
QUIET = {"zone": NY, "start": time(21, 0), "end": time(8, 0)}


def test_parse_window():
    assert policy.parse_window("21:00-08:00") == (time(21, 0), time(8, 0))
    with pytest.raises(ValueError, match="21:00-08:00"):
        policy.parse_window("9pm to 8am")


@pytest.mark.parametrize(
    ("wall", "quiet"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(2, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
    ],
)
def test_a_window_across_midnight(wall, quiet):
    assert policy.in_quiet_hours(wall, time(21, 0), time(8, 0)) is quiet


def test_a_daytime_window_and_no_window():
    assert policy.in_quiet_hours(time(13, 0), time(12, 0), time(14, 0))
    assert not policy.in_quiet_hours(time(14, 0), time(12, 0), time(14, 0))
    assert not policy.in_quiet_hours(time(3, 0), time(0, 0), time(0, 0))


def test_outside_quiet_hours_the_message_goes_now():
    at = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York
    assert policy.next_allowed(at, **QUIET) == at


def test_in_the_evening_it_waits_for_8_next_morning_clinic_time():
    at = datetime(2026, 3, 5, 3, 30, tzinfo=UTC)  # 22:30 on 4 March in New York
    assert policy.next_allowed(at, **QUIET) == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)


def test_after_midnight_it_waits_for_8_the_same_morning():
    at = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)  # 03:00 in New York
    assert policy.next_allowed(at, **QUIET) == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)


def test_the_clinic_zone_not_the_server_zone_decides():
    at = datetime(2026, 3, 4, 22, 30, tzinfo=UTC)  # 17:30 in New York, 23:30 in Berlin
    assert policy.next_allowed(at, **QUIET) == at
    berlin = {**QUIET, "zone": ZoneInfo("Europe/Berlin")}
    assert policy.next_allowed(at, **berlin) == datetime(2026, 3, 5, 7, 0, tzinfo=UTC)


def test_across_the_spring_clock_change_8_am_is_daylight_time():
    at = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)  # 23:00 EST on Saturday 7 March
    assert policy.next_allowed(at, **QUIET) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_backoff_doubles_from_one_minute_up_to_an_hour():
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert policy.backoff(10) == timedelta(hours=1)
    with pytest.raises(ValueError):
        policy.backoff(0)
