"""Staff roles as groups, and the permissions each role holds.

The table is the single source of truth: `roles_sync` creates or updates the groups after
every migrate, so a permission granted here is granted everywhere (views, API, admin).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import TextChoices


class Role(TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    NURSE = "nurse", "Nurse"
    PHYSICIAN = "physician", "Physician"
    LAB_TECH = "lab_tech", "Lab technologist"
    CLINIC_ADMIN = "clinic_admin", "Clinic administrator"
    RESEARCHER = "researcher", "Researcher"


_PATIENT_READ = ["patients.view_patient"]
_PATIENT_WRITE = [
    "patients.add_patient",
    "patients.change_patient",
    "patients.archive_patient",
    "patients.change_clinical_record",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.FRONT_DESK: [*_PATIENT_READ, *_PATIENT_WRITE],
    Role.NURSE: [*_PATIENT_READ, *_PATIENT_WRITE],
    Role.PHYSICIAN: [*_PATIENT_READ, *_PATIENT_WRITE],
    # The lab needs identity (name, DOB, MRN) for labels, not the clinical record.
    Role.LAB_TECH: [*_PATIENT_READ],
    Role.CLINIC_ADMIN: [
        *_PATIENT_READ,
        "patients.archive_patient",
        "audit.view_auditevent",
        "accounts.manage_staff",
        "facilities.view_room",
        "facilities.change_room",
    ],
    Role.RESEARCHER: ["accounts.view_deidentified"],
}


def role_permissions() -> dict[str, list[str]]:
    """The table above merged with each app's `permissions.ROLE_PERMISSIONS`."""
    from marrowtrack.core.discovery import app_modules

    merged = {role: list(codes) for role, codes in ROLE_PERMISSIONS.items()}
    for module in app_modules("permissions"):
        for role, codes in module.ROLE_PERMISSIONS.items():
            merged.setdefault(role, []).extend(codes)
    return merged


def _permissions(codes: Iterable[str]) -> list[Permission]:
    found = []
    for code in codes:
        app_label, codename = code.split(".", 1)
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is None:
            raise LookupError(f"Role table names unknown permission {code!r}")
        found.append(perm)
    return found


def roles_sync() -> None:
    """Create the role groups and set exactly the permissions the table lists."""
    for role, codes in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=str(role))
        group.permissions.set(_permissions(codes))


def roles_sync_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    # Django creates permissions app by app after migrate; make sure all exist first.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync()


def role_group(role: str) -> Group:
    return Group.objects.get(name=role)
