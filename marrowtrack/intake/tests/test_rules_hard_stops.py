"""Hard stops (domain.md §4) at and around their thresholds, with the default rule set."""

from __future__ import annotations

from datetime import date

import pytest

from marrowtrack.intake.facts import (
    BodySite,
    Condition,
    ConditionKind,
    DrugClass,
    InjectedDrug,
    Laterality,
    Medication,
    PlateletCount,
    PriorInjection,
    Target,
)
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


def test_a_clean_patient_with_a_booked_bmac_plan_is_eligible() -> None:
    result = screen()
    assert result.outcome == Outcome.ELIGIBLE
    assert result.findings == ()


@pytest.mark.parametrize(
    ("count", "stopped"),
    [(99, True), (100, False), (101, False), (0, True)],
)
def test_platelets_below_the_floor_of_100_are_a_hard_stop_and_100_passes(
    count: int, stopped: bool
) -> None:
    result = screen(patient(platelets=PlateletCount(count, ON)))
    assert ("platelets_below_floor" in codes(result)) is stopped
    assert (result.outcome == Outcome.NOT_ELIGIBLE) is stopped


def test_the_platelet_message_states_the_count_its_date_and_the_floor() -> None:
    result = screen(patient(platelets=PlateletCount(99, date(2026, 2, 20))))
    assert messages(result, "platelets_below_floor") == [
        "Platelet count 99 ×10^9/L on 2026-02-20 is below the clinic floor of 100 ×10^9/L "
        "for a marrow harvest."
    ]


def test_an_old_low_platelet_count_is_still_a_hard_stop_as_well_as_a_stale_count() -> None:
    result = screen(patient(platelets=PlateletCount(80, date(2025, 1, 1))))
    assert {"platelets_below_floor", "platelets_missing"} <= codes(result)


def test_active_systemic_infection_is_a_hard_stop() -> None:
    infection = Condition(ConditionKind.INFECTION_SYSTEMIC, diagnosed_on=ON - days(3))
    result = screen(patient(conditions=(infection,)))
    assert codes(result) == {"infection_systemic"}
    assert result.findings[0].severity == Severity.HARD_STOP


def test_an_infection_resolved_on_the_screening_date_no_longer_counts() -> None:
    resolved_today = Condition(ConditionKind.INFECTION_SYSTEMIC, ON - days(10), resolved_on=ON)
    resolved_tomorrow = Condition(ConditionKind.INFECTION_SYSTEMIC, ON - days(10), ON + days(1))
    assert screen(patient(conditions=(resolved_today,))).outcome == Outcome.ELIGIBLE
    assert screen(patient(conditions=(resolved_tomorrow,))).outcome == Outcome.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("site", "side", "expected"),
    [
        (BodySite.ILIAC_CREST, Laterality.RIGHT, {"infection_harvest_site"}),
        (BodySite.KNEE, Laterality.LEFT, {"infection_target_site"}),
        (None, None, {"infection_harvest_site", "infection_target_site"}),
        (BodySite.ELSEWHERE, None, {"infection_elsewhere"}),
        # The other side's iliac crest and the other knee are not where the needles go.
        (BodySite.ILIAC_CREST, Laterality.LEFT, {"infection_elsewhere"}),
        (BodySite.KNEE, Laterality.RIGHT, {"infection_elsewhere"}),
        (BodySite.SHOULDER, Laterality.LEFT, {"infection_elsewhere"}),
    ],
)
def test_a_local_infection_stops_only_the_site_it_is_at_and_an_unknown_site_stops_both(
    site: BodySite | None, side: Laterality | None, expected: set[str]
) -> None:
    # The plan: left knee, harvest from the right iliac crest (builders.plan).
    infection = Condition(ConditionKind.INFECTION_LOCAL, ON - days(2), site=site, side=side)
    assert codes(screen(patient(conditions=(infection,)))) == expected


def test_an_infection_elsewhere_is_a_flag_not_a_hard_stop() -> None:
    dental = Condition(ConditionKind.INFECTION_LOCAL, ON - days(2), site=BodySite.ELSEWHERE)
    result = screen(patient(conditions=(dental,)))
    assert result.outcome == Outcome.NEEDS_REVIEW
    assert {f.severity for f in result.findings} == {Severity.FLAG}


def test_the_target_infection_message_names_the_side_and_target() -> None:
    infection = Condition(
        ConditionKind.INFECTION_LOCAL,
        date(2026, 2, 27),
        site=BodySite.SHOULDER,
        detail="cellulitis",
        side=Laterality.LEFT,
    )
    result = screen(patient(conditions=(infection,)), plan(target=Target.ROTATOR_CUFF))
    assert messages(result, "infection_target_site") == [
        "Active infection at or possibly at the target (left rotator cuff): left shoulder, "
        "diagnosed 2026-02-27; cellulitis."
    ]


def test_unresolved_solid_cancer_is_a_hard_stop() -> None:
    cancer = Condition(ConditionKind.MALIGNANCY_SOLID, date(2024, 6, 1), detail="breast")
    result = screen(patient(conditions=(cancer,)))
    assert messages(result, "malignancy_solid") == [
        "Solid cancer diagnosed 2024-06-01 (breast), not resolved: inside the 5-year "
        "cancer-free look-back."
    ]


@pytest.mark.parametrize(
    ("resolved_on", "stopped"),
    [
        (date(2021, 4, 7), True),  # look-back ends 2026-04-07, the day after the procedure
        (date(2021, 4, 6), False),  # exactly 5 years before the procedure date: clear
        (date(2021, 4, 5), False),
    ],
)
def test_solid_cancer_stops_until_five_years_after_resolution_on_the_procedure_date(
    resolved_on: date, stopped: bool
) -> None:
    cancer = Condition(ConditionKind.MALIGNANCY_SOLID, date(2019, 1, 1), resolved_on=resolved_on)
    assert ("malignancy_solid" in codes(screen(patient(conditions=(cancer,))))) is stopped


def test_a_cancer_resolved_on_29_february_clears_on_1_march_five_years_later() -> None:
    cancer = Condition(ConditionKind.MALIGNANCY_SOLID, date(2019, 1, 1), date(2024, 2, 29))
    before = plan(planned_date=date(2029, 2, 28))
    on_the_day = plan(planned_date=date(2029, 3, 1))
    assert "malignancy_solid" in codes(screen(patient(conditions=(cancer,)), before))
    assert "malignancy_solid" not in codes(screen(patient(conditions=(cancer,)), on_the_day))


def test_any_haematological_malignancy_ever_is_a_hard_stop_however_old() -> None:
    lymphoma = Condition(
        ConditionKind.MALIGNANCY_HAEMATOLOGICAL, date(1990, 1, 1), date(1991, 1, 1)
    )
    result = screen(patient(conditions=(lymphoma,)))
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert "resolved 1991-01-01" in messages(result, "malignancy_haematological")[0]


def test_pregnancy_is_a_hard_stop() -> None:
    pregnancy = Condition(ConditionKind.PREGNANCY, ON - days(40))
    assert codes(screen(patient(conditions=(pregnancy,)))) == {"pregnancy"}


def test_a_bleeding_disorder_is_a_hard_stop_until_haematology_clears_it() -> None:
    uncleared = Condition(ConditionKind.BLEEDING_DISORDER, date(2010, 1, 1), detail="vWD type 1")
    cleared = Condition(
        ConditionKind.BLEEDING_DISORDER, date(2010, 1, 1), cleared_by_haematology=True
    )
    assert codes(screen(patient(conditions=(uncleared,)))) == {"bleeding_disorder_uncleared"}
    assert screen(patient(conditions=(cleared,))).outcome == Outcome.ELIGIBLE


def _steroid(
    given_on: date, side: Laterality = Laterality.LEFT, target: Target = Target.KNEE
) -> PriorInjection:
    return PriorInjection(given_on, InjectedDrug.CORTICOSTEROID, target, side)


@pytest.mark.parametrize(
    ("days_before", "stopped"),
    [(83, True), (84, False), (85, False), (0, True)],
)
def test_a_steroid_injection_exactly_12_weeks_before_the_procedure_is_outside_the_washout(
    days_before: int, stopped: bool
) -> None:
    result = screen(plan_facts=plan(prior_injections=(_steroid(PLANNED - days(days_before)),)))
    assert ("steroid_injection_same_target" in codes(result)) is stopped


def test_the_steroid_injection_message_gives_the_earliest_date_outside_the_washout() -> None:
    result = screen(plan_facts=plan(prior_injections=(_steroid(date(2026, 1, 20)),)))
    assert messages(result, "steroid_injection_same_target") == [
        "Corticosteroid injected into the left knee on 2026-01-20: inside the 12-week washout "
        "for 2026-04-06; earliest date outside it 2026-04-14."
    ]


@pytest.mark.parametrize(
    ("injection", "stopped"),
    [
        (_steroid(PLANNED - days(30), Laterality.RIGHT), False),
        (_steroid(PLANNED - days(30), Laterality.BILATERAL), True),
        (_steroid(PLANNED - days(30), target=Target.HIP), False),
        (PriorInjection(PLANNED - days(30), InjectedDrug.HA, Target.KNEE, Laterality.LEFT), False),
    ],
)
def test_only_a_corticosteroid_into_the_same_target_and_side_counts(
    injection: PriorInjection, stopped: bool
) -> None:
    result = screen(plan_facts=plan(prior_injections=(injection,)))
    assert ("steroid_injection_same_target" in codes(result)) is stopped


def test_without_a_booked_date_the_steroid_washout_runs_to_the_screening_date() -> None:
    injection = _steroid(ON - days(84))
    unbooked = plan(planned_date=None, prior_injections=(injection,))
    assert "steroid_injection_same_target" not in codes(screen(plan_facts=unbooked))
    late = plan(planned_date=None, prior_injections=(_steroid(ON - days(83)),))
    assert "steroid_injection_same_target" in codes(screen(plan_facts=late))


def _prednisolone(stopped_on: date | None) -> Medication:
    return Medication(
        "prednisolone", DrugClass.SYSTEMIC_CORTICOSTEROID, date(2025, 1, 1), stopped_on
    )


@pytest.mark.parametrize(
    ("last_dose_days_before", "stopped"),
    [(27, True), (28, False), (29, False), (-3, True)],
)
def test_a_systemic_steroid_last_taken_exactly_4_weeks_before_the_procedure_is_clear(
    last_dose_days_before: int, stopped: bool
) -> None:
    medication = _prednisolone(PLANNED - days(last_dose_days_before))
    assert (
        "systemic_corticosteroid" in codes(screen(patient(medications=(medication,))))
    ) is stopped


def test_an_ongoing_systemic_steroid_is_a_hard_stop() -> None:
    result = screen(patient(medications=(_prednisolone(None),)))
    assert messages(result, "systemic_corticosteroid") == [
        "Systemic corticosteroid prednisolone (ongoing): inside the 4-week washout for "
        "2026-04-06; earliest date outside it 4 weeks after the last dose. The prescriber "
        "plans any taper."
    ]
