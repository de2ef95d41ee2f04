"""Weight plausibility and BMI: pure calculations, no ORM.

The weight drives the local-anaesthetic dose limit (docs/reference.md §4, US Xylocaine label:
mg per kg), so a wrong weight is a dosing error. The classic one is a weight typed in
pounds into a kilogram field (issue 8, item 2): 165 "kg" for a 75 kg patient more than
doubles the limit. A weight outside a plausible adult range, or one that differs from the
previous measurement by more than 10 %, is therefore not refused but must be confirmed by
the person entering it (docs/decisions/0005-clinical-choices.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# Adults only (minimum age 18): outside this range a weight is possible but rare enough
# that a typing error is the likelier explanation.
PLAUSIBLE_KG = (Decimal("35"), Decimal("250"))
MAX_CHANGE = Decimal("0.10")  # more than 10 % from the previous weight asks to confirm
KG_PER_LB = Decimal("0.45359237")  # exact, by definition of the pound
_LB_RATIO = 1 / KG_PER_LB  # about 2.2046
_LB_TOLERANCE = Decimal("0.05")


@dataclass(frozen=True)
class PreviousWeight:
    kg: Decimal
    measured_on: date


def _kg(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} kg"


def looks_like_pounds(new_kg: Decimal, previous_kg: Decimal) -> bool:
    """Whether ``new_kg`` is about 2.2 times the previous weight (within 5 %)."""
    ratio = new_kg / previous_kg
    return abs(ratio - _LB_RATIO) <= _LB_RATIO * _LB_TOLERANCE


def weight_concerns(new_kg: Decimal, previous: PreviousWeight | None) -> list[str]:
    """What the person entering ``new_kg`` must re-check before confirming; [] if nothing.

    Boundaries: 35 and 250 kg are plausible; a change of exactly 10 % needs no confirmation.
    """
    concerns = []
    low, high = PLAUSIBLE_KG
    if not low <= new_kg <= high:
        concerns.append(f"{_kg(new_kg)} is outside the usual adult range of {low}-{high} kg.")
    if previous is not None and previous.kg > 0:
        change = (new_kg - previous.kg) / previous.kg
        if abs(change) > MAX_CHANGE:
            percent = (change * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            concerns.append(
                f"{_kg(new_kg)} differs by {percent:+} % from {_kg(previous.kg)} on "
                f"{previous.measured_on.isoformat()} (more than {MAX_CHANGE * 100:.0f} %)."
            )
        if looks_like_pounds(new_kg, previous.kg):
            concerns.append(f"Was it typed in pounds? {new_kg} lb is {_kg(new_kg * KG_PER_LB)}.")
    return concerns


def bmi(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """Body-mass index, kg/m², to one decimal (WHO definition)."""
    metres = height_cm / 100
    return (weight_kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
