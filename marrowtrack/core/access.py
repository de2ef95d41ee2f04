"""The permission check every view and endpoint starts with (403), below every app.

``accounts.access`` re-exports these next to the role and clinic checks; the audit app,
which sits below accounts, imports them from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied


class StaffMember(Protocol):
    """What the check reads of a request's user (``accounts.User`` or an anonymous user)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def clinic_id(self) -> int | None: ...

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...

    def has_perms(self, perm_list: Iterable[str], obj: Any = None) -> bool: ...


def require_perm(user: StaffMember, *perms: str) -> None:
    """403 unless the user is an active staff member of a clinic holding every permission."""
    if not user.is_authenticated or not user.is_active or user.clinic_id is None:
        raise PermissionDenied("Your account is not attached to a clinic.")
    if not user.has_perms(perms):
        raise PermissionDenied("Your role does not allow this.")


def has_perm(user: StaffMember, perm: str) -> bool:
    return bool(user.is_authenticated and user.clinic_id and user.has_perm(perm))
