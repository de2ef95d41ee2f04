"""KOOS JR: the 7-item KOOS Joint Replacement short form, scored through the HSS table.

Source: Lyman S et al., Clin Orthop Relat Res 2016;474:1461-1471 (KOOS JR) and the HSS
raw-sum-to-interval-score conversion table. The raw sum 0-28 of S6, P2, P3, P6, P9, A3, A5 is
mapped (not linearly) to 0-100, 100 = perfect knee health. MarrowTrack policy: all 7 items are
required. A full KOOS answer set also scores KOOS JR; the other KOOS items are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from . import koos
from .base import Computation, Definition, Instrument, ScoreKey, answered_values

CODES = koos.JR_CODES

# HSS KOOS JR interval table: raw sum -> interval score (0-100).
TABLE: dict[int, Decimal] = {
    raw: Decimal(score)
    for raw, score in enumerate(
        (
            "100.000", "91.975", "84.600", "79.914", "76.332", "73.342", "70.704", "68.284",
            "65.994", "63.776", "61.583", "59.381", "57.140", "54.840", "52.465", "50.012",
            "47.487", "44.905", "42.281", "39.625", "36.931", "34.174", "31.307", "28.251",
            "24.875", "20.941", "15.939", "8.291", "0.000",
        )
    )
}  # fmt: skip

_KOOS_ITEMS = {item.code: item for item in koos.DEFINITION.items}
ITEMS = tuple(replace(_KOOS_ITEMS[code], subscale="total") for code in CODES)

DEFINITION = Definition(
    code="KOOS_JR",
    name="KOOS Joint Replacement (KOOS JR)",
    version="KOOS JR 2016",
    licence="Free to use (HSS / koos.nu); no licence fee.",
    recall_period="The last week",
    items=ITEMS,
    score_keys=(ScoreKey("total", higher_is_better=True, places=3, label="Knee joint score"),),
    rule_version="KOOS_JR-2016.1",
    source="Lyman 2016; HSS KOOS JR conversion table",
    missing_rule="Policy: all 7 items are required.",
    derived_from="KOOS",
    plain_name="Short knee questionnaire (KOOS JR)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Raw sum of the 7 items looked up in the HSS interval table."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=CODES, needed=7, reasons=reasons)
    total = None if values is None else Fraction(TABLE[int(sum(values))])
    return {"total": total}, reasons


INSTRUMENT = Instrument(
    DEFINITION,
    compute,
    also_accepts=tuple(item for item in koos.DEFINITION.items if item.code not in CODES),
)
