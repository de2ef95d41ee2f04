from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from marrowtrack.accounts.models import User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "display_name", "clinic", "is_active", "last_login"]
    list_filter = ["clinic", "groups", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Clinic", {"fields": ("clinic", "display_name", "credentials")}),
    )


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The Django admin has no log-in form of its own: it would skip the code and the
    lockout rules of the app's log-in page. Staff log in there; others get a 403."""
    if request.user.is_authenticated:
        raise PermissionDenied("The Django admin is for system administrators only.")
    target = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(target, login_url=reverse("accounts:login"))


admin.site.login = admin_login  # type: ignore[method-assign]
