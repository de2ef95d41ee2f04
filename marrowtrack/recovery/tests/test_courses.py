"""A recovery course starts with the treatment, for BMAC and each injected comparator."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.recovery.models import RecoveryCourse
from marrowtrack.recovery.services.courses import course_stop
from marrowtrack.recovery.tests.factories import treated_course

pytestmark = pytest.mark.django_db


def test_a_bmac_treatment_starts_a_course_with_eight_check_ins_and_the_nsaid_date(course):
    assert course.treated_on == date(2026, 3, 2)
    assert course.nsaid_avoid_days == 7
    assert course.nsaid_restart_on == date(2026, 3, 10)  # 7 NSAID-free days after the 2nd
    days = list(course.checkins.values_list("day", "on"))
    assert days[0] == (1, date(2026, 3, 3))
    assert [d for d, _ in days] == [1, 2, 3, 4, 5, 6, 7, 14]
    assert AuditEvent.objects.filter(entity="recovery.recoverycourse", action="create").exists()


@pytest.mark.parametrize(
    ("treatment", "nsaid_days"), [("prp", 7), ("csi", 0), ("ha", 0), ("nerve_block", 0)]
)
def test_each_injected_comparator_gets_a_course(patient, staff, treatment, nsaid_days):
    course = treated_course(patient, staff["physician"], treatment=treatment)
    assert course.treatment == treatment
    assert course.nsaid_avoid_days == nsaid_days
    assert (course.nsaid_restart_on is None) == (nsaid_days == 0)
    assert course.checkins.count() == 8


def test_exercise_therapy_has_no_course(patient, staff):
    with pytest.raises(RecoveryCourse.DoesNotExist):
        treated_course(patient, staff["physician"], treatment="exercise")


def test_a_plan_recorded_as_treated_days_later_gets_only_the_check_ins_to_come(patient, staff):
    with time_machine.travel("2026-03-06 10:00-05:00", tick=False):
        from marrowtrack.intake.services.plans import plan_mark_treated
        from marrowtrack.testing import scenario

        plan = scenario.approved_plan(patient, by=staff["physician"])
        plan_mark_treated(plan=plan, by=staff["physician"], on=date(2026, 3, 2), via_procedure=True)
    course = RecoveryCourse.objects.get(plan=plan)
    assert list(course.checkins.values_list("day", flat=True)) == [4, 5, 6, 7, 14]


def test_stopping_the_check_ins_cancels_the_open_ones_and_needs_a_reason(course, staff):
    with pytest.raises(ValidationFailed):
        course_stop(course=course, by=staff["nurse"], reason="")
    course_stop(course=course, by=staff["nurse"], reason="Admitted elsewhere")
    course.refresh_from_db()
    assert course.status == "withdrawn"
    assert set(course.checkins.values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(DomainError, match="already"):
        course_stop(course=course, by=staff["nurse"], reason="again")


def test_the_nsaid_window_is_the_clinics_published_rule(patient, staff, clinic):
    import json

    from marrowtrack.intake import rules
    from marrowtrack.intake.models import ClinicRuleSet

    data = rules.ruleset_to_dict(rules.DEFAULT_RULESET)
    for rule in data["rules"]:
        if rule["code"] == "nsaid_hold":
            rule["params"]["avoid_days_after"] = 14
    ClinicRuleSet.objects.create(
        clinic=clinic, version="local-1", json=json.dumps(data), published_by=staff["clinic_admin"]
    )
    course = treated_course(patient, staff["physician"])
    assert (course.nsaid_avoid_days, course.nsaid_restart_on) == (14, date(2026, 3, 17))
