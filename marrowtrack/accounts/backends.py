"""A staff user's permissions in one query, for Django's own permission check to read.

Every page and endpoint asks ``require_perm`` first. Django's ``ModelBackend`` answers from
the user's permission set, which it builds per user object in two ORM queries (the user's
own permissions, then their groups'), and a request's user is a new object each time: two
queries per request, and building them was about a tenth of a search's CPU under load
(docs/performance.md). This backend, listed before ``ModelBackend``, fills ``ModelBackend``'s
per-user cache with the same set read in one prepared statement, and decides nothing
itself: it grants no permission (``has_perm`` is always False), so the answer still comes
from ``ModelBackend`` and its rules (inactive users hold nothing; superusers everything).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router

from marrowtrack.accounts.models import User

# The attribute ModelBackend keeps a user's full permission set in (django.contrib.auth
# .backends.ModelBackend.get_all_permissions); test_permission_backend guards the name.
MODEL_BACKEND_CACHE = "_perm_cache"


@cache
def _permissions_sql() -> str:
    """The user's own permissions and their groups' as ``app_label``, ``codename`` rows."""
    permission = Permission._meta.db_table
    content_type = ContentType._meta.db_table
    own = User.user_permissions.through._meta.db_table
    member = User.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    # Table names from the models' own metadata; the user id is a bound parameter.
    return (
        f"SELECT ct.app_label, p.codename FROM {permission} p "  # noqa: S608
        f"JOIN {content_type} ct ON ct.id = p.content_type_id "
        f"WHERE p.id IN (SELECT permission_id FROM {own} WHERE user_id = %s "
        f"UNION SELECT g.permission_id FROM {granted} g "
        f"JOIN {member} m ON m.group_id = g.group_id WHERE m.user_id = %s)"
    )


def permissions_of(user: User) -> set[str]:
    """``"app_label.codename"`` for every permission the user holds directly or by role."""
    with connections[router.db_for_read(Permission)].cursor() as cursor:
        cursor.execute(_permissions_sql(), [user.pk, user.pk])
        return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}


def _preload(user: Any) -> None:
    # Superusers, inactive and anonymous users are ModelBackend's alone (all or nothing).
    if (
        isinstance(user, User)
        and user.is_active
        and not user.is_superuser
        and not hasattr(user, MODEL_BACKEND_CACHE)
    ):
        setattr(user, MODEL_BACKEND_CACHE, permissions_of(user))


class PermissionPreloadBackend:
    """Loads the set ModelBackend checks against; authenticates nobody, grants nothing.

    ``authenticate`` answers None (Django then asks the next backend) and there is no
    ``get_user``: sessions are never tied to it (``force_login`` picks the next backend)."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        _preload(user_obj)
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        _preload(user_obj)
        return False

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        _preload(user_obj)
        return set()
