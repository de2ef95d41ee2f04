"""Survey responses: scoring on submit, assignment to windows, transcription and verification."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services import responses as svc
from marrowtrack.outcomes.tests.factories import PAPER, koos_answers, make_plan

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-01-25 10:00-05:00", tick=False)
def test_a_transcribed_form_waits_for_a_second_person_then_counts(patient, staff):
    plan = make_plan(patient, staff["physician"])
    response = svc.response_transcribe(
        plan=plan,
        instrument="NPRS",
        answers={"NPRS": 6},
        answered_on=date(2026, 1, 22),
        by=staff["front_desk"],
        form=PAPER,
    )
    assert response.status == "awaiting_verification"
    assert response.timepoint == "2w"
    with pytest.raises(DomainError, match="second person"):
        svc.response_verify(response=response, by=staff["front_desk"])
    svc.response_verify(response=response, by=staff["nurse"])
    response.refresh_from_db()
    assert response.status == "submitted"
    assert response.verification == "second_person"
    assert response.scores == {"NPRS": {"total": 6, "reasons": []}}
    assert response.rule_version == "NPRS-1"
    assert AuditEvent.objects.filter(entity="outcomes.surveyresponse").count() == 2


@time_machine.travel("2026-01-25 10:00-05:00", tick=False)
def test_double_entry_that_differs_names_every_mismatch_and_changes_nothing(patient, staff):
    plan = make_plan(patient, staff["physician"])
    first = koos_answers(2)
    response = svc.response_transcribe(
        plan=plan,
        instrument="KOOS",
        answers=first,
        answered_on=date(2026, 1, 22),
        by=staff["front_desk"],
        form=PAPER,
    )
    second = {**first, "S4": 0, "Q1": None}
    with pytest.raises(ValidationFailed) as caught:
        svc.response_double_entry(response=response, answers=second, by=staff["nurse"])
    assert caught.value.errors == {
        "S4": ["first entry 2, second entry 0"],
        "Q1": ["first entry 2, second entry None"],
    }
    response.refresh_from_db()
    assert response.status == "awaiting_verification"
    svc.response_double_entry(response=response, answers=first, by=staff["nurse"])
    response.refresh_from_db()
    # every subscale: 100 - 25 x 2 = 50; KOOS JR raw sum 7 x 2 = 14 -> 52.465
    assert response.scores["KOOS"]["pain"] == 50.0
    assert response.scores["KOOS_JR"]["total"] == 52.465
    assert response.verification == "double_entry"


def test_an_out_of_range_answer_is_refused_naming_the_item(patient, staff):
    plan = make_plan(patient, staff["physician"])
    with pytest.raises(ValidationFailed) as caught:
        svc.response_transcribe(
            plan=plan,
            instrument="KOOS",
            answers={"P1": 5},
            answered_on=date(2026, 1, 22),
            by=staff["nurse"],
            form=PAPER,
        )
    assert "P1" in caught.value.errors
    assert not SurveyResponse.objects.exists()


@time_machine.travel("2026-03-01 10:00-05:00", tick=False)
def test_a_form_dated_outside_every_window_is_stored_unassigned(patient, staff):
    plan = make_plan(patient, staff["physician"])
    # 2w window closes 29 Jan; 6w is 8 Jan + 42 = 19 Feb +-14 -> opens 5 Feb: 31 Jan is in neither
    response = svc.response_transcribe(
        plan=plan,
        instrument="NPRS",
        answers={"NPRS": 3},
        answered_on=date(2026, 1, 31),
        by=staff["nurse"],
        form=PAPER,
    )
    svc.response_verify(response=response, by=staff["physician"])
    response.refresh_from_db()
    assert response.timepoint is None and response.followup is None
    assert response.status == "submitted"


@time_machine.travel("2026-01-22 10:00-05:00", tick=False)
def test_portal_pages_resume_and_submit_completes_the_follow_up(patient, staff, clinic):
    from marrowtrack.outcomes.services.followups import instrument_set_save

    instrument_set_save(
        clinic=clinic,
        condition="knee_oa",
        instruments=["NPRS"],
        follow_up_only=[],
        by=staff["clinic_admin"],
    )
    from marrowtrack.outcomes.services.links import survey_link_create

    plan = make_plan(patient, staff["physician"])
    followup = plan.followups.get(timepoint="2w")
    link = survey_link_create(followup=followup, by=staff["nurse"]).link
    response = svc.portal_response_get_or_start(link=link, instrument="NPRS")
    assert response.wording == "product_labels"  # no text pack installed
    svc.response_save_page(response=response, answers={"NPRS": 4}, page=0)
    assert response.progress == 1
    svc.portal_followup_submit(followup=followup)
    followup.refresh_from_db()
    response.refresh_from_db()
    assert followup.status == "completed"
    assert response.scores["NPRS"]["total"] == 4
    with pytest.raises(DomainError):
        svc.portal_followup_submit(followup=followup)


def test_baseline_answered_before_the_schedule_exists_is_assigned_when_it_is_created(
    patient, staff
):
    from marrowtrack.outcomes.services.followups import followups_create_for_plan

    plan = make_plan(patient, staff["physician"], treated_on=None, status="approved")
    with time_machine.travel("2026-01-02 10:00-05:00", tick=False):
        response = svc.response_transcribe(
            plan=plan,
            instrument="NPRS",
            answers={"NPRS": 7},
            answered_on=date(2026, 1, 2),
            by=staff["nurse"],
            form=PAPER,
        )
        svc.response_verify(response=response, by=staff["physician"])
    assert SurveyResponse.objects.get().timepoint is None
    plan.treated_on, plan.status = date(2026, 1, 8), "treated"
    plan.save()
    followups_create_for_plan(plan=plan, by=staff["physician"])
    assert SurveyResponse.objects.get().timepoint == "baseline"
