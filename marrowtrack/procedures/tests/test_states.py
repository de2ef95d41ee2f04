import itertools

import pytest

from marrowtrack.procedures.states import (
    ALLOWED,
    INITIAL_STATE,
    TERMINAL_STATES,
    TRANSITION_ROLES,
    InvalidTransition,
    ProcedureState,
    Role,
    TransitionNotPermitted,
    check_transition,
    next_states,
    roles_for,
)

S = ProcedureState

# Written out by hand from domain.md §1, independently of the module's table.
FORWARD = {
    (S.CHECKED_IN, S.PRE_ASSESSED),
    (S.PRE_ASSESSED, S.CONSENTED),
    (S.CONSENTED, S.SITE_MARKED),
    (S.SITE_MARKED, S.TIMEOUT_1),
    (S.TIMEOUT_1, S.LOCAL_ANESTHESIA),
    (S.LOCAL_ANESTHESIA, S.HARVESTING),
    (S.HARVESTING, S.IN_TRANSIT),
    (S.IN_TRANSIT, S.PROCESSING),
    (S.PROCESSING, S.RELEASED),
    (S.RELEASED, S.TIMEOUT_2),
    (S.RELEASED, S.BEDSIDE_VERIFIED),
    (S.TIMEOUT_2, S.BEDSIDE_VERIFIED),
    (S.BEDSIDE_VERIFIED, S.INJECTED),
    (S.INJECTED, S.RECOVERY),
    (S.RECOVERY, S.DISCHARGED),
}
NON_TERMINAL = set(S) - {S.DISCHARGED, S.ABORTED, S.PRODUCT_DISCARDED}
ABORTS = {(state, S.ABORTED) for state in NON_TERMINAL}
DISCARDS = {
    (state, S.PRODUCT_DISCARDED)
    for state in (
        S.HARVESTING,
        S.IN_TRANSIT,
        S.PROCESSING,
        S.RELEASED,
        S.TIMEOUT_2,
        S.BEDSIDE_VERIFIED,
    )
}
LEGAL = FORWARD | ABORTS | DISCARDS
ALL_PAIRS = list(itertools.product(S, S))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def test_there_are_seventeen_states_and_the_table_matches_the_hand_written_one() -> None:
    assert len(S) == 17
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == LEGAL


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_every_legal_transition_is_accepted(current: S, target: S) -> None:
    check_transition(current, target)
    assert target in next_states(current)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused_with_both_labels(current: S, target: S) -> None:
    with pytest.raises(InvalidTransition) as excinfo:
        check_transition(current, target)
    assert str(excinfo.value).startswith(f"Cannot go from {current.label} to {target.label}: ")


def test_skipping_to_injection_explains_what_must_happen_first() -> None:
    with pytest.raises(InvalidTransition) as excinfo:
        check_transition(S.HARVESTING, S.INJECTED)
    assert str(excinfo.value) == (
        "Cannot go from Harvesting to Injected: the product must be handed to the lab, "
        "processed, released and verified at the bedside first."
    )


def test_timeout_2_is_optional_and_not_listed_as_missing() -> None:
    with pytest.raises(InvalidTransition, match="must be verified at the bedside first"):
        check_transition(S.RELEASED, S.INJECTED)


def test_going_backwards_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="cannot go back to an earlier step"):
        check_transition(S.INJECTED, S.HARVESTING)


def test_terminal_states_have_no_way_out() -> None:
    assert {S.DISCHARGED, S.ABORTED, S.PRODUCT_DISCARDED} == TERMINAL_STATES
    for state in TERMINAL_STATES:
        assert next_states(state) == frozenset()
    with pytest.raises(InvalidTransition, match="Discharged is a final state"):
        check_transition(S.DISCHARGED, S.RECOVERY)


def test_a_product_cannot_be_discarded_before_harvest_or_after_injection() -> None:
    with pytest.raises(InvalidTransition, match="no product to discard before harvesting"):
        check_transition(S.CONSENTED, S.PRODUCT_DISCARDED)
    with pytest.raises(InvalidTransition, match="already been injected"):
        check_transition(S.RECOVERY, S.PRODUCT_DISCARDED)


def test_every_state_has_a_human_label() -> None:
    assert S.LOCAL_ANESTHESIA.label == "Local anesthesia"
    assert S.TIMEOUT_2.label == "Time-out 2"
    assert all(state.label for state in S)


def test_the_day_starts_checked_in() -> None:
    assert INITIAL_STATE == S.CHECKED_IN


def test_every_legal_transition_has_at_least_one_role() -> None:
    assert set(TRANSITION_ROLES) == LEGAL
    assert all(TRANSITION_ROLES[pair] for pair in LEGAL)


@pytest.mark.parametrize(
    ("current", "target", "role"),
    [
        (S.CHECKED_IN, S.PRE_ASSESSED, Role.NURSE),
        (S.PRE_ASSESSED, S.CONSENTED, Role.PHYSICIAN),
        (S.IN_TRANSIT, S.PROCESSING, Role.LAB_TECH),
        (S.PROCESSING, S.RELEASED, Role.LAB_TECH),
        (S.BEDSIDE_VERIFIED, S.INJECTED, Role.PHYSICIAN),
        (S.RECOVERY, S.DISCHARGED, Role.NURSE),
        (S.CHECKED_IN, S.ABORTED, Role.FRONT_DESK),
    ],
)
def test_the_responsible_role_may_record_its_transition(current: S, target: S, role: Role) -> None:
    check_transition(current, target, role=role)
    assert role in roles_for(current, target)


@pytest.mark.parametrize(
    ("current", "target", "role"),
    [
        (S.PROCESSING, S.RELEASED, Role.NURSE),
        (S.BEDSIDE_VERIFIED, S.INJECTED, Role.LAB_TECH),
        (S.PRE_ASSESSED, S.CONSENTED, Role.FRONT_DESK),
        (S.HARVESTING, S.ABORTED, Role.FRONT_DESK),
    ],
)
def test_other_roles_may_not_record_it(current: S, target: S, role: Role) -> None:
    # The role in words ("Front desk"), never its code (issue 9, item 12).
    with pytest.raises(TransitionNotPermitted, match=f"^{role.label} may not record"):
        check_transition(current, target, role=role)


def test_roles_for_an_illegal_transition_is_empty() -> None:
    assert roles_for(S.CHECKED_IN, S.INJECTED) == frozenset()
