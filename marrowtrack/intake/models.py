"""Treatment plans (episodes of care) and informed consent.

A plan is the hub of a patient's journey: screening, consent, booking, the procedure day
(or comparator injection) and the outcome schedule all hang on it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from marrowtrack.core.models import ArchivableModel, BaseModel
from marrowtrack.patients.models import Patient, ReferralCondition


class Target(models.TextChoices):
    KNEE = "knee", "Knee"
    HIP = "hip", "Hip"
    GLENOHUMERAL = "glenohumeral", "Shoulder (glenohumeral joint)"
    SUBACROMIAL = "subacromial", "Shoulder (subacromial bursa)"
    ROTATOR_CUFF = "rotator_cuff", "Rotator cuff"
    SI_JOINT = "si_joint", "Sacroiliac joint"
    FACET = "facet", "Facet joint"
    DISC = "disc", "Intervertebral disc"
    OTHER = "other", "Other"


class Laterality(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Bilateral"
    MIDLINE = "midline", "Midline"


class Treatment(models.TextChoices):
    BMAC = "bmac", "Bone marrow concentrate (BMAC)"
    BMAC_PRP = "bmac_prp", "BMAC with platelet-rich plasma"
    CSI = "csi", "Corticosteroid injection"
    NERVE_BLOCK = "nerve_block", "Nerve block"
    PRP = "prp", "Platelet-rich plasma (PRP)"
    HA = "ha", "Hyaluronic acid"
    EXERCISE = "exercise", "Exercise / physiotherapy"


HARVEST_TREATMENTS = {Treatment.BMAC, Treatment.BMAC_PRP}


class TreatmentPlan(ArchivableModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        TREATED = "treated", "Treated"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    condition = models.CharField(max_length=20, choices=ReferralCondition.choices)
    target = models.CharField(max_length=20, choices=Target.choices)
    target_level = models.CharField(
        max_length=20, blank=True, help_text="Spinal level for facet or disc, e.g. L4-L5"
    )
    laterality = models.CharField(max_length=10, choices=Laterality.choices)
    symptom_duration_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(1200)]
    )
    kellgren_lawrence_grade = models.PositiveSmallIntegerField(
        "Kellgren-Lawrence grade", null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    severity_notes = models.CharField(max_length=300, blank=True)
    treatment = models.CharField(max_length=20, choices=Treatment.choices)
    previous_plan = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        help_text="For a repeat treatment: the earlier plan it follows.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The anchor of the outcome schedule: the day the treatment was given.
    treated_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "status"], name="plan_patient_status")]

    def __str__(self) -> str:
        side = "" if self.laterality == Laterality.MIDLINE else f"{self.get_laterality_display()} "
        level = f" {self.target_level}" if self.target_level else ""
        return f"{self.get_treatment_display()}: {side}{self.get_target_display()}{level}"

    def get_absolute_url(self) -> str:
        return reverse("intake:plan-detail", args=[self.public_id])

    @property
    def needs_harvest(self) -> bool:
        return self.treatment in HARVEST_TREATMENTS


class PriorTreatment(BaseModel):
    class Kind(models.TextChoices):
        INJECTION = "injection", "Injection"
        PHYSIOTHERAPY = "physiotherapy", "Physiotherapy"
        SURGERY = "surgery", "Surgery"
        OTHER = "other", "Other"

    class Drug(models.TextChoices):
        CORTICOSTEROID = "corticosteroid", "Corticosteroid"
        HA = "ha", "Hyaluronic acid"
        PRP = "prp", "PRP"
        OTHER = "other", "Other"
        NONE = "", "Not an injection"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="prior")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    drug = models.CharField(max_length=20, choices=Drug.choices, blank=True)
    given_on = models.DateField(null=True, blank=True)
    target = models.CharField(max_length=20, choices=Target.choices, blank=True)
    laterality = models.CharField(max_length=10, choices=Laterality.choices, blank=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-given_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.given_on or ''}".strip()


class ConsentDocument(BaseModel):
    """A versioned consent text for one treatment, written in our own plain words."""

    treatment = models.CharField(max_length=20, choices=Treatment.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown-free plain text; paragraphs split by blank lines")
    effective_from = models.DateTimeField()

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
    invalidated_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Consent to {self.plan} ({self.get_status_display()})"
