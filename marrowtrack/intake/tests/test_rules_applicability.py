"""Comparator treatments have no harvest: each rule applies only where it is relevant."""

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
    PatientFacts,
    PlateletCount,
    PriorInjection,
    Target,
    Treatment,
)
from marrowtrack.intake.rules import DEFAULT_RULESET, Outcome
from marrowtrack.intake.tests.builders import ON, PLANNED, codes, days, patient, plan, screen


def _everything_wrong() -> PatientFacts:
    """A patient who trips every default rule that looks at the patient."""
    return patient(
        weight=None,
        platelets=PlateletCount(50, date(2025, 1, 1)),
        medications=(
            Medication("warfarin", DrugClass.ANTICOAGULANT),
            Medication("ibuprofen", DrugClass.NSAID),
            Medication("prednisolone", DrugClass.SYSTEMIC_CORTICOSTEROID),
        ),
        conditions=tuple(
            Condition(kind, date(2025, 1, 1), site=BodySite.ILIAC_CREST, side=Laterality.RIGHT)
            for kind in ConditionKind
            if kind != ConditionKind.OTHER
        )
        + (
            Condition(
                ConditionKind.INFECTION_LOCAL,
                date(2025, 1, 1),
                site=BodySite.KNEE,
                side=Laterality.LEFT,
            ),
        ),
    )


_STEROID = PriorInjection(
    PLANNED - days(10), InjectedDrug.CORTICOSTEROID, Target.KNEE, Laterality.LEFT
)
HARVEST_ONLY = {
    "platelets_below_floor",
    "platelets_missing",
    "infection_harvest_site",
    "rheumatic_disease",
    "harvest_site_contraindication",
}
BIOLOGIC_ONLY = {
    "malignancy_solid",
    "malignancy_haematological",
    "steroid_injection_same_target",
    "systemic_corticosteroid",
    "nsaid_hold",
}


@pytest.mark.parametrize("treatment", [Treatment.BMAC, Treatment.BMAC_PRP])
def test_bmac_treatments_run_every_default_rule_but_the_cortisone_cap(
    treatment: Treatment,
) -> None:
    result = screen(_everything_wrong(), plan(treatment=treatment, prior_injections=(_STEROID,)))
    every = tuple(rule.code for rule in DEFAULT_RULESET.rules)
    assert result.rules_applied == tuple(c for c in every if c != "steroid_injections_yearly_cap")
    assert HARVEST_ONLY | BIOLOGIC_ONLY <= codes(result)


def test_only_cortisone_injections_run_the_yearly_cap() -> None:
    result = screen(plan_facts=plan(treatment=Treatment.CSI))
    assert "steroid_injections_yearly_cap" in result.rules_applied


def test_prp_has_no_harvest_rules_but_keeps_the_biologic_rules() -> None:
    result = screen(
        _everything_wrong(), plan(treatment=Treatment.PRP, prior_injections=(_STEROID,))
    )
    assert not HARVEST_ONLY & codes(result)
    assert BIOLOGIC_ONLY <= codes(result)


@pytest.mark.parametrize(
    "treatment", [Treatment.CSI, Treatment.NERVE_BLOCK, Treatment.HA, Treatment.SALINE]
)
def test_non_biologic_injections_keep_only_the_needle_rules(treatment: Treatment) -> None:
    result = screen(_everything_wrong(), plan(treatment=treatment, prior_injections=(_STEROID,)))
    assert not (HARVEST_ONLY | BIOLOGIC_ONLY) & set(result.rules_applied)
    assert {
        "infection_systemic",
        "infection_target_site",
        "pregnancy",
        "bleeding_disorder_uncleared",
        "anticoagulant_antiplatelet",
        "immunosuppression",
        "diabetes_uncontrolled",
        "weight_missing",
    } <= codes(result)
    assert result.outcome == Outcome.NOT_ELIGIBLE


def test_a_csi_patient_with_low_platelets_and_a_recent_steroid_injection_is_eligible() -> None:
    facts = patient(platelets=PlateletCount(60, ON))
    result = screen(facts, plan(treatment=Treatment.CSI, prior_injections=(_STEROID,)))
    assert result.outcome == Outcome.ELIGIBLE


def test_exercise_therapy_runs_no_rule_and_is_always_eligible() -> None:
    result = screen(_everything_wrong(), plan(treatment=Treatment.EXERCISE))
    assert result.rules_applied == ()
    assert result.outcome == Outcome.ELIGIBLE
