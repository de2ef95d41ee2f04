"""Check-in and the one service that moves a procedure day from step to step.

``encounter_transition`` applies the transition table of ``states.py`` (order and role),
then the gate of the target step (its checklist and records), then writes the step, the
new state and the audit entry in one transaction. Services whose write includes a step
(the release, the bedside check, the injection) call ``transition_apply`` inside their
own transaction instead, and audit a refusal once, outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals, refusal_record
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.text import fold
from marrowtrack.intake.gates import procedure_blockers
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.procedures import comparators
from marrowtrack.procedures import states as bmac_states
from marrowtrack.procedures.models import EncounterKind, ProcedureEncounter, StepEvent
from marrowtrack.procedures.services import gates
from marrowtrack.procedures.services.comparator_day import (
    comparator_check_in_blockers,
    comparator_injected,
    comparator_minutes,
)
from marrowtrack.procedures.states import (
    INITIAL_ROLES,
    INITIAL_STATE,
    TEAM_ROLES,
    TERMINAL_STATES,
    InvalidTransition,
    ProcedureState,
    TransitionNotPermitted,
)

S = ProcedureState
Gate = Callable[[ProcedureEncounter, User, Mapping[str, Any]], gates.GateResult]


class TransitionRefused(DomainError):
    """An out-of-order, repeated or impossible step; the message says what is missing."""


def _names_match(typed: str, given: str, family: str) -> bool:
    words = sorted(fold(typed.replace(",", " ")).split())
    return bool(words) and words == sorted(fold(f"{given} {family}").split())


def _check_identifiers(plan: TreatmentPlan, typed_name: str, typed_dob: date | None) -> None:
    patient = plan.patient
    errors: dict[str, list[str]] = {}
    if not _names_match(typed_name, patient.given_name, patient.family_name):
        errors["typed_name"] = ["The name given does not match the patient's record."]
    if typed_dob != patient.date_of_birth:
        errors["typed_dob"] = ["The date of birth given does not match the patient's record."]
    if errors:
        raise ValidationFailed(errors)


def encounter_check_in(
    *, plan: TreatmentPlan, by: User, typed_name: str, typed_dob: date | None
) -> ProcedureEncounter:
    """Start the procedure day: two identifiers (name + date of birth, never the room),
    an approved harvest plan and a witnessed consent (``intake.gates.procedure_blockers``)."""
    require_same_clinic(by, plan.patient.clinic_id)
    require_role(by, INITIAL_ROLES, "check a patient in")
    blockers = procedure_blockers(plan)
    if not plan.needs_harvest:
        blockers = comparator_check_in_blockers(plan) + blockers
    if blockers:
        raise DomainError("The procedure day cannot start: " + " ".join(blockers))
    try:
        _check_identifiers(plan, typed_name, typed_dob)
    except ValidationFailed as exc:
        reason = "Check-in identifiers did not match: " + "; ".join(exc.errors)
        refusal_record(by=by, target=plan, patient_public_id=plan.patient.public_id, reason=reason)
        raise
    return _encounter_create(plan=plan, by=by)


def _encounter_create(*, plan: TreatmentPlan, by: User) -> ProcedureEncounter:
    now = clock.now()
    kind = EncounterKind.BMAC if plan.needs_harvest else EncounterKind.COMPARATOR
    extra = {} if plan.needs_harvest else {"planned_minutes": comparator_minutes(plan)}
    with transaction.atomic():
        open_states = [s.value for s in S if s not in TERMINAL_STATES]
        if plan.encounters.select_for_update().filter(state__in=open_states).exists():
            raise DomainError("This patient is already checked in for this plan.")
        encounter = ProcedureEncounter.objects.create(
            clinic_id=plan.patient.clinic_id,
            patient=plan.patient,
            plan=plan,
            day=clock.today(),
            kind=kind,
            state=INITIAL_STATE.value,
            state_entered_at=now,
            checked_in_at=now,
            **extra,
        )
        StepEvent.objects.create(
            encounter=encounter,
            to_state=INITIAL_STATE.value,
            at=now,
            by=by,
            checklist={"two_identifiers": True},
        )
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=encounter,
            changes={"state": [None, INITIAL_STATE.value], "plan": str(plan.public_id)},
            patient_public_id=plan.patient.public_id,
        )
    return encounter


def machine_for(encounter: ProcedureEncounter) -> Any:
    """The transition table of the encounter's kind (``states`` or ``comparators``): both
    offer ``check_transition``, ``roles_for`` and ``next_states``."""
    return comparators if encounter.kind == EncounterKind.COMPARATOR else bmac_states


def _role_for(
    user: User, current: ProcedureState, target: ProcedureState, machine: Any = bmac_states
) -> Role:
    check_transition, roles_for = machine.check_transition, machine.roles_for
    try:
        check_transition(current, target)
    except InvalidTransition as exc:
        raise TransitionRefused(str(exc)) from exc
    mine = user_roles(user) & TEAM_ROLES
    permitted = sorted(mine & roles_for(current, target))
    if not permitted:
        try:
            check_transition(current, target, role=min(mine, default=Role.FRONT_DESK))
        except TransitionNotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        raise PermissionDenied(f"Your role may not record {current.label} -> {target.label}.")
    return permitted[0]


def encounter_transition(
    *,
    encounter: ProcedureEncounter,
    to: ProcedureState | str,
    by: User,
    data: Mapping[str, Any] | None = None,
) -> ProcedureEncounter:
    """Move the encounter to ``to`` if the table, the user's role and the step's gate allow.

    Raises ``TransitionRefused`` (out of order or repeated), ``PermissionDenied`` (role),
    ``ValidationFailed`` (checklist incomplete) or ``SafetyRefusal`` (a hard stop, audited
    as REFUSED in its own transaction).
    """
    require_same_clinic(by, encounter.clinic_id)
    target = ProcedureState(to)
    with audited_refusals(
        by=by,
        target=encounter,
        patient_public_id=encounter.patient.public_id,
        changes={"to": target.value},
    ):
        with transaction.atomic():
            transition_apply(encounter=encounter, to=target, by=by, data=data)
    return encounter


def transition_apply(
    *,
    encounter: ProcedureEncounter,
    to: ProcedureState,
    by: User,
    data: Mapping[str, Any] | None = None,
) -> None:
    """The transition inside the caller's open transaction, for a service whose write
    includes the step. A ``SafetyRefusal`` propagates unrecorded: the caller records it
    (``audit.refusals``) after its transaction has rolled back, so the entry is kept."""
    require_same_clinic(by, encounter.clinic_id)
    locked = ProcedureEncounter.objects.select_for_update().get(pk=encounter.pk)
    current = locked.current
    role = _role_for(by, current, to, machine_for(locked))
    table = COMPARATOR_GATES if locked.kind == EncounterKind.COMPARATOR else GATES
    result = table.get(to, gates.no_gate)(locked, by, data or {})
    _apply(locked, current, to, by, role, result)
    encounter.refresh_from_db()


def _apply(
    encounter: ProcedureEncounter,
    current: ProcedureState,
    target: ProcedureState,
    by: User,
    role: Role,
    result: gates.GateResult,
) -> None:
    now = clock.now()
    encounter.state, encounter.state_entered_at = target.value, now
    fields = ["state", "state_entered_at", "updated_at", *result.fields]
    for name, value in result.encounter_values.items():
        setattr(encounter, name, value)
    fields += _assign_people(encounter, by, role)
    if target in TERMINAL_STATES:
        encounter.finished_at = now
        fields.append("finished_at")
    encounter.save(update_fields=sorted(set(fields)))
    step = StepEvent.objects.create(
        encounter=encounter,
        from_state=current.value,
        to_state=target.value,
        at=now,
        by=by,
        checklist=result.checklist,
        note=result.note[:300],
    )
    step.participants.set(result.participants or [by])
    event_record(
        actor=by,
        action=AuditAction.UPDATE,
        target=encounter,
        changes={"state": [current.value, target.value], "checklist": result.checklist},
        reason=result.note[:500],
        patient_public_id=encounter.patient.public_id,
    )


def _assign_people(encounter: ProcedureEncounter, by: User, role: Role) -> list[str]:
    if role == Role.PHYSICIAN and encounter.physician_id is None:
        encounter.physician = by
        return ["physician"]
    if role == Role.NURSE and encounter.nurse_id is None:
        encounter.nurse = by
        return ["nurse"]
    return []


GATES: dict[ProcedureState, Gate] = {
    S.PRE_ASSESSED: gates.pre_assessed,
    S.CONSENTED: gates.consented,
    S.SITE_MARKED: gates.site_marked,
    S.TIMEOUT_1: gates.timeout,
    S.TIMEOUT_2: gates.timeout,
    S.LOCAL_ANESTHESIA: gates.local_anesthesia,
    S.IN_TRANSIT: gates.in_transit,
    S.PROCESSING: gates.processing,
    S.RELEASED: gates.released,
    S.BEDSIDE_VERIFIED: gates.bedside_verified,
    S.INJECTED: gates.injected,
    S.RECOVERY: gates.recovery,
    S.DISCHARGED: gates.discharged,
    S.ABORTED: gates.ended,
    S.PRODUCT_DISCARDED: gates.ended,
}

# A comparator day's injection step checks its own record (no syringe, no bedside scan).
COMPARATOR_GATES: dict[ProcedureState, Gate] = {**GATES, S.INJECTED: comparator_injected}
