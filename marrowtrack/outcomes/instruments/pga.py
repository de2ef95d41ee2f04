"""PGA: patient global assessment of the joint problem, one question answered 0-100.

Source: docs/outcomes.md (Instruments); the patient global of the OMERACT-OARSI
responder criteria (Pham T et al., Osteoarthritis Cartilage 2004;12:389-399), asked on a 0-100
scale. The question is in MarrowTrack's own words; 0 = very well, 100 = very poorly. Score = the
answer, no missing allowed, higher = worse. Asked at baseline and every follow-up, so the
OARSI criteria have a patient global at both ends (a PGIC transition question cannot be one).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import Computation, Definition, Instrument, Item, ScoreKey, answered_values

QUESTION = "Considering all the ways your joint problem affects you, how are you doing today?"

DEFINITION = Definition(
    code="PGA",
    name="Patient global assessment (0-100)",
    version="MarrowTrack PGA 1",
    licence="MarrowTrack's own wording; free to use.",
    recall_period="Today",
    items=(
        Item(
            "PGA",
            QUESTION,
            0,
            100,
            "total",
            ((0, "Very well"), (100, "Very poorly")),
            widget="scale",
        ),
    ),
    score_keys=(
        ScoreKey("total", higher_is_better=False, places=0, label="How you are doing overall"),
    ),
    rule_version="PGA-1",
    source="Pham 2004 (OMERACT-OARSI patient global, 0-100); docs/outcomes.md",
    missing_rule="The single item is required.",
    plain_name="How you are doing overall (0 to 100)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """PGA total is the answer itself."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=("PGA",), needed=1, reasons=reasons)
    return {"total": None if values is None else values[0]}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
