"""Re-interventions of a treated target: repeat injection, surgery, arthroplasty.

Staff record them (from the clinic's own records, from an imported record, or from what the
patient answered in a survey, naming that response). The registry's time to re-intervention
starts at the plan's treatment day (docs/decisions/0022-registry-analytics.md).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.services import event_record_created
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.services import validated
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes.models import Reintervention, SurveyResponse

RECORDERS = (Role.NURSE, Role.PHYSICIAN, Role.CLINIC_ADMIN)
FIELDS = ("kind", "performed_on", "target", "laterality", "source", "detail")


def reintervention_record(
    *,
    plan: TreatmentPlan,
    kind: str,
    performed_on: date,
    source: str,
    by: User,
    target: str = "",
    laterality: str = "",
    response: SurveyResponse | None = None,
    detail: str = "",
) -> Reintervention:
    """Record one re-intervention of the plan's target (audited). The target and side
    default to the plan's; the day lies between the treatment and today; a survey-answer
    source names a submitted response of the same plan."""
    require_role(by, RECORDERS, "record a re-intervention")
    require_same_clinic(by, plan.patient.clinic_id)
    errors: dict[str, list[str]] = {}
    if plan.treated_on is None:
        errors["plan"] = ["This plan has no treatment day yet: nothing to re-intervene on."]
    elif performed_on < plan.treated_on:
        errors["performed_on"] = [
            f"The day is before the treatment ({plan.treated_on.isoformat()})."
        ]
    if performed_on > clock.today(plan.patient.clinic):
        errors["performed_on"] = ["The day is in the future."]
    if source == Reintervention.Source.SURVEY_ANSWER:
        if response is None:
            errors["response"] = ["Name the survey response the patient gave the answer in."]
        elif response.plan_id != plan.pk or response.status != SurveyResponse.Status.SUBMITTED:
            errors["response"] = ["The response is not a submitted response of this plan."]
    elif response is not None:
        errors["response"] = ["Only a survey-answer source names a response."]
    if errors:
        raise ValidationFailed(errors)
    row = Reintervention(
        plan=plan,
        patient=plan.patient,
        kind=kind,
        performed_on=performed_on,
        target=target or plan.target,
        laterality=laterality or plan.laterality,
        source=source,
        response=response,
        detail=detail.strip(),
        recorded_by=by,
    )
    with transaction.atomic():
        validated(row, exclude=("plan", "patient", "response", "recorded_by"))
        row.save()
        event_record_created(
            actor=by, target=row, fields=FIELDS, patient_public_id=plan.patient.public_id
        )
    return row
