"""Who may open which plan, follow-up or response: role (403), then clinic (404)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.intake.access import plan_for_user as intake_plan_for_user
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes.models import FollowUp, SurveyResponse

VIEW = "outcomes.view_surveyresponse"


def plan_for_user(user: User, public_id: UUID | str, perm: str = VIEW) -> TreatmentPlan:
    """The plan, checked against an outcomes permission (intake owns the lookup)."""
    return intake_plan_for_user(user, public_id, perm)


def followup_for_user(user: User, public_id: UUID | str, perm: str) -> FollowUp:
    require_perm(user, perm)
    followup = (
        FollowUp.objects.select_related("plan__patient__clinic")
        .filter(public_id=public_id, plan__patient__clinic_id=staff_clinic(user).pk)
        .first()
    )
    if followup is None:
        raise Http404("No such follow-up in your clinic.")
    return followup


def response_for_user(user: User, public_id: UUID | str, perm: str = VIEW) -> SurveyResponse:
    require_perm(user, perm)
    response = (
        SurveyResponse.objects.select_related("patient__clinic", "plan", "entered_by")
        .filter(public_id=public_id, patient__clinic_id=staff_clinic(user).pk)
        .first()
    )
    if response is None:
        raise Http404("No such survey response in your clinic.")
    return response
