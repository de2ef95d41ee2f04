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
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from marrowtrack.accounts.access import require_role, require_same_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals, refusal_record
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.text import fold
from marrowtrack.intake.gates import procedure_blockers
from marrowtrack.intake.models import Screening, TreatmentPlan
from marrowtrack.intake.selectors import clinic_ruleset
from marrowtrack.intake.services.screening import screening_day_check
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
OPEN_STATES = sorted(s.value for s in S if s not in TERMINAL_STATES)
ALREADY_CHECKED_IN = "This patient is already checked in for this plan."
FEVER_C = Decimal("38.0")  # docs/reference.md §4 call-back triggers: 38.0 °C / 100.4 °F or more
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
    *,
    plan: TreatmentPlan,
    by: User,
    typed_name: str,
    typed_dob: date | None,
    temperature_c: object,
) -> ProcedureEncounter:
    """Start the procedure day: two identifiers (name + date of birth, never the room),
    an approved harvest plan, a witnessed consent and a screening not older than the clinic
    accepts (``intake.gates.procedure_blockers``), then the re-check on the day (issue 8
    item 10): the clinic's screening rules re-run on today's record with today's
    temperature (``intake.services.screening.screening_day_check``, kept as the
    encounter's ``day_screening``). A fever (38.0 °C or more) stops the day whatever the
    decision overrode. Every refusal is audited."""
    require_same_clinic(by, plan.patient.clinic_id)
    require_role(by, INITIAL_ROLES, "check a patient in")
    patient_id = plan.patient.public_id
    with audited_refusals(by=by, target=plan, patient_public_id=patient_id):
        blockers = procedure_blockers(plan)
        if not plan.needs_harvest:
            blockers = comparator_check_in_blockers(plan) + blockers
        if blockers:
            raise CheckInRefused("The procedure day cannot start: " + " ".join(blockers))
    try:
        _check_identifiers(plan, typed_name, typed_dob)
    except ValidationFailed as exc:
        reason = "Check-in identifiers did not match: " + "; ".join(exc.errors)
        refusal_record(by=by, target=plan, patient_public_id=patient_id, reason=reason)
        raise
    with audited_refusals(by=by, target=plan, patient_public_id=patient_id):
        screening = screening_day_check(plan=plan, by=by, temperature_c=temperature_c)
        _refuse_fever(plan, screening)
        return _encounter_create(plan=plan, by=by, screening=screening)


class CheckInRefused(SafetyRefusal):
    """The procedure day may not start today; the message says why (audited)."""


def fever_threshold_c(plan: TreatmentPlan) -> Decimal:
    """The clinic's fever threshold (its ``fever`` rule), else docs/reference.md §4's 38.0 °C."""
    rule = clinic_ruleset(plan.patient.clinic).rule("fever")
    return Decimal(rule.params["threshold_c"]) if rule is not None else FEVER_C


def _refuse_fever(plan: TreatmentPlan, screening: Screening) -> None:
    """A fever is a hard stop on the day even when a decision overrode the ``fever`` rule
    or the clinic's rule set leaves it out: no override on the day itself."""
    threshold = fever_threshold_c(plan)
    temperature = screening.temperature_c
    if temperature is not None and temperature >= threshold:
        raise CheckInRefused(
            f"Not today: temperature {temperature} °C is a fever (from {threshold} °C); "
            "the procedure does not go ahead."
        )


def open_encounter_exists(plan: TreatmentPlan) -> bool:
    return ProcedureEncounter.objects.filter(plan=plan, state__in=OPEN_STATES).exists()


def _encounter_create(
    *, plan: TreatmentPlan, by: User, screening: Screening | None = None
) -> ProcedureEncounter:
    now = clock.now()
    kind = EncounterKind.BMAC if plan.needs_harvest else EncounterKind.COMPARATOR
    extra = {} if plan.needs_harvest else {"planned_minutes": comparator_minutes(plan)}
    try:
        with transaction.atomic():
            # The plan's row lock queues concurrent check-ins; the database constraint
            # (one open encounter per plan) holds even where the lock does not.
            TreatmentPlan.objects.select_for_update().filter(pk=plan.pk).first()
            if open_encounter_exists(plan):
                raise DomainError(ALREADY_CHECKED_IN)
            encounter = ProcedureEncounter.objects.create(
                clinic_id=plan.patient.clinic_id,
                patient=plan.patient,
                plan=plan,
                day=clock.today(plan.patient.clinic),
                kind=kind,
                state=INITIAL_STATE.value,
                state_entered_at=now,
                checked_in_at=now,
                day_screening=screening,
                **extra,
            )
            checklist: dict[str, Any] = {"two_identifiers": True}
            if screening is not None:
                checklist.update(
                    day_screening=str(screening.public_id),
                    day_screening_outcome=screening.outcome,
                    temperature_c=str(screening.temperature_c),
                )
            StepEvent.objects.create(
                encounter=encounter,
                to_state=INITIAL_STATE.value,
                at=now,
                by=by,
                checklist=checklist,
            )
            event_record(
                actor=by,
                action=AuditAction.CREATE,
                target=encounter,
                changes={"state": [None, INITIAL_STATE.value], "plan": str(plan.public_id)},
                patient_public_id=plan.patient.public_id,
            )
    except IntegrityError as exc:  # a concurrent check-in opened the day first
        raise DomainError(ALREADY_CHECKED_IN) from exc
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
    target = step_named(to)
    with audited_refusals(
        by=by,
        target=encounter,
        patient_public_id=encounter.patient.public_id,
        changes={"to": target.value},
    ):
        with transaction.atomic():
            transition_apply(encounter=encounter, to=target, by=by, data=data)
    return encounter


def step_named(to: ProcedureState | str | None) -> ProcedureState:
    """The step ``to`` names; an empty or unknown name is refused as invalid input (422),
    naming the steps there are (issue 11 item 12)."""
    if isinstance(to, ProcedureState):
        return to
    name = str(to or "").strip()
    if not name:
        raise ValidationFailed({"to": ["Say which step to record: 'to' is empty."]})
    try:
        return ProcedureState(name)
    except ValueError:
        steps = ", ".join(state.value for state in ProcedureState)
        raise ValidationFailed(
            {"to": [f"'{name[:40]}' is not a step of the procedure day (steps: {steps})."]}
        ) from None


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
