"""NPRS: 11-point Numeric Pain Rating Scale, 0 (no pain) to 10 (worst pain imaginable).

Source: Farrar JT et al., Pain 2001;94:149-158 (NPRS and its clinically important change);
docs/outcomes.md: score = the answer, no missing allowed, higher = worse.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import Computation, Definition, Instrument, Item, ScoreKey, answered_values

LABELS = ((0, "No pain"), (10, "Worst pain you can imagine"))

DEFINITION = Definition(
    code="NPRS",
    name="Numeric Pain Rating Scale",
    version="0-10 NRS",
    licence="Public domain; free to use.",
    recall_period="Average pain over the past 7 days (MarrowTrack policy)",
    items=(Item("NPRS", "Your average pain, 0 to 10", 0, 10, "total", LABELS),),
    score_keys=(ScoreKey("total", higher_is_better=False, places=0, label="Pain", high=10),),
    rule_version="NPRS-1",
    source="Farrar 2001",
    missing_rule="The single item is required.",
    plain_name="Pain score (0 to 10)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """NPRS total is the answer itself."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=("NPRS",), needed=1, reasons=reasons)
    return {"total": None if values is None else values[0]}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
