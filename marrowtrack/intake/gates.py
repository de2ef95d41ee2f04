"""What must be true of a plan before its procedure day may start (the contract the
procedure-day app relies on). Returns every blocker, in words for the user."""

from __future__ import annotations

from marrowtrack.intake.models import Consent, TreatmentPlan


def current_signed_consent(plan: TreatmentPlan) -> Consent | None:
    """The patient-signed and witnessed consent for this plan, newest first."""
    return (
        plan.consents.filter(status=Consent.Status.WITNESSED)
        .select_related("document", "witness_signature")
        .order_by("-patient_signed_at")
        .first()
    )


def procedure_blockers(plan: TreatmentPlan) -> list[str]:
    blockers = []
    if plan.is_archived or plan.status == TreatmentPlan.Status.CANCELLED:
        blockers.append("The treatment plan is cancelled or archived.")
    elif plan.status != TreatmentPlan.Status.APPROVED:
        blockers.append(
            f"The plan is '{plan.get_status_display()}': a physician must approve eligibility."
        )
    if current_signed_consent(plan) is None:
        blockers.append("There is no signed and witnessed consent for this plan.")
    return blockers
