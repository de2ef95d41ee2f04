"""ASES: American Shoulder and Elbow Surgeons Standardized Shoulder Assessment, patient section.

Source: Richards RR et al., J Shoulder Elbow Surg 1994;3:347-352; Michener LA et al. 2002.
Score = (10 - pain VAS) x 5 + (5/3) x ADL sum, 0-100, higher = better. PAIN_VAS is 0-10 cm
(up to 2 decimals); ADL1-ADL10 are 0-3, answered for the affected side. MarrowTrack policy:
all items required. Texts here are our own paraphrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import (
    Computation,
    Definition,
    Instrument,
    Item,
    ScoreKey,
    answered_values,
    make_items,
    scale,
)

ABILITY = scale("Unable to do", "Very difficult", "Somewhat difficult", "Not difficult")
VAS = Item(
    "PAIN_VAS",
    "Pain today on a 10 cm line",
    0,
    10,
    "pain",
    ((0, "No pain at all"), (10, "Pain as bad as it can be")),
    decimals=2,
)
ADL = make_items(
    "ADL",
    (
        "Putting on a coat",
        "Sleeping on the affected side",
        "Washing your back or fastening behind",
        "Managing toileting",
        "Combing your hair",
        "Reaching a high shelf",
        "Lifting about 4.5 kg above shoulder height",
        "Throwing a ball overarm",
        "Doing your usual work",
        "Doing your usual sport",
    ),
    subscale="function",
    labels=ABILITY,
)
ADL_CODES = tuple(item.code for item in ADL)

DEFINITION = Definition(
    code="ASES",
    name="ASES Standardized Shoulder Assessment (patient self-report)",
    version="ASES 1994",
    licence="Published by the American Shoulder and Elbow Surgeons; free for clinical use. "
    "Texts here are our own paraphrases.",
    recall_period=None,
    items=(VAS, *ADL),
    score_keys=(ScoreKey("total", higher_is_better=True, label="Shoulder score"),),
    rule_version="ASES-1994.1",
    source="Richards 1994; Michener 2002",
    missing_rule="Policy: all 11 items are required.",
    plain_name="Shoulder questionnaire (ASES)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """(10 - VAS) x 5 + 5/3 x ADL sum, both halves worth 50 points."""
    reasons: list[str] = []
    codes = ("PAIN_VAS", *ADL_CODES)
    values = answered_values(answers, key="total", codes=codes, needed=11, reasons=reasons)
    if values is None:
        return {"total": None}, reasons
    adl_sum = sum(answers[code] for code in ADL_CODES)
    total = (10 - answers["PAIN_VAS"]) * 5 + Fraction(5, 3) * adl_sum
    return {"total": total}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
