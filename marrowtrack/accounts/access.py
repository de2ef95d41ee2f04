"""Access checks shared by services, views and the API. They raise; callers never branch
on roles. ``require_perm`` (403) lives in ``core.access`` so that the audit app, below
accounts, can use it too; it is re-exported here with the role and clinic checks."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.core.access import has_perm, require_perm
from marrowtrack.core.models import Clinic

__all__ = [
    "has_perm",
    "require_perm",
    "require_role",
    "require_same_clinic",
    "staff_clinic",
    "user_roles",
]


def staff_clinic(user: User) -> Clinic:
    """The clinic the member of staff works for. Every clinical page and endpoint needs one;
    an account tied to no clinic (a platform administrator) is refused (403) rather than
    shown another clinic's rows or none."""
    if user.clinic is None:
        raise PermissionDenied("Your account is not attached to a clinic.")
    return user.clinic


def user_roles(user: User) -> set[Role]:
    """The roles the user holds (a role is a group of the same name)."""
    names = {group.name for group in user.groups.all()}
    return {role for role in Role if role.value in names}


def require_role(user: User, allowed: Iterable[Role], what: str) -> None:
    """403 unless the user holds one of ``allowed``; the message names who may ``what``."""
    roles = frozenset(allowed)
    if not user_roles(user) & roles:
        names = " or ".join(sorted(role.label.lower() for role in roles))
        raise PermissionDenied(f"Only a {names} may {what}.")


def require_same_clinic(user: User, clinic_id: int) -> None:
    """Refuse a record of another clinic (services check it; views already answer 404)."""
    if user.clinic_id != clinic_id:
        raise PermissionDenied("This record belongs to another clinic.")
