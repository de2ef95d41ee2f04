"""Time points, policy windows (edges in and one day out), assignment and status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marrowtrack.outcomes.schedules import (
    DEFAULT_SCHEDULE,
    TimepointRule,
    TimepointStatus,
    add_months,
    assign_timepoint,
    plan_schedule,
    plan_statuses,
    revise,
    timepoint_status,
)

TREATED = date(2026, 1, 15)
DAY = timedelta(days=1)

# time point -> (first day in, last day in), for a treatment on 15 Jan 2026
WINDOWS = {
    "baseline": (date(2025, 12, 16), date(2026, 1, 15)),
    "2w": (date(2026, 1, 26), date(2026, 2, 5)),
    "6w": (date(2026, 2, 12), date(2026, 3, 12)),
    "3m": (date(2026, 3, 25), date(2026, 5, 6)),
    "6m": (date(2026, 5, 31), date(2026, 8, 29)),
    "12m": (date(2026, 12, 1), date(2027, 3, 1)),
    "24m": (date(2027, 12, 1), date(2028, 2, 29)),  # 2028 is a leap year
}


def test_the_default_schedule_has_the_seven_time_points_of_the_spec() -> None:
    codes = [rule.code for rule in DEFAULT_SCHEDULE.timepoints]
    assert codes == ["baseline", "2w", "6w", "3m", "6m", "12m", "24m"]


@pytest.mark.parametrize(("code", "edges"), WINDOWS.items())
def test_first_and_last_day_of_each_window_are_assigned_to_it(
    code: str, edges: tuple[date, date]
) -> None:
    first, last = edges
    assert assign_timepoint(TREATED, first) == code
    assert assign_timepoint(TREATED, last) == code


@pytest.mark.parametrize(("code", "edges"), WINDOWS.items())
def test_one_day_outside_each_window_is_not_assigned_to_it(
    code: str, edges: tuple[date, date]
) -> None:
    first, last = edges
    assert assign_timepoint(TREATED, first - DAY) is None
    assert assign_timepoint(TREATED, last + DAY) is None


def test_windows_match_the_policy_offsets_in_days() -> None:
    plan = {tp.code: tp for tp in plan_schedule(TREATED).timepoints}
    assert (plan["2w"].opens - TREATED).days == 11 and (plan["2w"].closes - TREATED).days == 21
    assert (plan["6w"].opens - TREATED).days == 28 and (plan["6w"].closes - TREATED).days == 56
    assert plan["3m"].target == date(2026, 4, 15)
    assert plan["3m"].closes - plan["3m"].target == timedelta(days=21)
    assert plan["12m"].target == date(2027, 1, 15)
    assert plan["24m"].target - plan["24m"].opens == timedelta(days=45)


def test_the_treatment_day_itself_counts_as_baseline() -> None:
    assert assign_timepoint(TREATED, TREATED) == "baseline"
    assert assign_timepoint(TREATED, TREATED + DAY) is None


def test_a_response_between_windows_is_stored_but_not_assigned() -> None:
    assert assign_timepoint(TREATED, TREATED + timedelta(days=25)) is None
    assert assign_timepoint(TREATED, date(2026, 10, 1)) is None


def test_calendar_months_clamp_to_the_last_day_of_a_short_month() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), 24) == date(2028, 1, 15)


def test_windows_never_overlap_for_any_treatment_day_over_four_years() -> None:
    day = date(2025, 1, 1)
    while day < date(2029, 1, 1):
        plan = plan_schedule(day).timepoints
        for earlier, later in zip(plan, plan[1:], strict=False):
            assert earlier.closes < later.opens, (day, earlier.code, later.code)
        day += DAY


def test_status_is_not_yet_due_before_the_window_opens() -> None:
    tp = plan_schedule(TREATED).timepoints[1]
    assert timepoint_status(tp, today=tp.opens - DAY, completed=False) == "not_yet_due"


def test_status_is_due_from_the_first_to_the_last_day_of_the_window() -> None:
    tp = plan_schedule(TREATED).timepoints[1]
    assert timepoint_status(tp, today=tp.opens, completed=False) == TimepointStatus.DUE
    assert timepoint_status(tp, today=tp.closes, completed=False) == TimepointStatus.DUE


def test_status_is_missed_the_day_after_the_window_closes() -> None:
    tp = plan_schedule(TREATED).timepoints[1]
    assert timepoint_status(tp, today=tp.closes + DAY, completed=False) == "missed"


def test_status_is_completed_whatever_the_day_once_answered() -> None:
    tp = plan_schedule(TREATED).timepoints[1]
    for today in (tp.opens - DAY, tp.opens, tp.closes + DAY):
        assert timepoint_status(tp, today=today, completed=True) == "completed"


def test_plan_statuses_use_the_response_dates_received() -> None:
    plan = plan_schedule(TREATED)
    statuses = plan_statuses(
        plan, today=date(2026, 2, 20), response_dates=[date(2026, 1, 10), date(2026, 1, 30)]
    )
    assert statuses == {
        "baseline": "completed",
        "2w": "completed",
        "6w": "due",
        "3m": "not_yet_due",
        "6m": "not_yet_due",
        "12m": "not_yet_due",
        "24m": "not_yet_due",
    }
    missed = plan_statuses(plan, today=date(2026, 2, 20), response_dates=[])
    assert missed["baseline"] == missed["2w"] == "missed"


def test_a_revised_definition_applies_to_new_plans_only() -> None:
    old_plan = plan_schedule(TREATED)
    shorter = tuple(
        TimepointRule(r.code, before=7, after=7, days=r.days, months=r.months)
        if r.code == "3m"
        else r
        for r in DEFAULT_SCHEDULE.timepoints
    )
    revised = revise(DEFAULT_SCHEDULE, version="MT-SCHEDULE-3", timepoints=shorter)
    new_plan = plan_schedule(TREATED, revised)
    assert old_plan.schedule_version == "MT-SCHEDULE-2"
    assert new_plan.schedule_version == "MT-SCHEDULE-3"
    assert old_plan.timepoints[3].opens == date(2026, 3, 25)
    assert new_plan.timepoints[3].opens == date(2026, 4, 8)
    assert DEFAULT_SCHEDULE.timepoints[3].before == 21


def test_revising_a_definition_requires_a_new_version() -> None:
    with pytest.raises(ValueError, match="new version"):
        revise(DEFAULT_SCHEDULE, version="MT-SCHEDULE-2", timepoints=())


def test_schedule_definitions_are_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_SCHEDULE.version = "x"  # type: ignore[misc]
