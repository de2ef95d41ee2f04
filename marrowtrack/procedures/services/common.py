"""Helpers shared by the procedure-day services: refusals, roles, clinic checks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.patients.models import Patient
from marrowtrack.procedures.exceptions import SafetyRefusal
from marrowtrack.procedures.states import Role

DEFAULT_HOLD_HOURS = 4


def hold_hours() -> float:
    """Clinic hold limit, end of harvest to injection (spec §0, default 4 h)."""
    return float(getattr(settings, "MARROWTRACK_HOLD_HOURS", DEFAULT_HOLD_HOURS))


def user_roles(user: User) -> set[Role]:
    names = {group.name for group in user.groups.all()}
    return {role for role in Role if role.value in names}


def require_role(user: User, allowed: frozenset[Role] | set[Role], what: str) -> None:
    if not user_roles(user) & set(allowed):
        names = ", ".join(sorted(role.value for role in allowed))
        raise PermissionDenied(f"Only {names} may {what}.")


def require_same_clinic(user: User, clinic_id: int) -> None:
    if user.clinic_id != clinic_id:
        raise PermissionDenied("This record belongs to another clinic.")


def refusal_record(
    *,
    by: User,
    target: models.Model,
    patient: Patient,
    reason: str,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Audit a refused attempt in its own transaction, so it stays even though the
    action itself is rolled back (call it outside the failed atomic block)."""
    with transaction.atomic():
        event_record(
            actor=by,
            action=AuditAction.REFUSED,
            target=target,
            changes=dict(changes or {}),
            reason=reason[:500],
            patient_public_id=patient.public_id,
        )


@contextmanager
def audited_refusals(
    *, by: User, target: models.Model, patient: Patient, changes: Mapping[str, Any] | None = None
) -> Iterator[None]:
    """Wrap *outside* the write's ``transaction.atomic``: a ``SafetyRefusal`` rolls the
    write back, then is audited as REFUSED in a transaction of its own, and re-raised."""
    try:
        yield
    except SafetyRefusal as exc:
        refusal_record(by=by, target=target, patient=patient, reason=exc.message, changes=changes)
        raise
