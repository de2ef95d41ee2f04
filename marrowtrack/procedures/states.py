"""The procedure day as a state machine: states, allowed transitions and who may make them.

Pure data and checks, no ORM; a service applies them and writes the audit event. Source:
docs/reference.md §1 "Procedure day as a state machine" (states, gates, sign-offs, side exits),
and 21 CFR 11.10(f) "operational system checks": out-of-order events are rejected.

Decisions (docs/reference.md §1 leaves them open):
- TIMEOUT_2 is optional: RELEASED goes to BEDSIDE_VERIFIED directly, or through TIMEOUT_2
  when position, site or team changed.
- DISCHARGED, ABORTED and PRODUCT_DISCARDED are terminal. ABORTED is reachable from every
  non-terminal state; PRODUCT_DISCARDED from HARVESTING (a clotted or contaminated
  aspirate) up to BEDSIDE_VERIFIED (an identity mismatch at the bedside). Care after an
  abort or discard (recovery, discharge) is recorded by the recovery app.
- ADVERSE_EVENT runs in parallel (docs/reference.md §1) and is not a state here.
"""

from __future__ import annotations

from enum import StrEnum

from marrowtrack.accounts.roles import Role


class ProcedureState(StrEnum):
    CHECKED_IN = "checked_in"
    PRE_ASSESSED = "pre_assessed"
    CONSENTED = "consented"
    SITE_MARKED = "site_marked"
    TIMEOUT_1 = "timeout_1"
    LOCAL_ANESTHESIA = "local_anesthesia"
    HARVESTING = "harvesting"
    IN_TRANSIT = "in_transit"
    PROCESSING = "processing"
    RELEASED = "released"
    TIMEOUT_2 = "timeout_2"
    BEDSIDE_VERIFIED = "bedside_verified"
    INJECTED = "injected"
    RECOVERY = "recovery"
    DISCHARGED = "discharged"
    ABORTED = "aborted"
    PRODUCT_DISCARDED = "product_discarded"

    @property
    def label(self) -> str:
        return LABELS[self]


S = ProcedureState

LABELS: dict[ProcedureState, str] = {
    S.CHECKED_IN: "Checked in",
    S.PRE_ASSESSED: "Pre-assessed",
    S.CONSENTED: "Consented",
    S.SITE_MARKED: "Site marked",
    S.TIMEOUT_1: "Time-out 1",
    S.LOCAL_ANESTHESIA: "Local anesthesia",
    S.HARVESTING: "Harvesting",
    S.IN_TRANSIT: "In transit",
    S.PROCESSING: "Processing",
    S.RELEASED: "Released",
    S.TIMEOUT_2: "Time-out 2",
    S.BEDSIDE_VERIFIED: "Bedside verified",
    S.INJECTED: "Injected",
    S.RECOVERY: "Recovery",
    S.DISCHARGED: "Discharged",
    S.ABORTED: "Aborted",
    S.PRODUCT_DISCARDED: "Product discarded",
}

INITIAL_STATE = S.CHECKED_IN
INITIAL_ROLES = frozenset({Role.FRONT_DESK, Role.NURSE})  # two identifiers at the desk
# The roles that take part in a procedure day (clinic administrators and researchers do not).
TEAM_ROLES = frozenset({Role.FRONT_DESK, Role.NURSE, Role.PHYSICIAN, Role.LAB_TECH})
TERMINAL_STATES = frozenset({S.DISCHARGED, S.ABORTED, S.PRODUCT_DISCARDED})

# The main path in procedure order; TIMEOUT_2 sits in it but may be skipped.
MAIN_PATH: tuple[ProcedureState, ...] = (
    S.CHECKED_IN,
    S.PRE_ASSESSED,
    S.CONSENTED,
    S.SITE_MARKED,
    S.TIMEOUT_1,
    S.LOCAL_ANESTHESIA,
    S.HARVESTING,
    S.IN_TRANSIT,
    S.PROCESSING,
    S.RELEASED,
    S.TIMEOUT_2,
    S.BEDSIDE_VERIFIED,
    S.INJECTED,
    S.RECOVERY,
    S.DISCHARGED,
)
OPTIONAL_STATES = frozenset({S.TIMEOUT_2})
DISCARDABLE_FROM = frozenset(
    {S.HARVESTING, S.IN_TRANSIT, S.PROCESSING, S.RELEASED, S.TIMEOUT_2, S.BEDSIDE_VERIFIED}
)

_CLINICIANS = frozenset({Role.NURSE, Role.PHYSICIAN})
_PHYSICIAN = frozenset({Role.PHYSICIAN})
_NURSE = frozenset({Role.NURSE})
_LAB = frozenset({Role.LAB_TECH})

# Forward steps with the role(s) that may record them (docs/reference.md §1 "Sign-off" column).
_FORWARD: dict[tuple[ProcedureState, ProcedureState], frozenset[Role]] = {
    (S.CHECKED_IN, S.PRE_ASSESSED): _NURSE,
    (S.PRE_ASSESSED, S.CONSENTED): _PHYSICIAN,
    (S.CONSENTED, S.SITE_MARKED): _PHYSICIAN,
    (S.SITE_MARKED, S.TIMEOUT_1): _CLINICIANS,
    (S.TIMEOUT_1, S.LOCAL_ANESTHESIA): _PHYSICIAN,
    (S.LOCAL_ANESTHESIA, S.HARVESTING): _PHYSICIAN,
    (S.HARVESTING, S.IN_TRANSIT): _CLINICIANS,  # the releaser records the hand-off
    (S.IN_TRANSIT, S.PROCESSING): _LAB,  # the receiver accepts custody
    (S.PROCESSING, S.RELEASED): _LAB,
    (S.RELEASED, S.TIMEOUT_2): _CLINICIANS,
    (S.RELEASED, S.BEDSIDE_VERIFIED): _CLINICIANS,
    (S.TIMEOUT_2, S.BEDSIDE_VERIFIED): _CLINICIANS,
    (S.BEDSIDE_VERIFIED, S.INJECTED): _PHYSICIAN,
    (S.INJECTED, S.RECOVERY): _NURSE,
    (S.RECOVERY, S.DISCHARGED): _NURSE,
}


def _abort_roles(state: ProcedureState) -> frozenset[Role]:
    # Before consent the patient may simply leave; afterwards stopping is a physician decision.
    if state in (S.CHECKED_IN, S.PRE_ASSESSED):
        return frozenset({Role.FRONT_DESK, Role.NURSE, Role.PHYSICIAN})
    return _PHYSICIAN


def _build_roles() -> dict[tuple[ProcedureState, ProcedureState], frozenset[Role]]:
    roles = dict(_FORWARD)
    for state in ProcedureState:
        if state not in TERMINAL_STATES:
            roles[(state, S.ABORTED)] = _abort_roles(state)
    for state in DISCARDABLE_FROM:
        roles[(state, S.PRODUCT_DISCARDED)] = frozenset({Role.LAB_TECH, Role.PHYSICIAN})
    return roles


TRANSITION_ROLES: dict[tuple[ProcedureState, ProcedureState], frozenset[Role]] = _build_roles()

ALLOWED: dict[ProcedureState, frozenset[ProcedureState]] = {
    state: frozenset(target for (source, target) in TRANSITION_ROLES if source == state)
    for state in ProcedureState
}

# What entering each main-path state requires, as (subject, predicate) so that consecutive
# steps on the same subject read as one clause.
_REQUIREMENTS: dict[ProcedureState, tuple[str, str]] = {
    S.PRE_ASSESSED: ("the patient must be", "pre-assessed"),
    S.CONSENTED: ("the patient must be", "consented"),
    S.SITE_MARKED: ("the sites must be", "marked"),
    S.TIMEOUT_1: ("the team must", "hold time-out 1"),
    S.LOCAL_ANESTHESIA: ("local anesthesia must be", "given"),
    S.HARVESTING: ("the marrow must be", "harvested"),
    S.IN_TRANSIT: ("the product must be", "handed to the lab"),
    S.PROCESSING: ("the product must be", "processed"),
    S.RELEASED: ("the product must be", "released"),
    S.BEDSIDE_VERIFIED: ("the product must be", "verified at the bedside"),
    S.INJECTED: ("the product must be", "injected"),
    S.RECOVERY: ("the patient must be", "observed in recovery"),
}


class InvalidTransition(ValueError):
    """The requested state change is out of order or impossible; the message says why."""


class TransitionNotPermitted(PermissionError):
    """The transition is legal but the user's role may not record it."""


def next_states(current: ProcedureState) -> frozenset[ProcedureState]:
    """States reachable in one step from ``current`` (empty for terminal states)."""
    return ALLOWED[current]


def roles_for(current: ProcedureState, target: ProcedureState) -> frozenset[Role]:
    """Roles that may record ``current -> target`` (empty if the transition is illegal)."""
    return TRANSITION_ROLES.get((current, target), frozenset())


def check_transition(
    current: ProcedureState, target: ProcedureState, *, role: Role | None = None
) -> None:
    """Raise ``InvalidTransition`` unless ``current -> target`` is in the allowed table.

    With ``role``, also raise ``TransitionNotPermitted`` when that role may not record it.
    Messages name both states by label and say what is missing.
    """
    if target not in ALLOWED[current]:
        raise InvalidTransition(
            f"Cannot go from {current.label} to {target.label}: {_reason(current, target)}"
        )
    if role is not None and role not in roles_for(current, target):
        allowed = ", ".join(sorted(r.label.lower() for r in roles_for(current, target)))
        raise TransitionNotPermitted(
            f"{role.label} may not record {current.label} -> {target.label}; allowed: {allowed}."
        )


def _reason(current: ProcedureState, target: ProcedureState) -> str:
    if current in TERMINAL_STATES:
        return f"{current.label} is a final state."
    if current == target:
        return f"the procedure is already at {current.label}."
    if target == S.PRODUCT_DISCARDED:
        if MAIN_PATH.index(current) < MAIN_PATH.index(S.HARVESTING):
            return "there is no product to discard before harvesting."
        return "the product has already been injected."
    if target == S.CHECKED_IN or MAIN_PATH.index(target) < MAIN_PATH.index(current):
        return "a procedure day cannot go back to an earlier step."
    return _missing_steps(current, target)


def _missing_steps(current: ProcedureState, target: ProcedureState) -> str:
    start, end = MAIN_PATH.index(current), MAIN_PATH.index(target)
    missing = [s for s in MAIN_PATH[start + 1 : end] if s not in OPTIONAL_STATES]
    clauses: list[tuple[str, list[str]]] = []
    for state in missing:
        subject, predicate = _REQUIREMENTS[state]
        if clauses and clauses[-1][0] == subject:
            clauses[-1][1].append(predicate)
        else:
            clauses.append((subject, [predicate]))
    text = "; ".join(f"{subject} {_join(predicates)}" for subject, predicates in clauses)
    return f"{text} first."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
