"""Recovery after the injection: the course (one per treated plan), first-week check-ins,
nurse tasks and adverse events with their addenda.

A course starts in the transaction that marks the plan treated (``intake.signals.
plan_treated``) and freezes what the discharge instructions state (the NSAID restart date),
so a later change of the clinic's window does not change what the patient was told.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from marrowtrack.core import clock
from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.core.versioning import VersionedModel
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.patients.models import Patient
from marrowtrack.recovery import adverse
from marrowtrack.recovery.triage import Level


class RecoveryCourse(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "In recovery"
        COMPLETED = "completed", "Check-ins finished"
        WITHDRAWN = "withdrawn", "Check-ins stopped"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="recovery_courses")
    plan = models.OneToOneField(
        TreatmentPlan, on_delete=models.PROTECT, related_name="recovery_course"
    )
    encounter = models.ForeignKey(
        "procedures.ProcedureEncounter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    treated_on = models.DateField()
    treatment = models.CharField(max_length=20)
    harvest_side = models.CharField(max_length=10, blank=True)
    baseline_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    nsaid_avoid_days = models.PositiveSmallIntegerField()
    nsaid_restart_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    stopped_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-treated_on"]
        permissions = [("manage_checkins", "Can record phone check-ins and stop check-ins")]
        indexes = [models.Index(fields=["clinic", "status"], name="course_clinic_status")]

    def __str__(self) -> str:
        return f"Recovery after {self.plan} on {self.treated_on}"

    def get_absolute_url(self) -> str:
        return reverse("recovery:course", args=[self.public_id])


class CheckIn(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SUBMITTED = "submitted", "Answered"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        PORTAL = "portal", "Patient portal"
        PHONE = "phone", "Phone call (entered by staff)"

    course = models.ForeignKey(RecoveryCourse, on_delete=models.PROTECT, related_name="checkins")
    day = models.PositiveSmallIntegerField()
    on = models.DateField()
    opens_at = models.DateTimeField()
    invite_at = models.DateTimeField()
    remind_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answers = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    level = models.CharField(
        max_length=12, choices=[(lv.value, lv.value) for lv in Level], blank=True
    )
    findings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["course", "day"]
        constraints = [
            models.UniqueConstraint(fields=["course", "day"], name="checkin_once_per_day"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False) & ~Q(level=""),
                name="checkin_submitted_is_triaged",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"], name="checkin_status_closes")]

    def __str__(self) -> str:
        return f"Day {self.day} check-in ({self.get_status_display()})"

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "")


LEVEL_LABELS = {"expected": "Expected", "call_today": "Call today", "urgent": "Urgent"}


class NurseTask(BaseModel):
    class Kind(models.TextChoices):
        TRIAGE = "triage", "Check-in needs a call"
        MISSED = "missed", "Missed check-in"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(RecoveryCourse, on_delete=models.PROTECT, related_name="tasks")
    checkin = models.ForeignKey(CheckIn, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    level = models.CharField(
        max_length=12,
        choices=[("urgent", "Urgent"), ("call_today", "Call today")],
    )
    reason = models.CharField(max_length=600)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "due_at"]
        constraints = [
            models.UniqueConstraint(fields=["checkin", "kind"], name="task_once_per_checkin"),
            models.CheckConstraint(
                condition=~Q(status="resolved")
                | Q(resolved_at__isnull=False) & ~Q(resolution_note=""),
                name="task_resolved_has_note",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "due_at"], name="task_worklist")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("recovery:task", args=[self.public_id])


def _choices(table: dict) -> list[tuple]:
    return list(table.items())


class AdverseEvent(VersionedModel, BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Awaiting physician review"
        SIGNED = "signed", "Reviewed and signed"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="adverse_events")
    source_task = models.OneToOneField(
        NurseTask, on_delete=models.PROTECT, null=True, blank=True, related_name="adverse_event"
    )
    event_type = models.CharField(max_length=30, choices=_choices(adverse.TYPES))
    event_type_other = models.CharField(max_length=120, blank=True)
    site = models.CharField(max_length=10, choices=_choices(adverse.SITES))
    onset_on = models.DateField()
    grade = models.PositiveSmallIntegerField(choices=_choices(adverse.GRADES))
    serious = models.BooleanField(default=False)
    serious_criteria = models.JSONField(default=list, blank=True)
    relatedness = models.CharField(max_length=12, choices=_choices(adverse.RELATEDNESS))
    actions = models.JSONField(default=list, blank=True)
    actions_detail = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=30, choices=_choices(adverse.OUTCOMES))
    resolved_on = models.DateField(null=True, blank=True)
    description = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.ForeignKey(
        "esign.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-onset_on", "-created_at"]
        permissions = [("sign_adverseevent", "Can review and sign an adverse event")]
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=5), name="ae_grade_1_5"),
            models.CheckConstraint(
                condition=~Q(status="signed") | Q(signature__isnull=False),
                name="ae_signed_has_signature",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status"], name="ae_clinic_status")]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()}, grade {self.grade} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("recovery:ae", args=[self.public_id])

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SIGNED


class AdverseEventAddendum(BaseModel):
    """Later information about a signed event. Append-only; it may bring a new outcome."""

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    outcome = models.CharField(max_length=30, choices=_choices(adverse.OUTCOMES), blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"Addendum of {clock.stamp(self.at)}"
