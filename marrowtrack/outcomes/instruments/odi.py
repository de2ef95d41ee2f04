"""ODI: Oswestry Disability Index v2.1a, 10 sections scored 0-5.

Source: Fairbank JCT & Pynsent PB, Spine 2000;25:2940-2953. Score (%) = sum / (5 x sections
answered) x 100. MarrowTrack policy (AO/Mapi convention; the authors set no cap): at most one
section missing. Copyrighted instrument: section texts here are our own paraphrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import Computation, Definition, Instrument, ScoreKey, answered_values, make_items, scale

LEVELS = scale(
    "No limitation",
    "Slight limitation",
    "Moderate limitation",
    "Marked limitation",
    "Severe limitation",
    "Worst possible / unable",
)
ITEMS = make_items(
    "ODI",
    (
        "Pain intensity now",
        "Personal care",
        "Lifting",
        "Walking",
        "Sitting",
        "Standing",
        "Sleeping",
        "Sex life",
        "Social life",
        "Travelling",
    ),
    subscale="total",
    labels=LEVELS,
)
CODES = tuple(item.code for item in ITEMS)

DEFINITION = Definition(
    code="ODI",
    name="Oswestry Disability Index",
    version="2.1a",
    licence="Copyright J. Fairbank; licensed through Mapi Research Trust. "
    "Texts here are paraphrases, never the licensed wording.",
    recall_period="Today (current state)",
    items=ITEMS,
    score_keys=(ScoreKey("total", higher_is_better=False),),
    rule_version="ODI-2.1a.1",
    source="Fairbank & Pynsent 2000",
    missing_rule="Policy: at most 1 section missing; the denominator drops by 5 per section.",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Percentage of the maximum over the answered sections."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=CODES, needed=9, reasons=reasons)
    total = None if values is None else Fraction(sum(values)) / (5 * len(values)) * 100
    return {"total": total}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
