"""EQ-5D-5L: five health dimensions (levels 1-5) and the EQ VAS (0-100).

Sources: US value set, Pickard AS et al., Value Health 2019;22:931-941; England value set,
Devlin NJ et al., Health Econ 2018;27:7-22. Index = 1 - sum of the level decrements of the five
dimensions (no intercept, no interaction terms: our policy, docs/outcomes.md), 3 decimals. No
imputation: any dimension missing means no index. Licensed by the EuroQol Research Foundation:
item texts here are our own short labels. The EQ VAS is a whole number 0-100
(EuroQol records it as an integer).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import (
    Computation,
    Definition,
    ExactScores,
    Instrument,
    Item,
    ScoreKey,
    answered_values,
    scale,
)

DIMENSIONS = ("MO", "SC", "UA", "PD", "AD")
# Each dimension keeps its own five levels (MarrowTrack's own short words, not the licensed
# EuroQol wording, which a text pack supplies).
DIMENSION_LEVELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "MO": ("Walking about", ("No problems walking", "Slight problems walking",
           "Moderate problems walking", "Severe problems walking", "Unable to walk about")),
    "SC": ("Washing or dressing yourself", ("No problems washing or dressing",
           "Slight problems washing or dressing", "Moderate problems washing or dressing",
           "Severe problems washing or dressing", "Unable to wash or dress")),
    "UA": ("Usual activities (work, study, housework, family or leisure)", (
           "No problems with usual activities", "Slight problems with usual activities",
           "Moderate problems with usual activities", "Severe problems with usual activities",
           "Unable to do usual activities")),
    "PD": ("Pain or discomfort", ("No pain or discomfort", "Slight pain or discomfort",
           "Moderate pain or discomfort", "Severe pain or discomfort",
           "Extreme pain or discomfort")),
    "AD": ("Anxiety or depression", ("Not anxious or depressed",
           "Slightly anxious or depressed", "Moderately anxious or depressed",
           "Severely anxious or depressed", "Extremely anxious or depressed")),
}  # fmt: skip

# Decrements in thousandths for levels 2, 3, 4, 5 (level 1 = 0).
VALUE_SETS: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "index_us": {  # Pickard 2019
        "MO": (96, 122, 237, 322),
        "SC": (89, 107, 220, 261),
        "UA": (68, 101, 255, 255),
        "PD": (60, 98, 318, 414),
        "AD": (57, 123, 299, 321),
    },
    "index_england": {  # Devlin 2018
        "MO": (58, 76, 207, 274),
        "SC": (50, 80, 164, 203),
        "UA": (50, 63, 162, 184),
        "PD": (63, 84, 276, 335),
        "AD": (78, 104, 285, 289),
    },
}

ITEMS = (
    *(
        Item(code, title, 1, 5, "index", scale(*levels, start=1))
        for code, (title, levels) in DIMENSION_LEVELS.items()
    ),
    # EuroQol records the EQ VAS as a whole number 0-100 on a vertical scale.
    Item(
        "VAS",
        "Your health today, 0 to 100",
        0,
        100,
        "vas",
        ((0, "The worst health you can imagine"), (100, "The best health you can imagine")),
        widget="vertical_scale",
    ),
)

DEFINITION = Definition(
    code="EQ5D5L",
    name="EQ-5D-5L",
    version="EQ-5D-5L (2009)",
    licence="Licensed by the EuroQol Research Foundation (registration required). "
    "Texts here are paraphrases, never the licensed wording.",
    recall_period="Today",
    items=ITEMS,
    score_keys=(
        ScoreKey(
            "index_us",
            higher_is_better=True,
            places=3,
            label="Health index (US value set)",
            low=-0.573,
            high=1,
        ),
        ScoreKey(
            "index_england",
            higher_is_better=True,
            places=3,
            label="Health index (England value set)",
            low=-0.285,
            high=1,
        ),
        ScoreKey("vas", higher_is_better=True, places=0, label="Your own rating of your health"),
    ),
    rule_version="EQ5D5L-US2019-ENG2018.1",
    source="Pickard 2019 (US); Devlin 2018 (England)",
    missing_rule="No imputation: any dimension missing means no index; VAS scored on its own.",
    plain_name="Health today (EQ-5D-5L)",
)


def decrement(value_set: str, dimension: str, level: int) -> Fraction:
    """The decrement of one dimension at one level in one value set (level 1 = 0)."""
    return (
        Fraction(0) if level == 1 else Fraction(VALUE_SETS[value_set][dimension][level - 2], 1000)
    )


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Both indexes from the 5-digit profile, and the VAS as answered."""
    scores: ExactScores = {}
    reasons: list[str] = []
    for key in VALUE_SETS:
        levels = answered_values(answers, key=key, codes=DIMENSIONS, needed=5, reasons=reasons)
        scores[key] = (
            None
            if levels is None
            else 1
            - sum((decrement(key, code, int(answers[code])) for code in DIMENSIONS), Fraction(0))
        )
    vas = answered_values(answers, key="vas", codes=("VAS",), needed=1, reasons=reasons)
    scores["vas"] = None if vas is None else vas[0]
    return scores, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
