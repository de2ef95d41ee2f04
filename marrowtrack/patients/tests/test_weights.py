"""Weight plausibility and BMI (issue 8 items 2 and 7), pure: the limits at and around."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marrowtrack.patients.weights import PreviousWeight, bmi, looks_like_pounds, weight_concerns

LAST = PreviousWeight(Decimal("75.0"), date(2026, 2, 1))


@pytest.mark.parametrize(
    ("kg", "concerned"),
    [("34.9", True), ("35", False), ("250", False), ("250.1", True)],
)
def test_a_weight_outside_35_to_250_kg_needs_confirmation(kg: str, concerned: bool) -> None:
    assert bool(weight_concerns(Decimal(kg), None)) is concerned


@pytest.mark.parametrize(
    ("kg", "concerned"),
    [("82.5", False), ("82.6", True), ("67.5", False), ("67.4", True)],  # exactly 10 % passes
)
def test_a_change_of_more_than_10_percent_needs_confirmation(kg: str, concerned: bool) -> None:
    assert bool(weight_concerns(Decimal(kg), LAST)) is concerned


def test_pounds_typed_as_kilograms_are_named_as_the_likely_cause() -> None:
    concerns = weight_concerns(Decimal("165.3"), LAST)
    assert concerns == [
        "165.3 kg differs by +120 % from 75.0 kg on 2026-02-01 (more than 10 %).",
        "Was it typed in pounds? 165.3 lb is 75.0 kg.",
    ]


def test_pounds_are_recognised_within_5_percent_of_the_ratio() -> None:
    assert looks_like_pounds(Decimal("165"), Decimal("75"))
    assert not looks_like_pounds(Decimal("150"), Decimal("75"))


@pytest.mark.parametrize(
    ("kg", "cm", "expected"),
    [("70", "175", "22.9"), ("108.8", "165", "40.0"), ("108.7", "165", "39.9")],
)
def test_bmi_is_kg_over_metres_squared_to_one_decimal(kg: str, cm: str, expected: str) -> None:
    assert bmi(Decimal(kg), Decimal(cm)) == Decimal(expected)
