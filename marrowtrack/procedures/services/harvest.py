"""The harvest record: side, needle, volumes, anticoagulant, radiation dose, times.

Aspirate volume is warned outside 30-120 mL (docs/reference.md §0); radiation values that cannot be
real (air kerma near the 5 Gy NCRP 168 threshold, docs/reference.md §1) are refused as data errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.services import validated
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import signature_sign
from marrowtrack.lab.calculations import pull_flags
from marrowtrack.lab.models import Container
from marrowtrack.lab.services import aspirate_create
from marrowtrack.procedures.models import (
    HarvestAmendment,
    HarvestRecord,
    HarvestSite,
    ProcedureEncounter,
)
from marrowtrack.procedures.sides import planned_harvest_side, side_label
from marrowtrack.procedures.states import ProcedureState

ASPIRATE_WARN = (Decimal(30), Decimal(120))
# Hard plausibility limits: values beyond these are data-entry errors, not clinical facts.
LIMITS: dict[str, tuple[Decimal, Decimal, str]] = {
    "aspirate_ml": (Decimal(1), Decimal(500), "mL"),
    "anticoagulant_ml": (Decimal(0), Decimal(100), "mL"),
    "fluoroscopy_s": (Decimal(0), Decimal(1800), "s"),
    "air_kerma_mgy": (Decimal(0), Decimal("4999.99"), "mGy"),
    "kap_gy_cm2": (Decimal(0), Decimal(500), "Gy·cm²"),
    "gauge": (Decimal(8), Decimal(22), "G"),
    "punctures": (Decimal(1), Decimal(20), ""),
    "pulls": (Decimal(1), Decimal(60), ""),
    "ml_per_pull": (Decimal("0.5"), Decimal(60), "mL"),
}
MAX_HARVEST = timedelta(hours=3)
# A patient taken straight to the room is sometimes checked in at the desk a little later.
CHECK_IN_GRACE = timedelta(minutes=30)
MIN_REASON = 5


def _check_limits(data: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name, (low, high, unit) in LIMITS.items():
        value = data.get(name)
        if value is None or value == "":
            continue
        if not low <= Decimal(str(value)) <= high:
            errors[name] = [f"{value} {unit} is not plausible (allowed {low}-{high} {unit})."]
    if errors:
        raise ValidationFailed(errors)


def _clinic_times(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> dict[str, Any]:
    """A time given without a zone (an API client's "10:40") is the clinic's local time."""
    zone = clock.zone(encounter.clinic)
    return {
        name: value.replace(tzinfo=zone)
        for name in ("started_at", "ended_at")
        if isinstance(value := data.get(name), datetime) and value.tzinfo is None
    }


def _check_times(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> None:
    """Times a person types are bounded by the server's clock (issue 11 items 2 and 11):
    not before the check-in (less a grace for a check-in the desk records late), not in
    the future."""
    started, ended = data.get("started_at"), data.get("ended_at")
    if not isinstance(started, datetime) or not isinstance(ended, datetime) or ended <= started:
        raise ValidationFailed({"ended_at": ["The harvest must end after it started."]})
    if ended - started > MAX_HARVEST:
        raise ValidationFailed({"ended_at": ["A harvest longer than 3 hours is not plausible."]})
    # In service the check-in is never after now; min() keeps a clock set back (tests
    # travelling in time after a check-in) from refusing every harvest.
    if started < min(encounter.checked_in_at, clock.now()) - CHECK_IN_GRACE:
        local = clock.localtime(encounter.checked_in_at, encounter.clinic)
        raise ValidationFailed(
            {
                "started_at": [
                    f"The harvest cannot start before the check-in ({local:%H:%M}; a check-in "
                    f"recorded late is allowed {CHECK_IN_GRACE.seconds // 60} minutes)."
                ]
            }
        )
    if ended > clock.now():
        raise ValidationFailed({"ended_at": ["The harvest cannot end in the future."]})


def harvest_warnings(aspirate_ml: Decimal) -> list[str]:
    low, high = ASPIRATE_WARN
    if not low <= aspirate_ml <= high:
        return [f"Aspirate volume {aspirate_ml} mL is outside the expected {low}-{high} mL."]
    return []


def _pull_warnings(harvest: HarvestRecord) -> list[str]:
    if harvest.pulls is None or harvest.ml_per_pull is None:
        return []
    return pull_flags(
        pulls=harvest.pulls, ml_per_pull=harvest.ml_per_pull, aspirate_ml=harvest.aspirate_ml
    )


FIELDS = (
    "side",
    "needle",
    "gauge",
    "punctures",
    "pulls",
    "ml_per_pull",
    "dry_tap",
    "aspirate_ml",
    "anticoagulant",
    "anticoagulant_lot",
    "anticoagulant_ml",
    "fluoroscopy_s",
    "air_kerma_mgy",
    "kap_gy_cm2",
    "started_at",
    "ended_at",
    "complications",
)


def _side_signature(
    *, harvest: HarvestRecord, by: User, reason: str, password: str, totp: str | None
) -> Signature:
    content = {
        "harvest": str(harvest.public_id),
        "side": harvest.side,
        "planned_side": harvest.planned_side,
        "reason": reason,
    }
    return signature_sign(
        user=by,
        password=password,
        totp=totp,
        meaning=Signature.Meaning.AUTHORED,
        record=harvest,
        content=content,
        statement=(
            f"I harvested from the {side_label(harvest.side)}, not the planned "
            f"{side_label(harvest.planned_side)}, because: {reason}"
        )[:300],
        patient_public_id=harvest.encounter.patient.public_id,
    )


def _side_check(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> tuple[str, str]:
    """(planned side, reason): a side other than the plan's needs a signed reason."""
    side, planned = str(data.get("side") or ""), planned_harvest_side(encounter)
    reason = str(data.get("side_reason") or "").strip()
    if not planned or side == planned:
        return planned, ""
    if len(reason) < MIN_REASON:
        raise SafetyRefusal(
            f"Harvest side {side_label(side)} is not the side the plan and consent name "
            f"({side_label(planned)}). Record the planned side, or give the reason for the "
            "change and sign it with your password (physician)."
        )
    if not data.get("side_password"):
        raise ValidationFailed(
            {"side_password": ["Sign the reason for the different side with your password."]}
        )
    return planned, reason


def harvest_record(
    *, encounter: ProcedureEncounter, by: User, data: Mapping[str, Any]
) -> HarvestRecord:
    """Record the harvest and label the aspirate container (a DIN) in one transaction.

    The side must be the one the plan and its consent name, unless the physician recording
    it gives a reason and signs it (re-authentication); a refusal is audited."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "record the harvest")
    _check_open_for_harvest(encounter)
    _check_limits(data)
    data = {**data, **_clinic_times(encounter, data)}
    _check_times(encounter, data)
    with audited_refusals(
        by=by,
        target=encounter,
        patient_public_id=encounter.patient.public_id,
        changes={"side": data.get("side"), "planned_side": planned_harvest_side(encounter)},
    ):
        planned, reason = _side_check(encounter, data)
        return _harvest_save(encounter=encounter, by=by, data=data, planned=planned, reason=reason)


ALREADY_RECORDED = (
    "The harvest is already recorded for this procedure day; correct it with a signed "
    "amendment on the harvest page."
)


def _check_open_for_harvest(encounter: ProcedureEncounter) -> None:
    if encounter.current != ProcedureState.HARVESTING:
        raise DomainError(
            f"The harvest is recorded while harvesting, not at {encounter.current.label}."
        )
    if HarvestRecord.objects.filter(encounter_id=encounter.pk).exists():
        raise DomainError(ALREADY_RECORDED)


def _harvest_save(
    *, encounter: ProcedureEncounter, by: User, data: Mapping[str, Any], planned: str, reason: str
) -> HarvestRecord:
    values = {name: data.get(name) for name in FIELDS}
    values["complications"] = values["complications"] or ""
    values["dry_tap"] = values["dry_tap"] is True
    harvest = HarvestRecord(
        encounter=encounter, performed_by=by, planned_side=planned, side_reason=reason, **values
    )
    harvest.warnings = harvest_warnings(Decimal(str(harvest.aspirate_ml))) + _pull_warnings(harvest)
    if reason:
        harvest.warnings.append(
            f"Harvested from the {side_label(harvest.side)}, not the planned "
            f"{side_label(planned)}: {reason}"
        )
    validated(harvest, exclude=["encounter"])
    try:
        with transaction.atomic():
            # Under the encounter's row lock: a concurrent request may have recorded it first.
            _check_open_for_harvest(
                ProcedureEncounter.objects.select_for_update().get(pk=encounter.pk)
            )
            _harvest_write(harvest, encounter, by, data, values, planned, reason)
    except IntegrityError as exc:
        raise DomainError(ALREADY_RECORDED) from exc
    return harvest


def _harvest_write(
    harvest: HarvestRecord,
    encounter: ProcedureEncounter,
    by: User,
    data: Mapping[str, Any],
    values: dict[str, Any],
    planned: str,
    reason: str,
) -> None:
    harvest.save()
    if reason:
        harvest.side_signature = _side_signature(
            harvest=harvest,
            by=by,
            reason=reason,
            password=str(data.get("side_password") or ""),
            totp=data.get("side_totp") or None,
        )
        harvest.save(update_fields=["side_signature", "updated_at"])
    if encounter.harvest_side != harvest.side:
        encounter.harvest_side = harvest.side
        encounter.save(update_fields=["harvest_side", "updated_at"])
    event_record(
        actor=by,
        action=AuditAction.CREATE,
        target=harvest,
        changes={
            **{name: values[name] for name in FIELDS},
            "planned_side": planned,
            "side_reason": reason,
        },
        reason=reason,
        patient_public_id=encounter.patient.public_id,
    )
    aspirate_create(encounter=encounter, harvest=harvest, by=by)


def harvest_side_amend(
    *,
    harvest: HarvestRecord,
    by: User,
    side: str,
    reason: str,
    password: str,
    totp: str | None = None,
) -> HarvestAmendment:
    """Correct a recorded harvest side: the original stays (amendment row and audit), the
    record, the encounter header and the aspirate container show the amended side. Signed
    by the physician who amends it (re-authentication)."""
    encounter = harvest.encounter
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "amend the harvest side")
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if side not in HarvestSite.values:
        errors["side"] = ["Choose the harvest side."]
    elif side == harvest.side:
        errors["side"] = [f"The harvest is already recorded as {side_label(side)}."]
    if len(reason) < MIN_REASON:
        errors["reason"] = ["Give the reason for the correction."]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        harvest = HarvestRecord.objects.select_for_update().get(pk=harvest.pk)
        old = harvest.side
        amendment = HarvestAmendment.objects.create(
            harvest=harvest,
            field="side",
            old_value=old,
            new_value=side,
            reason=reason[:300],
            amended_by=by,
            at=clock.now(),
        )
        amendment.signature = signature_sign(
            user=by,
            password=password,
            totp=totp,
            meaning=Signature.Meaning.AUTHORED,
            record=amendment,
            content={
                "harvest": str(harvest.public_id),
                "field": "side",
                "old": old,
                "new": side,
                "reason": amendment.reason,
            },
            statement=(
                f"I correct the harvest side from {side_label(old)} to {side_label(side)}: "
                f"{amendment.reason}"
            )[:300],
            patient_public_id=encounter.patient.public_id,
        )
        amendment.save(update_fields=["signature", "updated_at"])
        harvest.side = side
        harvest.save(update_fields=["side", "updated_at"])
        encounter.harvest_side = side
        encounter.save(update_fields=["harvest_side", "updated_at"])
        Container.objects.filter(encounter=encounter, kind=Container.Kind.ASPIRATE).update(
            collected_from=side_label(side)[:60], updated_at=timezone.now()
        )
        event_record(
            actor=by,
            action=AuditAction.UPDATE,
            target=harvest,
            changes={"side": (old, side)},
            reason=amendment.reason,
            name="harvest.amend",
            extra={"amendment": str(amendment.public_id)},
            patient_public_id=encounter.patient.public_id,
        )
    return amendment
