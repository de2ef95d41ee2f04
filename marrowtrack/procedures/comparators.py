"""Comparator injections as procedure days (issue 9 item 5, ADR 0019): the drugs a clinic
gives for each comparator treatment, and the short state path of a comparator day.

Pure data and checks, no ORM. A comparator day has no harvest, lab or bedside scan:

    checked in -> pre-assessed -> time-out -> injected -> recovery -> discharged

(aborted from every open step, as for BMAC). The same roles sign the same steps as on a
BMAC day; the injection is recorded by a physician with its drug, dose, volume, lot,
guidance and site (``services.comparator.comparator_injection_record``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marrowtrack.accounts.roles import Role
from marrowtrack.procedures.states import (
    LABELS,
    TERMINAL_STATES,
    InvalidTransition,
    ProcedureState,
    TransitionNotPermitted,
)

S = ProcedureState


@dataclass(frozen=True)
class Drug:
    code: str
    label: str
    treatment: str  # intake Treatment value
    dose_required: bool  # mg recorded (a steroid, a local anaesthetic block, HA)
    max_mg: Decimal | None = None  # a label ceiling for one injection, refused above


# Sources: Kenalog-40, Depo-Medrol, Celestone Soluspan and dexamethasone sodium phosphate
# labels (intra-articular / soft-tissue use); Marcaine (bupivacaine) label: a single dose
# without epinephrine of at most 175 mg; Synvisc / hyaluronate device instructions.
DRUGS: tuple[Drug, ...] = (
    Drug("triamcinolone", "Triamcinolone acetonide", "csi", True),
    Drug("methylprednisolone", "Methylprednisolone acetate", "csi", True),
    Drug("betamethasone", "Betamethasone sodium phosphate and acetate", "csi", True),
    Drug("dexamethasone", "Dexamethasone sodium phosphate", "csi", True),
    Drug("hyaluronate", "Sodium hyaluronate", "ha", True),
    Drug("hylan", "Hylan G-F 20", "ha", False),
    Drug("prp_lp", "Autologous PRP, leukocyte-poor", "prp", False),
    Drug("prp_lr", "Autologous PRP, leukocyte-rich", "prp", False),
    Drug("bupivacaine", "Bupivacaine (plain)", "nerve_block", True, Decimal("175")),
    Drug("ropivacaine", "Ropivacaine", "nerve_block", True),
)
DRUGS_BY_CODE = {drug.code: drug for drug in DRUGS}


def drugs_for(treatment: str) -> list[Drug]:
    return [drug for drug in DRUGS if drug.treatment == treatment]


def drug_choices(treatment: str | None = None) -> list[tuple[str, str]]:
    return [(d.code, d.label) for d in DRUGS if treatment is None or d.treatment == treatment]


PATH: tuple[ProcedureState, ...] = (
    S.CHECKED_IN,
    S.PRE_ASSESSED,
    S.TIMEOUT_1,
    S.INJECTED,
    S.RECOVERY,
    S.DISCHARGED,
)
_NURSE = frozenset({Role.NURSE})
_PHYSICIAN = frozenset({Role.PHYSICIAN})
_CLINICIANS = _NURSE | _PHYSICIAN
_FORWARD: dict[tuple[ProcedureState, ProcedureState], frozenset[Role]] = {
    (S.CHECKED_IN, S.PRE_ASSESSED): _NURSE,
    (S.PRE_ASSESSED, S.TIMEOUT_1): _CLINICIANS,
    (S.TIMEOUT_1, S.INJECTED): _PHYSICIAN,
    (S.INJECTED, S.RECOVERY): _NURSE,
    (S.RECOVERY, S.DISCHARGED): _NURSE,
}


def _build() -> dict[tuple[ProcedureState, ProcedureState], frozenset[Role]]:
    roles = dict(_FORWARD)
    for state in PATH:
        if state in TERMINAL_STATES:
            continue
        early = state in (S.CHECKED_IN, S.PRE_ASSESSED)
        roles[(state, S.ABORTED)] = (
            frozenset({Role.FRONT_DESK, Role.NURSE, Role.PHYSICIAN}) if early else _PHYSICIAN
        )
    return roles


TRANSITION_ROLES = _build()
_REQUIRED = {
    S.PRE_ASSESSED: "the patient must be pre-assessed",
    S.TIMEOUT_1: "the team must hold the time-out",
    S.INJECTED: "the injection must be recorded",
    S.RECOVERY: "the patient must be observed in recovery",
}


def next_states(current: ProcedureState) -> frozenset[ProcedureState]:
    return frozenset(target for (source, target) in TRANSITION_ROLES if source == current)


def roles_for(current: ProcedureState, target: ProcedureState) -> frozenset[Role]:
    return TRANSITION_ROLES.get((current, target), frozenset())


def check_transition(
    current: ProcedureState, target: ProcedureState, *, role: Role | None = None
) -> None:
    """As ``states.check_transition``, on the comparator path."""
    if target not in next_states(current):
        raise InvalidTransition(
            f"Cannot go from {LABELS[current]} to {LABELS[target]} on a comparator day: "
            f"{_reason(current, target)}"
        )
    if role is not None and role not in roles_for(current, target):
        allowed = ", ".join(sorted(r.value for r in roles_for(current, target)))
        raise TransitionNotPermitted(
            f"A {role.value} cannot record {LABELS[current]} -> {LABELS[target]}; "
            f"allowed: {allowed}."
        )


def _reason(current: ProcedureState, target: ProcedureState) -> str:
    if current in TERMINAL_STATES:
        return f"{LABELS[current]} is a final state."
    if target not in PATH:
        return "it has no harvest, lab or bedside steps."
    if current == target:
        return f"the day is already at {LABELS[current]}."
    start, end = PATH.index(current), PATH.index(target)
    if end < start:
        return "a day cannot go back to an earlier step."
    missing = [_REQUIRED[s] for s in PATH[start + 1 : end] if s in _REQUIRED]
    return "; ".join(missing) + " first."
