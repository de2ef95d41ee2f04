"""The permission preload: the same set ModelBackend would build, in one query; it grants
nothing itself, so inactive users, superusers and denials stay ModelBackend's answer."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marrowtrack.accounts.backends import (
    MODEL_BACKEND_CACHE,
    PermissionPreloadBackend,
    permissions_of,
)
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    """A new object for the same row, as each request gets: no permission cache yet."""
    return User.objects.get(pk=user.pk)


def _model_backend_set(user: User) -> set[str]:
    return ModelBackend().get_all_permissions(_fresh(user))


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_exactly_the_set_model_backend_builds(make_user, role: str) -> None:
    user = make_user(role)
    assert permissions_of(user) == _model_backend_set(user)
    assert permissions_of(user)


def test_a_permission_granted_to_the_user_directly_counts_too(make_user) -> None:
    user = make_user(Role.RESEARCHER)
    user.user_permissions.add(Permission.objects.get(codename="view_patient"))
    assert "patients.view_patient" in permissions_of(user)
    assert permissions_of(user) == _model_backend_set(user)


def test_a_permission_held_twice_counts_once_and_other_groups_do_not_leak(make_user) -> None:
    user = make_user(Role.NURSE)
    user.user_permissions.add(Permission.objects.get(codename="view_patient"))
    outsider_group = Group.objects.get(name=Role.CLINIC_ADMIN)
    assert "audit.view_auditevent" in {
        f"{p.content_type.app_label}.{p.codename}" for p in outsider_group.permissions.all()
    }
    assert "audit.view_auditevent" not in permissions_of(user)
    assert permissions_of(user) == _model_backend_set(user)


def test_a_request_checks_many_permissions_with_one_query(make_user) -> None:
    user = _fresh(make_user(Role.NURSE))
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("patients.view_patient")
        assert user.has_perms(["patients.view_patient", "patients.change_clinical_record"])
        assert not user.has_perm("audit.view_auditevent")
        assert user.has_module_perms("patients")
    assert len(queries) == 1


def test_model_backend_reads_the_preloaded_set() -> None:
    """Guards the private attribute name: if Django renamed it, the preload would be moot."""
    user = User(pk=10**9, username="ghost", is_active=True)
    setattr(user, MODEL_BACKEND_CACHE, {"patients.view_patient"})
    assert ModelBackend().has_perm(user, "patients.view_patient")


def test_the_preload_grants_nothing_by_itself(make_user) -> None:
    user = _fresh(make_user(Role.CLINIC_ADMIN))
    backend = PermissionPreloadBackend()
    assert backend.has_perm(user, "audit.view_auditevent") is False
    assert backend.has_module_perms(user, "audit") is False
    assert "audit.view_auditevent" in getattr(user, MODEL_BACKEND_CACHE)


def test_an_inactive_user_holds_nothing(make_user) -> None:
    user = make_user(Role.CLINIC_ADMIN)
    user.is_active = False
    user.save()
    user = _fresh(user)
    assert not user.has_perm("audit.view_auditevent")
    assert not hasattr(user, MODEL_BACKEND_CACHE)


def test_a_superuser_is_left_to_model_backend(make_user) -> None:
    user = _fresh(make_user(None, is_superuser=True))
    assert user.has_perm("audit.view_auditevent")
    PermissionPreloadBackend().has_perm(user, "audit.view_auditevent")
    assert not hasattr(user, MODEL_BACKEND_CACHE)
