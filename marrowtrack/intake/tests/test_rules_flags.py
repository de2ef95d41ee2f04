"""Flags that need a documented plan (docs/reference.md §4) at and around their thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marrowtrack.intake.facts import (
    Allergy,
    AllergyCategory,
    Condition,
    ConditionKind,
    DrugClass,
    Medication,
    PlateletCount,
    Weight,
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


def test_a_missing_platelet_count_is_a_flag_not_a_hard_stop() -> None:
    result = screen(patient(platelets=None))
    assert codes(result) == {"platelets_missing"}
    assert result.outcome == Outcome.NEEDS_REVIEW
    assert messages(result, "platelets_missing") == [
        "No platelet count within 90 days before 2026-04-06 (latest: none on record); order "
        "one before the harvest."
    ]


@pytest.mark.parametrize(("age_days", "flagged"), [(89, False), (90, False), (91, True)])
def test_a_platelet_count_90_days_before_the_procedure_is_still_recent(
    age_days: int, flagged: bool
) -> None:
    result = screen(patient(platelets=PlateletCount(250, PLANNED - days(age_days))))
    assert ("platelets_missing" in codes(result)) is flagged


def test_platelet_recency_is_measured_to_the_procedure_date_not_the_screening_date() -> None:
    count = PlateletCount(250, ON - days(60))  # 60 days before screening, 95 before procedure
    assert "platelets_missing" in codes(screen(patient(platelets=count)))
    assert "platelets_missing" not in codes(
        screen(patient(platelets=count), plan(planned_date=None))
    )


def test_a_missing_weight_is_flagged_because_lidocaine_limits_cannot_be_checked() -> None:
    result = screen(patient(weight=None))
    assert messages(result, "weight_missing") == [
        "No weight on record: cannot check lidocaine dose limits."
    ]
    assert result.outcome == Outcome.NEEDS_REVIEW


@pytest.mark.parametrize(("age_days", "flagged"), [(89, False), (90, False), (91, True)])
def test_a_weight_more_than_90_days_before_the_procedure_is_stale(
    age_days: int, flagged: bool
) -> None:
    weight = Weight(Decimal("81.0"), PLANNED - days(age_days))
    assert ("weight_stale" in codes(screen(patient(weight=weight)))) is flagged


def test_the_stale_weight_message_states_the_weight_and_its_date() -> None:
    result = screen(patient(weight=Weight(Decimal("81.0"), date(2025, 12, 1))))
    assert messages(result, "weight_stale") == [
        "Latest weight 81.0 kg on 2025-12-01 is more than 90 days before 2026-04-06: re-weigh "
        "to check lidocaine dose limits."
    ]


@pytest.mark.parametrize("drug_class", [DrugClass.ANTICOAGULANT, DrugClass.ANTIPLATELET])
def test_a_current_anticoagulant_or_antiplatelet_is_a_flag_needing_a_plan(
    drug_class: DrugClass,
) -> None:
    result = screen(patient(medications=(Medication("apixaban", drug_class, date(2024, 1, 1)),)))
    assert codes(result) == {"anticoagulant_antiplatelet"}
    assert result.findings[0].severity == Severity.FLAG
    assert messages(result, "anticoagulant_antiplatelet") == [
        f"apixaban ({drug_class.value}, ongoing): record the prescriber's hold plan (last dose, "
        "restart date, prescriber) on this plan."
    ]


@pytest.mark.parametrize(("last_dose_days_before", "flagged"), [(6, True), (7, False), (8, False)])
def test_a_blood_thinner_last_taken_7_days_before_the_procedure_is_no_longer_flagged(
    last_dose_days_before: int, flagged: bool
) -> None:
    stopped = Medication(
        "clopidogrel", DrugClass.ANTIPLATELET, None, PLANNED - days(last_dose_days_before)
    )
    assert (
        "anticoagulant_antiplatelet" in codes(screen(patient(medications=(stopped,))))
    ) is flagged


def test_an_nsaid_flag_states_the_stop_date_7_days_before_and_the_restart_date() -> None:
    result = screen(patient(medications=(Medication("naproxen", DrugClass.NSAID),)))
    assert result.outcome == Outcome.NEEDS_REVIEW
    assert messages(result, "nsaid_hold") == [
        "NSAID naproxen: no doses from 2026-03-30; may restart on 2026-04-14. Paracetamol "
        "(acetaminophen) is allowed."
    ]


@pytest.mark.parametrize(("last_dose_days_before", "flagged"), [(6, True), (7, True), (8, False)])
def test_an_nsaid_taken_on_the_stop_date_is_flagged_and_one_stopped_the_day_before_is_not(
    last_dose_days_before: int, flagged: bool
) -> None:
    nsaid = Medication("ibuprofen", DrugClass.NSAID, None, PLANNED - days(last_dose_days_before))
    assert ("nsaid_hold" in codes(screen(patient(medications=(nsaid,))))) is flagged


def test_without_a_booked_date_the_nsaid_flag_says_the_dates_follow_booking() -> None:
    result = screen(
        patient(medications=(Medication("diclofenac", DrugClass.NSAID),)), plan(planned_date=None)
    )
    assert messages(result, "nsaid_hold") == [
        "NSAID diclofenac: no doses from 7 days before the procedure (date to follow when "
        "booked); may restart on 7 full days after the procedure. Paracetamol (acetaminophen) "
        "is allowed."
    ]


def test_an_nsaid_stopped_before_the_screening_is_not_flagged_when_unbooked() -> None:
    old = Medication("ibuprofen", DrugClass.NSAID, date(2025, 1, 1), ON - days(1))
    assert "nsaid_hold" not in codes(screen(patient(medications=(old,)), plan(planned_date=None)))


def test_each_nsaid_gets_its_own_finding() -> None:
    nsaids = (Medication("ibuprofen", DrugClass.NSAID), Medication("naproxen", DrugClass.NSAID))
    assert len(messages(screen(patient(medications=nsaids)), "nsaid_hold")) == 2


def test_a_local_anaesthetic_allergy_is_a_flag_asking_for_an_alternative_agent_plan() -> None:
    allergy = Allergy(AllergyCategory.LOCAL_ANAESTHETIC, "lidocaine")
    result = screen(patient(allergies=(allergy,)))
    assert result.outcome == Outcome.NEEDS_REVIEW
    assert messages(result, "allergy_local_anaesthetic") == [
        "Local anaesthetic allergy (lidocaine): document an alternative-agent plan; lidocaine "
        "is the default for harvest and injection."
    ]


@pytest.mark.parametrize(
    ("category", "code"),
    [
        (AllergyCategory.ANTISEPTIC, "allergy_antiseptic"),
        (AllergyCategory.LATEX, "allergy_latex"),
        (AllergyCategory.DRUG, None),
        (AllergyCategory.CONTRAST, None),
    ],
)
def test_antiseptic_and_latex_allergies_are_flagged_and_other_allergies_are_not(
    category: AllergyCategory, code: str | None
) -> None:
    result = screen(patient(allergies=(Allergy(category, "something"),)))
    assert codes(result) == ({code} if code else set())


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (ConditionKind.IMMUNOSUPPRESSION, "immunosuppression"),
        (ConditionKind.DIABETES_UNCONTROLLED, "diabetes_uncontrolled"),
        (ConditionKind.RHEUMATIC_DISEASE, "rheumatic_disease"),
    ],
)
def test_themistocleous_exclusions_are_flags_while_active(kind: ConditionKind, code: str) -> None:
    active = Condition(kind, date(2020, 1, 1))
    resolved = Condition(kind, date(2020, 1, 1), resolved_on=ON - days(1))
    result = screen(patient(conditions=(active,)))
    assert codes(result) == {code}
    assert result.outcome == Outcome.NEEDS_REVIEW
    assert "Themistocleous 2018" in result.findings[0].source
    assert screen(patient(conditions=(resolved,))).outcome == Outcome.ELIGIBLE


def test_an_other_condition_raises_nothing() -> None:
    other = Condition(ConditionKind.OTHER, date(2020, 1, 1), detail="hypertension")
    assert screen(patient(conditions=(other,))).outcome == Outcome.ELIGIBLE
