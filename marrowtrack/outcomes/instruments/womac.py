"""WOMAC Osteoarthritis Index, Likert 3.1: Pain 5, Stiffness 2, Physical Function 17 items, 0-4.

Source: Bellamy N, WOMAC User Guide (Likert 3.1). Subscale raw = sum, with each missing item
replaced by the mean of the answered items of its subscale; Function allows up to 3 missing.
MarrowTrack policy (commonly cited guide): Pain and Stiffness allow up to 1 missing each.
Normalised scores = raw / maximum x 100. Total only when all three subscales are valid.
Licensed instrument: item texts here are our own paraphrases.
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
    mean,
    scale,
)

SEVERITY = scale("None", "Mild", "Moderate", "Severe", "Extreme")

PAIN = make_items(
    "P",
    ("Walking on level ground", "Stairs", "At night in bed", "Sitting or lying", "Standing"),
    subscale="pain",
    labels=SEVERITY,
)
STIFFNESS = make_items(
    "S",
    ("Stiffness on first waking", "Stiffness later in the day"),
    subscale="stiffness",
    labels=SEVERITY,
)
FUNCTION = make_items(
    "F",
    (
        "Going down stairs",
        "Going up stairs",
        "Rising from sitting",
        "Standing",
        "Bending to the floor",
        "Walking on level ground",
        "Car, in or out",
        "Shopping",
        "Socks on",
        "Rising from bed",
        "Socks off",
        "Lying in bed",
        "Bath, in or out",
        "Sitting",
        "Toilet, on or off",
        "Heavy housework",
        "Light housework",
    ),
    subscale="function",
    labels=SEVERITY,
)

# (key, item codes, missing items allowed)
SUBSCALES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("pain", tuple(item.code for item in PAIN), 1),
    ("stiffness", tuple(item.code for item in STIFFNESS), 1),
    ("function", tuple(item.code for item in FUNCTION), 3),
)
KEYS = ("pain", "stiffness", "function", "total")
WORDS = {"pain": "Pain", "stiffness": "Stiffness", "function": "Function", "total": "Total"}

DEFINITION = Definition(
    code="WOMAC",
    name="WOMAC Osteoarthritis Index (Likert 3.1)",
    version="LK3.1",
    licence="Copyright Prof. N. Bellamy; use requires a licence (womac.com / Mapi). "
    "Texts here are paraphrases, never the licensed wording.",
    recall_period="The last 48 hours",
    items=PAIN + STIFFNESS + FUNCTION,
    score_keys=tuple(
        ScoreKey(f"{key}_raw", higher_is_better=False, label=f"{WORDS[key]} (raw sum)", high=high)
        for key, high in zip(KEYS, (20, 8, 68, 96), strict=True)
    )
    + tuple(ScoreKey(key, higher_is_better=False, label=WORDS[key]) for key in KEYS),
    rule_version="WOMAC-LK3.1.1",
    source="WOMAC 3.1 User Guide (Bellamy)",
    missing_rule="Function: up to 3 missing. Policy: Pain up to 1, Stiffness up to 1 missing. "
    "Missing items take the mean of the answered items of their subscale. Total needs all "
    "three subscales.",
    plain_name="Osteoarthritis index (WOMAC)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Mean-imputed subscale sums, their 0-100 normalisation, and the total."""
    scores: ExactScores = {}
    reasons: list[str] = []
    for key, codes, allowed in SUBSCALES:
        needed = len(codes) - allowed
        values = answered_values(answers, key=key, codes=codes, needed=needed, reasons=reasons)
        raw = None if values is None else mean(values) * len(codes)
        scores[f"{key}_raw"] = raw
        scores[key] = None if raw is None else raw / (4 * len(codes)) * 100
    _add_total(scores, reasons)
    return _ordered(scores), reasons


def _add_total(scores: ExactScores, reasons: list[str]) -> None:
    parts = [scores[f"{key}_raw"] for key, _, _ in SUBSCALES]
    missing = [key for key, _, _ in SUBSCALES if scores[f"{key}_raw"] is None]
    if missing:
        scores["total_raw"] = scores["total"] = None
        reasons.append(dependent_reason("total", missing))
        return
    total_raw = Fraction(sum(part for part in parts if part is not None))
    scores["total_raw"] = total_raw
    scores["total"] = total_raw / 96 * 100


def _ordered(scores: ExactScores) -> ExactScores:
    return {key.key: scores[key.key] for key in DEFINITION.score_keys}


INSTRUMENT = Instrument(DEFINITION, compute)
