"""PROMIS Pain Interference Short Form 4a v1.0, 4 items scored 1-5.

Source: PROMIS Pain Interference Scoring Manual (HealthMeasures); Amtmann D et al., Pain
2010;150:173-182. The raw sum 4-20 is converted to a T-score (mean 50, SD 10) through the
v1.0 summed-score table; the table is only valid for complete forms, so all 4 are required.
Copyright PROMIS Health Organization: item texts here are our own paraphrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from .base import Computation, Definition, Instrument, Item, ScoreKey, answered_values, scale

AMOUNT = scale("Not at all", "A little bit", "Somewhat", "Quite a bit", "Very much", start=1)
ITEMS = tuple(
    Item(code, text, 1, 5, "total", AMOUNT)
    for code, text in (
        ("PAININ9", "Pain got in the way of day-to-day activities"),
        ("PAININ22", "Pain got in the way of work around the home"),
        ("PAININ31", "Pain got in the way of social activities"),
        ("PAININ34", "Pain got in the way of household chores"),
    )
)
CODES = tuple(item.code for item in ITEMS)

# PROMIS PI 4a v1.0 summed-score conversion: raw sum -> T-score.
TABLE: dict[int, Decimal] = {
    raw: Decimal(t_score)
    for raw, t_score in zip(
        range(4, 21),
        (
            "41.6", "49.6", "52.0", "53.9", "55.6", "57.1", "58.5", "59.9", "61.2",
            "62.5", "63.8", "65.2", "66.6", "68.0", "69.7", "71.6", "75.6",
        ),
        strict=True,
    )
}  # fmt: skip

DEFINITION = Definition(
    code="PROMIS_PI_4A",
    name="PROMIS Pain Interference Short Form 4a",
    version="v1.0",
    licence="Copyright PROMIS Health Organization; free to use, wording must not be altered. "
    "Texts here are paraphrases, never the official wording.",
    recall_period="The past 7 days",
    items=ITEMS,
    score_keys=(
        ScoreKey(
            "t_score",
            higher_is_better=False,
            places=1,
            label="Pain interference (T-score)",
            low=40,
            high=80,
        ),
    ),
    rule_version="PROMIS_PI_4A-1.0.1",
    source="PROMIS Pain Interference Scoring Manual; Amtmann 2010",
    missing_rule="All 4 items are required (summed-score tables need complete forms).",
    plain_name="Pain interference (PROMIS)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Raw sum looked up in the v1.0 T-score table."""
    reasons: list[str] = []
    values = answered_values(answers, key="t_score", codes=CODES, needed=4, reasons=reasons)
    t_score = None if values is None else Fraction(TABLE[int(sum(values))])
    return {"t_score": t_score}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
