"""Who may read the registry: clinical readers (outcomes.view_followup) see their clinic's
figures; the researcher (accounts.view_deidentified) sees the same aggregate figures and the
de-identified export, never an identifier. Everyone reads their own clinic only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from marrowtrack.accounts.access import has_perm, require_perm
from marrowtrack.accounts.models import User

CLINICAL = "outcomes.view_followup"
RESEARCH = "accounts.view_deidentified"


def registry_reader(user: User) -> str:
    """'clinical' or 'research' (the de-identified view); 403 for anyone else."""
    require_perm(user)
    if has_perm(user, CLINICAL):
        return "clinical"
    if has_perm(user, RESEARCH):
        return "research"
    raise PermissionDenied("Your role does not allow registry analytics.")


def require_research(user: User) -> None:
    require_perm(user, RESEARCH)
