"""A demo a clinician believes (issue 9 item 10): treated at the referral's target, screened
before, nobody treated twice in a week, past days recorded as days (comparators too), and
the summary's counts add up."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.db.models import Q

from marrowtrack.demo.loader import demo_load
from marrowtrack.demo.outcomes import referred_targets
from marrowtrack.intake.models import Appointment, TreatmentPlan
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.patients.models import Patient
from marrowtrack.procedures.models import EncounterKind, ProcedureEncounter
from marrowtrack.procedures.states import ProcedureState
from marrowtrack.recovery.models import RecoveryCourse

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo clinic, loaded once for this module inside a transaction rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        # Enough patients that the registry step treats some of its own (ADR 0029).
        ctx = demo_load(patients=400, seed=5)
        yield ctx
        transaction.set_rollback(True)


@pytest.fixture
def encounters(demo):
    return list(
        ProcedureEncounter.objects.filter(clinic=demo.clinic).select_related("plan", "patient")
    )


def test_every_procedure_day_treats_a_target_of_the_referral(encounters) -> None:
    for e in encounters:
        allowed = referred_targets(e.patient.referral_condition or "other")
        assert (e.plan.target, e.plan.laterality) in allowed, e


def test_every_past_day_was_screened_before(demo, encounters) -> None:
    for e in encounters:
        if e.day < demo.today:
            assert e.plan.screenings.filter(screened_on__lt=e.day).exists(), e


def test_nobody_is_treated_twice_in_a_week(encounters) -> None:
    days: dict[int, list] = {}
    for e in encounters:
        days.setdefault(e.patient_id, []).append(e.day)
    for dates in days.values():
        dates.sort()
        assert all((b - a).days >= 7 for a, b in zip(dates, dates[1:], strict=False)), dates


def test_comparator_days_are_recorded_as_encounters(encounters) -> None:
    # The days written in full (with their steps); the registry's bulk days are the day
    # itself: check-in to discharge, staff and kind (demo/days.py, ADR 0029).
    comparators = [e for e in encounters if e.kind == EncounterKind.COMPARATOR and e.steps.exists()]
    assert comparators
    for e in comparators:
        assert e.comparator_injection.target == e.plan.target
        assert e.timeouts.get().signatures.count() == 2
        assert e.plan.appointments.get().status == Appointment.Status.COMPLETED


def test_a_done_booking_has_its_day_recorded(demo) -> None:
    done = Appointment.objects.filter(clinic=demo.clinic, status="completed")
    assert done.exists()
    for booking in done.select_related("plan"):
        assert booking.plan.encounters.exists(), booking


def _number(line: str, pattern: str) -> int:
    match = re.search(pattern, line)
    assert match, (pattern, line)
    return int(match[1])


def _line(demo, start: str) -> str:
    return next(entry for entry in demo.log if start in entry)


def test_the_summary_counts_the_days_it_wrote(demo, encounters) -> None:
    days = _line(demo, "procedure days:")
    history = _number(days, r"(\d+) completed on earlier days")
    comparators = _number(days, r"(\d+) comparator injections")
    for_surveys = _number(_line(demo, "outcome surveys"), r"\((\d+) more procedure days")
    for_recovery = _number(_line(demo, "in recovery"), r"\((\d+) procedure days")
    past = [e for e in encounters if e.day < demo.today]
    assert len(past) == history + for_surveys + for_recovery
    assert for_surveys > 0
    assert for_recovery > 0
    full = [e for e in past if e.steps.exists()]  # the history step writes its days in full
    assert comparators == sum(1 for e in full if e.kind == EncounterKind.COMPARATOR)
    assert _number(days, r"(\d+) today") == sum(1 for e in encounters if e.day == demo.today)


def test_the_summary_counts_patients_plans_and_surveys(demo) -> None:
    patients = _line(demo, "patients (")
    assert _number(patients, r"^(\d+) patients") == Patient.objects.count()
    assert _number(patients, r"\((\d+) at ") == Patient.objects.filter(clinic=demo.clinic).count()
    surveys = _line(demo, "outcome surveys")
    # Schedules start at every treatment: the registry step's plans, the recovery stories'
    # and today's injections.
    scheduled = TreatmentPlan.objects.filter(followups__isnull=False).distinct()
    registry = scheduled.filter(recovery_course__isnull=True).exclude(treated_on=demo.today)
    assert _number(surveys, r"^(\d+) treated plans") == registry.count()
    assert _number(surveys, r"with (\d+) outcome surveys") == SurveyResponse.objects.count()
    recovery = _line(demo, "in recovery")
    assert _number(recovery, r"^(\d+) patients") == RecoveryCourse.objects.count()
    at_home = _number(recovery, r"(\d+) at home")
    today = _number(recovery, r"(\d+) injected today")
    assert at_home + today == RecoveryCourse.objects.count()
    assert today == RecoveryCourse.objects.filter(plan__treated_on=demo.today).count()


def test_every_plan_with_surveys_or_a_recovery_course_was_treated_on_a_recorded_day(
    demo,
) -> None:
    followed = TreatmentPlan.objects.filter(
        Q(followups__isnull=False) | Q(recovery_course__isnull=False)
    ).distinct()
    assert followed.count() > 20
    for plan in followed.prefetch_related("encounters"):
        if plan.treatment == "exercise":
            continue
        days = list(plan.encounters.all())
        assert [e.day for e in days] == [plan.treated_on], plan
        if plan.treated_on < demo.today:  # today's may still be in recovery
            assert days[0].state == ProcedureState.DISCHARGED, plan


def test_nobody_is_treated_twice_in_a_week_counting_every_treated_plan(demo) -> None:
    treated: dict[int, list] = {}
    for patient_id, day in TreatmentPlan.objects.filter(treated_on__isnull=False).values_list(
        "patient_id", "treated_on"
    ):
        treated.setdefault(patient_id, []).append(day)
    for dates in treated.values():
        dates.sort()
        assert all((b - a).days >= 7 for a, b in zip(dates, dates[1:], strict=False)), dates
