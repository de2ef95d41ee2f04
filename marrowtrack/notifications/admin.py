from django.contrib import admin

from marrowtrack.notifications.models import QuietHours


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    list_display = ("clinic", "starts", "ends")
