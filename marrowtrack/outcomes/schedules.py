"""Follow-up schedule date math: time points, policy windows, assignment and status (pure).

Source: MarrowTrack instrument spec, "Time points" (docs/outcomes.md; policy windows): 2 weeks
-3/+7 days; 6 weeks +-14 days; 3 months +-21 days; 6, 12 and 24 months +-45 days; yearly surveys
after 24 months (a clinic's choice) +-60 days. Months are calendar months from the treatment
date (8 Jan -> 8 Apr), clamped to the month's last day (31 Aug + 6 months -> 28/29 Feb), because
patients and staff book "three months after" by calendar, not by 30-day blocks.
Baseline: the window opens when the plan is made (intake; at the latest 30 days before the
treatment, so forms recorded after the fact still fit) and closes when the procedure starts: a
survey completed after that instant is never a baseline (`baseline_holds`). By date alone the
baseline runs up to the treatment day.
A plan copies the concrete dates and the definition's version when it is made, so a revised
definition (a new version) applies to new plans only.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum


class TimepointStatus(StrEnum):
    NOT_YET_DUE = "not_yet_due"
    DUE = "due"
    COMPLETED = "completed"
    MISSED = "missed"


@dataclass(frozen=True)
class TimepointRule:
    """A time point: anchor offset (days or calendar months) and its window in days."""

    code: str
    before: int
    after: int
    days: int = 0
    months: int = 0


@dataclass(frozen=True)
class ScheduleDefinition:
    """A versioned, immutable list of time points; revise() makes a new version."""

    version: str
    timepoints: tuple[TimepointRule, ...]


YEARLY_WINDOW_DAYS = 60
MAX_YEARLY = 10

DEFAULT_SCHEDULE = ScheduleDefinition(
    version="MT-SCHEDULE-2",
    timepoints=(
        TimepointRule("baseline", before=30, after=0),
        TimepointRule("2w", days=14, before=3, after=7),
        TimepointRule("6w", days=42, before=14, after=14),
        TimepointRule("3m", months=3, before=21, after=21),
        TimepointRule("6m", months=6, before=45, after=45),
        TimepointRule("12m", months=12, before=45, after=45),
        TimepointRule("24m", months=24, before=45, after=45),
    ),
)


@dataclass(frozen=True)
class PlannedTimepoint:
    """One time point of a plan with concrete dates (window inclusive at both ends)."""

    code: str
    target: date
    opens: date
    closes: date

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes


@dataclass(frozen=True)
class SchedulePlan:
    """A patient's concrete schedule, frozen with the definition version it came from."""

    treatment_date: date
    schedule_version: str
    timepoints: tuple[PlannedTimepoint, ...]


def yearly_rule(year: int) -> TimepointRule:
    """The yearly survey `year` years after treatment (3, 4, ...), +-60 days (policy)."""
    return TimepointRule(
        f"{12 * year}m", months=12 * year, before=YEARLY_WINDOW_DAYS, after=YEARLY_WINDOW_DAYS
    )


def with_yearly(definition: ScheduleDefinition, years: int, *, version: str) -> ScheduleDefinition:
    """The definition with `years` yearly surveys after 24 months (3rd year on), replacing any."""
    if not 0 <= years <= MAX_YEARLY:
        raise ValueError(f"yearly surveys after 24 months: 0 to {MAX_YEARLY}, not {years}")
    kept = tuple(rule for rule in definition.timepoints if not _is_yearly(rule))
    extra = tuple(yearly_rule(year) for year in range(3, 3 + years))
    return revise(definition, version=version, timepoints=kept + extra)


def yearly_count(definition: ScheduleDefinition) -> int:
    return sum(_is_yearly(rule) for rule in definition.timepoints)


def _is_yearly(rule: TimepointRule) -> bool:
    return rule.months > 24 and rule.months % 12 == 0 and rule.days == 0


def baseline_holds(
    *, day: date, at: datetime, opens: date, procedure_start: datetime | None
) -> bool:
    """Whether an answer given at `at` (clinic-local day `day`) is a baseline answer.

    From the day the window opens until the procedure starts; with no procedure yet, open.
    """
    return opens <= day and (procedure_start is None or at < procedure_start)


def revise(
    definition: ScheduleDefinition, *, version: str, timepoints: tuple[TimepointRule, ...]
) -> ScheduleDefinition:
    """A new definition version; existing plans keep the dates of the old one."""
    if version == definition.version:
        raise ValueError("a revised schedule needs a new version")
    return replace(definition, version=version, timepoints=timepoints)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_timepoint(rule: TimepointRule, treatment_date: date) -> PlannedTimepoint:
    """Concrete target date and window of one time point."""
    target = add_months(treatment_date, rule.months) + timedelta(days=rule.days)
    opens, closes = target - timedelta(days=rule.before), target + timedelta(days=rule.after)
    return PlannedTimepoint(rule.code, target, opens, closes)


def plan_schedule(
    treatment_date: date, definition: ScheduleDefinition = DEFAULT_SCHEDULE
) -> SchedulePlan:
    """The plan of every time point for a treatment date."""
    timepoints = tuple(plan_timepoint(rule, treatment_date) for rule in definition.timepoints)
    return SchedulePlan(treatment_date, definition.version, timepoints)


def assign_in_plan(plan: SchedulePlan, response_date: date) -> str | None:
    """The time point whose window holds the response date, or None outside every window."""
    return next((tp.code for tp in plan.timepoints if tp.contains(response_date)), None)


def assign_timepoint(
    treatment_date: date,
    response_date: date,
    definition: ScheduleDefinition = DEFAULT_SCHEDULE,
) -> str | None:
    """Time point code for a response date (None: stored, but not assigned to a time point)."""
    return assign_in_plan(plan_schedule(treatment_date, definition), response_date)


def timepoint_status(
    timepoint: PlannedTimepoint, *, today: date, completed: bool
) -> TimepointStatus:
    """Completed, else not yet due before the window, due inside it, missed after it."""
    if completed:
        return TimepointStatus.COMPLETED
    if today < timepoint.opens:
        return TimepointStatus.NOT_YET_DUE
    if today <= timepoint.closes:
        return TimepointStatus.DUE
    return TimepointStatus.MISSED


def plan_statuses(
    plan: SchedulePlan, *, today: date, response_dates: Iterable[date]
) -> dict[str, TimepointStatus]:
    """Status of every time point given the dates of the responses received so far."""
    done = {assign_in_plan(plan, day) for day in response_dates}
    return {
        tp.code: timepoint_status(tp, today=today, completed=tp.code in done)
        for tp in plan.timepoints
    }
