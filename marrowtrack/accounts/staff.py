"""Staff administration for a clinic administrator: accounts, roles, deactivation, resets.

Accounts are never deleted (their names stay on signatures and audit entries); they are
deactivated.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.services import validated

MANAGE = "accounts.manage_staff"


def staff_for_admin(admin: User, public_id: UUID | str) -> User:
    require_perm(admin, MANAGE)
    user = User.objects.filter(public_id=public_id, clinic_id=staff_clinic(admin).pk).first()
    if user is None:
        raise Http404("No such staff member in your clinic.")
    return user


def temporary_password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(3))


def _role_group(role: str) -> Group:
    if role not in Role.values:
        raise ValidationFailed({"role": [f"Unknown role {role!r}."]})
    return Group.objects.get(name=role)


def staff_create(*, by: User, data: dict[str, Any]) -> tuple[User, str]:
    """Create an account in the administrator's clinic; returns it and a one-time password."""
    password = temporary_password()
    group = _role_group(data.get("role", ""))
    with transaction.atomic():
        user = User(
            clinic=by.clinic,
            username=data["username"],
            display_name=data.get("display_name", ""),
            credentials=data.get("credentials", ""),
            email=data.get("email", ""),
        )
        user.set_password(password)
        validated(user, exclude=["password"])
        user.save()
        user.groups.set([group])
        changes = {"username": [None, user.username], "role": [None, group.name]}
        event_record(actor=by, action=AuditAction.CREATE, target=user, changes=changes)
    return user, password


def staff_update(*, by: User, user: User, role: str, is_active: bool) -> User:
    if user.pk == by.pk and not is_active:
        raise DomainError("You cannot deactivate your own account.")
    group = _role_group(role)
    with transaction.atomic():
        old_role = ",".join(user.role_names)
        changes: dict[str, list[Any]] = {}
        if old_role != group.name:
            user.groups.set([group])
            changes["role"] = [old_role, group.name]
        if user.is_active != is_active:
            changes["is_active"] = [user.is_active, is_active]
            user.is_active = is_active
            user.save(update_fields=["is_active"])
        if changes:
            event_record(actor=by, action=AuditAction.UPDATE, target=user, changes=changes)
    return user


def staff_reset_credentials(*, by: User, user: User) -> str:
    """New one-time password and removal of the authenticator (the user re-enrols)."""
    password = temporary_password()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        event_record(
            actor=by,
            action=AuditAction.UPDATE,
            target=user,
            name="account.reset_credentials",
            extra={"password": "reset", "totp_devices_removed": removed},
        )
    return password


def staff_is_locked(user: User) -> bool:
    """True when failed log-ins (or signatures) have locked this username (any address)."""
    failures = AccessAttempt.objects.filter(username=user.username).aggregate(
        most=Max("failures_since_start")
    )["most"]
    return bool(failures and failures >= settings.AXES_FAILURE_LIMIT)


def staff_locked_usernames(users: Iterable[User]) -> set[str]:
    names = [user.username for user in users]
    rows = AccessAttempt.objects.filter(
        username__in=names, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    return set(rows.values_list("username", flat=True))


def staff_unlock(*, by: User, user: User) -> int:
    """Clear the lockout of a staff member's username (every address), audited."""
    with transaction.atomic():
        cleared = axes_reset(username=user.username)
        event_record(
            actor=by,
            action=AuditAction.UPDATE,
            name="account.unlock",
            target=user,
            extra={"attempt_records_cleared": cleared},
        )
    return cleared
