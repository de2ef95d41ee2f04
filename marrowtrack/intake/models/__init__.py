"""Intake models: plans, screening, consent and scheduling (one module per concern)."""

from marrowtrack.intake.models.consent import Consent, ConsentDocument
from marrowtrack.intake.models.plans import (
    CONSENTED_FIELDS,
    HARVEST_TREATMENTS,
    INJECTED_COMPARATORS,
    Guidance,
    HarvestAnticoagulant,
    HarvestSide,
    LabValue,
    Laterality,
    MedicationHold,
    PriorSite,
    PriorTreatment,
    Target,
    Treatment,
    TreatmentPlan,
)
from marrowtrack.intake.models.scheduling import (
    Appointment,
    BookingSettings,
    ResourceException,
    WorkingHours,
)
from marrowtrack.intake.models.screening import ClinicRuleSet, EligibilityDecision, Screening
from marrowtrack.intake.models.settings import IntakeSettings

__all__ = [
    "CONSENTED_FIELDS",
    "HARVEST_TREATMENTS",
    "INJECTED_COMPARATORS",
    "Appointment",
    "BookingSettings",
    "ClinicRuleSet",
    "Consent",
    "ConsentDocument",
    "EligibilityDecision",
    "Guidance",
    "HarvestAnticoagulant",
    "HarvestSide",
    "IntakeSettings",
    "LabValue",
    "Laterality",
    "MedicationHold",
    "PriorSite",
    "PriorTreatment",
    "ResourceException",
    "Screening",
    "Target",
    "Treatment",
    "TreatmentPlan",
    "WorkingHours",
]
