"""Processing runs: spin programme, counts, computed values, QC flags, release with an
e-signature and a second person's verification (or a validated scan), late results.

The procedure day calls these (``procedures.services.processing``): it checks the day is
at the Processing step before ``run_record``, and wraps ``run_release`` and the RELEASED
step in one transaction. The lab never moves the day itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import signature_sign
from marrowtrack.facilities.models import Equipment
from marrowtrack.lab import calculations as calc
from marrowtrack.lab.isbt128 import InvalidDIN, parse_scan
from marrowtrack.lab.models import Container, LateResult, Location, ProcessingRun
from marrowtrack.lab.procedure_day import Encounter
from marrowtrack.lab.services.containers import container_create, is_expired
from marrowtrack.lab.services.custody import require_at

LAB = {Role.LAB_TECH}
MAX_SYRINGES = 4


def qc_limits() -> calc.QcLimits:
    """Clinic QC limits: ``MARROWTRACK_QC_LIMITS`` overrides the defaults field by field."""
    overrides = getattr(settings, "MARROWTRACK_QC_LIMITS", {}) or {}
    values = {k: (None if v is None else Decimal(str(v))) for k, v in overrides.items()}
    return calc.QcLimits(**values)


def _centrifuge(clinic_id: int, centrifuge: Equipment) -> Equipment:
    if centrifuge.clinic_id != clinic_id or centrifuge.kind != Equipment.Kind.CENTRIFUGE:
        raise ValidationFailed({"centrifuge": ["Choose a centrifuge of this clinic."]})
    due = centrifuge.calibration_due
    if due is None or due < clock.today():
        when = f"was due {due:%Y-%m-%d}" if due else "has no calibration date"
        raise SafetyRefusal(f"{centrifuge.name} calibration {when}: use a calibrated centrifuge.")
    return centrifuge


def _rcf(centrifuge: Equipment, rpm: int | None, rcf: Decimal | None) -> Decimal:
    if rpm:
        if centrifuge.rotor_radius_cm is None:
            raise ValidationFailed({"rpm": ["The centrifuge has no rotor radius: enter RCF."]})
        return calc.rcf_from_rpm(radius_cm=centrifuge.rotor_radius_cm, rpm=rpm)
    if not rcf:
        raise ValidationFailed({"rcf_g": ["Enter rpm (RCF is computed) or RCF (×g)."]})
    return Decimal(rcf)


def _q(value: Decimal, places: str = "0.01") -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def computed_values(d: Mapping[str, Any], marrow_ml: Decimal) -> dict[str, str]:
    """Dilution-corrected TNC, totals, concentration factors and recovery (spec §2)."""
    pre, post = d["pre_tnc_per_ul"], d["post_tnc_per_ul"]
    values = {
        "tnc_neat_per_ul": _q(
            calc.tnc_neat_per_ul(
                measured_per_ul=pre, marrow_ml=marrow_ml, anticoagulant_ml=d["anticoagulant_ml"]
            ),
            "1",
        ),
        "total_tnc_aspirate": _q(calc.total_cells(per_ul=pre, volume_ml=d["aspirate_ml"]), "1"),
        "total_tnc_concentrate": _q(
            calc.total_cells(per_ul=post, volume_ml=d["concentrate_ml"]), "1"
        ),
        "cf_tnc": _q(calc.concentration_factor(concentrate_per_ul=post, aspirate_per_ul=pre)),
        "recovery_pct": _q(
            calc.recovery_pct(
                concentrate_per_ul=post,
                concentrate_ml=d["concentrate_ml"],
                aspirate_per_ul=pre,
                aspirate_ml=d["aspirate_ml"],
            ),
            "0.1",
        ),
    }
    if d.get("pre_plt_per_ul") and d.get("post_plt_per_ul"):
        values["cf_plt"] = _q(
            calc.concentration_factor(
                concentrate_per_ul=d["post_plt_per_ul"], aspirate_per_ul=d["pre_plt_per_ul"]
            )
        )
    return values


def _lab_values(d: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    marrow = Decimal(d["aspirate_ml"]) - Decimal(d["anticoagulant_ml"])
    try:
        for name in ("pre_hct_pct", "post_hct_pct"):
            if d.get(name) is not None:
                calc.validate_hct(d[name], name)
        computed = computed_values(d, marrow)
        flags = calc.qc_flags(
            aspirate_ml=d["aspirate_ml"],
            concentrate_ml=d["concentrate_ml"],
            aspirate_tnc_per_ul=d["pre_tnc_per_ul"],
            concentrate_tnc_per_ul=d["post_tnc_per_ul"],
            concentrate_hct_pct=d.get("post_hct_pct"),
            viability_pct=d.get("viability_pct"),
            limits=qc_limits(),
        )
    except calc.LabValueError as exc:
        raise ValidationFailed({exc.field: [exc.message]}) from exc
    return computed, flags


RUN_FIELDS = (
    "device",
    "kit_lot",
    "kit_expires_on",
    "rpm",
    "spin_minutes",
    "spins",
    "brake",
    "aspirate_ml",
    "anticoagulant_ml",
    "concentrate_ml",
    "qc_sample_ml",
    "pre_tnc_per_ul",
    "post_tnc_per_ul",
    "pre_plt_per_ul",
    "post_plt_per_ul",
    "pre_hct_pct",
    "post_hct_pct",
    "post_cd34_per_ul",
    "viability_pct",
    "started_at",
    "ended_at",
)


def _check_run_input(encounter: Encounter, data: Mapping[str, Any]) -> Container:
    if ProcessingRun.objects.filter(encounter=encounter).exists():
        raise DomainError("This product already has a processing run.")
    aspirate = Container.objects.select_related("patient").get(encounter=encounter, kind="aspirate")
    require_at(aspirate, Location.LAB, "process it")
    if is_expired(aspirate):
        raise SafetyRefusal(
            f"STOP: aspirate {aspirate.din_display} expired at {aspirate.expires_at:%H:%M}."
        )
    if data["kit_expires_on"] < clock.today():
        raise SafetyRefusal(
            f"Kit lot {data['kit_lot']} expired on {data['kit_expires_on']:%Y-%m-%d}: "
            "use another kit."
        )
    if not data.get("ended_at") or data["ended_at"] <= data["started_at"]:
        raise ValidationFailed({"ended_at": ["Processing must end after it started."]})
    return aspirate


def run_record(*, encounter: Encounter, by: User, data: Mapping[str, Any]) -> ProcessingRun:
    """Record the processing run and label the concentrate syringes (not yet released).
    A hard stop (expired aspirate or kit, uncalibrated centrifuge) is audited as REFUSED."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, LAB, "record processing")
    patient_public_id = encounter.patient.public_id
    with audited_refusals(by=by, target=encounter, patient_public_id=patient_public_id):
        aspirate = _check_run_input(encounter, data)
        centrifuge = _centrifuge(encounter.clinic_id, data["centrifuge"])
        rcf = _rcf(centrifuge, data.get("rpm"), data.get("rcf_g"))
        computed, flags = _lab_values(data)
        with transaction.atomic():
            run = ProcessingRun.objects.create(
                encounter=encounter,
                aspirate=aspirate,
                centrifuge=centrifuge,
                rcf_g=rcf.quantize(Decimal("0.1")),
                computed=computed,
                qc_flags=flags,
                performed_by=by,
                **{name: data.get(name) for name in RUN_FIELDS if name in data},
            )
            event_record(
                actor=by,
                action=AuditAction.CREATE,
                target=run,
                changes={"computed": computed, "qc_flags": flags, "kit_lot": run.kit_lot},
                patient_public_id=patient_public_id,
            )
            _syringes_create(run, aspirate, by, int(data.get("syringes") or 1))
            aspirate.status = Container.Status.PROCESSED
            aspirate.save(update_fields=["status", "updated_at"])
    return run


def _syringes_create(run: ProcessingRun, aspirate: Container, by: User, count: int) -> None:
    if not 1 <= count <= MAX_SYRINGES:
        raise ValidationFailed({"syringes": [f"1 to {MAX_SYRINGES} syringes."]})
    usable = run.concentrate_ml - (run.qc_sample_ml or 0)
    if usable <= 0:
        raise ValidationFailed({"qc_sample_ml": ["The QC sample leaves no product."]})
    each = (usable / count).quantize(Decimal("0.1"), rounding="ROUND_DOWN")
    plan = run.encounter.plan
    for _ in range(count):
        container_create(
            encounter=run.encounter,
            kind=Container.Kind.CONCENTRATE,
            volume_ml=each,
            collected_at=aspirate.collected_at,
            by=by,
            location=Location.LAB,
            status=Container.Status.PROCESSED,
            parent=aspirate,
            run=run,
            target=plan.target,
            laterality=plan.laterality,
        )


def run_content(run: ProcessingRun) -> dict[str, Any]:
    """What a release or verification signature covers."""
    return {
        "run": str(run.public_id),
        "kit_lot": run.kit_lot,
        "rcf_g": str(run.rcf_g),
        "computed": run.computed,
        "qc_flags": run.qc_flags,
        "syringes": sorted(c.din for c in run.syringes.all()),
    }


def _verify(
    run: ProcessingRun,
    by: User,
    verifier: User | None,
    verifier_password: str,
    scans: Sequence[str],
) -> None:
    if verifier is not None:
        if verifier.pk == by.pk:
            raise DomainError(
                "The verifier must be a second person, not the releasing technologist."
            )
        require_same_clinic(verifier, run.encounter.clinic_id)
        run.verification_signature = signature_sign(
            user=verifier,
            password=verifier_password,
            meaning="verified",
            record=run,
            content=run_content(run),
            statement="I checked every label against the record.",
            patient_public_id=run.encounter.patient.public_id,
        )
        run.verification = ProcessingRun.Verification.SECOND_PERSON
        return
    expected = {c.din for c in run.syringes.all()}
    try:
        scanned = {parse_scan(scan) for scan in scans if scan.strip()}
    except InvalidDIN as exc:
        raise ValidationFailed({"scans": [exc.message]}) from exc
    if not scanned:
        raise ValidationFailed({"verifier": ["A second person verifies, or scan every label."]})
    if scanned != expected:
        raise SafetyRefusal("The scanned labels do not match this run's syringes: do not release.")
    run.verification = ProcessingRun.Verification.SCAN


def run_release(
    *,
    run: ProcessingRun,
    by: User,
    password: str,
    verifier: User | None = None,
    verifier_password: str = "",
    scans: Sequence[str] = (),
    totp: str | None = None,
) -> ProcessingRun:
    """Release: the technologist signs (RELEASED), a second person signs (VERIFIED) or
    every label is scanned; the syringes become usable.

    Runs inside the caller's transaction: ``procedures.services.product_release`` moves the
    day to RELEASED in the same transaction and audits a ``SafetyRefusal`` after it.
    """
    encounter = run.encounter
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, LAB, "release a product")
    if run.status != ProcessingRun.Status.RECORDED:
        raise DomainError("This run is already released.")
    with transaction.atomic():
        if any(is_expired(c) for c in run.syringes.all()):
            raise SafetyRefusal("STOP: the product is past its hold limit and cannot be released.")
        run.release_signature = signature_sign(
            user=by,
            password=password,
            meaning="released",
            record=run,
            content=run_content(run),
            totp=totp,
            patient_public_id=encounter.patient.public_id,
        )
        _verify(run, by, verifier, verifier_password, scans)
        run.status, run.released_at = ProcessingRun.Status.RELEASED, clock.now()
        run.save(
            update_fields=[
                "release_signature",
                "verification",
                "verification_signature",
                "status",
                "released_at",
                "updated_at",
            ]
        )
        run.syringes.update(status=Container.Status.RELEASED)
    return run


def late_result_add(
    *, run: ProcessingRun, by: User, kind: str, value: str, unit: str, note: str = ""
) -> LateResult:
    """Append a result that arrives after release; earlier rows are never changed."""
    require_same_clinic(by, run.encounter.clinic_id)
    require_role(by, LAB, "record lab results")
    if kind not in LateResult.Kind.values or not value.strip() or not unit.strip():
        raise ValidationFailed({"value": ["Give the kind, value and unit."]})
    with transaction.atomic():
        result = LateResult.objects.create(
            run=run,
            kind=kind,
            value=value.strip(),
            unit=unit.strip(),
            note=note,
            recorded_at=clock.now(),
            recorded_by=by,
        )
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=result,
            changes={"kind": kind, "value": value, "unit": unit},
            patient_public_id=run.encounter.patient.public_id,
        )
    return result
