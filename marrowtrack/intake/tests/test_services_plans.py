"""Plan services: create with the care a comparator needs, repeats, edits, lab values."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.services import plans
from marrowtrack.intake.tests.conftest import MONDAY

pytestmark = pytest.mark.django_db
KNEE = {
    "condition": "knee_oa",
    "target": "knee",
    "laterality": "right",
    "treatment": "bmac",
    "harvest_side": "left",
    "kellgren_lawrence_grade": 2,
}
COMPARATOR = {k: v for k, v in KNEE.items() if k != "harvest_side"}


def test_plan_create_saves_and_audits_the_plan(patient, staff):
    plan = plans.plan_create(patient=patient, by=staff["nurse"], data=KNEE)
    assert plan.status == TreatmentPlan.Status.DRAFT
    assert AuditEvent.objects.filter(entity="intake.treatmentplan", action="create").exists()


def test_a_comparator_injection_needs_drug_dose_volume_and_guidance(patient, staff):
    with pytest.raises(ValidationFailed) as error:
        data = {**COMPARATOR, "treatment": "csi"}
        plans.plan_create(patient=patient, by=staff["nurse"], data=data)
    assert {"injectate_drug", "volume_ml", "guidance", "dose_mg"} <= set(error.value.errors)


def test_a_complete_corticosteroid_plan_is_accepted(patient, staff):
    data = {
        **COMPARATOR,
        "treatment": "csi",
        "injectate_drug": "Triamcinolone acetonide",
        "dose_mg": Decimal("40"),
        "volume_ml": Decimal("5"),
        "anaesthetic": "Lidocaine 1% 4 mL",
        "guidance": "us",
    }
    plan = plans.plan_create(patient=patient, by=staff["physician"], data=data)
    assert plan.dose_mg == Decimal("40")


def test_a_spinal_target_needs_its_level(patient, staff):
    data = {"condition": "facet", "target": "facet", "laterality": "midline", "treatment": "bmac"}
    with pytest.raises(ValidationFailed) as error:
        plans.plan_create(patient=patient, by=staff["nurse"], data=data)
    assert "target_level" in error.value.errors


def test_a_repeat_treatment_links_to_the_earlier_plan_of_the_same_patient(make_plan, staff):
    first = make_plan(status="treated")
    repeat = plans.plan_create(
        patient=first.patient, by=staff["nurse"], data={**KNEE, "previous_plan": first}
    )
    assert list(first.repeats.all()) == [repeat]


def test_a_repeat_cannot_follow_another_patients_plan(patient, staff, clinic):
    from marrowtrack.intake.tests.factories import PlanFactory
    from marrowtrack.testing.factories import PatientFactory

    other = PlanFactory(patient=PatientFactory(clinic=clinic))
    with pytest.raises(ValidationFailed):
        plans.plan_create(patient=patient, by=staff["nurse"], data={**KNEE, "previous_plan": other})


def test_changing_the_target_of_an_approved_plan_sends_it_back_to_draft(approved_plan, staff):
    approved_plan.hard_stop_overridden = True
    approved_plan.save()
    plan = plans.plan_update(
        plan=approved_plan,
        by=staff["nurse"],
        data={"laterality": "right"},
        version=approved_plan.version,
    )
    assert plan.status == TreatmentPlan.Status.DRAFT
    assert plan.hard_stop_overridden is False


def test_an_injection_without_its_drug_is_refused_as_a_prior_treatment(approved_plan, staff):
    with pytest.raises(ValidationFailed):
        plans.prior_treatment_add(
            plan=approved_plan, by=staff["nurse"], data={"kind": "injection", "drug": ""}
        )


def test_lab_value_record_fixes_the_unit_and_refuses_future_dates(patient, staff):
    lab = plans.lab_value_record(
        patient=patient, by=staff["nurse"], test="platelets", value=Decimal(180), taken_on=MONDAY
    )
    assert lab.unit == "×10^9/L"
    with pytest.raises(ValidationFailed):
        plans.lab_value_record(
            patient=patient,
            by=staff["nurse"],
            test="platelets",
            value=Decimal(180),
            taken_on=MONDAY + timedelta(days=1),
        )
