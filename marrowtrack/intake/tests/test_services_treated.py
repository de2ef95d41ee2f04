from __future__ import annotations

from datetime import date

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.services.plans import plan_mark_treated
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-24 15:00Z", tick=False):
        yield


def _consented(plan, staff) -> TreatmentPlan:
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="rosa nunez", signature="click"
    )
    consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)
    return plan


def test_marking_a_comparator_treated_creates_its_follow_up_schedule(make_plan, staff):
    # An injected comparator is marked treated by its procedure day's injection (ADR 0019).
    plan = _consented(make_plan(status=TreatmentPlan.Status.APPROVED, treatment="csi"), staff)
    plan_mark_treated(plan=plan, by=staff["physician"], on=date(2026, 11, 20), via_procedure=True)
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.TREATED
    assert plan.treated_on == date(2026, 11, 20)
    timepoints = set(plan.followups.values_list("timepoint", flat=True))
    assert {"2w", "6w", "3m", "6m", "12m", "24m"} <= timepoints
    assert AuditEvent.objects.filter(entity="intake.treatmentplan", action="update").exists()


def test_a_plan_without_witnessed_consent_cannot_be_marked_treated(make_plan, staff):
    plan = make_plan(status=TreatmentPlan.Status.APPROVED, treatment="csi")
    with pytest.raises(DomainError, match="consent"):
        plan_mark_treated(
            plan=plan, by=staff["physician"], on=date(2026, 11, 20), via_procedure=True
        )
    plan.refresh_from_db()
    assert plan.treated_on is None
    assert not plan.followups.exists()


def test_an_unapproved_plan_or_a_future_date_is_refused(make_plan, staff):
    with pytest.raises(DomainError, match="approved"):
        plan_mark_treated(plan=make_plan(), by=staff["physician"], on=date(2026, 11, 20))
    plan = make_plan(status=TreatmentPlan.Status.APPROVED)
    with pytest.raises(ValidationFailed):
        plan_mark_treated(plan=plan, by=staff["physician"], on=date(2026, 11, 25))


def test_a_bmac_plan_is_only_marked_treated_by_the_procedure_day(make_plan, staff):
    plan = _consented(make_plan(status=TreatmentPlan.Status.APPROVED, treatment="bmac"), staff)
    with pytest.raises(DomainError, match="procedure day"):
        plan_mark_treated(plan=plan, by=staff["physician"], on=date(2026, 11, 20))


def test_an_injected_comparator_is_not_marked_treated_from_the_plan_page(make_plan, staff):
    plan = _consented(make_plan(status=TreatmentPlan.Status.APPROVED, treatment="csi"), staff)
    with pytest.raises(DomainError, match="procedure day"):
        plan_mark_treated(plan=plan, by=staff["physician"], on=date(2026, 11, 20))
    plan.refresh_from_db()
    assert plan.treated_on is None and not plan.followups.exists()


def test_the_plan_page_records_an_exercise_programme_given(make_plan, staff, client_for):
    from django.urls import reverse

    plan = make_plan(status=TreatmentPlan.Status.APPROVED, treatment="exercise")
    url = reverse("intake:plan-treated", args=[plan.public_id])
    response = client_for(staff["nurse"]).post(url, {"on": "2026-11-23", "note": ""})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.treated_on == date(2026, 11, 23)


def test_the_api_records_treatment_with_role_and_clinic_checks(
    make_plan, staff, outsider, client_for
):
    plan = make_plan(status=TreatmentPlan.Status.APPROVED, treatment="exercise")
    url = f"/api/v1/intake/plans/{plan.public_id}/treated"

    def post(user, body):
        from marrowtrack.accounts.services import api_token_issue

        _, token = api_token_issue(user=user)
        return client_for(None).post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    assert post(outsider, {"on": "2026-11-23"}).status_code == 404
    assert post(staff["lab_tech"], {"on": "2026-11-23"}).status_code == 403
    bad = post(staff["physician"], {"on": "not a date"})
    assert bad.status_code == 422 and "on" in bad.json()["errors"]
    assert post(staff["physician"], {"on": "2026-11-23"}).status_code == 200
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.TREATED
