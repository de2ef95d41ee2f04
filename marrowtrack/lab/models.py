"""Specimen containers with ISBT 128 DINs, their chain of custody, and processing runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.intake.models import Laterality, Target
from marrowtrack.lab.isbt128 import check_character, eye_readable
from marrowtrack.patients.models import Patient


class Location(models.TextChoices):
    PROCEDURE_ROOM = "procedure_room", "Procedure room"
    IN_TRANSIT = "in_transit", "In transit to the lab"
    LAB = "lab", "Processing lab"
    ADMINISTERED = "administered", "Administered to the patient"
    DISCARDED = "discarded", "Discarded"


class Container(BaseModel):
    class Kind(models.TextChoices):
        ASPIRATE = "aspirate", "Bone marrow aspirate"
        CONCENTRATE = "concentrate", "Bone marrow concentrate"

    class Status(models.TextChoices):
        COLLECTED = "collected", "Collected"
        PROCESSED = "processed", "Processed (not yet released)"
        RELEASED = "released", "Released"
        ADMINISTERED = "administered", "Administered"
        DISCARDED = "discarded", "Discarded"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="containers")
    encounter = models.ForeignKey(
        "procedures.ProcedureEncounter", on_delete=models.PROTECT, related_name="containers"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    din = models.CharField("DIN", max_length=13, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    run = models.ForeignKey(
        "ProcessingRun", on_delete=models.PROTECT, null=True, blank=True, related_name="syringes"
    )
    volume_ml = models.DecimalField(max_digits=6, decimal_places=1)
    target = models.CharField(max_length=20, choices=Target.choices, blank=True)
    laterality = models.CharField(max_length=10, choices=Laterality.choices, blank=True)
    collected_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    location = models.CharField(max_length=20, choices=Location.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    seal_broken = models.BooleanField(default=False)
    discard_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["din"]
        permissions = [
            ("process_specimen", "Can receive, process, label and release specimens"),
            ("scan_custody", "Can record a chain-of-custody hand-off"),
            ("view_traceability", "Can run traceability (recall) queries"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(volume_ml__gt=0), name="container_volume_pos")
        ]

    def __str__(self) -> str:
        return f"{self.din_display} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("lab:container", args=[self.din])

    @property
    def check_char(self) -> str:
        return check_character(self.din)

    @property
    def din_display(self) -> str:
        return f"{eye_readable(self.din)} [{self.check_char}]"


class CustodyEvent(BaseModel):
    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="custody")
    from_location = models.CharField(max_length=20, choices=Location.choices)
    to_location = models.CharField(max_length=20, choices=Location.choices)
    at = models.DateTimeField()
    place = models.CharField(max_length=80, blank=True)
    seal_intact = models.BooleanField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_from_location_display()} -> {self.get_to_location_display()}"


class ProcessingRun(BaseModel):
    class Status(models.TextChoices):
        RECORDED = "recorded", "Recorded, awaiting release"
        RELEASED = "released", "Released"

    class Verification(models.TextChoices):
        SECOND_PERSON = "second_person", "Second person"
        SCAN = "scan", "Validated scan of every label"

    encounter = models.OneToOneField(
        "procedures.ProcedureEncounter", on_delete=models.PROTECT, related_name="run"
    )
    aspirate = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=80)
    kit_lot = models.CharField(max_length=40, db_index=True)
    kit_expires_on = models.DateField()
    centrifuge = models.ForeignKey(
        "facilities.Equipment", on_delete=models.PROTECT, related_name="+"
    )
    rpm = models.PositiveIntegerField(null=True, blank=True)
    rcf_g = models.DecimalField("RCF (×g)", max_digits=7, decimal_places=1)
    spin_minutes = models.PositiveSmallIntegerField()
    spins = models.PositiveSmallIntegerField(default=1)
    brake = models.BooleanField(default=True)
    aspirate_ml = models.DecimalField(
        max_digits=6, decimal_places=1, help_text="Processed volume including anticoagulant"
    )
    anticoagulant_ml = models.DecimalField(max_digits=5, decimal_places=1)
    concentrate_ml = models.DecimalField(max_digits=5, decimal_places=1)
    qc_sample_ml = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    pre_tnc_per_ul = models.DecimalField("Pre TNC (/µL)", max_digits=10, decimal_places=0)
    post_tnc_per_ul = models.DecimalField("Post TNC (/µL)", max_digits=10, decimal_places=0)
    pre_plt_per_ul = models.DecimalField(max_digits=10, decimal_places=0, null=True, blank=True)
    post_plt_per_ul = models.DecimalField(max_digits=10, decimal_places=0, null=True, blank=True)
    pre_hct_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    post_hct_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    post_cd34_per_ul = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    viability_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    computed = models.JSONField(default=dict)
    qc_flags = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECORDED)
    release_signature = models.ForeignKey(
        "esign.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verification = models.CharField(max_length=20, choices=Verification.choices, blank=True)
    verification_signature = models.ForeignKey(
        "esign.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Processing run {self.started_at:%Y-%m-%d %H:%M} ({self.device})"

    def get_absolute_url(self) -> str:
        return reverse("lab:run", args=[self.public_id])


class LateResult(BaseModel):
    """Results that arrive after release (e.g. CFU-F at 14 days): appended, never edited."""

    class Kind(models.TextChoices):
        CFU_F = "cfu_f", "CFU-F"
        CD34 = "cd34", "CD34+ (flow)"
        STERILITY = "sterility", "Sterility culture"
        OTHER = "other", "Other"

    run = models.ForeignKey(ProcessingRun, on_delete=models.PROTECT, related_name="late_results")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=40)
    unit = models.CharField(max_length=20)
    note = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} {self.unit}"
