"""Who may open which procedure day: role (403) and clinic (404)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.procedures.models import ProcedureEncounter

VIEW = "procedures.view_procedureencounter"


def encounter_for_user(user: User, public_id: UUID | str, perm: str = VIEW) -> ProcedureEncounter:
    require_perm(user, perm)
    encounter = (
        ProcedureEncounter.objects.select_related("patient", "plan", "clinic")
        .filter(public_id=public_id, clinic_id=staff_clinic(user).pk)
        .first()
    )
    if encounter is None:
        raise Http404("No such procedure day in your clinic.")
    return encounter
