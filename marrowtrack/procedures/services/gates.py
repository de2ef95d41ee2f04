"""What each procedure-day step needs before it may be recorded (its "gate").

Each gate gets the locked encounter, the user and the step's data, refuses with
``ValidationFailed`` (incomplete checklist) or ``SafetyRefusal`` (hard stop), and returns
the checklist to store on the step. Called only by the transition (``encounter.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marrowtrack.accounts.models import User
from marrowtrack.core.exceptions import SafetyRefusal, ValidationFailed
from marrowtrack.intake.gates import current_signed_consent, procedure_blockers
from marrowtrack.lab.models import Container
from marrowtrack.lab.services import (
    containers_discard_unused,
    custody_dispatch_aspirate,
    custody_receive_aspirate,
)
from marrowtrack.procedures.models import HarvestSite, ProcedureEncounter
from marrowtrack.procedures.services.discharge import RESTART_ITEM, discharge_check
from marrowtrack.procedures.services.timeout import timeout_sign
from marrowtrack.procedures.sides import PLAN_SIDES, side_label

Data = Mapping[str, Any]


@dataclass
class GateResult:
    checklist: dict[str, Any] = field(default_factory=dict)
    participants: list[User] = field(default_factory=list)
    note: str = ""
    encounter_values: dict[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        return list(self.encounter_values)


PRE_ASSESSMENT = {
    "vitals_recorded": "Vital signs recorded",
    "medications_reviewed": "Medications reviewed (anticoagulants, NSAIDs)",
    "pregnancy_status": "Pregnancy status checked or not applicable",
    "eligibility_confirmed": "Eligibility unchanged since screening",
}
CONSENT = {
    "consent_confirmed": "Patient confirms the signed consent",
    "target_confirmed": "Target and laterality confirmed with the patient",
}
SITE_MARKING = {
    "harvest_site_marked": "Harvest site marked",
    "target_site_marked": "Injection target marked",
}
RECOVERY = {
    "dressings_checked": "Harvest and injection dressings dry and intact",
    "vitals_stable": "Vital signs stable",
}
DISCHARGE = {
    "instructions_given": "Instructions given: flare 2-5 days, ice the harvest site, no NSAIDs",
    "warning_signs_explained": "Warning signs and whom to call explained",
    "escort_or_not_needed": "Escort arranged, or not needed (no sedation)",
}


def confirmed(data: Data, items: Mapping[str, str]) -> dict[str, bool]:
    """Every item must be explicitly true; the message lists what is not confirmed."""
    missing = [label for key, label in items.items() if data.get(key) is not True]
    if missing:
        raise ValidationFailed({"checklist": [f"Not confirmed: {label}." for label in missing]})
    return dict.fromkeys(items, True)


def no_gate(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    return GateResult(note=str(data.get("note", "")))


def pre_assessed(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    checklist: dict[str, Any] = confirmed(data, PRE_ASSESSMENT)
    blockers = procedure_blockers(encounter.plan)
    if blockers:
        raise SafetyRefusal("Pre-assessment refused: " + " ".join(blockers))
    for key in ("blood_pressure", "pulse", "temperature_c"):
        if data.get(key):
            checklist[key] = str(data[key])
    return GateResult(checklist=checklist)


def consented(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    checklist: dict[str, Any] = confirmed(data, CONSENT)
    side = data.get("harvest_side")
    if side not in HarvestSite.values:
        raise ValidationFailed({"harvest_side": ["Choose the harvest side."]})
    planned = PLAN_SIDES.get(encounter.plan.harvest_side)
    if planned and side != planned:
        raise SafetyRefusal(
            f"The plan and its consent name the {side_label(planned)}, not the "
            f"{side_label(side)}: confirm the planned side, or change the plan (a new consent)."
        )
    consent = current_signed_consent(encounter.plan)
    if consent is None:
        raise SafetyRefusal("There is no signed and witnessed consent for this plan.")
    checklist.update(consent=str(consent.public_id), consent_version=consent.document.version)
    return GateResult(checklist=checklist, encounter_values={"harvest_side": side})


def site_marked(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    return GateResult(checklist=confirmed(data, SITE_MARKING))


def timeout(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    timeout_row = timeout_sign(encounter=encounter, by=by, data=data)
    signers = [signature.signer for signature in timeout_row.signatures.all()]
    checklist = {**timeout_row.checklist, "signatures": len(signers)}
    return GateResult(checklist=checklist, participants=signers)


def local_anesthesia(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    """Needs a dose-checked entry in this encounter, or a signed "no amide today" plan
    (an amide allergy: the agent used instead is in the plan's note)."""
    entries = list(encounter.anaesthetics.all())
    no_amide = encounter.alternative_agent_plans.filter(kind="no_amide").first()
    if not entries and no_amide is None:
        raise ValidationFailed(
            {"lidocaine": ["Record the local anaesthetic given (dose-checked) first."]}
        )
    checklist: dict[str, Any] = {"lidocaine_mg": str(sum(e.mg for e in entries))}
    if len({e.agent for e in entries} - {"lidocaine"}):
        checklist["anaesthetic_mg"] = {
            a: str(sum(e.mg for e in entries if e.agent == a)) for a in {e.agent for e in entries}
        }
    if no_amide is not None:
        checklist["alternative_agent_plan"] = str(no_amide.public_id)
    return GateResult(checklist=checklist)


def in_transit(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    if not hasattr(encounter, "harvest"):
        raise ValidationFailed({"harvest": ["Record the harvest (volumes, times) first."]})
    event = custody_dispatch_aspirate(
        encounter=encounter,
        by=by,
        scan=str(data.get("din_scan", "")),
        seal_intact=data.get("seal_intact") is True,
    )
    return GateResult(checklist={"din": event.container.din, "seal_intact": True})


def processing(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    event = custody_receive_aspirate(
        encounter=encounter,
        by=by,
        scan=str(data.get("din_scan", "")),
        seal_intact=data.get("seal_intact") is True,
    )
    participants = [event.released_by, by]
    return GateResult(
        checklist={"din": event.container.din, "seal_intact": True}, participants=participants
    )


def released(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    run = getattr(encounter, "run", None)
    if run is None or run.status != "released" or not run.verification:
        raise ValidationFailed({"run": ["Release the processing run (signed and verified)."]})
    return GateResult(checklist={"run": str(run.public_id), "verification": run.verification})


def bedside_verified(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    check = encounter.bedside_checks.filter(accepted=True).order_by("-at").first()
    if check is None:
        raise ValidationFailed({"scan": ["Scan the wristband and the syringe at the bedside."]})
    people = [user for user in (check.by, check.second_person) if user is not None]
    return GateResult(checklist={"bedside_check": str(check.public_id)}, participants=people)


def injected(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    injection = encounter.injections.order_by("started_at").first()
    if injection is None:
        raise ValidationFailed({"injection": ["Record the injection first."]})
    return GateResult(checklist={"injection": str(injection.public_id)})


def _every_syringe_accounted_for(encounter: ProcedureEncounter) -> None:
    # A bilateral or multi-target day has several syringes: none may be left behind.
    left = [
        f"{c.din_display} {c.product_code} ({c.site_display or 'no site'})"
        for c in Container.objects.filter(
            encounter=encounter, kind=Container.Kind.CONCENTRATE, status=Container.Status.RELEASED
        )
    ]
    if left:
        raise ValidationFailed(
            {
                "syringes": [
                    "Not injected: " + "; ".join(left) + ". Inject each, or record on its "
                    "container page why it is not given (discarded, with the reason)."
                ]
            }
        )


def recovery(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    _every_syringe_accounted_for(encounter)
    checklist: dict[str, Any] = confirmed(data, RECOVERY)
    pain = data.get("pain_score")
    if pain not in (None, ""):
        if not str(pain).isdigit() or not 0 <= int(pain) <= 10:
            raise ValidationFailed({"pain_score": ["Pain score is 0 to 10."]})
        checklist["pain_score"] = int(pain)
    return GateResult(checklist=checklist)


def discharged(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    # Minimum recovery time, vitals and the blood-thinner restart date (services/discharge).
    checklist: dict[str, Any] = confirmed(data, {**DISCHARGE, **RESTART_ITEM})
    return GateResult(checklist={**checklist, **discharge_check(encounter, data)})


def ended(encounter: ProcedureEncounter, by: User, data: Data) -> GateResult:
    """ABORTED or PRODUCT_DISCARDED: a reason is required; unused containers are discarded."""
    reason = str(data.get("reason", "")).strip()
    if len(reason) < 3:
        raise ValidationFailed({"reason": ["Give the reason."]})
    containers_discard_unused(encounter=encounter, by=by, reason=reason)
    values = {"ended_reason": reason[:300], "ended_from_state": encounter.state}
    return GateResult(checklist={"reason": reason}, note=reason, encounter_values=values)
