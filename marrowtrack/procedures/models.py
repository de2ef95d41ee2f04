"""The procedure day: one encounter per plan and day, its steps, time-outs, anaesthetic,
harvest, bedside verification attempts and the injection."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from marrowtrack.core import clock
from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.intake.models import Laterality, Target, TreatmentPlan
from marrowtrack.patients.models import Patient
from marrowtrack.procedures.comparators import DRUGS_BY_CODE
from marrowtrack.procedures.states import LABELS, TERMINAL_STATES, ProcedureState

STATE_CHOICES = [(state.value, LABELS[state]) for state in ProcedureState]
PLANNED_MINUTES = 180  # docs/reference.md §0: procedure slot length


class HarvestSite(models.TextChoices):
    L_PIC = "l_pic", "Left posterior iliac crest"
    R_PIC = "r_pic", "Right posterior iliac crest"
    BILATERAL = "bilateral", "Bilateral posterior iliac crest"


class Guidance(models.TextChoices):
    US = "us", "Ultrasound"
    FLUORO = "fluoro", "Fluoroscopy"
    LANDMARK = "landmark", "Landmark"


class EncounterKind(models.TextChoices):
    """What the day is: a BMAC day (harvest, lab, bedside) or a comparator injection
    (cortisone, HA, PRP, nerve block: check-in, time-out, injection, recovery; ADR 0019)."""

    BMAC = "bmac", "BMAC procedure"
    COMPARATOR = "comparator", "Comparator injection"


class ProcedureEncounter(BaseModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="encounters")
    day = models.DateField()
    kind = models.CharField(
        max_length=12, choices=EncounterKind.choices, default=EncounterKind.BMAC
    )
    state = models.CharField(max_length=20, choices=STATE_CHOICES)
    state_entered_at = models.DateTimeField()
    checked_in_at = models.DateTimeField()
    planned_minutes = models.PositiveSmallIntegerField(default=PLANNED_MINUTES)
    harvest_side = models.CharField(max_length=10, choices=HarvestSite.choices, blank=True)
    ended_reason = models.CharField(max_length=300, blank=True)
    ended_from_state = models.CharField(max_length=20, choices=STATE_CHOICES, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The re-check on the day (issue 8 item 10): the screening re-run at check-in with
    # today's record and temperature. Empty only on procedure days from before it existed.
    day_screening = models.ForeignKey(
        "intake.Screening", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-day", "checked_in_at"]
        permissions = [
            ("record_step", "Can record procedure-day steps"),
            ("view_evidence", "Can view same-procedure evidence"),
        ]
        indexes = [
            models.Index(fields=["clinic", "day"], name="encounter_clinic_day"),
            # The board's "still open from an earlier day" (selectors.board_encounters):
            # a range per open state, not every earlier day of the clinic (issue 18).
            models.Index(fields=["clinic", "state", "day"], name="encounter_clinic_state_day"),
        ]
        constraints = [
            # One open procedure day per plan, held by the database (issue 11 item 5): two
            # check-ins at the same moment cannot both open one.
            models.UniqueConstraint(
                fields=["plan"],
                condition=~models.Q(state__in=sorted(s.value for s in TERMINAL_STATES)),
                name="one_open_encounter_per_plan",
                violation_error_message="This patient is already checked in for this plan.",
            )
        ]

    def __str__(self) -> str:
        return f"Procedure day {self.day} for {self.patient}"

    @property
    def is_comparator(self) -> bool:
        return self.kind == EncounterKind.COMPARATOR

    def get_absolute_url(self) -> str:
        return reverse("procedures:encounter", args=[self.public_id])

    @property
    def current(self) -> ProcedureState:
        return ProcedureState(self.state)

    @property
    def is_open(self) -> bool:
        return self.current not in TERMINAL_STATES


class StepEvent(BaseModel):
    """One recorded step: when, by whom, who else was there, and its checklist."""

    encounter = models.ForeignKey(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="steps"
    )
    from_state = models.CharField(max_length=20, choices=STATE_CHOICES, blank=True)
    to_state = models.CharField(max_length=20, choices=STATE_CHOICES)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    checklist = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        # The id last: steps recorded in one instant keep the order they were taken in.
        ordering = ["at", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_to_state_display()} at {clock.stamp(self.at, part='time')}"


class TimeOut(BaseModel):
    """Universal-protocol time-out: every item confirmed and signed by everyone present."""

    ITEMS = {
        "two_identifiers": "Patient identity confirmed by name and date of birth",
        "consent": "Signed consent matches the procedure",
        "site_and_side": "Harvest site and target site and side confirmed and marked",
        "allergies": "Allergies reviewed (including local anaesthetic)",
        "anticoagulation": "Anticoagulant / antiplatelet status reviewed",
        "imaging": "Imaging available and equipment (fluoroscopy / ultrasound) ready",
    }

    encounter = models.ForeignKey(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="timeouts"
    )
    number = models.PositiveSmallIntegerField()
    checklist = models.JSONField(default=dict)
    signatures = models.ManyToManyField("esign.Signature", related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Time-out {self.number}"


class AnaestheticAgent(models.TextChoices):
    """The amide local anaesthetics recorded (label maxima in ``procedures/dosing.py``)."""

    LIDOCAINE = "lidocaine", "Lidocaine"
    BUPIVACAINE = "bupivacaine", "Bupivacaine"
    ROPIVACAINE = "ropivacaine", "Ropivacaine"
    MEPIVACAINE = "mepivacaine", "Mepivacaine"


class AnaestheticEntry(BaseModel):
    """One local anaesthetic administration. Every entry of the patient's clinic-local day,
    in every encounter, counts against one combined limit (``procedures/dosing.py``)."""

    encounter = models.ForeignKey(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="anaesthetics"
    )
    agent = models.CharField(
        max_length=20, choices=AnaestheticAgent.choices, default=AnaestheticAgent.LIDOCAINE
    )
    percent = models.DecimalField(max_digits=4, decimal_places=2)
    ml = models.DecimalField(max_digits=6, decimal_places=2)
    with_epinephrine = models.BooleanField(default=False)
    site = models.CharField(max_length=80)
    mixed_into_injectate = models.BooleanField(default=False)
    mg = models.DecimalField(max_digits=7, decimal_places=2)
    given_at = models.DateTimeField()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["given_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ml__gt=0), name="anaesthetic_ml_positive")
        ]
        indexes = [models.Index(fields=["given_at"], name="anaesthetic_given_at")]

    def __str__(self) -> str:
        return f"{self.ml} mL {self.agent} {self.percent} % at {self.site}"


LidocaineEntry = AnaestheticEntry  # the name before other agents could be recorded


class AlternativeAgentPlan(BaseModel):
    """The way through an amide local anaesthetic allergy on the procedure day (issue 8
    item 4): a physician-signed plan, so nobody archives a true allergy to get through.

    ``cleared_amide``: one named amide the patient is known to tolerate (e.g. after allergy
    testing) may be given, dose-checked as usual; the other amides stay blocked.
    ``no_amide``: no amide today; the note says what is used instead (an ester such as
    chloroprocaine, or another approach), and the local-anaesthesia step completes on it.
    """

    class Kind(models.TextChoices):
        CLEARED_AMIDE = "cleared_amide", "A named amide the patient tolerates (e.g. tested)"
        NO_AMIDE = "no_amide", "No amide today (e.g. an ester such as chloroprocaine)"

    encounter = models.ForeignKey(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="alternative_agent_plans"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agent = models.CharField(max_length=20, choices=AnaestheticAgent.choices, blank=True)
    note = models.CharField(max_length=500)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    signature = models.ForeignKey("esign.Signature", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["approved_at"]

    def __str__(self) -> str:
        agent = f" ({self.get_agent_display()})" if self.agent else ""
        return f"Alternative-agent plan: {self.get_kind_display()}{agent}"


class HarvestRecord(BaseModel):
    class Anticoagulant(models.TextChoices):
        ACD_A = "acd_a", "ACD-A"
        HEPARIN = "heparin", "Heparin"

    encounter = models.OneToOneField(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="harvest"
    )
    side = models.CharField(max_length=10, choices=HarvestSite.choices)
    needle = models.CharField(max_length=80)
    gauge = models.PositiveSmallIntegerField()
    punctures = models.PositiveSmallIntegerField()
    # How the marrow was drawn (docs/reference.md §1; issue 8, item 14): small pulls draw less
    # peripheral blood (Muschler 1997). A dry tap is a puncture that yielded no marrow.
    pulls = models.PositiveSmallIntegerField("Number of pulls", null=True, blank=True)
    ml_per_pull = models.DecimalField(
        "mL per pull", max_digits=4, decimal_places=1, null=True, blank=True
    )
    dry_tap = models.BooleanField("Dry tap at a puncture", default=False)
    aspirate_ml = models.DecimalField(max_digits=6, decimal_places=1)
    anticoagulant = models.CharField(max_length=10, choices=Anticoagulant.choices)
    anticoagulant_lot = models.CharField(max_length=40)
    anticoagulant_ml = models.DecimalField(max_digits=5, decimal_places=1)
    fluoroscopy_s = models.PositiveIntegerField(null=True, blank=True)
    air_kerma_mgy = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    kap_gy_cm2 = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    complications = models.CharField(max_length=300, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The side the plan and its consent name (issue 9, item 1). A different side is only
    # recorded with a physician's signed reason; later corrections are HarvestAmendments.
    planned_side = models.CharField(max_length=10, choices=HarvestSite.choices, blank=True)
    side_reason = models.CharField(max_length=300, blank=True)
    side_signature = models.ForeignKey(
        "esign.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Harvest {self.aspirate_ml} mL ({self.get_side_display()})"

    @property
    def side_differs_from_plan(self) -> bool:
        return bool(self.planned_side) and self.side != self.planned_side


class HarvestAmendment(BaseModel):
    """A signed correction of a recorded harvest: the original value is kept here and on
    the audit trail; the harvest record shows the amended value."""

    harvest = models.ForeignKey(HarvestRecord, on_delete=models.PROTECT, related_name="amendments")
    field = models.CharField(max_length=30, default="side")
    old_value = models.CharField(max_length=40)
    new_value = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    signature = models.ForeignKey(
        "esign.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.field} amended {self.old_value} → {self.new_value}"

    @property
    def old_label(self) -> str:
        return str(dict(HarvestSite.choices).get(self.old_value, self.old_value))

    @property
    def new_label(self) -> str:
        return str(dict(HarvestSite.choices).get(self.new_value, self.new_value))


class BedsideCheck(BaseModel):
    """Every bedside scan, accepted or refused; refused ones are kept (and audited). One
    check verifies one syringe for one site; the injection of that syringe points to it."""

    encounter = models.ForeignKey(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="bedside_checks"
    )
    container = models.ForeignKey(
        "lab.Container", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    wristband_scan = models.CharField(max_length=80)
    syringe_scan = models.CharField(max_length=120)
    product_scan = models.CharField(max_length=40, blank=True)
    entry_method = models.CharField(
        max_length=10,
        choices=[("scanned", "Scanned"), ("keyed", "Keyed")],
        blank=True,
        help_text="How the syringe label was read: a barcode scan, or typed",
    )
    target = models.CharField(max_length=20, choices=Target.choices, blank=True)
    laterality = models.CharField(max_length=10, choices=Laterality.choices, blank=True)
    accepted = models.BooleanField()
    refusal = models.CharField(max_length=400, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    second_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signatures = models.ManyToManyField("esign.Signature", related_name="+", blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        verdict = "accepted" if self.accepted else "REFUSED"
        return f"Bedside check {verdict} at {clock.stamp(self.at, part='time')}"


class Injection(BaseModel):
    """One syringe injected into one site. A bilateral or multi-target day has several;
    each syringe is injected at most once, after its own bedside check."""

    encounter = models.ForeignKey(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="injections"
    )
    container = models.OneToOneField(
        "lab.Container", on_delete=models.PROTECT, related_name="injection"
    )
    bedside_check = models.OneToOneField(
        BedsideCheck, on_delete=models.PROTECT, null=True, blank=True, related_name="injection"
    )
    target = models.CharField(max_length=20, choices=Target.choices)
    laterality = models.CharField(max_length=10, choices=Laterality.choices)
    target_level = models.CharField(max_length=20, blank=True)
    guidance = models.CharField(max_length=10, choices=Guidance.choices)
    volume_ml = models.DecimalField(max_digits=5, decimal_places=1)
    co_injectate = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_ml__gt=0), name="injection_volume_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__gte=models.F("started_at")),
                name="injection_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.volume_ml} mL into {self.get_laterality_display()} {self.get_target_display()}"
        )


class ProcedureNote(BaseModel):
    """The signed procedure note of one encounter: the PDF as signed is kept, so a later
    change to the record never changes what was signed (issue 9, item 7)."""

    encounter = models.OneToOneField(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="note"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    signature = models.ForeignKey("esign.Signature", on_delete=models.PROTECT, related_name="+")
    content_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()

    def __str__(self) -> str:
        return f"Procedure note {self.encounter.day} signed {clock.stamp(self.signed_at)}"


class ProcedureNoteAddendum(BaseModel):
    """A correction to a signed procedure note: the note stays as signed; the addendum says
    who, when, what and why, is signed by its author, and keeps the PDF of the note with
    every addendum up to it (ADR 0024)."""

    note = models.ForeignKey(ProcedureNote, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(max_length=4000)
    reason = models.CharField(max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    signature = models.ForeignKey("esign.Signature", on_delete=models.PROTECT, related_name="+")
    pdf = models.BinaryField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Addendum to {self.note} at {self.at:%Y-%m-%d %H:%M}"


class ComparatorInjection(BaseModel):
    """The one injection of a comparator day: drug from the clinic's list, dose, volume,
    lot and its expiry, guidance and the site, checked against the plan (ADR 0019). The
    local anaesthetic mixed in is a dose-checked ``LidocaineEntry`` of the same day."""

    encounter = models.OneToOneField(
        ProcedureEncounter, on_delete=models.PROTECT, related_name="comparator_injection"
    )
    drug = models.CharField(max_length=40)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    dose_reason = models.CharField(max_length=300, blank=True)
    volume_ml = models.DecimalField(max_digits=6, decimal_places=2)
    lot = models.CharField(max_length=40)
    lot_expires_on = models.DateField()
    guidance = models.CharField(max_length=10, choices=Guidance.choices)
    target = models.CharField(max_length=20, choices=Target.choices)
    laterality = models.CharField(max_length=10, choices=Laterality.choices)
    target_level = models.CharField(max_length=20, blank=True)
    given_at = models.DateTimeField()
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_ml__gt=0), name="comparator_volume_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug_label} {self.volume_ml} mL into {self.laterality} {self.target}"

    @property
    def drug_label(self) -> str:
        drug = DRUGS_BY_CODE.get(self.drug)
        return drug.label if drug else self.drug
