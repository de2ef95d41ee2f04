"""Bedside verification and the injection: the last line of the chain of identity.

Hard stops live here, not in the UI: a product of another patient, an aspirate instead
of a product, a product not released, expired, not in the procedure room, or aimed at a
target or side other than the plan's is refused loudly; every refused scan is kept as a
``BedsideCheck`` row and audited as REFUSED in its own committed transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from marrowtrack.accounts.access import require_role, require_same_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals, refusal_record
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import signature_sign
from marrowtrack.intake.services.plans import plan_mark_treated
from marrowtrack.lab.models import Container, Location
from marrowtrack.lab.services import container_for_scan
from marrowtrack.patients.models import Patient
from marrowtrack.procedures.models import BedsideCheck, Guidance, Injection, ProcedureEncounter
from marrowtrack.procedures.services.anaesthesia import lidocaine_add
from marrowtrack.procedures.services.encounter import transition_apply
from marrowtrack.procedures.states import ProcedureState

S = ProcedureState
CLINICIANS = {Role.NURSE, Role.PHYSICIAN}
VERIFY_STATES = frozenset({S.RELEASED, S.TIMEOUT_2, S.BEDSIDE_VERIFIED})


def wristband_matches(patient: Patient, scan: str) -> bool:
    """A wristband carries the MRN or the patient's public id."""
    text = scan.strip()
    return text.upper() == patient.mrn.upper() or text.lower() == str(patient.public_id)


def _scanned_container(encounter: ProcedureEncounter, scan: str) -> Container:
    try:
        return container_for_scan(clinic_id=encounter.clinic_id, scan=scan)
    except DomainError as exc:
        raise SafetyRefusal(f"STOP: syringe not recognised. {exc.message}") from exc


def product_checks(
    encounter: ProcedureEncounter,
    container: Container,
    target: str,
    laterality: str,
    at: datetime | None = None,
) -> None:
    """Every hard stop between a syringe and this patient, identity first."""
    patient = encounter.patient
    if container.patient_id != patient.pk or container.encounter_id != encounter.pk:
        raise SafetyRefusal(
            f"STOP — DO NOT INJECT. Syringe {container.din_display} belongs to ANOTHER PATIENT, "
            f"not to this patient (MRN {patient.mrn}). Return it to the lab."
        )
    if container.kind != Container.Kind.CONCENTRATE:
        raise SafetyRefusal(
            f"STOP: {container.din_display} is the aspirate tube, not a product syringe."
        )
    if container.status != Container.Status.RELEASED:
        raise SafetyRefusal(
            f"STOP: {container.din_display} is {container.get_status_display().lower()}, "
            "not released by the lab."
        )
    if (at or clock.now()) > container.expires_at:
        raise SafetyRefusal(
            f"STOP: {container.din_display} EXPIRED at {container.expires_at:%H:%M} "
            "(hold limit after harvest). Do not inject."
        )
    if container.location != Location.PROCEDURE_ROOM:
        raise SafetyRefusal(
            f"STOP: {container.din_display} is recorded at '{container.get_location_display()}'. "
            "Scan the hand-off from the lab first."
        )
    _target_checks(encounter, container, target, laterality)


def _target_checks(
    encounter: ProcedureEncounter, container: Container, target: str, laterality: str
) -> None:
    plan = encounter.plan
    if (target, laterality) != (plan.target, plan.laterality):
        raise SafetyRefusal(
            f"STOP: WRONG SITE. The plan is {plan.get_laterality_display()} "
            f"{plan.get_target_display()}; you selected {laterality} {target}."
        )
    if (container.target, container.laterality) != (plan.target, plan.laterality):
        raise SafetyRefusal(f"STOP: the label of {container.din_display} names another target.")


def _second_person(encounter: ProcedureEncounter, by: User, second: User | None) -> User:
    if second is None:
        raise ValidationFailed({"second_person": ["A second clinician verifies with you."]})
    if second.pk == by.pk:
        raise ValidationFailed({"second_person": ["The second person must be someone else."]})
    if second.clinic_id != encounter.clinic_id or not user_roles(second) & CLINICIANS:
        raise ValidationFailed({"second_person": ["The second person must be a clinician here."]})
    return second


def bedside_verify(
    *,
    encounter: ProcedureEncounter,
    by: User,
    password: str,
    second_person: User | None,
    second_password: str,
    wristband_scan: str,
    syringe_scan: str,
    target: str,
    laterality: str,
    patient_confirmed_identity: bool,
) -> BedsideCheck:
    """Product ID = wristband = record, the patient states name and date of birth, and two
    clinicians sign (spec §1 BEDSIDE_VERIFIED). A refusal is kept and audited."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, CLINICIANS, "verify a product at the bedside")
    scans = {"wristband": wristband_scan, "syringe": syringe_scan}
    container: Container | None = None
    try:
        if not wristband_matches(encounter.patient, wristband_scan):
            raise SafetyRefusal(
                "STOP: WRONG WRISTBAND. The wristband scanned is not this procedure's patient "
                f"(MRN {encounter.patient.mrn}). Check the patient's identity."
            )
        container = _scanned_container(encounter, syringe_scan)
        product_checks(encounter, container, target, laterality)
        if not patient_confirmed_identity:
            raise ValidationFailed(
                {"patient_confirmed_identity": ["The patient must state name and date of birth."]}
            )
        if encounter.current not in VERIFY_STATES:
            raise DomainError(f"Bedside verification is not possible at {encounter.current.label}.")
        second = _second_person(encounter, by, second_person)
        with transaction.atomic():
            return _accept(encounter, by, password, second, second_password, container, scans)
    except SafetyRefusal as exc:
        _refuse(encounter, by, container, scans, exc.message)
        raise


def _accept(
    encounter: ProcedureEncounter,
    by: User,
    password: str,
    second: User,
    second_password: str,
    container: Container,
    scans: Mapping[str, str],
) -> BedsideCheck:
    check = BedsideCheck.objects.create(
        encounter=encounter,
        container=container,
        wristband_scan=scans["wristband"][:80],
        syringe_scan=scans["syringe"][:80],
        accepted=True,
        at=clock.now(),
        by=by,
        second_person=second,
    )
    content = {"din": container.din, "mrn": encounter.patient.mrn, "check": str(check.public_id)}
    for user, pw in ((by, password), (second, second_password)):
        check.signatures.add(
            signature_sign(
                user=user,
                password=pw,
                meaning="verified",
                record=check,
                content=content,
                statement="Product ID = wristband = record; patient stated name and date of birth.",
                patient_public_id=encounter.patient.public_id,
            )
        )
    if encounter.current != S.BEDSIDE_VERIFIED:
        transition_apply(encounter=encounter, to=S.BEDSIDE_VERIFIED, by=by)
    return check


def _refuse(
    encounter: ProcedureEncounter,
    by: User,
    container: Container | None,
    scans: Mapping[str, str],
    message: str,
) -> None:
    with transaction.atomic():
        BedsideCheck.objects.create(
            encounter=encounter,
            container=container,
            wristband_scan=scans["wristband"][:80],
            syringe_scan=scans["syringe"][:80],
            accepted=False,
            refusal=message[:400],
            at=clock.now(),
            by=by,
        )
    refusal_record(
        by=by,
        target=encounter,
        patient_public_id=encounter.patient.public_id,
        reason=message,
        changes={"scans": dict(scans), "din": container.din if container else None},
    )


INJECTION_FIELDS = (
    "target",
    "laterality",
    "target_level",
    "guidance",
    "volume_ml",
    "co_injectate",
    "started_at",
    "ended_at",
)


def injection_record(
    *, encounter: ProcedureEncounter, by: User, syringe_scan: str, data: Mapping[str, Any]
) -> Injection:
    """Record the injection of the syringe verified at the bedside (scanned again).

    Lidocaine mixed into the injectate is recorded and counts towards the day's limit.
    """
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "record the injection")
    with audited_refusals(
        by=by,
        target=encounter,
        patient_public_id=encounter.patient.public_id,
        changes={"syringe_scan": syringe_scan},
    ):
        container = _scanned_container(encounter, syringe_scan)
        product_checks(
            encounter, container, data["target"], data["laterality"], at=data.get("started_at")
        )
        _injection_input_checks(encounter, container, data)
        with transaction.atomic():
            return _injection_save(encounter, by, container, data)


def _injection_input_checks(
    encounter: ProcedureEncounter, container: Container, data: Mapping[str, Any]
) -> None:
    if encounter.current != S.BEDSIDE_VERIFIED:
        raise DomainError(
            f"Inject only after bedside verification (now {encounter.current.label})."
        )
    if not encounter.bedside_checks.filter(accepted=True, container=container).exists():
        raise SafetyRefusal(f"STOP: {container.din_display} was not verified at the bedside.")
    volume = Decimal(str(data["volume_ml"]))
    if not 0 < volume <= container.volume_ml:
        raise ValidationFailed(
            {"volume_ml": [f"Volume must be above 0 and at most {container.volume_ml} mL."]}
        )
    if data["guidance"] not in Guidance.values:
        raise ValidationFailed({"guidance": ["Choose ultrasound, fluoroscopy or landmark."]})
    if not data.get("ended_at") or data["ended_at"] < data["started_at"]:
        raise ValidationFailed({"ended_at": ["The injection must end after it started."]})


def _injection_save(
    encounter: ProcedureEncounter, by: User, container: Container, data: Mapping[str, Any]
) -> Injection:
    if data.get("anaesthetic_ml"):
        lidocaine_add(
            encounter=encounter,
            by=by,
            percent=data["anaesthetic_percent"],
            ml=data["anaesthetic_ml"],
            with_epinephrine=bool(data.get("anaesthetic_epinephrine")),
            site="mixed into the injectate",
            mixed_into_injectate=True,
        )
    values = {name: data.get(name) or "" for name in INJECTION_FIELDS}
    injection = Injection.objects.create(
        encounter=encounter, container=container, performed_by=by, **values
    )
    container.status, container.location = Container.Status.ADMINISTERED, Location.ADMINISTERED
    container.save(update_fields=["status", "location", "updated_at"])
    event_record(
        actor=by,
        action=AuditAction.CREATE,
        target=injection,
        changes={**values, "din": container.din},
        patient_public_id=encounter.patient.public_id,
    )
    _plan_treated(encounter, by, data["started_at"])
    transition_apply(encounter=encounter, to=S.INJECTED, by=by)
    return injection


def _plan_treated(encounter: ProcedureEncounter, by: User, at: datetime) -> None:
    # The outcome schedule is anchored on the day the treatment was given.
    plan_mark_treated(
        plan=encounter.plan, by=by, on=timezone.localdate(at), note="Injected", via_procedure=True
    )
