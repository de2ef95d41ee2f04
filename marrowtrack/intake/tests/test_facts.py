"""The screening facts: validation and date semantics shared with the patient record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marrowtrack.intake.facts import (
    Condition,
    ConditionKind,
    DrugClass,
    Laterality,
    Medication,
    PlateletCount,
    Weight,
    lateralities_overlap,
)


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (Laterality.LEFT, Laterality.LEFT, True),
        (Laterality.LEFT, Laterality.RIGHT, False),
        (Laterality.BILATERAL, Laterality.RIGHT, True),
        (Laterality.LEFT, Laterality.BILATERAL, True),
        (Laterality.MIDLINE, Laterality.MIDLINE, True),
        # Midline is next to both sides: a midline facet steroid counts for a left facet.
        (Laterality.MIDLINE, Laterality.LEFT, True),
        (Laterality.RIGHT, Laterality.MIDLINE, True),
        # An unrecorded side may be either.
        (None, Laterality.LEFT, True),
        (Laterality.RIGHT, None, True),
    ],
)
def test_sides_overlap_when_equal_bilateral_midline_or_unknown(
    a: Laterality | None, b: Laterality | None, overlap: bool
) -> None:
    assert lateralities_overlap(a, b) is overlap


def test_a_medication_is_taken_on_its_stop_date() -> None:
    medication = Medication("ibuprofen", DrugClass.NSAID, date(2026, 1, 1), date(2026, 2, 1))
    assert medication.taken_on_or_after(date(2026, 2, 1))
    assert not medication.taken_on_or_after(date(2026, 2, 2))
    assert Medication("ibuprofen", DrugClass.NSAID).taken_on_or_after(date(2100, 1, 1))


def test_a_condition_is_no_longer_active_on_its_resolution_date() -> None:
    condition = Condition(ConditionKind.PREGNANCY, date(2025, 6, 1), date(2026, 3, 1))
    assert condition.active_on(date(2026, 2, 28))
    assert not condition.active_on(date(2026, 3, 1))


def test_facts_refuse_impossible_values() -> None:
    with pytest.raises(ValueError, match="stopped_on is before started_on"):
        Medication("x", DrugClass.OTHER, date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match="resolved_on is before diagnosed_on"):
        Condition(ConditionKind.OTHER, date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match="weight must be positive"):
        Weight(Decimal("0"), date(2026, 1, 1))
    with pytest.raises(ValueError, match="cannot be negative"):
        PlateletCount(-1, date(2026, 1, 1))
