"""Eligibility: the clinic's rule set, screening runs and the physician's signed decision.

The engine (``rules.evaluate``) is pure; this module feeds it the record through
``selectors.patient_facts``/``plan_facts`` and keeps, with every screening, the exact rule
set (version, JSON, SHA-256) and facts it used, so a decision can be reproduced later.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import signature_sign
from marrowtrack.intake import gates, rules, selectors
from marrowtrack.intake.models import ClinicRuleSet, EligibilityDecision, Screening, TreatmentPlan
from marrowtrack.intake.services.common import audit, audit_create, ensure_plan_open
from marrowtrack.intake.signals import plan_approved

Status = TreatmentPlan.Status


clinic_ruleset = selectors.clinic_ruleset


def clinic_ruleset_publish(*, clinic: Clinic, by: User, text: str) -> ClinicRuleSet:
    """Publish a clinic's rule set from JSON; refused with the rule and parameter at fault."""
    try:
        ruleset = rules.ruleset_from_json(text)
    except rules.RuleSetError as error:
        raise ValidationFailed({"json": [str(error)]}) from None
    with transaction.atomic():
        if ClinicRuleSet.objects.filter(clinic=clinic, version=ruleset.version).exists():
            raise ValidationFailed({"json": [f"Version {ruleset.version} is already published."]})
        stored = ClinicRuleSet.objects.create(
            clinic=clinic,
            version=ruleset.version,
            json=rules.ruleset_to_json(ruleset),
            sha256=rules.ruleset_sha256(ruleset),
            published_by=by,
        )
        audit(
            by=by,
            action=AuditAction.CREATE,
            instance=stored,
            patient=None,
            changes={"version": [None, stored.version], "sha256": [None, stored.sha256]},
        )
    return stored


class DayCheckRefused(SafetyRefusal):
    """The procedure may not go ahead today; the message lists every reason."""


def _facts_json(plan: TreatmentPlan, patient_facts: Any, plan_facts: Any) -> dict[str, Any]:
    raw = {
        "patient": asdict(patient_facts),
        "plan": asdict(plan_facts),
        "plan_fields": plan.consented_key,
    }
    return json.loads(json.dumps(raw, default=str))


def _finding_dicts(result: rules.ScreeningResult) -> list[dict[str, str]]:
    return [
        {
            "code": x.rule_code,
            "severity": x.severity.value,
            "message": x.message,
            "source": x.source,
        }
        for x in result.findings
    ]


def _screen(
    plan: TreatmentPlan, by: User, *, kind: str, temperature_c: Decimal | None = None
) -> Screening:
    """Run the clinic's rule set on today's record and store it, with what it ran on."""
    on = clock.today(plan.patient.clinic)
    ruleset = clinic_ruleset(plan.patient.clinic)
    patient_facts = selectors.patient_facts(plan.patient, on=on, temperature_c=temperature_c)
    plan_facts = selectors.plan_facts(plan)
    result = rules.evaluate(ruleset, patient_facts, plan_facts, on)
    screening = Screening.objects.create(
        plan=plan,
        kind=kind,
        temperature_c=temperature_c,
        outcome=result.outcome.value,
        findings=_finding_dicts(result),
        ruleset_version=result.ruleset_version,
        ruleset_sha256=result.ruleset_sha256,
        ruleset_json=rules.ruleset_to_json(ruleset),
        facts=_facts_json(plan, patient_facts, plan_facts),
        screened_on=result.screened_on,
        reference_date=result.reference_date,
        screened_by=by,
    )
    audit_create(
        by=by,
        instance=screening,
        patient=plan.patient,
        fields=("kind", "outcome", "ruleset_version", "ruleset_sha256", "temperature_c"),
    )
    return screening


def screening_run(*, plan: TreatmentPlan, by: User) -> Screening:
    """Screen the plan against the clinic's rule set as of today, and store the result."""
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        return _screen(plan, by, kind=Screening.Kind.INTAKE)


def _temperature(value: object) -> Decimal:
    """Today's temperature in °C, required: a fever stops the procedure (docs/reference.md §4)."""
    if value in (None, ""):
        raise ValidationFailed({"temperature_c": ["Take and enter today's temperature (°C)."]})
    try:
        temperature = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        error = {"temperature_c": ["Enter the temperature in °C, e.g. 36.8."]}
        raise ValidationFailed(error) from None
    if not Decimal("30.0") <= temperature <= Decimal("45.0"):
        raise ValidationFailed(
            {
                "temperature_c": [
                    f"{temperature} is not a body temperature in °C (30-45); 100.4 °F is 38.0 °C."
                ]
            }
        )
    return temperature


def screening_day_check(*, plan: TreatmentPlan, by: User, temperature_c: object) -> Screening:
    """Re-run the screening on the procedure day with today's record and temperature
    (issue 8 item 10) and keep it; refuse (``DayCheckRefused``) when the day may not go
    ahead: no current approval or consent, a screening older than the clinic allows, a
    hard stop today that the decision did not override, or a finding the deciding
    physician has not seen. Runs in the caller's transaction when there is one; the
    outermost caller audits the refusal (``screening_day_check_audited``)."""
    temperature = _temperature(temperature_c)
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        screening = _screen(plan, by, kind=Screening.Kind.DAY_OF, temperature_c=temperature)
    blockers = gates.day_check_blockers(plan, screening)
    if blockers:
        raise DayCheckRefused("Not today: " + " ".join(blockers))
    return screening


def screening_day_check_audited(
    *, plan: TreatmentPlan, by: User, temperature_c: object
) -> Screening:
    """The day check as an entry point (page, API): a refusal is committed to the audit
    trail on its own, after the day's screening is kept."""
    with audited_refusals(by=by, target=plan, patient_public_id=plan.patient.public_id):
        return screening_day_check(plan=plan, by=by, temperature_c=temperature_c)


def latest_screening(plan: TreatmentPlan) -> Screening | None:
    return plan.screenings.order_by("-created_at", "-pk").first()


def _check_decision(
    screening: Screening, verdict: str, override_reason: str, rationale: str
) -> bool:
    """Whether the decision overrides hard stops; refuses an override without a reason."""
    if verdict not in EligibilityDecision.Verdict.values:
        raise ValidationFailed({"verdict": ["Choose approve or decline."]})
    overrides = verdict == EligibilityDecision.Verdict.APPROVE and bool(screening.hard_stops)
    if overrides and not override_reason:
        codes = ", ".join(f["code"] for f in screening.hard_stops)
        raise ValidationFailed(
            {"override_reason": [f"Approving despite hard stops ({codes}) needs a reason."]}
        )
    if verdict == EligibilityDecision.Verdict.DECLINE and not rationale:
        raise ValidationFailed({"rationale": ["Give the reason the patient is not eligible."]})
    return overrides


def _decision_content(
    plan: TreatmentPlan, screening: Screening, verdict: str, overrides: bool, reasons: list[str]
) -> dict[str, Any]:
    return {
        "plan": str(plan.public_id),
        "screening": str(screening.public_id),
        "ruleset_version": screening.ruleset_version,
        "ruleset_sha256": screening.ruleset_sha256,
        "outcome": screening.outcome,
        "findings": screening.findings,
        "verdict": verdict,
        "overrides_hard_stops": overrides,
        "reasons": reasons,
    }


def eligibility_decide(
    *,
    plan: TreatmentPlan,
    by: User,
    verdict: str,
    password: str,
    rationale: str = "",
    override_reason: str = "",
    totp: str | None = None,
) -> EligibilityDecision:
    """A physician's signed decision on the latest screening: approve (plan APPROVED) or
    decline (NOT_ELIGIBLE). Approving over a hard stop needs a reason (docs/reference.md §4)."""
    rationale, override_reason = rationale.strip(), override_reason.strip()
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        screening = latest_screening(plan)
        if screening is None:
            raise DomainError("Run the eligibility screening before deciding.")
        if screening.screened_on != clock.today(plan.patient.clinic):
            raise DomainError("The screening is not from today: run it again before deciding.")
        if screening.facts.get("plan_fields") != plan.consented_key:
            raise DomainError("The plan changed after this screening: run it again first.")
        overrides = _check_decision(screening, verdict, override_reason, rationale)
        content = _decision_content(
            plan, screening, verdict, overrides, [rationale, override_reason]
        )
        signature = signature_sign(
            user=by,
            password=password,
            totp=totp,
            meaning=Signature.Meaning.APPROVED,
            record=plan,
            content=content,
            statement=f"Eligibility decision: {verdict} (rules {screening.ruleset_version})",
            patient_public_id=plan.patient.public_id,
        )
        return _decision_save(
            plan, screening, by, verdict, rationale, override_reason, overrides, signature
        )


def _decision_save(
    plan: TreatmentPlan,
    screening: Screening,
    by: User,
    verdict: str,
    rationale: str,
    override_reason: str,
    overrides: bool,
    signature: Signature,
) -> EligibilityDecision:
    decision = EligibilityDecision.objects.create(
        plan=plan,
        screening=screening,
        verdict=verdict,
        rationale=rationale,
        overrides_hard_stops=overrides,
        override_reason=override_reason,
        decided_by=by,
        signature=signature,
    )
    old = plan.status
    approve = verdict == EligibilityDecision.Verdict.APPROVE
    plan.status = Status.APPROVED if approve else Status.NOT_ELIGIBLE
    plan.hard_stop_overridden = overrides
    plan.save(update_fields=["status", "hard_stop_overridden", "updated_at"])
    audit(
        by=by,
        action=AuditAction.UPDATE,
        instance=plan,
        patient=plan.patient,
        changes={"status": [old, plan.status], "hard_stop_overridden": [None, overrides]},
        reason=override_reason or rationale,
    )
    if approve:
        plan_approved.send(sender=TreatmentPlan, plan=plan, by=by)
    return decision
