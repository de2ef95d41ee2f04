"""What must be true of a plan before its procedure day may start or go on (the contract
the procedure-day app relies on). Each function returns every blocker, in words for the
person at the desk or the bedside; nothing here writes.

- ``procedure_blockers`` (check-in and each step): an approved plan, a witnessed consent
  given for the plan as it is now, and an approval whose screening is not older than the
  clinic allows (default 30 days, issue 8 item 10).
- ``day_check_blockers`` (after the day's re-screening with today's temperature,
  ``services.screening.screening_day_check``): also every hard stop found today that the
  decision did not override, and every finding the deciding physician did not see.
"""

from __future__ import annotations

from datetime import date

from marrowtrack.core import clock
from marrowtrack.intake.models import Consent, EligibilityDecision, Screening, TreatmentPlan
from marrowtrack.intake.selectors import intake_settings


def current_signed_consent(plan: TreatmentPlan) -> Consent | None:
    """The patient-signed and witnessed consent for this plan, newest first."""
    return (
        plan.consents.filter(status=Consent.Status.WITNESSED)
        .select_related("document", "witness_signature")
        .order_by("-patient_signed_at", "-pk")
        .first()
    )


def consent_matches_plan(consent: Consent, plan: TreatmentPlan) -> bool:
    """The consent was signed for the plan as it is now (consents from before snapshots
    were kept have nothing to compare and are taken as they are)."""
    key = consent.plan_snapshot.get("key") if consent.plan_snapshot else None
    return key is None or key == plan.consented_key


def current_decision(plan: TreatmentPlan) -> EligibilityDecision | None:
    return plan.decisions.select_related("screening").order_by("-created_at", "-pk").first()


def screening_age_blocker(plan: TreatmentPlan, decision: EligibilityDecision, on: date) -> str:
    """Words for the desk when the approval rests on a screening too old for today."""
    limit = intake_settings(plan.patient.clinic).screening_max_age_days
    age = (on - decision.screening.screened_on).days
    if age <= limit:
        return ""
    return (
        f"The approval rests on a screening of {decision.screening.screened_on} ({age} days "
        f"old; the clinic accepts up to {limit}): screen again and record a new decision."
    )


def _consent_blockers(plan: TreatmentPlan) -> list[str]:
    consent = current_signed_consent(plan)
    if consent is None:
        return ["There is no signed and witnessed consent for this plan."]
    if not consent_matches_plan(consent, plan):
        signed_for = consent.plan_snapshot.get("summary", "another version of the plan")
        return [f"The consent was signed for {signed_for}, not the plan as it is now."]
    return []


def procedure_blockers(plan: TreatmentPlan) -> list[str]:
    blockers = []
    if plan.is_archived or plan.status == TreatmentPlan.Status.CANCELLED:
        blockers.append("The treatment plan is cancelled or archived.")
    elif plan.status != TreatmentPlan.Status.APPROVED:
        blockers.append(
            f"The plan is '{plan.get_status_display()}': a physician must approve eligibility."
        )
    blockers += _consent_blockers(plan)
    decision = current_decision(plan)
    if decision is not None and (
        stale := screening_age_blocker(plan, decision, clock.today(plan.patient.clinic))
    ):
        blockers.append(stale)
    return blockers


def _unseen_findings(decision: EligibilityDecision, today: Screening) -> list[str]:
    decided = decision.screening
    overridden = {f["code"] for f in decided.hard_stops} if decision.overrides_hard_stops else set()
    seen = {f["code"] for f in decided.flags} | overridden
    found = [
        f"Hard stop today: {f['message']}" for f in today.hard_stops if f["code"] not in overridden
    ]
    found += [
        f"New since the decision of {decided.screened_on}: {f['message']} A physician reviews "
        "it (screen and decide again)."
        for f in today.flags
        if f["code"] not in seen
    ]
    return found


def day_check_blockers(plan: TreatmentPlan, today: Screening) -> list[str]:
    """Everything that stops the procedure today, given today's re-screening."""
    blockers = procedure_blockers(plan)
    decision = current_decision(plan)
    if decision is None or decision.verdict != EligibilityDecision.Verdict.APPROVE:
        return [*blockers, "There is no physician's approval on record for this plan."]
    return blockers + _unseen_findings(decision, today)
