from django.contrib import admin

from marrowtrack.core.models import Clinic


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "facility_code", "timezone"]
    search_fields = ["name", "code"]
