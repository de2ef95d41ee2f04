"""Eligibility: each clinic's rule set, every screening run, and the physician's decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.intake.models.plans import TreatmentPlan


class ClinicRuleSet(BaseModel):
    """A clinic's eligibility rule set as published; the newest one is in force."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rulesets")
    version = models.CharField(max_length=40)
    json = models.TextField(help_text="The rule set as JSON (rules.ruleset_to_json)")
    sha256 = models.CharField(max_length=64, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "version"], name="ruleset_version_per_clinic")
        ]

    def __str__(self) -> str:
        return f"Rule set {self.version} ({self.clinic})"


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    NEEDS_REVIEW = "needs_review", "Needs review"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


class Screening(BaseModel):
    """One run of the rule set against the record as it was; kept with the exact rules used."""

    class Kind(models.TextChoices):
        INTAKE = "intake", "Screening"
        DAY_OF = "day_of", "Re-check on the procedure day"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="screenings")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INTAKE)
    temperature_c = models.DecimalField(
        "Temperature (°C)", max_digits=3, decimal_places=1, null=True, blank=True
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    findings = models.JSONField(default=list)
    ruleset_version = models.CharField(max_length=40)
    ruleset_sha256 = models.CharField(max_length=64)
    ruleset_json = models.TextField()
    facts = models.JSONField(default=dict, help_text="The patient and plan facts screened")
    screened_on = models.DateField()
    reference_date = models.DateField()
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} (rules {self.ruleset_version}, {self.screened_on})"

    @property
    def hard_stops(self) -> list[dict[str, str]]:
        return [f for f in self.findings if f["severity"] == "hard_stop"]

    @property
    def flags(self) -> list[dict[str, str]]:
        return [f for f in self.findings if f["severity"] == "flag"]


class EligibilityDecision(BaseModel):
    """A physician's signed decision on one screening; overriding a hard stop needs a reason."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approved for treatment"
        DECLINE = "decline", "Declined (not eligible)"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="decisions")
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="decisions")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    rationale = models.TextField(blank=True)
    overrides_hard_stops = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.OneToOneField("esign.Signature", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(overrides_hard_stops=True, override_reason=""),
                name="decision_override_needs_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} by {self.decided_by}"

    @property
    def ruleset_version(self) -> str:
        return self.screening.ruleset_version
