"""Recording a comparator injection (cortisone, HA, PRP, nerve block) on its own procedure
day (issue 9 item 5, ADR 0019).

The physician records, after the time-out: the drug (from ``comparators.DRUGS`` for the
plan's treatment), dose, volume, lot and its expiry, guidance and the site. The site must be
the plan's (the one consented to), the lot unexpired, a dose other than the planned one
needs a reason, and a local anaesthetic mixed in is dose-checked as lidocaine. The record,
the injection step, the plan's treatment date (which starts the recovery course and the
outcome schedule, ``intake.signals.plan_treated``) and the audit entries commit together.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.intake.gates import procedure_blockers
from marrowtrack.intake.services.plans import plan_mark_treated
from marrowtrack.procedures.comparators import DRUGS_BY_CODE
from marrowtrack.procedures.models import ComparatorInjection, Guidance, ProcedureEncounter
from marrowtrack.procedures.services.anaesthesia import lidocaine_add
from marrowtrack.procedures.services.encounter import transition_apply
from marrowtrack.procedures.services.timeout import require_timeout_current
from marrowtrack.procedures.states import ProcedureState

S = ProcedureState
FIELDS = (
    "drug",
    "dose_mg",
    "dose_reason",
    "volume_ml",
    "lot",
    "lot_expires_on",
    "guidance",
    "target",
    "laterality",
    "target_level",
)


def _decimal(value: Any, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[name] = ["Give a number."]
        return None
    if number <= 0:
        errors[name] = ["Give a number above 0."]
    return number


def _values(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> dict[str, Any]:
    """Parse and check everything that does not depend on the plan's site."""
    plan, errors = encounter.plan, {}
    drug = DRUGS_BY_CODE.get(str(data.get("drug") or ""))
    if drug is None or drug.treatment != plan.treatment:
        errors["drug"] = [f"Choose a drug for {plan.get_treatment_display().lower()}."]
    dose = _decimal(data.get("dose_mg"), "dose_mg", errors)
    volume = _decimal(data.get("volume_ml"), "volume_ml", errors)
    if volume is None and "volume_ml" not in errors:
        errors["volume_ml"] = ["Give the volume injected (mL)."]
    elif volume is not None and volume > 100:
        errors["volume_ml"] = ["The volume is at most 100 mL."]
    if drug is not None and drug.dose_required and dose is None and "dose_mg" not in errors:
        errors["dose_mg"] = [f"Give the dose of {drug.label.lower()} in mg."]
    lot = str(data.get("lot") or "").strip()
    if not lot:
        errors["lot"] = ["Give the lot number on the vial or kit."]
    expires = data.get("lot_expires_on")
    if not expires:
        errors["lot_expires_on"] = ["Give the lot's expiry date."]
    if data.get("guidance") not in Guidance.values:
        errors["guidance"] = ["Choose the guidance: ultrasound, fluoroscopy or landmark."]
    if errors:
        raise ValidationFailed(errors)
    return {
        "drug": drug.code,  # type: ignore[union-attr]
        "dose_mg": dose,
        "dose_reason": str(data.get("dose_reason") or "").strip()[:300],
        "volume_ml": volume,
        "lot": lot[:40],
        "lot_expires_on": expires,
        "guidance": data["guidance"],
        "target": str(data.get("target") or ""),
        "laterality": str(data.get("laterality") or ""),
        "target_level": str(data.get("target_level") or "").strip(),
    }


def _safety(encounter: ProcedureEncounter, values: dict[str, Any], given_at: datetime) -> None:
    """Hard stops: the site consented to, an unexpired lot, a label ceiling, the plan's dose."""
    plan, drug = encounter.plan, DRUGS_BY_CODE[values["drug"]]
    planned = (plan.target, plan.laterality, plan.target_level.strip())
    given = (values["target"], values["laterality"], values["target_level"])
    if given != planned:
        raise SafetyRefusal(
            f"STOP: the site given ({' '.join(v for v in given if v) or 'none'}) is not the "
            f"plan's ({plan.target_label}). Inject only the consented site."
        )
    if values["lot_expires_on"] < clock.localdate(given_at, encounter.clinic):
        raise SafetyRefusal(f"STOP: lot {values['lot']} expired on {values['lot_expires_on']}.")
    dose = values["dose_mg"]
    if drug.max_mg is not None and dose is not None and dose > drug.max_mg:
        raise SafetyRefusal(
            f"STOP: {dose} mg of {drug.label.lower()} is above the label's single-dose limit "
            f"of {drug.max_mg} mg."
        )
    if plan.dose_mg is not None and dose != plan.dose_mg and len(values["dose_reason"]) < 3:
        raise ValidationFailed(
            {"dose_reason": [f"The plan says {plan.dose_mg} mg: give the reason for {dose} mg."]}
        )


def _given_at(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> datetime:
    at = data.get("given_at") or clock.now()
    if at > clock.now():
        raise ValidationFailed({"given_at": ["The injection time is in the future."]})
    if at < encounter.checked_in_at:
        raise ValidationFailed({"given_at": ["The injection time is before the check-in."]})
    return at


def comparator_injection_record(
    *, encounter: ProcedureEncounter, by: User, data: Mapping[str, Any]
) -> ComparatorInjection:
    """Record the comparator injection after the time-out and move the day to Injected.

    ``data``: drug, dose_mg, dose_reason, volume_ml, lot, lot_expires_on, guidance, target,
    laterality, target_level, given_at (default now) and optionally the lidocaine mixed in
    (anaesthetic_percent, anaesthetic_ml, anaesthetic_epinephrine).
    """
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "record an injection")
    if not encounter.is_comparator:
        raise DomainError("A BMAC day records its injections at the bedside, syringe by syringe.")
    with audited_refusals(by=by, target=encounter, patient_public_id=encounter.patient.public_id):
        with transaction.atomic():
            locked = ProcedureEncounter.objects.select_for_update().get(pk=encounter.pk)
            if locked.current != S.TIMEOUT_1:
                raise DomainError(
                    f"Record the injection after the time-out (now {locked.current.label})."
                )
            blockers = procedure_blockers(locked.plan)
            if blockers:
                raise SafetyRefusal("Injection refused: " + " ".join(blockers))
            require_timeout_current(locked)
            values = _values(locked, data)
            given_at = _given_at(locked, data)
            _safety(locked, values, given_at)
            if data.get("anaesthetic_ml"):
                lidocaine_add(
                    encounter=locked,
                    by=by,
                    percent=data.get("anaesthetic_percent") or Decimal("1"),
                    ml=data["anaesthetic_ml"],
                    with_epinephrine=bool(data.get("anaesthetic_epinephrine")),
                    site="mixed into the injectate",
                    mixed_into_injectate=True,
                )
            record = ComparatorInjection.objects.create(
                encounter=locked, given_at=given_at, performed_by=by, **values
            )
            event_record(
                actor=by,
                action=AuditAction.CREATE,
                target=record,
                changes={name: (None, str(values[name])) for name in FIELDS},
                patient_public_id=locked.patient.public_id,
            )
            plan_mark_treated(
                plan=locked.plan,
                by=by,
                on=clock.localdate(given_at, locked.clinic),
                note="Injected",
                via_procedure=True,
            )
            transition_apply(encounter=locked, to=S.INJECTED, by=by)
    encounter.refresh_from_db()
    return record
