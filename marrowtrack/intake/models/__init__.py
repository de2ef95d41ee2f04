"""Intake models: plans, screening, consent and scheduling (one module per concern)."""

from marrowtrack.intake.models.consent import Consent, ConsentDocument
from marrowtrack.intake.models.plans import (
    HARVEST_TREATMENTS,
    INJECTED_COMPARATORS,
    Guidance,
    LabValue,
    Laterality,
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

__all__ = [
    "HARVEST_TREATMENTS",
    "INJECTED_COMPARATORS",
    "Appointment",
    "BookingSettings",
    "ClinicRuleSet",
    "Consent",
    "ConsentDocument",
    "EligibilityDecision",
    "Guidance",
    "LabValue",
    "Laterality",
    "PriorTreatment",
    "ResourceException",
    "Screening",
    "Target",
    "Treatment",
    "TreatmentPlan",
    "WorkingHours",
]
