"""Versioned consent documents and a patient's consent to one plan on one version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from marrowtrack.core.models import BaseModel
from marrowtrack.intake.models.plans import Treatment, TreatmentPlan


class ConsentDocument(BaseModel):
    """A versioned consent text for one treatment, written in our own plain words."""

    treatment = models.CharField(max_length=20, choices=Treatment.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown-free plain text; paragraphs split by blank lines")
    effective_from = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["treatment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["treatment", "version"], name="consent_doc_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Consent(BaseModel):
    """A patient's consent to one plan on one document version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Awaiting signature"
        SIGNED = "signed", "Signed by patient"
        WITNESSED = "witnessed", "Signed and witnessed"
        INVALIDATED = "invalidated", "Invalidated"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    patient_typed_name = models.CharField(max_length=200, blank=True)
    patient_signature = models.TextField(
        blank=True, help_text="Drawn signature as an SVG path or PNG data URI, or 'click'"
    )
    patient_signed_at = models.DateTimeField(null=True, blank=True)
    witness_signature = models.ForeignKey(
        "esign.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    # The plan as it was when the patient signed (issue 9 item 2): the PDF prints this, and
    # the procedure day compares it with the plan. Empty only for consents from before it.
    plan_snapshot = models.JSONField(default=dict, blank=True, editable=False)
    invalidated_reason = models.CharField(max_length=200, blank=True)
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("take_consent", "Can present a consent to a patient for signature"),
            ("witness_consent", "Can countersign a patient's consent as witness"),
        ]

    def __str__(self) -> str:
        return f"Consent to {self.plan} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("intake:consent-detail", args=[self.public_id])

    @property
    def signed_by_click(self) -> bool:
        return self.patient_signature == "click"
