"""Treatment plans (episodes of care), prior treatments and lab values for screening.

A plan is the hub of a patient's journey: screening, consent, booking, the procedure day
(or comparator injection) and the outcome schedule all hang on it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from marrowtrack.core.models import ArchivableModel, BaseModel
from marrowtrack.core.versioning import VersionedModel
from marrowtrack.patients.models import Patient, ReferralCondition


class Target(models.TextChoices):
    KNEE = "knee", "Knee"
    HIP = "hip", "Hip"
    GLENOHUMERAL = "glenohumeral", "Shoulder (glenohumeral joint)"
    SUBACROMIAL = "subacromial", "Shoulder (subacromial bursa)"
    ROTATOR_CUFF = "rotator_cuff", "Rotator cuff"
    ELBOW = "elbow", "Elbow"
    WRIST_HAND = "wrist_hand", "Wrist or hand"
    ANKLE_FOOT = "ankle_foot", "Ankle or foot"
    SI_JOINT = "si_joint", "Sacroiliac joint"
    FACET = "facet", "Facet joint"
    DISC = "disc", "Intervertebral disc"
    OTHER = "other", "Other"


class PriorSite(models.TextChoices):
    """Where an earlier injection went: every plan target, and the epidural space (an
    epidural steroid counts in a lumbar washout, issue 8 item 8)."""

    KNEE = "knee", "Knee"
    HIP = "hip", "Hip"
    GLENOHUMERAL = "glenohumeral", "Shoulder (glenohumeral joint)"
    SUBACROMIAL = "subacromial", "Shoulder (subacromial bursa)"
    ROTATOR_CUFF = "rotator_cuff", "Rotator cuff"
    ELBOW = "elbow", "Elbow"
    WRIST_HAND = "wrist_hand", "Wrist or hand"
    ANKLE_FOOT = "ankle_foot", "Ankle or foot"
    SI_JOINT = "si_joint", "Sacroiliac joint"
    FACET = "facet", "Facet joint"
    DISC = "disc", "Intervertebral disc"
    EPIDURAL = "epidural", "Epidural (spine)"
    OTHER = "other", "Other"


class Laterality(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Bilateral"
    MIDLINE = "midline", "Midline"


class HarvestSide(models.TextChoices):
    """The planned side of the posterior iliac crest (docs/reference.md §1 ``Site``)."""

    LEFT = "left", "Left posterior iliac crest"
    RIGHT = "right", "Right posterior iliac crest"
    BILATERAL = "bilateral", "Both posterior iliac crests"


class HarvestAnticoagulant(models.TextChoices):
    """The anticoagulant drawn into the harvest syringes (docs/reference.md §1 Harvest fields)."""

    ACD_A = "acd_a", "ACD-A (citrate)"
    HEPARIN = "heparin", "Heparin"


class Treatment(models.TextChoices):
    BMAC = "bmac", "Bone marrow concentrate (BMAC)"
    BMAC_PRP = "bmac_prp", "BMAC with platelet-rich plasma"
    CSI = "csi", "Corticosteroid injection"
    NERVE_BLOCK = "nerve_block", "Nerve block"
    PRP = "prp", "Platelet-rich plasma (PRP)"
    HA = "ha", "Hyaluronic acid"
    EXERCISE = "exercise", "Exercise / physiotherapy"


HARVEST_TREATMENTS = {Treatment.BMAC, Treatment.BMAC_PRP}
# Comparators given by injection: drug, dose and volume are recorded like BMAC's
# (docs/reference.md §7).
INJECTED_COMPARATORS = {Treatment.CSI, Treatment.NERVE_BLOCK, Treatment.PRP, Treatment.HA}


# What a patient consents to (issue 9 item 2): editing any of these after consent voids the
# consent and the approval, and a consent's snapshot is compared with them on the day.
CONSENTED_FIELDS = (
    "condition",
    "target",
    "target_level",
    "laterality",
    "treatment",
    "harvest_side",
)


class Guidance(models.TextChoices):
    ULTRASOUND = "us", "Ultrasound"
    FLUOROSCOPY = "fluoro", "Fluoroscopy"
    LANDMARK = "landmark", "Landmark (no imaging)"


class TreatmentPlan(VersionedModel, ArchivableModel):
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
    # Harvest plans only: the side is on the consent and checked on the day (issue 9 item 1),
    # and harvest-site contraindications are looked for on it (issue 8 item 7).
    harvest_side = models.CharField(max_length=10, choices=HarvestSide.choices, blank=True)
    harvest_anticoagulant = models.CharField(
        max_length=10, choices=HarvestAnticoagulant.choices, blank=True
    )
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
    guidance = models.CharField(max_length=10, choices=Guidance.choices, blank=True)
    # Comparator injection details (docs/reference.md §7: for a steroid injection the drug,
    # mg, mL, anaesthetic and guidance).
    injectate_drug = models.CharField(
        max_length=120, blank=True, help_text="e.g. triamcinolone acetonide"
    )
    dose_mg = models.DecimalField(
        "Dose (mg)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    volume_ml = models.DecimalField(
        "Volume (mL)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
    )
    anaesthetic = models.CharField(
        max_length=120, blank=True, help_text="Local anaesthetic mixed in, e.g. lidocaine 1% 2 mL"
    )
    anticoagulant_plan = models.TextField(
        blank=True, help_text="The prescriber's plan for blood thinners: hold, last dose, restart"
    )
    fasting_note = models.CharField(
        max_length=200, blank=True, help_text="Leave blank when no fasting is needed"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Set by the eligibility decision so every list can show the override badge cheaply.
    hard_stop_overridden = models.BooleanField(default=False, editable=False)
    # The anchor of the outcome schedule: the day the treatment was given.
    treated_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "status"], name="plan_patient_status"),
            # The plans list pages by keyset on (created_at, public_id), newest first.
            models.Index(fields=["-created_at", "-public_id"], name="plan_list_keyset"),
        ]
        permissions = [
            ("run_screening", "Can run an eligibility screening"),
            ("decide_eligibility", "Can record and sign an eligibility decision"),
        ]

    def __str__(self) -> str:
        side = "" if self.laterality == Laterality.MIDLINE else f"{self.get_laterality_display()} "
        level = f" {self.target_level}" if self.target_level else ""
        return f"{self.get_treatment_display()}: {side}{self.get_target_display()}{level}"

    def get_absolute_url(self) -> str:
        return reverse("intake:plan-detail", args=[self.public_id])

    @property
    def needs_harvest(self) -> bool:
        return self.treatment in HARVEST_TREATMENTS

    @property
    def consented_key(self) -> dict[str, str]:
        """The consented fields' values, as stored in screenings and consent snapshots."""
        return {name: str(getattr(self, name)) for name in CONSENTED_FIELDS}

    @property
    def target_label(self) -> str:
        side = "" if self.laterality == Laterality.MIDLINE else f"{self.get_laterality_display()} "
        level = f" {self.target_level}" if self.target_level else ""
        return f"{side}{self.get_target_display()}{level}"

    @property
    def is_injected_comparator(self) -> bool:
        return self.treatment in INJECTED_COMPARATORS


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
    target = models.CharField(max_length=20, choices=PriorSite.choices, blank=True)
    laterality = models.CharField(max_length=10, choices=Laterality.choices, blank=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-given_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.given_on or ''}".strip()


class LabValue(ArchivableModel):
    """A laboratory result the screening needs (platelets, INR), with the day it was taken."""

    class Test(models.TextChoices):
        PLATELETS = "platelets", "Platelet count"
        INR = "inr", "INR"

    UNITS = {Test.PLATELETS: "×10^9/L", Test.INR: "ratio"}

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="lab_values")
    test = models.CharField(max_length=20, choices=Test.choices)
    value = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    unit = models.CharField(max_length=20, editable=False)
    taken_on = models.DateField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-taken_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "test", "taken_on"], name="labvalue_lookup")]

    def __str__(self) -> str:
        return f"{self.get_test_display()} {self.value} {self.unit} on {self.taken_on}"


class MedicationHold(ArchivableModel):
    """The prescriber's hold of one medication before this plan's procedure: last dose,
    restart date, who decided. Signed by the clinician who records it; it feeds the
    eligibility check, the booking check and the patient's instructions (issue 8 item 5,
    issue 9 item 3)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="holds")
    medication = models.ForeignKey(
        "patients.Medication", on_delete=models.PROTECT, related_name="holds"
    )
    last_dose_on = models.DateField("Last dose on")
    restart_on = models.DateField("Restart on", null=True, blank=True)
    prescriber = models.CharField(
        max_length=120, help_text="Who decided the hold, e.g. 'Dr A. Mensah, cardiology'"
    )
    note = models.CharField(max_length=300, blank=True, help_text="e.g. bridging, dose changes")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.OneToOneField("esign.Signature", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(restart_on__isnull=True)
                | models.Q(restart_on__gt=models.F("last_dose_on")),
                name="hold_restart_after_last_dose",
            )
        ]

    def __str__(self) -> str:
        return f"Hold {self.medication.name}: last dose {self.last_dose_on}"
