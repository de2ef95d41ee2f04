"""HOOS JR: the 6-item HOOS Joint Replacement short form (Lyman S et al., Clin Orthop Relat Res
2016;474:1472-1482), items HOOS P5, P10, A3, A5, A12, A14, each 0-4.

Its developers score the raw sum (0-24) through an interval table published by the Hospital
for Special Surgery (HSS). MarrowTrack could not obtain that official HSS table from a public
source while this was written, and never invents or copies second-hand numbers. So the raw
sum (0-24, higher = worse) is scored, and the interval score `total` stays null with a reason
that says why, until the table is added here with its citation and hand-worked fixtures.
MarrowTrack policy, as for KOOS JR: all 6 items are required.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from . import hoos
from .base import Computation, Definition, Instrument, ScoreKey, answered_values

CODES = hoos.JR_CODES
TABLE_MISSING = (
    "total: the HSS HOOS JR interval table is not available in MarrowTrack "
    "(no official public copy was found), so only the raw sum is scored"
)

_HOOS_ITEMS = {item.code: item for item in hoos.DEFINITION.items}
ITEMS = tuple(replace(_HOOS_ITEMS[code], subscale="total") for code in CODES)

DEFINITION = Definition(
    code="HOOS_JR",
    name="HOOS Joint Replacement (HOOS JR)",
    version="HOOS JR 2016",
    licence="Free to use (HSS / koos.nu); no licence fee.",
    recall_period="The last week",
    items=ITEMS,
    score_keys=(
        ScoreKey("total", higher_is_better=True, places=3, label="Hip joint score"),
        ScoreKey("raw_sum", higher_is_better=False, places=0, label="Raw sum (0-24)", high=24),
    ),
    rule_version="HOOS_JR-2016.0-no-table",
    source="Lyman 2016; HSS interval table not available (see module docstring)",
    missing_rule="Policy: all 6 items are required.",
    derived_from="HOOS",
    plain_name="Short hip questionnaire (HOOS JR)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """The raw sum of the 6 items; the interval score waits for the official table."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=CODES, needed=6, reasons=reasons)
    if values is None:
        reasons.append(reasons[0].replace("total:", "raw_sum:", 1))
        return {"total": None, "raw_sum": None}, reasons
    reasons.append(TABLE_MISSING)
    return {"total": None, "raw_sum": Fraction(sum(values))}, reasons


INSTRUMENT = Instrument(
    DEFINITION,
    compute,
    also_accepts=tuple(item for item in hoos.DEFINITION.items if item.code not in CODES),
)
