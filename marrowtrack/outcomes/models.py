"""Outcome surveys: schedule definitions, follow-ups, responses, links and reminders.

Answers are stored raw (item code -> value); scores are derived and can be recomputed from
them with the stored rule version (MarrowTrack instrument spec, general rules).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.patients.models import Patient, ReferralCondition


class ScheduleDefinition(BaseModel):
    """A versioned list of time points; a plan copies the dates of the active version."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.CharField(max_length=40)
    # [{"code": "2w", "days": 14, "months": 0, "before": 3, "after": 7}, ...]
    timepoints = models.JSONField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [("manage_schedule", "Can edit the follow-up schedule and instruments")]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "version"], name="schedule_version_unique")
        ]

    def __str__(self) -> str:
        return self.version


class InstrumentSet(BaseModel):
    """A clinic's instruments for one condition (defaults: instrument spec table)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=20, choices=ReferralCondition.choices)
    instruments = models.JSONField(help_text="Instrument codes asked at every time point")
    follow_up_only = models.JSONField(
        default=list, help_text="Codes asked after treatment only (e.g. PGIC)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "condition"], name="instrument_set_unique")
        ]

    def __str__(self) -> str:
        return f"{self.condition}: {', '.join(self.instruments)}"


class FollowUp(BaseModel):
    """One time point of a plan's schedule, with its concrete window (inclusive)."""

    class Status(models.TextChoices):
        # Open follow-ups show as scheduled, due or missed depending on today's date.
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Censor(models.TextChoices):
        NONE = "", "Not censored"
        SURGERY = "surgery", "Surgery"
        REPEAT_TREATMENT = "repeat_treatment", "Repeat treatment (new plan re-baselines)"
        WITHDRAWAL = "withdrawal", "Withdrew from follow-up"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="followups")
    timepoint = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField(default=0)
    target_on = models.DateField()
    opens_on = models.DateField()
    closes_on = models.DateField()
    schedule_version = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    censored_reason = models.CharField(max_length=20, choices=Censor.choices, blank=True)
    censored_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "position"]
        permissions = [("censor_followup", "Can censor follow-up (surgery, withdrawal)")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "timepoint"], name="followup_plan_timepoint"),
            models.CheckConstraint(
                condition=Q(opens_on__lte=models.F("closes_on")), name="followup_window_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_on"], name="followup_status_closes")]

    def __str__(self) -> str:
        return f"{self.timepoint} ({self.opens_on} to {self.closes_on})"


class SurveyLink(BaseModel):
    """A single-use, expiring portal link; only the token's SHA-256 is stored."""

    followup = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Survey link for {self.followup} (expires {self.expires_at:%Y-%m-%d})"


class SurveyResponse(BaseModel):
    """One instrument answered once: raw answers plus derived, recomputable scores."""

    class Source(models.TextChoices):
        PORTAL = "portal", "Patient portal"
        STAFF_TRANSCRIBED = "staff_transcribed", "Paper form transcribed by staff"
        REDCAP_IMPORT = "redcap_import", "REDCap import"

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        AWAITING_VERIFICATION = "awaiting_verification", "Awaiting verification"
        SUBMITTED = "submitted", "Submitted"

    class Verification(models.TextChoices):
        NONE = "", "Not needed"
        SECOND_PERSON = "second_person", "Checked by a second person"
        DOUBLE_ENTRY = "double_entry", "Double entry matched"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="responses")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="responses")
    followup = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    instrument = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=40)
    recall_period = models.CharField(max_length=120, blank=True)
    answers = models.JSONField(default=dict)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Null when the answer date falls outside every window: stored, not assigned.
    timepoint = models.CharField(max_length=20, null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    verification = models.CharField(max_length=20, choices=Verification.choices, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    rule_version = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.IN_PROGRESS)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Pages saved so far")

    class Meta:
        ordering = ["answered_at", "instrument"]
        permissions = [
            ("verify_surveyresponse", "Can verify a transcribed paper form"),
            ("score_answers", "Can use the scoring calculator"),
            ("exchange_redcap", "Can export and import REDCap records"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "instrument"],
                condition=Q(followup__isnull=False),
                name="response_one_per_followup_instrument",
            )
        ]
        indexes = [
            models.Index(fields=["plan", "timepoint"], name="response_plan_timepoint"),
            models.Index(fields=["patient", "answered_at"], name="response_patient_time"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.timepoint or 'unassigned'} ({self.get_status_display()})"


class Reminder(BaseModel):
    """One reminder of one follow-up on one channel; the constraint makes it send once."""

    class Kind(models.TextChoices):
        DUE = "due", "On the due date"
        DAY_3 = "day_3", "3 days after"
        DAY_7 = "day_7", "7 days after"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    followup = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    scheduled_for = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "kind", "channel"], name="reminder_once_per_kind_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.channel} reminder ({self.status})"


class ReminderLog(models.Model):
    """Every delivery attempt: sent, skipped (and why) or failed."""

    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Reminder.Status.choices)
    recipient = models.CharField(max_length=254, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"
