"""Recovery test data: a plan treated through intake's real service (which starts the
recovery course by its signal), on a chosen day."""

from __future__ import annotations

from datetime import date

import time_machine

from marrowtrack.accounts.models import User
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.services.plans import plan_mark_treated
from marrowtrack.patients.models import Patient
from marrowtrack.recovery.models import RecoveryCourse
from marrowtrack.testing import scenario

TREATED = date(2026, 3, 2)  # a Monday
COMPARATOR_FIELDS = {
    "csi": {"injectate_drug": "triamcinolone", "dose_mg": 40, "volume_ml": 2, "guidance": "us"},
    "prp": {"injectate_drug": "PRP", "volume_ml": 4, "guidance": "us"},
    "ha": {"injectate_drug": "hylan G-F 20", "volume_ml": 6, "guidance": "us"},
    "nerve_block": {"injectate_drug": "bupivacaine", "volume_ml": 5, "guidance": "us"},
}


def treated_course(
    patient: Patient,
    by: User,
    *,
    treatment: str = "bmac",
    on: date = TREATED,
    target: str = "knee",
) -> RecoveryCourse:
    """Treat a plan on ``on`` (recorded at 16:00 clinic time that day) and return its course."""
    plan = scenario.approved_plan(patient, by=by, target=target)
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        treatment=treatment, **COMPARATOR_FIELDS.get(treatment, {})
    )
    plan.refresh_from_db()
    with time_machine.travel(f"{on.isoformat()} 16:00-05:00", tick=False):
        plan_mark_treated(plan=plan, by=by, on=on, via_procedure=plan.treatment != "exercise")
    return RecoveryCourse.objects.get(plan=plan)
