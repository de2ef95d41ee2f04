"""Outcomes test data: treated plans with schedules, and survey answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from marrowtrack.accounts.models import User
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes.services.followups import followups_create_for_plan
from marrowtrack.outcomes.services.responses import FormWording
from marrowtrack.patients.models import Patient

TREATED = date(2026, 1, 8)  # 2w target 22 Jan (window 19-29 Jan); 3m target 8 Apr
# A paper form printed from a licensed original (validated wording), as most tests transcribe.
PAPER = FormWording("licensed_paper", form_version="Licensed paper form, test version 1")


def make_plan(
    patient: Patient, by: User, *, schedule: bool = True, **overrides: Any
) -> TreatmentPlan:
    fields = {
        "patient": patient,
        "condition": "knee_oa",
        "target": "knee",
        "laterality": "left",
        "treatment": "bmac",
        "status": TreatmentPlan.Status.TREATED,
        "treated_on": TREATED,
        "created_by": by,
        **overrides,
    }
    plan = TreatmentPlan.objects.create(**fields)
    if schedule and plan.treated_on:
        followups_create_for_plan(plan=plan, by=by)
    return plan


def koos_answers(value: int = 2) -> dict[str, int]:
    """All 42 KOOS items at one value: every subscale = 100 - 25 x value."""
    from marrowtrack.outcomes.scoring import instrument

    return {code: value for code in instrument("KOOS").definition.item_codes}
