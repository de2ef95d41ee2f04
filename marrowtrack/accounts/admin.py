from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from marrowtrack.accounts.models import User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "display_name", "clinic", "is_active", "last_login"]
    list_filter = ["clinic", "groups", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Clinic", {"fields": ("clinic", "display_name", "credentials")}),
    )
