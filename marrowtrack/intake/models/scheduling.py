"""Appointments and the resources they need: rooms, equipment and staff, their working
hours and their exceptions (holidays, maintenance, leave)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from marrowtrack.core import clock
from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.models.plans import TreatmentPlan

_MINUTES = [MinValueValidator(10), MaxValueValidator(600)]


class BookingSettings(BaseModel):
    """Per-clinic appointment lengths (docs/reference.md §0: procedure slot 180 min)."""

    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="+")
    procedure_minutes = models.PositiveSmallIntegerField(default=180, validators=_MINUTES)
    comparator_minutes = models.PositiveSmallIntegerField(default=30, validators=_MINUTES)
    slot_step_minutes = models.PositiveSmallIntegerField(default=30, validators=_MINUTES)

    def __str__(self) -> str:
        return f"Booking settings of {self.clinic}"


class ResourceFields(BaseModel):
    """Exactly one of room, equipment or staff, or none for the whole clinic."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def resource(self) -> object | None:
        return self.room or self.equipment or self.staff

    @property
    def resource_label(self) -> str:
        return str(self.resource) if self.resource else "Whole clinic"


def _at_most_one_resource(name: str) -> models.CheckConstraint:
    one_or_none = (
        Q(room__isnull=True, equipment__isnull=True)
        | Q(room__isnull=True, staff__isnull=True)
        | Q(equipment__isnull=True, staff__isnull=True)
    )
    return models.CheckConstraint(condition=one_or_none, name=name)


class WorkingHours(ResourceFields):
    """Weekly hours, in the clinic's local time. Rows without a resource are the clinic's
    opening hours, which apply to every resource that has no hours of its own."""

    weekday = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(6)], help_text="0 = Monday … 6 = Sunday"
    )
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            _at_most_one_resource("hours_one_resource"),
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_label}: day {self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


class ResourceException(ResourceFields):
    """A time a resource (or the whole clinic) is unavailable."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Holiday / closure"
        MAINTENANCE = "maintenance", "Maintenance"
        LEAVE = "leave", "Staff leave"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            _at_most_one_resource("exception_one_resource"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="exception_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_label}: {self.get_kind_display()} ({self.reason})"


class Appointment(BaseModel):
    class Kind(models.TextChoices):
        PROCEDURE = "procedure", "BMAC procedure (harvest, processing, injection)"
        COMPARATOR = "comparator", "Comparator treatment"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    # A done booking still held its room and team at its time (issue 9 item 6).
    HOLDS_TIME = ("booked", "completed")

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    centrifuge = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lab_tech = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    status_reason = models.CharField(max_length=200, blank=True)
    rescheduled_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_from"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        permissions = [("book_appointment", "Can book, reschedule and cancel appointments")]
        indexes = [models.Index(fields=["clinic", "status", "starts_at"], name="appt_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appt_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {clock.stamp(self.starts_at)}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.BOOKED
