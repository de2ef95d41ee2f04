"""Specimen containers with ISBT 128 identification, their chain of custody, processing
runs and late results.

One collection, one DIN: the aspirate tube and every syringe drawn from it carry the
harvest's DIN and are told apart by their product code (product description code,
collection type and division; ``lab.isbt128``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from marrowtrack.core import clock
from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.intake.models import Laterality, Target
from marrowtrack.lab.calculations import CountUnit
from marrowtrack.lab.isbt128 import (
    PRODUCTS_BY_CODE,
    EntryMethod,
    LocalProduct,
    barcode_data,
    check_character,
    eye_readable,
    product_barcode_data,
)
from marrowtrack.lab.procedure_day import site_display
from marrowtrack.patients.models import Patient

ENTRY_CHOICES = [(m.value, m.value.capitalize()) for m in EntryMethod]
COUNT_UNIT_CHOICES = [(unit.value, unit.label) for unit in CountUnit]


class Location(models.TextChoices):
    PROCEDURE_ROOM = "procedure_room", "Procedure room"
    IN_TRANSIT = "in_transit", "In transit"
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
    din = models.CharField("DIN", max_length=13, db_index=True)
    product_code = models.CharField(max_length=8)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    run = models.ForeignKey(
        "ProcessingRun", on_delete=models.PROTECT, null=True, blank=True, related_name="syringes"
    )
    volume_ml = models.DecimalField(max_digits=6, decimal_places=1)
    target = models.CharField(max_length=20, choices=Target.choices, blank=True)
    laterality = models.CharField(max_length=10, choices=Laterality.choices, blank=True)
    collected_from = models.CharField(max_length=60, blank=True)
    collected_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    location = models.CharField(max_length=20, choices=Location.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    seal_broken = models.BooleanField(default=False)
    discard_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["din", "product_code"]
        permissions = [
            ("process_specimen", "Can receive, process, label and release specimens"),
            ("scan_custody", "Can record a chain-of-custody hand-off"),
            ("view_traceability", "Can run traceability (recall) queries"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_ml__gt=0), name="container_volume_pos"
            ),
            models.UniqueConstraint(
                fields=["din", "product_code"], name="container_one_per_din_and_product_code"
            ),
        ]
        # The products list (API) pages newest first within one kind and status.
        indexes = [
            models.Index(fields=["clinic", "kind", "status", "-id"], name="container_list_order")
        ]

    def __str__(self) -> str:
        return f"{self.din_display} {self.product_code} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("lab:container", args=[self.public_id])

    @property
    def check_char(self) -> str:
        return check_character(self.din)

    @property
    def din_display(self) -> str:
        return f"{eye_readable(self.din)} [{self.check_char}]"

    @property
    def product(self) -> LocalProduct | None:
        return PRODUCTS_BY_CODE.get(self.product_code[:5])

    @property
    def division(self) -> str:
        return self.product_code[6:]

    @property
    def site_display(self) -> str:
        """The target and side a syringe is labelled for, e.g. "Left knee"."""
        return site_display((self.target, self.laterality)) if self.target else ""

    @property
    def label_scan(self) -> str:
        """What a reader sends for this label's DIN and product code barcodes."""
        return barcode_data(self.din) + product_barcode_data(self.product_code)

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.COLLECTED, self.Status.PROCESSED, self.Status.RELEASED)


class CustodyEvent(BaseModel):
    class Receipt(models.TextChoices):
        SESSION = "session", "Receiver signed in"
        PASSWORD = "password", "Receiver re-authenticated"

    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="custody")
    from_location = models.CharField(max_length=20, choices=Location.choices)
    to_location = models.CharField(max_length=20, choices=Location.choices)
    at = models.DateTimeField()
    place = models.CharField(max_length=80, blank=True)
    seal_intact = models.BooleanField()
    entry_method = models.CharField(max_length=10, choices=ENTRY_CHOICES, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    receipt = models.CharField(max_length=10, choices=Receipt.choices, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_from_location_display()} -> {self.get_to_location_display()}"


class ProcessingRun(BaseModel):
    class Status(models.TextChoices):
        RECORDED = "recorded", "Recorded, awaiting release"
        RELEASED = "released", "Released"

    class Verification(models.TextChoices):
        SECOND_PERSON_SCAN = "second_person_scan", "A second person scanned every label"
        # Kept so that releases recorded before two-person release with label scans read
        # as what they were.
        SECOND_PERSON = "second_person", "Second person (before label scans were required)"
        SCAN = "scan", "Label scan only (before two-person release was required)"

    encounter = models.OneToOneField(
        "procedures.ProcedureEncounter", on_delete=models.PROTECT, related_name="run"
    )
    aspirate = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=80)
    kit = models.ForeignKey(
        "facilities.KitLot", on_delete=models.PROTECT, null=True, blank=True, related_name="runs"
    )
    # Copied from the kit lot: recall searches and the record read them without a join.
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
    # Counts are stored in cells/µL whatever unit they were typed in (count_unit).
    count_unit = models.CharField(max_length=12, choices=COUNT_UNIT_CHOICES, blank=True)
    pre_tnc_per_ul = models.DecimalField("Pre TNC (/µL)", max_digits=10, decimal_places=0)
    post_tnc_per_ul = models.DecimalField("Post TNC (/µL)", max_digits=10, decimal_places=0)
    pre_plt_per_ul = models.DecimalField(max_digits=10, decimal_places=0, null=True, blank=True)
    post_plt_per_ul = models.DecimalField(max_digits=10, decimal_places=0, null=True, blank=True)
    pre_rbc_10e6_per_ul = models.DecimalField(
        "Pre RBC (×10⁶/µL)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    post_rbc_10e6_per_ul = models.DecimalField(
        "Post RBC (×10⁶/µL)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    pre_hct_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    post_hct_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    pre_lymph_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    pre_mono_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    pre_gran_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    post_lymph_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    post_mono_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    post_gran_pct = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    pre_cd34_per_ul = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
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
    verification_scans = models.JSONField(default=list, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Processing run {clock.stamp(self.started_at)} ({self.device})"

    def get_absolute_url(self) -> str:
        return reverse("lab:run", args=[self.public_id])


class LateResult(BaseModel):
    """Results that arrive after release (e.g. CFU-F at 14 days): appended, never edited."""

    class Kind(models.TextChoices):
        CFU_F = "cfu_f", "CFU-F (14-day culture)"
        CD34 = "cd34", "CD34+ (flow)"
        STERILITY = "sterility", "Sterility culture"
        OTHER = "other", "Other"

    class Sample(models.TextChoices):
        ASPIRATE = "aspirate", "Aspirate"
        CONCENTRATE = "concentrate", "Concentrate"

    run = models.ForeignKey(ProcessingRun, on_delete=models.PROTECT, related_name="late_results")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sample = models.CharField(max_length=12, choices=Sample.choices, blank=True)
    value = models.CharField(max_length=40)
    unit = models.CharField(max_length=20)
    colonies = models.PositiveIntegerField(null=True, blank=True)
    cells_plated = models.PositiveBigIntegerField(null=True, blank=True)
    computed = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} {self.unit}"
