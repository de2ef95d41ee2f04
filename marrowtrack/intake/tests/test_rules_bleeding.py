"""Bleeding risk (issue 8 items 5 and 6): target classes, platelet floors for every needle,
INR on warfarin within 5 days before, and the blood-thinner hold table, at their limits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marrowtrack.intake.anatomy import BleedingRisk, target_risk
from marrowtrack.intake.facts import (
    Agent,
    DrugClass,
    Inr,
    Medication,
    MedicationHold,
    PlateletCount,
    Target,
    Treatment,
)
from marrowtrack.intake.holds import DEFAULT_HOLD_DAYS, HoldStatus, drug_free_days, last_dose_by
from marrowtrack.intake.rules import Outcome, Severity
from marrowtrack.intake.tests.builders import (
    ON,
    PLANNED,
    codes,
    days,
    messages,
    patient,
    plan,
    screen,
)

WARFARIN = Medication("warfarin", DrugClass.ANTICOAGULANT, date(2020, 1, 1), agent=Agent.WARFARIN)


@pytest.mark.parametrize(
    ("target", "risk"),
    [
        (Target.KNEE, BleedingRisk.LOW),
        (Target.HIP, BleedingRisk.LOW),
        (Target.GLENOHUMERAL, BleedingRisk.LOW),
        (Target.SUBACROMIAL, BleedingRisk.LOW),
        (Target.ROTATOR_CUFF, BleedingRisk.LOW),
        (Target.SI_JOINT, BleedingRisk.LOW),
        (Target.FACET, BleedingRisk.INTERMEDIATE),
        (Target.EPIDURAL, BleedingRisk.INTERMEDIATE),
        (Target.DISC, BleedingRisk.HIGH),
        (Target.OTHER, BleedingRisk.INTERMEDIATE),
    ],
)
def test_each_target_carries_its_bleeding_risk_class(target: Target, risk: BleedingRisk) -> None:
    assert target_risk(target) == risk


# --- platelets for every needle (issue 8 item 6) -------------------------------------------


@pytest.mark.parametrize(
    ("target", "count", "stopped"),
    [
        (Target.KNEE, 19, True),
        (Target.KNEE, 20, False),
        (Target.FACET, 49, True),
        (Target.FACET, 50, False),
        (Target.DISC, 49, True),
        (Target.DISC, 50, False),
        (Target.FACET, 15, True),  # the case: platelets 15 at a facet
    ],
)
@pytest.mark.parametrize("treatment", [Treatment.CSI, Treatment.NERVE_BLOCK, Treatment.HA])
def test_comparator_needles_have_a_platelet_floor_of_20_low_risk_and_50_spinal(
    treatment: Treatment, target: Target, count: int, stopped: bool
) -> None:
    result = screen(
        patient(platelets=PlateletCount(count, ON)),
        plan(treatment=treatment, target=target, harvest_side=None, harvest_anticoagulant=""),
    )
    assert ("platelets_below_needle_floor" in codes(result)) is stopped
    assert (result.outcome == Outcome.NOT_ELIGIBLE) is stopped


def test_the_harvest_floor_of_100_stays_for_bmac() -> None:
    result = screen(patient(platelets=PlateletCount(99, ON)), plan(target=Target.FACET))
    assert "platelets_below_floor" in codes(result)
    assert "platelets_below_needle_floor" not in codes(result)  # 99 >= 50


def test_the_needle_floor_message_names_the_class_and_target() -> None:
    result = screen(patient(platelets=PlateletCount(15, ON)), plan(target=Target.FACET))
    assert messages(result, "platelets_below_needle_floor") == [
        "Platelet count 15 ×10^9/L on 2026-03-02 is below 50 ×10^9/L, the floor for a needle "
        "at this target (facet: intermediate bleeding risk)."
    ]


# --- INR on warfarin (issue 8 item 5) ------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "inr", "stopped"),
    [
        (Target.KNEE, "3.0", False),
        (Target.KNEE, "3.1", True),
        (Target.FACET, "1.8", False),
        (Target.FACET, "1.9", True),
        (Target.DISC, "1.5", False),
        (Target.DISC, "1.6", True),
    ],
)
def test_an_inr_within_5_days_is_checked_against_the_target_class_limit(
    target: Target, inr: str, stopped: bool
) -> None:
    on = PLANNED - days(1)
    facts = patient(medications=(WARFARIN,), inr=Inr(Decimal(inr), PLANNED - days(2)))
    result = screen(facts, plan(target=target), on=on)
    assert ("inr_on_warfarin" in codes(result)) is stopped


def test_warfarin_with_no_inr_at_a_disc_is_a_hard_stop_once_the_window_opens() -> None:
    facts = patient(medications=(WARFARIN,))
    result = screen(facts, plan(target=Target.DISC), on=PLANNED - days(5))
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert messages(result, "inr_on_warfarin") == [
        "warfarin (warfarin): no INR in the window (latest: none on record). An INR taken "
        "from 2026-04-01 to 2026-04-06 must be at most 1.5 at this target (disc: high "
        "bleeding risk)."
    ]


@pytest.mark.parametrize(("taken_days_before", "counts"), [(5, True), (6, False), (0, True)])
def test_an_inr_taken_5_days_before_counts_and_6_days_does_not(
    taken_days_before: int, counts: bool
) -> None:
    inr = Inr(Decimal("1.2"), PLANNED - days(taken_days_before))
    result = screen(patient(medications=(WARFARIN,), inr=inr), plan(), on=PLANNED)
    assert ("inr_on_warfarin" not in codes(result)) is counts


def test_weeks_before_the_procedure_the_inr_is_a_flag_saying_when_to_take_it() -> None:
    result = screen(patient(medications=(WARFARIN,)), plan(target=Target.DISC))
    assert "inr_on_warfarin" not in codes(result)
    assert messages(result, "inr_pending_on_warfarin") == [
        "warfarin (warfarin): take an INR from 2026-04-01 to 2026-04-06 (within 5 days before); "
        "it must be at most 1.5 at this target (disc: high bleeding risk)."
    ]


def test_warfarin_stopped_more_than_14_days_before_needs_no_inr() -> None:
    stopped = Medication(
        "warfarin", DrugClass.ANTICOAGULANT, None, PLANNED - days(15), agent=Agent.WARFARIN
    )
    result = screen(patient(medications=(stopped,)), plan(), on=PLANNED)
    assert not {"inr_on_warfarin", "inr_pending_on_warfarin"} & codes(result)


# --- the hold table (issue 8 item 5) --------------------------------------------------------


def test_a_hold_of_n_days_means_n_full_drug_free_days_before_the_procedure_day() -> None:
    assert last_dose_by(PLANNED, 3) == date(2026, 4, 2)
    assert drug_free_days(date(2026, 4, 2), PLANNED) == 3
    assert last_dose_by(PLANNED, 0) == PLANNED


def test_the_hold_table_has_every_agent_in_every_column() -> None:
    assert set(DEFAULT_HOLD_DAYS) == set(Agent)
    for row in DEFAULT_HOLD_DAYS.values():
        assert set(row) == {"low", "harvest", "intermediate", "high"}
        assert row["high"] >= row["intermediate"] >= row["low"] == 0


def _apixaban(stopped_on: date | None = None) -> Medication:
    return Medication(
        "apixaban", DrugClass.ANTICOAGULANT, date(2024, 1, 1), stopped_on, Agent.APIXABAN, ref="a"
    )


@pytest.mark.parametrize(("last_dose_days_before", "stopped"), [(3, True), (4, False), (5, False)])
def test_apixaban_needs_3_full_days_before_a_disc(last_dose_days_before: int, stopped: bool):
    med = _apixaban(PLANNED - days(last_dose_days_before))
    result = screen(patient(medications=(med,)), plan(target=Target.DISC, treatment=Treatment.CSI))
    assert ("blood_thinner_hold" in codes(result)) is stopped


def test_no_hold_is_needed_for_a_knee_cortisone_injection_on_apixaban() -> None:
    result = screen(
        patient(medications=(_apixaban(),)),
        plan(treatment=Treatment.CSI, harvest_side=None, harvest_anticoagulant=""),
        on=PLANNED,
    )
    assert "blood_thinner_hold" not in codes(result)


def test_a_bmac_harvest_needs_the_harvest_hold_even_at_a_low_risk_target() -> None:
    med = _apixaban(PLANNED - days(2))
    assert "blood_thinner_hold" in codes(screen(patient(medications=(med,)), plan()))


def test_a_signed_hold_plan_with_enough_days_clears_the_flag_and_the_stop() -> None:
    hold = MedicationHold("a", PLANNED - days(4), PLANNED + days(1), "Dr Mensah")
    result = screen(
        patient(medications=(_apixaban(),)), plan(target=Target.DISC, holds=(hold,)), on=PLANNED
    )
    assert not {"blood_thinner_hold", "anticoagulant_antiplatelet"} & codes(result)


def test_a_hold_plan_too_short_for_the_table_is_a_hard_stop_naming_the_days() -> None:
    hold = MedicationHold("a", PLANNED - days(2), None, "Dr Mensah")
    result = screen(patient(medications=(_apixaban(),)), plan(holds=(hold,)))
    assert messages(result, "blood_thinner_hold") == [
        "apixaban: last dose 2026-04-04 leaves 1 drug-free day; the hold table asks for 3 "
        "drug-free days before a procedure at low bleeding risk with a marrow harvest (last "
        "dose by 2026-04-02)."
    ]
    assert result.hard_stops[0].severity == Severity.HARD_STOP


def test_still_taking_a_blood_thinner_after_the_last_permitted_day_is_a_hard_stop() -> None:
    before = screen(patient(medications=(_apixaban(),)), plan(), on=PLANNED - days(4))
    after = screen(patient(medications=(_apixaban(),)), plan(), on=PLANNED - days(3))
    assert "blood_thinner_hold" not in codes(before)
    assert "blood_thinner_hold" in codes(after)


def test_an_unnamed_anticoagulant_gets_the_longest_hold_of_its_class() -> None:
    unnamed = Medication("blood thinner", DrugClass.ANTICOAGULANT, None, PLANNED - days(5))
    assert "blood_thinner_hold" in codes(screen(patient(medications=(unnamed,)), plan()))
    clear = Medication("blood thinner", DrugClass.ANTICOAGULANT, None, PLANNED - days(6))
    assert "blood_thinner_hold" not in codes(screen(patient(medications=(clear,)), plan()))


@pytest.mark.parametrize(
    ("target", "stopped"), [(Target.KNEE, False), (Target.FACET, False), (Target.DISC, True)]
)
def test_aspirin_is_held_6_days_only_before_a_disc(target: Target, stopped: bool) -> None:
    aspirin = Medication("aspirin", DrugClass.ANTIPLATELET, agent=Agent.ASPIRIN)
    result = screen(
        patient(medications=(aspirin,)),
        plan(treatment=Treatment.CSI, target=target, harvest_side=None),
        on=PLANNED,
    )
    assert ("blood_thinner_hold" in codes(result)) is stopped


def test_hold_status_tells_planned_short_and_unplanned_apart() -> None:
    from marrowtrack.intake.holds import required_hold

    def status(med: Medication) -> HoldStatus | None:
        need = required_hold(med, days=3, procedure_on=PLANNED, holds=(), basis="")
        return need.status if need else None

    assert status(_apixaban()) == HoldStatus.UNPLANNED
    assert status(_apixaban(PLANNED - days(3))) == HoldStatus.SHORT
    assert status(_apixaban(PLANNED - days(4))) is None  # stopped early enough: no hold needed
