"""QuickDASH: 11-item short form of the DASH, with optional Work and Sports/Performing-arts modules.

Source: Beaton DE et al., J Bone Joint Surg Am 2005;87:1038-1046; Institute for Work & Health
QuickDASH scoring. Score = ((sum / n answered) - 1) x 25; the disability score needs at least
10 of 11 items, each optional module all 4 items. Copyright Institute for Work & Health:
item texts here are our own paraphrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import (
    Computation,
    Definition,
    ExactScores,
    Instrument,
    ScoreKey,
    answered_values,
    make_items,
    mean,
    scale,
)

DIFFICULTY = scale(
    "No difficulty",
    "Mild difficulty",
    "Moderate difficulty",
    "Severe difficulty",
    "Unable",
    start=1,
)
INTERFERENCE = scale("Not at all", "Slightly", "Moderately", "Quite a bit", "Extremely", start=1)
SEVERITY = scale("None", "Mild", "Moderate", "Severe", "Extreme", start=1)

CORE = (
    *make_items(
        "QD",
        (
            "Opening a tight jar",
            "Heavy household chores",
            "Carrying a shopping bag",
            "Washing your back",
            "Cutting food with a knife",
            "Leisure activities that jar the arm",
        ),
        subscale="total",
        labels=DIFFICULTY,
    ),
    *make_items(
        "QD",
        ("Arm problem limited social activities",),
        subscale="total",
        labels=INTERFERENCE,
        start=7,
    ),
    *make_items(
        "QD",
        ("Arm problem limited work or daily activities",),
        subscale="total",
        labels=scale("Not limited", "Slightly", "Moderately", "Very", "Unable", start=1),
        start=8,
    ),
    *make_items(
        "QD",
        ("Arm, shoulder or hand pain", "Tingling in arm, shoulder or hand"),
        subscale="total",
        labels=SEVERITY,
        start=9,
    ),
    *make_items(
        "QD",
        ("Sleep disturbed by arm pain",),
        subscale="total",
        labels=DIFFICULTY,
        start=11,
    ),
)
WORK = make_items(
    "W",
    (
        "Using your usual technique at work",
        "Doing your usual work because of arm pain",
        "Doing your work as well as you would like",
        "Spending your usual time at work",
    ),
    subscale="work",
    labels=DIFFICULTY,
)
SPORTS = make_items(
    "SPA",
    (
        "Using your usual technique for sport or music",
        "Sport or music because of arm pain",
        "Sport or music as well as you would like",
        "Spending your usual time on sport or music",
    ),
    subscale="sports",
    labels=DIFFICULTY,
)

# (key, item codes, minimum answered)
MODULES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("total", tuple(item.code for item in CORE), 10),
    ("work", tuple(item.code for item in WORK), 4),
    ("sports", tuple(item.code for item in SPORTS), 4),
)

WORDS = {"total": "Arm disability", "work": "Work", "sports": "Sport and performing arts"}

DEFINITION = Definition(
    code="QUICKDASH",
    name="QuickDASH (Disabilities of the Arm, Shoulder and Hand, short form)",
    version="QuickDASH 2005",
    licence="Copyright Institute for Work & Health; free for non-commercial use with "
    "permission. Texts here are paraphrases, never the licensed wording.",
    recall_period="The past week",
    items=CORE + WORK + SPORTS,
    score_keys=tuple(
        ScoreKey(key, higher_is_better=False, label=WORDS[key]) for key, _, _ in MODULES
    ),
    rule_version="QUICKDASH-2005.1",
    source="Beaton 2005; IWH QuickDASH scoring",
    missing_rule="Disability: at least 10 of 11 items. Work and Sports modules: all 4 items.",
    plain_name="Arm, shoulder and hand questionnaire (QuickDASH)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Each module: (mean of answered items - 1) x 25."""
    scores: ExactScores = {}
    reasons: list[str] = []
    for key, codes, needed in MODULES:
        values = answered_values(answers, key=key, codes=codes, needed=needed, reasons=reasons)
        scores[key] = None if values is None else (mean(values) - 1) * 25
    return scores, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
