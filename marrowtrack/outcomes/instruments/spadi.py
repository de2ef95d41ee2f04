"""SPADI: Shoulder Pain and Disability Index, Pain 5 and Disability 8 items, 0-10.

Source: Roach KE et al., Arthritis Care Res 1991;4:143-149. Subscale (%) = sum / (10 x items
answered) x 100; total = mean of the two subscale percentages. MarrowTrack policy: a subscale
needs at least half its items (Pain 3/5, Disability 4/8); the total needs both.
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
    dependent_reason,
    make_items,
)

PAIN_LABELS = ((0, "No pain"), (10, "Worst pain imaginable"))
DISABILITY_LABELS = ((0, "No difficulty"), (10, "So difficult it needs help"))

PAIN = make_items(
    "P",
    (
        "Pain at its worst",
        "Pain lying on the affected side",
        "Pain reaching a high shelf",
        "Pain touching the back of the neck",
        "Pain pushing with the affected arm",
    ),
    subscale="pain",
    labels=PAIN_LABELS,
)
DISABILITY = make_items(
    "D",
    (
        "Washing your hair",
        "Washing your back",
        "Putting on a pullover",
        "Putting on a buttoned shirt",
        "Putting on trousers",
        "Putting something on a high shelf",
        "Carrying a heavy object (about 5 kg)",
        "Taking something from a back pocket",
    ),
    subscale="disability",
    labels=DISABILITY_LABELS,
)
# Every page and export names the total's convention: the score sheet's sum/130 variant differs
# by up to about 11.5 points (docs/outcomes.md, SPADI total).
CONVENTION = "SPADI total = mean of the pain and disability percentages (Roach 1991), not sum/130"
SUBSCALES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("pain", tuple(item.code for item in PAIN), 3),
    ("disability", tuple(item.code for item in DISABILITY), 4),
)

DEFINITION = Definition(
    code="SPADI",
    name="Shoulder Pain and Disability Index",
    version="SPADI (numeric 0-10)",
    licence="Published by Roach et al. 1991; free for clinical use. "
    "Texts here are our own paraphrases.",
    recall_period="The past week",
    items=PAIN + DISABILITY,
    score_keys=(
        ScoreKey("pain", higher_is_better=False, label="Pain"),
        ScoreKey("disability", higher_is_better=False, label="Disability"),
        ScoreKey("total", higher_is_better=False, label="Total (mean of pain and disability)"),
    ),
    rule_version="SPADI-1991.1",
    source="Roach 1991",
    missing_rule="Policy: Pain needs 3 of 5, Disability 4 of 8 items; the total needs both.",
    plain_name="Shoulder pain and disability questionnaire (SPADI)",
    convention=CONVENTION,
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Subscale percentages and their mean (Roach 1991)."""
    scores: ExactScores = {}
    reasons: list[str] = []
    for key, codes, needed in SUBSCALES:
        values = answered_values(answers, key=key, codes=codes, needed=needed, reasons=reasons)
        scores[key] = None if values is None else Fraction(sum(values)) / (10 * len(values)) * 100
    pain, disability = scores["pain"], scores["disability"]
    if pain is None or disability is None:
        missing = [key for key in ("pain", "disability") if scores[key] is None]
        reasons.append(dependent_reason("total", missing))
        scores["total"] = None
    else:
        scores["total"] = (pain + disability) / 2
    return scores, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
