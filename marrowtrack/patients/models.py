"""The patient record: identity, contact, weight, allergies, medications, conditions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from marrowtrack.core.models import ArchivableModel, Clinic
from marrowtrack.core.text import fold
from marrowtrack.core.versioning import VersionedModel
from marrowtrack.patients.validators import not_in_future, plausible_birth_date

phone_validator = RegexValidator(
    r"^[0-9+()\-. ]{7,30}$", "Enter a phone number: digits, spaces, +, -, ( and ) only."
)


class ReferralCondition(models.TextChoices):
    KNEE_OA = "knee_oa", "Knee osteoarthritis"
    FACET = "facet", "Spinal facet arthritis / low back pain"
    SHOULDER = "shoulder", "Shoulder bursitis / rotator cuff"
    SI_JOINT = "si_joint", "Sacroiliac joint pain"
    RA = "ra", "Rheumatoid arthritis"
    OTHER = "other", "Other musculoskeletal condition"


class Side(models.TextChoices):
    """Which side of the body; the values match ``intake.Laterality``."""

    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Both sides"
    MIDLINE = "midline", "Midline"


class BodySite(models.TextChoices):
    """Where a local condition is, coarse enough to compare with a plan's target and its
    harvest site (the posterior iliac crest, docs/reference.md §1)."""

    ILIAC_CREST = "iliac_crest", "Pelvis / iliac crest (harvest area)"
    KNEE = "knee", "Knee"
    HIP = "hip", "Hip"
    SHOULDER = "shoulder", "Shoulder"
    LUMBAR = "lumbar", "Lower back (lumbar spine, sacroiliac)"
    ELBOW = "elbow", "Elbow"
    WRIST_HAND = "wrist_hand", "Wrist or hand"
    ANKLE_FOOT = "ankle_foot", "Ankle or foot"
    ELSEWHERE = "elsewhere", "Elsewhere (not a harvest or injection site)"


class Patient(VersionedModel, ArchivableModel):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not recorded"

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Spanish"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=20, editable=False)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[plausible_birth_date])
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=255, blank=True)
    preferred_language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    referral_condition = models.CharField(
        max_length=20, choices=ReferralCondition.choices, blank=True
    )
    referral_notes = models.CharField(max_length=500, blank=True)
    no_known_allergies = models.BooleanField(
        default=False, help_text="Allergies were asked about and the patient reports none."
    )
    # Adult range; with the latest weight it gives the BMI the eligibility rules flag.
    height_cm = models.DecimalField(
        "Height (cm)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("90.0"), "Height must be at least 90 cm."),
            MaxValueValidator(Decimal("250.0"), "Height must be at most 250 cm."),
        ],
    )
    # Folded copies of the names, indexed for fast accent-insensitive prefix search.
    family_name_key = models.CharField(max_length=100, editable=False, default="")
    given_name_key = models.CharField(max_length=100, editable=False, default="")

    class Meta:
        ordering = ["family_name", "given_name"]
        permissions = [
            ("archive_patient", "Can archive a patient record"),
            ("change_clinical_record", "Can edit weight, allergies, medications, conditions"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="patient_unique_mrn_per_clinic")
        ]
        indexes = [
            # Each list order (patients.selectors.patient_search_ordered) is an index, with
            # the id as the last key, so a page is an index range (ADR 0030).
            models.Index(
                fields=["clinic", "family_name_key", "given_name_key", "id"],
                name="patient_name_order",
            ),
            models.Index(fields=["clinic", "given_name_key"], name="patient_given_key"),
            models.Index(fields=["clinic", "date_of_birth", "id"], name="patient_dob_order"),
            models.Index(fields=["clinic", "-created_at", "-id"], name="patient_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "family_name_key", "given_name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("patients:detail", args=[self.public_id])

    def refresh_search_keys(self) -> None:
        self.family_name_key = fold(self.family_name)
        self.given_name_key = fold(self.given_name)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, on: date) -> int:
        before_birthday = (on.month, on.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return on.year - self.date_of_birth.year - int(before_birthday)


class WeightMeasurement(ArchivableModel):
    """Weight drives the lidocaine dose limit, so its date is always kept with it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="weights")
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal("2.0"), "Weight must be at least 2 kg."),
            MaxValueValidator(Decimal("400.0"), "Weight must be at most 400 kg."),
        ],
    )
    measured_on = models.DateField(validators=[not_in_future])
    # Set when the person entering it confirmed a weight the plausibility check questioned
    # (patients/weights.py); the note keeps what they were asked to re-check.
    plausibility_confirmed = models.BooleanField(default=False, editable=False)
    plausibility_note = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["-measured_on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight_kg__gt=0), name="weight_positive")
        ]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg on {self.measured_on}"


class Allergy(ArchivableModel):
    class Category(models.TextChoices):
        LOCAL_ANAESTHETIC = "local_anaesthetic", "Local anaesthetic (e.g. lidocaine)"
        ANTISEPTIC = "antiseptic", "Antiseptic (e.g. chlorhexidine, iodine)"
        LATEX = "latex", "Latex"
        CONTRAST = "contrast", "Contrast medium"
        HEPARIN = "heparin", "Heparin, incl. heparin-induced thrombocytopenia (HIT)"
        DRUG = "drug", "Other medicine"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe (anaphylaxis)"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    category = models.CharField(max_length=20, choices=Category.choices)
    substance = models.CharField(max_length=120)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default="unknown")

    class Meta:
        ordering = ["category", "substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return f"{self.substance} ({self.get_category_display()})"


class Medication(VersionedModel, ArchivableModel):
    class DrugClass(models.TextChoices):
        ANTICOAGULANT = "anticoagulant", "Anticoagulant"
        ANTIPLATELET = "antiplatelet", "Antiplatelet"
        NSAID = "nsaid", "NSAID (anti-inflammatory)"
        SYSTEMIC_CORTICOSTEROID = "systemic_corticosteroid", "Systemic corticosteroid"
        IMMUNOSUPPRESSANT = "immunosuppressant", "Immunosuppressant (e.g. methotrexate, biologic)"
        OTHER = "other", "Other"

    class Agent(models.TextChoices):
        """Blood thinners by agent: the hold before a procedure depends on it (ASRA 2018)."""

        WARFARIN = "warfarin", "Warfarin (vitamin K antagonist)"
        APIXABAN = "apixaban", "Apixaban"
        RIVAROXABAN = "rivaroxaban", "Rivaroxaban"
        EDOXABAN = "edoxaban", "Edoxaban"
        DABIGATRAN = "dabigatran", "Dabigatran"
        LMWH = "lmwh", "Low-molecular-weight heparin (e.g. enoxaparin)"
        CLOPIDOGREL = "clopidogrel", "Clopidogrel"
        PRASUGREL = "prasugrel", "Prasugrel"
        TICAGRELOR = "ticagrelor", "Ticagrelor"
        ASPIRIN = "aspirin", "Aspirin"
        OTHER = "other", "Other blood thinner"

    ANTICOAGULANTS = frozenset(
        {"warfarin", "apixaban", "rivaroxaban", "edoxaban", "dabigatran", "lmwh", "other"}
    )
    ANTIPLATELETS = frozenset({"clopidogrel", "prasugrel", "ticagrelor", "aspirin", "other"})

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=120)
    drug_class = models.CharField(max_length=30, choices=DrugClass.choices)
    agent = models.CharField(
        "Blood thinner",
        max_length=20,
        choices=Agent.choices,
        blank=True,
        help_text="For anticoagulants and antiplatelets: the agent sets the hold before a "
        "procedure.",
    )
    dose = models.CharField(max_length=120, blank=True, help_text="e.g. 5 mg twice daily")
    steroid_mg_per_day = models.DecimalField(
        "Prednisolone-equivalent mg a day",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1000"))],
        help_text="Systemic corticosteroids only (e.g. prednisolone 5 mg a day = 5).",
    )
    started_on = models.DateField(null=True, blank=True, validators=[not_in_future])
    stopped_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["stopped_on", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_drug_class_display()})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.started_on and self.stopped_on and self.stopped_on < self.started_on:
            errors["stopped_on"] = "The stop date is before the start date."
        errors.update(self._agent_errors())
        if self.steroid_mg_per_day is not None and (
            self.drug_class != self.DrugClass.SYSTEMIC_CORTICOSTEROID
        ):
            errors["steroid_mg_per_day"] = "Only for systemic corticosteroids."
        if errors:
            raise ValidationError(errors)

    def _agent_errors(self) -> dict[str, str]:
        allowed = {
            self.DrugClass.ANTICOAGULANT: self.ANTICOAGULANTS,
            self.DrugClass.ANTIPLATELET: self.ANTIPLATELETS,
        }.get(self.drug_class)
        if allowed is None:
            return {"agent": "Only for anticoagulants and antiplatelets."} if self.agent else {}
        if not self.agent:
            return {"agent": "Choose the blood thinner (or 'Other blood thinner')."}
        if self.agent not in allowed:
            return {"agent": f"{self.get_agent_display()} is not an {self.drug_class}."}
        return {}

    def is_current_on(self, on: date) -> bool:
        started = self.started_on is None or self.started_on <= on
        return started and (self.stopped_on is None or self.stopped_on >= on)


class Condition(VersionedModel, ArchivableModel):
    """Conditions that bear on eligibility (docs/reference.md §4)."""

    class Kind(models.TextChoices):
        INFECTION_SYSTEMIC = "infection_systemic", "Infection (systemic)"
        INFECTION_LOCAL = "infection_local", "Infection (local: give its site)"
        MALIGNANCY_SOLID = "malignancy_solid", "Cancer (solid tumour)"
        MALIGNANCY_HAEM = "malignancy_haematological", "Blood cancer (haematological)"
        SKIN_CANCER_NON_MELANOMA = (
            "skin_cancer_non_melanoma",
            "Skin cancer, non-melanoma (basal or squamous cell)",
        )
        CARCINOMA_IN_SITU = "carcinoma_in_situ", "Carcinoma in situ"
        BLEEDING_DISORDER = "bleeding_disorder", "Bleeding disorder"
        PREGNANCY = "pregnancy", "Pregnancy"
        IMMUNOSUPPRESSION = "immunosuppression", "Immunosuppression"
        DIABETES_UNCONTROLLED = "diabetes_uncontrolled", "Diabetes (uncontrolled)"
        RHEUMATIC_DISEASE = "rheumatic_disease", "Rheumatic disease"
        IMPLANT = "implant", "Prosthetic joint or metal hardware"
        PELVIC_IRRADIATION = "pelvic_irradiation", "Radiotherapy to the pelvis"
        BONE_GRAFT_HARVEST = "bone_graft_harvest", "Bone graft taken from the iliac crest"
        SKIN_DISEASE = "skin_disease", "Skin disease or wound (e.g. psoriasis, eczema)"
        OTHER = "other", "Other"

    # Kinds that are about one place in the body: the site is needed to tell whether it is
    # at the harvest site or the target (issue 8 item 9: only those are hard stops).
    SITED = frozenset({"infection_local", "implant", "bone_graft_harvest", "skin_disease"})

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conditions")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    site = models.CharField(max_length=20, choices=BodySite.choices, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    diagnosed_on = models.DateField(null=True, blank=True, validators=[not_in_future])
    resolved_on = models.DateField(null=True, blank=True, validators=[not_in_future])
    cleared_by_haematology = models.BooleanField(
        default=False, help_text="For bleeding disorders: haematology has cleared the procedure."
    )

    class Meta:
        ordering = ["resolved_on", "kind"]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        errors = {}
        if self.diagnosed_on and self.resolved_on and self.resolved_on < self.diagnosed_on:
            errors["resolved_on"] = "Resolved before it was diagnosed."
        if self.kind in self.SITED and not self.site:
            errors["site"] = "Give the site: it decides whether the harvest or target is affected."
        graft = self.kind == self.Kind.BONE_GRAFT_HARVEST
        if graft and self.site not in ("", BodySite.ILIAC_CREST):
            errors["site"] = "A bone graft harvest is from the iliac crest."
        if self.site and self.site != BodySite.ELSEWHERE and not self.side:
            errors["side"] = "Give the side (or 'Midline')."
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.resolved_on is None
