"""Test data for intake: a clean patient and a booked BMAC plan, with one-line overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from marrowtrack.intake.facts import (
    Laterality,
    PatientFacts,
    PlanFacts,
    PlateletCount,
    Sex,
    Target,
    Treatment,
    Weight,
)
from marrowtrack.intake.rules import DEFAULT_RULESET, RuleSet, ScreeningResult, evaluate

ON = date(2026, 3, 2)  # screening date
PLANNED = date(2026, 4, 6)  # booked procedure date, 5 weeks later


def days(n: int) -> timedelta:
    return timedelta(days=n)


def patient(**overrides: Any) -> PatientFacts:
    """A patient no default rule objects to."""
    clean = PatientFacts(
        date_of_birth=date(1961, 5, 14),
        sex=Sex.FEMALE,
        weight=Weight(Decimal("72.5"), ON),
        platelets=PlateletCount(220, ON),
        height_cm=Decimal("165"),
    )
    return replace(clean, **overrides)


def plan(**overrides: Any) -> PlanFacts:
    booked = PlanFacts(
        condition="knee_oa",
        target=Target.KNEE,
        laterality=Laterality.LEFT,
        treatment=Treatment.BMAC,
        planned_date=PLANNED,
        harvest_side=Laterality.RIGHT,
        harvest_anticoagulant="acd_a",
        guidance="fluoro",
        kellgren_lawrence_grade=2,
    )
    return replace(booked, **overrides)


def screen(
    patient_facts: PatientFacts | None = None,
    plan_facts: PlanFacts | None = None,
    *,
    on: date = ON,
    ruleset: RuleSet = DEFAULT_RULESET,
) -> ScreeningResult:
    return evaluate(ruleset, patient_facts or patient(), plan_facts or plan(), on)


def codes(result: ScreeningResult) -> set[str]:
    return {finding.rule_code for finding in result.findings}


def messages(result: ScreeningResult, code: str) -> list[str]:
    return [f.message for f in result.findings if f.rule_code == code]
