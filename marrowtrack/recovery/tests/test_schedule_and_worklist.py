"""Check-in windows and task due times in the clinic's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from marrowtrack.recovery import schedule, worklist

NY = ZoneInfo("America/New_York")


def test_days_one_to_seven_and_two_weeks():
    assert schedule.CHECKIN_DAYS == (1, 2, 3, 4, 5, 6, 7, 14)


def test_a_window_is_the_clinic_local_day_with_invite_at_9_and_reminder_at_15():
    w = schedule.window(date(2026, 3, 2), 2, NY)
    assert w.on == date(2026, 3, 4)
    assert w.opens_at == datetime(2026, 3, 4, 5, 0, tzinfo=UTC)  # 00:00 EST
    assert w.invite_at == datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
    assert w.remind_at == datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    assert w.closes_at == datetime(2026, 3, 5, 5, 0, tzinfo=UTC)


def test_a_window_across_the_spring_clock_change_is_23_hours():
    w = schedule.window(date(2026, 3, 7), 1, NY)  # Sunday 8 March 2026, clocks go forward
    assert (w.closes_at - w.opens_at).total_seconds() == 23 * 3600
    assert w.invite_at == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_a_course_started_late_gets_only_the_check_ins_still_to_come():
    windows = schedule.windows_from(date(2026, 3, 2), date(2026, 3, 6), NY)
    assert [w.day for w in windows] == [4, 5, 6, 7, 14]


def test_urgent_tasks_are_due_within_the_hour():
    at = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    assert worklist.due_urgent(at) == datetime(2026, 3, 4, 4, 0, tzinfo=UTC)


def test_a_call_today_is_due_at_18_when_reported_before_16_else_next_morning_at_10():
    before = datetime(2026, 3, 4, 20, 59, tzinfo=UTC)  # 15:59 EST
    at_cutoff = datetime(2026, 3, 4, 21, 0, tzinfo=UTC)  # 16:00 EST
    assert worklist.due_call_today(before, NY) == datetime(2026, 3, 4, 23, 0, tzinfo=UTC)
    assert worklist.due_call_today(at_cutoff, NY) == datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def test_a_missed_check_in_is_due_at_noon_after_its_day():
    closed = datetime(2026, 3, 5, 5, 0, tzinfo=UTC)  # midnight EST ending 4 March
    assert worklist.due_missed(closed, NY) == datetime(2026, 3, 5, 17, 0, tzinfo=UTC)
