"""Follow-up schedules: creation from the treatment date, statuses by date, censoring."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError
from marrowtrack.outcomes import selectors
from marrowtrack.outcomes.models import FollowUp
from marrowtrack.outcomes.services.followups import (
    followups_censor,
    followups_create_for_plan,
    schedule_definition_revise,
)
from marrowtrack.outcomes.tests.factories import make_plan

pytestmark = pytest.mark.django_db


def _status(plan, code: str, today: date) -> str:
    rows = selectors.plan_followups(plan=plan, today=today)
    return next(f.shown_status for f in rows if f.timepoint == code)


def test_a_treated_plan_gets_baseline_and_six_follow_ups_with_policy_windows(patient, staff):
    plan = make_plan(patient, staff["physician"])
    rows = {f.timepoint: f for f in plan.followups.all()}
    assert list(rows) == ["baseline", "2w", "6w", "3m", "6m", "12m", "24m"]
    # 8 Jan + 14 days = 22 Jan, window -3/+7 -> 19 Jan .. 29 Jan
    assert (rows["2w"].opens_on, rows["2w"].closes_on) == (date(2026, 1, 19), date(2026, 1, 29))
    # 8 Jan + 3 calendar months = 8 Apr, +-21 days
    assert rows["3m"].target_on == date(2026, 4, 8)
    assert (rows["3m"].opens_on, rows["3m"].closes_on) == (date(2026, 3, 18), date(2026, 4, 29))
    assert rows["baseline"].opens_on == date(2025, 12, 9)
    assert rows["baseline"].closes_on == date(2026, 1, 8)
    assert AuditEvent.objects.filter(reason="Follow-up schedule created").count() == 1


def test_schedule_creation_is_idempotent_and_works_for_comparators(patient, staff):
    plan = make_plan(patient, staff["physician"], treatment="csi")
    again = followups_create_for_plan(plan=plan, by=staff["physician"])
    assert len(again) == 7
    assert FollowUp.objects.filter(plan=plan).count() == 7


def test_a_plan_without_a_treatment_date_gets_no_schedule(patient, staff):
    plan = make_plan(patient, staff["physician"], treated_on=None, status="approved")
    with pytest.raises(DomainError):
        followups_create_for_plan(plan=plan, by=staff["physician"])


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 18), "scheduled"),  # the day before the 2-week window opens
        (date(2026, 1, 19), "due"),  # opening day (target - 3)
        (date(2026, 1, 29), "due"),  # closing day (target + 7) still counts
        (date(2026, 1, 30), "missed"),  # the day after the window closes
    ],
)
def test_two_week_status_follows_the_window_edges(patient, staff, today, expected):
    plan = make_plan(patient, staff["physician"])
    assert _status(plan, "2w", today) == expected


def test_status_on_the_real_clock_uses_time_machine(patient, staff):
    plan = make_plan(patient, staff["physician"])
    with time_machine.travel("2026-04-29 23:00-04:00", tick=False):
        from marrowtrack.core import clock

        assert _status(plan, "3m", clock.today()) == "due"
    with time_machine.travel("2026-04-30 09:00-04:00", tick=False):
        assert _status(plan, "3m", clock.today()) == "missed"


def test_surgery_censors_open_follow_ups_from_its_date_but_keeps_earlier_ones(patient, staff):
    plan = make_plan(patient, staff["physician"])
    count = followups_censor(
        plan=plan, reason="surgery", on=date(2026, 5, 1), by=staff["physician"]
    )
    statuses = dict(plan.followups.values_list("timepoint", "status"))
    assert count == 3  # 6m, 12m, 24m close after 1 May; 3m closed on 29 Apr
    assert statuses["3m"] == "open" and statuses["6m"] == "not_applicable"
    assert _status(plan, "3m", date(2026, 5, 2)) == "missed"


def test_withdrawal_marks_follow_ups_withdrawn(patient, staff):
    plan = make_plan(patient, staff["physician"])
    followups_censor(plan=plan, reason="withdrawal", on=date(2026, 2, 1), by=staff["nurse"])
    assert plan.followups.get(timepoint="3m").status == "withdrawn"
    assert plan.followups.get(timepoint="3m").censored_reason == "withdrawal"


def test_a_repeat_treatment_rebaselines_and_censors_the_earlier_plan(patient, staff):
    first = make_plan(patient, staff["physician"])
    second = make_plan(
        patient, staff["physician"], previous_plan=first, treated_on=date(2026, 7, 1)
    )
    assert second.followups.count() == 7
    first_statuses = dict(first.followups.values_list("timepoint", "censored_reason"))
    assert first_statuses["12m"] == "repeat_treatment"
    assert first_statuses["3m"] == ""


def test_editing_the_schedule_applies_to_new_plans_only(patient, staff, clinic):
    old = make_plan(patient, staff["physician"])
    rules = [
        {"code": "baseline", "before": 30, "after": 0},
        {"code": "4w", "days": 28, "before": 7, "after": 7},
    ]
    schedule_definition_revise(
        clinic=clinic, version="CLINIC-2", timepoints=rules, by=staff["clinic_admin"]
    )
    new = make_plan(patient, staff["physician"])
    assert old.followups.count() == 7
    assert list(new.followups.values_list("timepoint", "schedule_version")) == [
        ("baseline", "CLINIC-2"),
        ("4w", "CLINIC-2"),
    ]


def test_completeness_counts_each_time_point_and_excludes_censored(patient, staff, clinic):
    plan = make_plan(patient, staff["physician"])
    followups_censor(plan=plan, reason="surgery", on=date(2026, 5, 1), by=staff["physician"])
    rows = {r.timepoint: r for r in selectors.completeness(clinic=clinic, today=date(2026, 5, 2))}
    assert rows["3m"].counts == {"missed": 1}
    assert rows["3m"].percent == 0
    assert rows["6m"].counts == {"not_applicable": 1}
    assert rows["6m"].percent is None
