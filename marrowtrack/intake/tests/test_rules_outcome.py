"""Outcome aggregation and what a screening result records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowtrack.intake.facts import Condition, ConditionKind, PlateletCount
from marrowtrack.intake.rules import (
    DEFAULT_RULESET,
    Finding,
    Outcome,
    RuleSet,
    Severity,
    evaluate,
    outcome_of,
    ruleset_sha256,
)
from marrowtrack.intake.tests.builders import ON, PLANNED, patient, plan, screen


def _finding(severity: Severity) -> Finding:
    return Finding("x", severity, "m", "s")


def test_no_findings_is_eligible() -> None:
    assert outcome_of([]) == Outcome.ELIGIBLE


def test_flags_alone_need_review() -> None:
    assert outcome_of([_finding(Severity.FLAG)] * 3) == Outcome.NEEDS_REVIEW


@given(st.lists(st.sampled_from(Severity)))
def test_any_hard_stop_makes_the_plan_not_eligible_whatever_the_flags(
    severities: list[Severity],
) -> None:
    outcome = outcome_of(_finding(s) for s in severities)
    if Severity.HARD_STOP in severities:
        assert outcome == Outcome.NOT_ELIGIBLE
    else:
        assert outcome == (Outcome.NEEDS_REVIEW if severities else Outcome.ELIGIBLE)


def test_a_hard_stop_with_flags_lists_both_and_is_not_eligible() -> None:
    result = screen(patient(weight=None, platelets=PlateletCount(40, ON)))
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert [f.rule_code for f in result.hard_stops] == ["platelets_below_floor"]
    assert [f.rule_code for f in result.flags] == ["weight_missing"]


def test_the_result_records_the_rule_set_version_hash_and_dates() -> None:
    result = screen()
    assert result.ruleset_version == "2026.3"
    assert result.ruleset_sha256 == ruleset_sha256(DEFAULT_RULESET)
    assert (result.screened_on, result.reference_date) == (ON, PLANNED)


def test_an_unbooked_plan_uses_the_screening_date_as_reference() -> None:
    assert screen(plan_facts=plan(planned_date=None)).reference_date == ON


def test_editing_a_threshold_changes_the_rule_set_hash() -> None:
    rules = tuple(
        replace(r, params={"floor_per_nl": 150}) if r.code == "platelets_below_floor" else r
        for r in DEFAULT_RULESET.rules
    )
    assert ruleset_sha256(RuleSet("2026.1", rules)) != ruleset_sha256(DEFAULT_RULESET)


def test_a_clinic_can_raise_the_platelet_floor() -> None:
    rules = tuple(
        replace(r, params={"floor_per_nl": 150}) if r.code == "platelets_below_floor" else r
        for r in DEFAULT_RULESET.rules
    )
    stricter = RuleSet("clinic-a.1", rules)
    facts = patient(platelets=PlateletCount(149, ON))
    assert screen(facts).outcome == Outcome.ELIGIBLE
    assert screen(facts, ruleset=stricter).outcome == Outcome.NOT_ELIGIBLE


def test_a_clinic_can_downgrade_a_hard_stop_to_a_flag() -> None:
    rules = tuple(
        replace(r, severity=Severity.FLAG) if r.code == "pregnancy" else r
        for r in DEFAULT_RULESET.rules
    )
    facts = patient(conditions=(Condition(ConditionKind.PREGNANCY, date(2026, 1, 1)),))
    assert screen(facts, ruleset=RuleSet("lenient", rules)).outcome == Outcome.NEEDS_REVIEW


def test_findings_follow_rule_set_order() -> None:
    facts = patient(weight=None, platelets=None)
    assert [f.rule_code for f in screen(facts).findings] == ["platelets_missing", "weight_missing"]


def test_evaluate_refuses_a_datetime_as_the_screening_date() -> None:
    with pytest.raises(TypeError, match="not a datetime"):
        evaluate(DEFAULT_RULESET, patient(), plan(), datetime(2026, 3, 2, 9, 0))
