"""Access checks shared by views and the API. They raise; callers never branch on roles."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from marrowtrack.accounts.models import User


def require_perm(user: User, *perms: str) -> None:
    """403 unless the user is an active staff member of a clinic holding every permission."""
    if not user.is_authenticated or not user.is_active or user.clinic_id is None:
        raise PermissionDenied("Your account is not attached to a clinic.")
    if not user.has_perms(perms):
        raise PermissionDenied("Your role does not allow this.")


def has_perm(user: User, perm: str) -> bool:
    return bool(user.is_authenticated and user.clinic_id and user.has_perm(perm))
