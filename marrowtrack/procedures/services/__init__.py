"""Procedure-day services (writes). Import from here: views and the API call these only."""

from marrowtrack.procedures.services.anaesthesia import (
    alternative_agent_approve,
    anaesthetic_give,
    dose_status,
    lidocaine_give,
)
from marrowtrack.procedures.services.bedside import bedside_verify, injection_record
from marrowtrack.procedures.services.encounter import (
    TransitionRefused,
    encounter_check_in,
    encounter_transition,
    step_named,
)
from marrowtrack.procedures.services.harvest import harvest_record, harvest_side_amend
from marrowtrack.procedures.services.processing import processing_record, product_release
from marrowtrack.procedures.services.timeout import signers_resolve, timeout_repeat

__all__ = [
    "TransitionRefused",
    "alternative_agent_approve",
    "anaesthetic_give",
    "bedside_verify",
    "dose_status",
    "encounter_check_in",
    "encounter_transition",
    "harvest_record",
    "harvest_side_amend",
    "injection_record",
    "lidocaine_give",
    "processing_record",
    "product_release",
    "signers_resolve",
    "step_named",
    "timeout_repeat",
]
