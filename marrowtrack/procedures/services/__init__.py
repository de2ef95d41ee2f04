"""Procedure-day services (writes). Import from here: views and the API call these only."""

from marrowtrack.procedures.services.anaesthesia import dose_status, lidocaine_give
from marrowtrack.procedures.services.bedside import bedside_verify, injection_record
from marrowtrack.procedures.services.common import SafetyRefusal, hold_hours
from marrowtrack.procedures.services.encounter import (
    TransitionRefused,
    encounter_check_in,
    encounter_transition,
)
from marrowtrack.procedures.services.harvest import harvest_record
from marrowtrack.procedures.services.timeout import signers_resolve

__all__ = [
    "SafetyRefusal",
    "TransitionRefused",
    "bedside_verify",
    "dose_status",
    "encounter_check_in",
    "encounter_transition",
    "harvest_record",
    "hold_hours",
    "injection_record",
    "lidocaine_give",
    "signers_resolve",
]
