"""Role groups are created by migrate with exactly the permissions of the role table."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from marrowtrack.accounts import roles
from marrowtrack.accounts.roles import ROLE_PERMISSIONS, Role, role_permissions, roles_sync

pytestmark = pytest.mark.django_db

PATIENT_WRITES = {
    "patients.add_patient",
    "patients.change_patient",
    "patients.archive_patient",
    "patients.change_clinical_record",
}


def _codes(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_migrate_creates_one_group_per_role_and_no_other() -> None:
    assert set(Group.objects.values_list("name", flat=True)) == {role.value for role in Role}


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_group_holds_exactly_the_tables_permissions(role: str) -> None:
    expected = set(role_permissions()[role])
    assert expected
    assert _codes(Group.objects.get(name=role)) == expected


def test_the_core_table_is_part_of_what_each_group_holds() -> None:
    for role, codes in ROLE_PERMISSIONS.items():
        assert set(codes) <= _codes(Group.objects.get(name=role)), role


def test_a_researcher_holds_no_patient_permission(make_user) -> None:
    researcher = make_user(Role.RESEARCHER)
    group = Group.objects.get(name=Role.RESEARCHER)
    assert not any(code.startswith("patients.") for code in _codes(group))
    assert not researcher.has_perm("patients.view_patient")
    assert researcher.has_perm("accounts.view_deidentified")


def test_a_lab_tech_reads_patients_but_may_not_change_them(make_user) -> None:
    lab_tech = make_user(Role.LAB_TECH)
    assert lab_tech.has_perm("patients.view_patient")
    assert not any(lab_tech.has_perm(code) for code in PATIENT_WRITES)


def test_only_the_clinic_admin_reads_the_audit_trail() -> None:
    holders = {
        group.name for group in Group.objects.all() if "audit.view_auditevent" in _codes(group)
    }
    assert holders == {Role.CLINIC_ADMIN.value}


def test_sync_removes_a_permission_granted_by_hand_and_restores_a_removed_one() -> None:
    nurse = Group.objects.get(name=Role.NURSE)
    nurse.permissions.add(Permission.objects.get(codename="view_auditevent"))
    nurse.permissions.remove(Permission.objects.get(codename="add_patient"))
    roles_sync()
    assert _codes(nurse) == set(role_permissions()[Role.NURSE])


def test_sync_refuses_a_table_naming_an_unknown_permission(monkeypatch) -> None:
    table = {**ROLE_PERMISSIONS, Role.NURSE: ["patients.teleport_patient"]}
    monkeypatch.setattr(roles, "ROLE_PERMISSIONS", table)
    with pytest.raises(LookupError, match="teleport_patient"):
        roles_sync()
