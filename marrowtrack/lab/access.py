"""Who may open which container or processing run: role (403) and clinic (404)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.lab.models import Container, ProcessingRun
from marrowtrack.lab.permissions import VIEW


def container_for_user(user: User, public_id: UUID | str, perm: str = VIEW) -> Container:
    require_perm(user, perm)
    found = (
        Container.objects.select_related("patient", "encounter", "clinic")
        .filter(public_id=public_id, clinic_id=staff_clinic(user).pk)
        .first()
    )
    if found is None:
        raise Http404("No such container in your clinic.")
    return found


def run_for_user(user: User, public_id: UUID | str, perm: str = VIEW) -> ProcessingRun:
    require_perm(user, perm)
    run = (
        ProcessingRun.objects.select_related(
            "encounter__patient", "encounter__clinic", "centrifuge"
        )
        .filter(public_id=public_id, encounter__clinic_id=staff_clinic(user).pk)
        .first()
    )
    if run is None:
        raise Http404("No such processing run in your clinic.")
    return run
