"""LEFS: Lower Extremity Functional Scale, 20 items scored 0-4, total 0-80.

Source: Binkley JM et al., Phys Ther 1999;79:371-383. Score = sum of the 20 items (higher =
better). MarrowTrack policy: all 20 required. Texts here are our own paraphrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import Computation, Definition, Instrument, ScoreKey, answered_values, make_items, scale

ABILITY = scale(
    "Extreme difficulty or unable",
    "Quite a bit of difficulty",
    "Moderate difficulty",
    "A little difficulty",
    "No difficulty",
)
ITEMS = make_items(
    "L",
    (
        "Usual work, housework or school",
        "Usual hobbies or sport",
        "Getting in or out of the bath",
        "Walking between rooms",
        "Putting on shoes or socks",
        "Squatting",
        "Lifting a bag of shopping from the floor",
        "Light jobs around the home",
        "Heavy jobs around the home",
        "Getting in or out of a car",
        "Walking two blocks",
        "Walking a mile",
        "Ten stairs, up or down",
        "Standing for an hour",
        "Sitting for an hour",
        "Running on even ground",
        "Running on uneven ground",
        "Sharp turns while running fast",
        "Hopping",
        "Rolling over in bed",
    ),
    subscale="total",
    labels=ABILITY,
)
CODES = tuple(item.code for item in ITEMS)

DEFINITION = Definition(
    code="LEFS",
    name="Lower Extremity Functional Scale",
    version="LEFS 1999",
    licence="Published by Binkley et al. 1999; free for clinical use. "
    "Texts here are our own paraphrases.",
    recall_period="Today",
    items=ITEMS,
    score_keys=(ScoreKey("total", higher_is_better=True, places=0, label="Leg function", high=80),),
    rule_version="LEFS-1999.1",
    source="Binkley 1999",
    missing_rule="Policy: all 20 items are required.",
    plain_name="Leg function questionnaire (LEFS)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Sum of the 20 items."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=CODES, needed=20, reasons=reasons)
    return {"total": None if values is None else Fraction(sum(values))}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
