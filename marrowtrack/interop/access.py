"""Who may use the FHIR server: the role's permission (403), then only the user's own clinic
(records elsewhere answer 404, as if they did not exist)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.models import User
from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.interop.models import BulkExport
from marrowtrack.patients.selectors import patients_for_export


def fhir_clinic(user: User, perm: str) -> Clinic:
    """The user's clinic, once the role is known to hold `perm` (403 otherwise)."""
    require_perm(user, perm)  # also refuses an account without a clinic
    return user.clinic  # type: ignore[return-value]


def as_uuid(text: str) -> UUID:
    try:
        return UUID(str(text))
    except ValueError:
        raise Http404("No such resource.") from None


def patient_for_fhir(user: User, perm: str, public_id: str) -> Any:
    clinic = fhir_clinic(user, perm)
    rows = patients_for_export(ExportScope(clinic=clinic))
    patient = rows.filter(public_id=as_uuid(public_id)).first()
    if patient is None:
        raise Http404("No such patient in your clinic.")
    return patient


def export_for_user(user: User, perm: str, public_id: str) -> BulkExport:
    clinic = fhir_clinic(user, perm)
    export = BulkExport.objects.filter(public_id=as_uuid(public_id), clinic=clinic).first()
    if export is None:
        raise Http404("No such export in your clinic.")
    return export
