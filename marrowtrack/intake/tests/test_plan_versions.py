"""Two people editing one treatment plan (or the clinic's intake settings): the second save,
made from the older version, is refused with 409 naming who changed it and when, and
nothing of it is stored, not even its side effects (decision 0021)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import StaleEdit
from marrowtrack.intake.forms import PlanForm
from marrowtrack.intake.models import IntakeSettings, TreatmentPlan
from marrowtrack.intake.services import plans
from marrowtrack.intake.services.settings import intake_settings_update

pytestmark = pytest.mark.django_db


def _opened(plan: TreatmentPlan) -> dict[str, str]:
    form = PlanForm(instance=plan, patient=plan.patient)
    data = {name: form[name].value() for name in form.fields}
    return {k: "" if v is None else str(v) for k, v in data.items()}


def _api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)[1]}"})


def _patch(client: Client, plan: TreatmentPlan, body: dict[str, Any]) -> Any:
    url = f"/api/v1/intake/plans/{plan.public_id}"
    return client.patch(url, body, content_type="application/json")


def test_the_second_of_two_web_edits_of_a_plan_is_refused_with_who_and_when(
    make_plan, staff, client_for
) -> None:
    plan = make_plan()
    url = reverse("intake:plan-edit", args=[plan.public_id])
    opened = _opened(plan)
    nurse, doctor = client_for(staff["nurse"]), client_for(staff["physician"])
    assert nurse.post(url, {**opened, "severity_notes": "worse on stairs"}).status_code == 302

    second = doctor.post(url, {**opened, "fasting_note": "light breakfast"})

    page = second.content.decode()
    assert second.status_code == 409
    assert f"changed by {staff['nurse'].printed_name} at 2026-03-02 07:00" in page
    assert "<td>worse on stairs</td><td>(blank)</td>" in page
    plan.refresh_from_db()
    assert (plan.severity_notes, plan.fasting_note, plan.version) == ("worse on stairs", "", 2)


def test_a_stale_edit_of_an_approved_plan_neither_sends_it_back_nor_voids_anything(
    approved_plan, staff
) -> None:
    plans.plan_update(
        plan=approved_plan, by=staff["nurse"], data={"severity_notes": "x"}, version=1
    )
    audit_before = AuditEvent.objects.count()
    with pytest.raises(StaleEdit, match="version 1; it is now version 2"):
        plans.plan_update(
            plan=approved_plan, by=staff["physician"], data={"laterality": "right"}, version=1
        )
    approved_plan.refresh_from_db()
    assert (approved_plan.status, approved_plan.laterality) == ("approved", "left")
    assert AuditEvent.objects.count() == audit_before


def test_the_api_edits_a_plan_and_refuses_the_second_of_two_edits(make_plan, staff) -> None:
    plan = make_plan()
    read = _api(staff["nurse"]).get(f"/api/v1/intake/plans/{plan.public_id}").json()
    first = _patch(_api(staff["nurse"]), plan, {"laterality": "right", "version": read["version"]})
    assert first.status_code == 200, first.content
    assert (first.json()["laterality"], first.json()["version"]) == ("right", 2)

    second = _patch(_api(staff["physician"]), plan, {"target": "hip", "version": 1})

    body = second.json()
    assert second.status_code == 409
    assert body["changed_by"] == staff["nurse"].printed_name
    assert body["current"]["laterality"] == "right" and body["current"]["version"] == 2
    assert body["current"]["target"] == "knee"
    assert TreatmentPlan.objects.get(pk=plan.pk).target == "knee"


def test_the_plan_api_refuses_outsiders_and_roles_without_the_permission(
    make_plan, staff, outsider
) -> None:
    plan = make_plan()
    assert _patch(_api(outsider), plan, {"laterality": "right", "version": 1}).status_code == 404
    denied = _patch(_api(staff["front_desk"]), plan, {"laterality": "right", "version": 1})
    assert denied.status_code == 403
    assert TreatmentPlan.objects.get(pk=plan.pk).laterality == "left"


def test_a_plan_api_edit_without_a_version_is_refused(make_plan, staff) -> None:
    plan = make_plan()
    response = _patch(_api(staff["nurse"]), plan, {"laterality": "right"})
    assert response.status_code == 422 and "version" in response.json()["errors"]


def test_the_second_of_two_edits_of_the_intake_settings_is_refused(clinic, staff) -> None:
    admin = staff["clinic_admin"]
    intake_settings_update(clinic=clinic, by=admin, data={"arrival_lead_minutes": 45}, version=1)
    with pytest.raises(StaleEdit) as refused:
        intake_settings_update(
            clinic=clinic, by=admin, data={"screening_max_age_days": 10}, version=1
        )
    assert refused.value.current["arrival_lead_minutes"] == 45
    stored = IntakeSettings.objects.get(clinic=clinic)
    assert (stored.arrival_lead_minutes, stored.version) == (45, 2)
    assert stored.screening_max_age_days != 10
