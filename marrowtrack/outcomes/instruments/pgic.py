"""PGIC: 7-point Patient Global Impression of Change.

Source: Guy W, ECDEU Assessment Manual 1976 (CGI-I, adapted for patients); Farrar 2001 used the
7-point PGIC as its anchor. 1 = very much improved ... 7 = very much worse; score = the answer,
no missing allowed, higher = worse.
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
    scale,
)

LABELS = scale(
    "Very much improved",
    "Much improved",
    "A little improved",
    "No change",
    "A little worse",
    "Much worse",
    "Very much worse",
    start=1,
)

DEFINITION = Definition(
    code="PGIC",
    name="Patient Global Impression of Change (7-point)",
    version="7-point",
    licence="Public domain; free to use.",
    recall_period="Since the start of treatment",
    items=(Item("PGIC", "Overall change since the treatment", 1, 7, "total", LABELS),),
    score_keys=(
        ScoreKey(
            "total", higher_is_better=False, places=0, label="Change since treatment", low=1, high=7
        ),
    ),
    rule_version="PGIC-1",
    source="Guy 1976 (CGI-I); Farrar 2001",
    missing_rule="The single item is required.",
    plain_name="Change since treatment (PGIC)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """PGIC total is the answer itself."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=("PGIC",), needed=1, reasons=reasons)
    return {"total": None if values is None else values[0]}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
