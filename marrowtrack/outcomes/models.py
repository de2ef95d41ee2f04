"""Outcome surveys: schedule definitions, follow-ups, responses, links and reminders.

Answers are stored raw (item code -> value); scores are derived and can be recomputed from
them with the stored rule version (MarrowTrack instrument spec, general rules; docs/outcomes.md).
Every response records the wording it was collected on: scores are valid only on the licensed
wording, so answers given on MarrowTrack's own short labels are "unvalidated wording".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.intake.models import Laterality, Target, TreatmentPlan
from marrowtrack.outcomes.answer_values import AnswerValues, current_layouts
from marrowtrack.outcomes.registry_scores import kept_score_field
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


class TextPack(BaseModel):
    """The licensed wording of one instrument in one language, installed from a licence file.

    MarrowTrack ships no licensed text: `marrowtrack instruments install-text FILE` checks a
    pack against the instrument definition (item codes and option values exactly) and installs
    it for the whole installation. The newest pack of an instrument and language is active;
    older ones are kept because responses name the pack they were answered on.
    """

    instrument = models.CharField(max_length=20)
    language = models.CharField(max_length=2, choices=Patient.Language.choices)
    pack_id = models.CharField(max_length=80)
    version = models.CharField(max_length=40)
    licence = models.CharField(max_length=300)
    content = models.JSONField(help_text="The checked pack: item texts and option labels")
    sha256 = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    installed_label = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["instrument", "language", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "language", "pack_id", "version"], name="text_pack_unique"
            ),
            models.UniqueConstraint(
                fields=["instrument", "language"],
                condition=Q(active=True),
                name="text_pack_one_active",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How a response names its wording, e.g. 'koos-en-lk1 2.0 (en)'."""
        return f"{self.pack_id} {self.version} ({self.language})"


class FollowUp(BaseModel):
    """One time point of a plan's schedule, with its concrete window (inclusive).

    The baseline is made when the plan is approved (so it can be sent before treatment) with
    no closing date; when the treatment is recorded it closes on the treatment day, at the
    instant the procedure started (`closes_at`): a later answer is never a baseline.
    """

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
    closes_on = models.DateField(null=True, blank=True, help_text="Empty: until the procedure")
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Baseline: the instant the procedure started"
    )
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
        return f"{self.timepoint} ({self.opens_on} to {self.closes_on or 'the procedure'})"


class SurveyLink(BaseModel):
    """A single-use, expiring portal link; only the token's SHA-256 is stored.

    It binds to the first device that opens it: that browser gets a random device secret in a
    cookie and the link stores its SHA-256; any other device is refused (and told why).
    """

    followup = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    bound_at = models.DateTimeField(null=True, blank=True)
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

    class Wording(models.TextChoices):
        TEXT_PACK = "text_pack", "Licensed wording (installed text pack)"
        LICENSED_PAPER = "licensed_paper", "Licensed paper form"
        PRODUCT_LABELS = "product_labels", "Product labels (unvalidated wording)"
        NOT_RECORDED = "not_recorded", "Wording not recorded (unvalidated wording)"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="responses")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="responses")
    followup = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    instrument = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=40)
    recall_period = models.CharField(max_length=120, blank=True)
    answers = models.JSONField(default=dict)
    # The answers as numbers in item order, computed by the database from `answers` on every
    # write, so rescoring reads a row of numbers instead of parsing JSON (ADR 0032).
    answer_values = models.GeneratedField(
        expression=AnswerValues(current_layouts()),
        output_field=models.TextField(null=True),
        db_persist=True,
    )
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
    # The scores the registry dashboard reads, as JSON text kept by the database from
    # `scores` on every write (registry_scores.KEPT_SCORES; ADR 0031).
    score_nprs_total = kept_score_field("NPRS", "total")
    score_womac_pain = kept_score_field("WOMAC", "pain")
    score_womac_function = kept_score_field("WOMAC", "function")
    score_pga_total = kept_score_field("PGA", "total")
    rule_version = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.IN_PROGRESS)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Pages saved so far")
    wording = models.CharField(
        max_length=20, choices=Wording.choices, default=Wording.PRODUCT_LABELS
    )
    text_pack = models.ForeignKey(
        TextPack, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    form_version = models.CharField(
        max_length=120, blank=True, help_text="Pack id and version, or the paper form's version"
    )
    # The time point the link or paper form was for; `timepoint` stays empty when the answer
    # fell outside that window ("out of window": stored, never plotted or exported as it).
    asked_for = models.CharField(max_length=20, blank=True)
    link = models.ForeignKey(
        SurveyLink, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )

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
            ),
            models.CheckConstraint(
                condition=Q(wording="text_pack", text_pack__isnull=False)
                | (~Q(wording="text_pack") & Q(text_pack__isnull=True)),
                name="response_text_pack_named",
            ),
            # PGIC asks about change since treatment: never asked or stored at baseline.
            models.CheckConstraint(
                condition=~Q(instrument="PGIC", timepoint="baseline"),
                name="response_no_pgic_at_baseline",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "timepoint"], name="response_plan_timepoint"),
            models.Index(fields=["patient", "answered_at"], name="response_patient_time"),
            # Everything the registry dashboard reads, so the read never visits the wide rows
            # (SQLite reads this b-tree alone; PostgreSQL scans it index-only). ADR 0031.
            models.Index(
                fields=[
                    "instrument",
                    "status",
                    "patient",
                    "plan",
                    "timepoint",
                    "asked_for",
                    "wording",
                    "answered_at",
                    "score_nprs_total",
                    "score_womac_pain",
                    "score_womac_function",
                    "score_pga_total",
                ],
                name="response_registry_read",
            ),
        ]

    def __str__(self) -> str:
        when = self.timepoint or "out of window"
        return f"{self.instrument} {when} ({self.get_status_display()})"

    @property
    def validated_wording(self) -> bool:
        return self.wording in VALIDATED_WORDING

    @property
    def out_of_window(self) -> bool:
        return self.status == self.Status.SUBMITTED and self.timepoint is None


VALIDATED_WORDING = (
    SurveyResponse.Wording.TEXT_PACK.value,
    SurveyResponse.Wording.LICENSED_PAPER.value,
)


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


class Reintervention(BaseModel):
    """A later treatment of a treated target: a repeat injection, surgery or arthroplasty.

    The registry's time to re-intervention (Kaplan-Meier) starts at the plan's treatment day
    and ends at the first of these (docs/decisions/0022-registry-analytics.md). It lives in
    outcomes because a patient's survey answer is one of its sources (the response is named)
    and the censoring of follow-ups is here too.
    """

    class Kind(models.TextChoices):
        REPEAT_INJECTION = "repeat_injection", "Repeat injection"
        SURGERY = "surgery", "Surgery"
        ARTHROPLASTY = "arthroplasty", "Arthroplasty (joint replacement)"

    class Source(models.TextChoices):
        SURVEY_ANSWER = "survey_answer", "The patient's survey answer"
        STAFF = "staff", "Recorded by staff"
        IMPORTED = "imported", "Imported record"

    plan = models.ForeignKey(
        TreatmentPlan, on_delete=models.PROTECT, related_name="reinterventions"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    performed_on = models.DateField()
    target = models.CharField(max_length=20, choices=Target.choices)
    laterality = models.CharField(max_length=10, choices=Laterality.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["performed_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="survey_answer", response__isnull=False)
                | (~Q(source="survey_answer") & Q(response__isnull=True)),
                name="reintervention_survey_names_response",
            )
        ]
        indexes = [models.Index(fields=["plan", "performed_on"], name="reintervention_plan_on")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.performed_on}"
