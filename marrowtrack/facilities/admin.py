from django.contrib import admin

from marrowtrack.facilities.models import Equipment, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "kind", "has_fluoroscopy", "active"]
    list_filter = ["clinic", "kind", "active"]


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "kind", "serial_number", "calibration_due", "active"]
    list_filter = ["clinic", "kind", "active"]
