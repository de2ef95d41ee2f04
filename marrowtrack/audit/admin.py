from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from marrowtrack.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, even for superusers."""

    list_display = ["sequence", "occurred_at", "actor_label", "action", "entity", "entity_id"]
    list_filter = ["action", "clinic"]
    search_fields = ["actor_label", "entity", "entity_id", "patient_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
