"""Every answer belongs to its time point: baseline from approval to the procedure start, links
answered out of their window stored as such, PGIC never at baseline, yearly surveys."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError
from marrowtrack.outcomes import catalogue, selectors
from marrowtrack.outcomes.models import FollowUp, SurveyResponse
from marrowtrack.outcomes.services import redcap
from marrowtrack.outcomes.services import responses as svc
from marrowtrack.outcomes.services.followups import (
    baseline_open,
    followups_create_for_plan,
    schedule_yearly_set,
)
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.outcomes.tests.factories import PAPER, make_plan
from marrowtrack.procedures.models import ProcedureEncounter

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NY)


def _answer_through_link(followup: FollowUp, when: datetime, answers: dict) -> SurveyResponse:
    with time_machine.travel(when, tick=False):
        link = survey_link_create(followup=followup, by=None).link
        (code,) = answers
        response = svc.portal_response_get_or_start(link=link, instrument=code)
        svc.response_save_page(response=response, answers=answers[code], page=0)
        svc.response_finalise(response, at=when, by=None)
    response.refresh_from_db()
    return response


def test_approving_a_plan_through_intake_opens_a_baseline_that_can_be_sent(patient, staff):
    from marrowtrack.intake.services.screening import eligibility_decide, screening_run
    from marrowtrack.intake.tests.factories import LabValueFactory
    from marrowtrack.testing.factories import PASSWORD, WeightFactory

    plan = make_plan(patient, staff["physician"], status="draft", treated_on=None)
    with time_machine.travel(_at(date(2026, 3, 2), 9), tick=False):
        WeightFactory(patient=patient, measured_on=date(2026, 3, 2))
        LabValueFactory(patient=patient, taken_on=date(2026, 3, 2), value=220)
        screening_run(plan=plan, by=staff["nurse"])
        assert not plan.followups.exists()
        eligibility_decide(plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD)
        baseline = plan.followups.get()
        assert (baseline.timepoint, baseline.closes_on) == ("baseline", None)
        assert survey_link_create(followup=baseline, by=staff["nurse"]).token
    assert AuditEvent.objects.filter(reason="Baseline survey opened").exists()


def test_the_baseline_closes_at_the_procedure_check_in_not_at_the_end_of_the_day(patient, staff):
    with time_machine.travel(_at(date(2026, 1, 2), 10), tick=False):
        plan = make_plan(patient, staff["physician"], status="approved", treated_on=None)
        baseline = baseline_open(plan=plan, by=staff["nurse"])
    day = date(2026, 1, 8)
    ProcedureEncounter.objects.create(
        clinic=patient.clinic,
        patient=patient,
        plan=plan,
        day=day,
        state="checked_in",
        state_entered_at=_at(day, 9),
        checked_in_at=_at(day, 9),
    )
    before = _answer_through_link(baseline, _at(day, 8, 45), {"NPRS": {"NPRS": 6}})
    after = _answer_through_link(baseline, _at(day, 9, 30), {"PGA": {"PGA": 40}})
    assert before.timepoint == "baseline"
    assert (after.timepoint, after.asked_for, after.followup) == (None, "baseline", None)
    assert after.out_of_window and "out of window" in str(after)


def test_a_six_week_link_answered_on_treatment_day_is_kept_but_never_a_time_point(patient, staff):
    plan = make_plan(patient, staff["physician"])  # treated 8 Jan; 6 weeks: 5 Feb to 5 Mar
    six_weeks = plan.followups.get(timepoint="6w")
    early = _answer_through_link(six_weeks, _at(date(2026, 1, 8), 15), {"NPRS": {"NPRS": 8}})
    assert (early.timepoint, early.asked_for, early.status) == (None, "6w", "submitted")
    assert early.scores["NPRS"]["total"] == 8  # stored and scored
    assert selectors.score_series(plan=plan, include_unvalidated=True) == {}
    assert selectors.results_table(plan=plan, include_unvalidated=True) == {}
    assert "week_6_arm_1" not in redcap.records_csv(clinic=patient.clinic, by=None)
    # A new link answered inside the window counts for the 6 weeks.
    inside = _answer_through_link(six_weeks, _at(date(2026, 2, 20), 10), {"NPRS": {"NPRS": 4}})
    assert inside.timepoint == "6w"
    assert svc.responses_assign_for_plan(plan=plan) == 0  # the early one stays out of window


def test_a_two_week_link_answered_in_the_six_week_window_is_not_a_six_week_answer(patient, staff):
    plan = make_plan(patient, staff["physician"])
    two_weeks = plan.followups.get(timepoint="2w")
    late = _answer_through_link(two_weeks, _at(date(2026, 2, 20), 10), {"NPRS": {"NPRS": 4}})
    assert (late.timepoint, late.asked_for) == (None, "2w")


def test_pgic_is_never_asked_at_baseline_nor_stored_there(patient, staff):
    assert "PGIC" not in catalogue.instruments_at(("NPRS", "PGIC"), ("PGIC",), "baseline")
    plan = make_plan(patient, staff["physician"])
    with time_machine.travel("2026-01-25 10:00-05:00", tick=False):
        with pytest.raises(DomainError, match="change since the treatment"):
            svc.response_transcribe(
                plan=plan,
                instrument="PGIC",
                answers={"PGIC": 2},
                answered_on=date(2026, 1, 5),
                by=staff["nurse"],
                form=PAPER,
            )
    assert not SurveyResponse.objects.exists()
    baseline = plan.followups.get(timepoint="baseline")
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            plan=plan,
            patient=patient,
            followup=baseline,
            timepoint="baseline",
            instrument="PGIC",
            instrument_version="7-point",
            source="portal",
        )


def test_recording_the_treatment_moves_baseline_answers_given_after_it_out_of_window(
    patient, staff
):
    with time_machine.travel(_at(date(2026, 1, 2), 10), tick=False):
        plan = make_plan(
            patient, staff["physician"], status="approved", treated_on=None, treatment="csi"
        )
        baseline = baseline_open(plan=plan, by=staff["nurse"])
    day = date(2026, 1, 8)
    answered = _answer_through_link(baseline, _at(day, 11), {"NPRS": {"NPRS": 5}})
    assert answered.timepoint == "baseline"  # no procedure start known yet
    plan.treated_on, plan.status = day, "treated"
    plan.save()
    followups_create_for_plan(plan=plan, by=staff["physician"])
    answered.refresh_from_db()
    baseline.refresh_from_db()
    # A comparator recorded with a date only: the baseline closed at the start of that day.
    assert baseline.closes_at == _at(day, 0) and baseline.closes_on == day
    assert (answered.timepoint, answered.asked_for) == (None, "baseline")
    assert AuditEvent.objects.filter(reason__startswith="Answered after the procedure").exists()


def test_a_clinic_can_add_yearly_surveys_after_24_months(patient, staff, clinic):
    row = schedule_yearly_set(clinic=clinic, years=2, by=staff["clinic_admin"])
    assert row.version == "MT-SCHEDULE-2+2y"
    plan = make_plan(patient, staff["physician"])
    rows = {f.timepoint: f for f in plan.followups.all()}
    assert list(rows)[-3:] == ["24m", "36m", "48m"]
    assert rows["36m"].target_on == date(2029, 1, 8)
    assert (rows["36m"].target_on - rows["36m"].opens_on).days == 60
    assert (rows["48m"].closes_on - rows["48m"].target_on).days == 60
    assert catalogue.timepoint_label("36m") == "3 years"
    assert catalogue.redcap_event("48m") == "year_4_arm_1"


def test_the_yearly_survey_setting_is_for_clinic_administrators(
    staff, outsider, client_for, clinic
):
    url = "/outcomes/schedule/yearly/"
    assert client_for(staff["nurse"]).post(url, {"years": 1}).status_code == 403
    assert client_for(staff["clinic_admin"]).post(url, {"years": 1}).status_code == 302
    assert selectors.active_schedule(clinic).version == "MT-SCHEDULE-2+1y"
    client_for(outsider).post(url, {"years": 3})  # another clinic's admin: their own schedule
    assert selectors.active_schedule(clinic).version == "MT-SCHEDULE-2+1y"
