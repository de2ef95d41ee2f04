"""Versioned consent documents and a patient's consent to one plan on one version."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
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

    @property
    def invalidated_reason_in_words(self) -> str:
        return reason_in_words(self.invalidated_reason)


# A field's code name in a stored sentence, such as "harvest_side" or "target_level".
_CODE_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def reason_in_words(reason: str) -> str:
    """A stored reason as a reader says it. Consents voided before the reasons were written
    in words name the plan's fields by their code ("harvest_side changed"); each known field
    becomes its label ("Harvest side changed"), so old and new reasons read alike."""

    def label(match: re.Match[str]) -> str:
        try:
            field = TreatmentPlan._meta.get_field(match.group())
        except FieldDoesNotExist:
            return match.group()
        return str(getattr(field, "verbose_name", match.group()))

    said = _CODE_NAME.sub(label, reason)
    return said[:1].upper() + said[1:]
