"""What the KOOS and the HOOS share (Roos EM et al., koos.nu): five subscales, each
100 - 25 x mean(answered items) with at least half its items answered; the same subscale
words but the joint's; free use; a one-week recall; and two derived instruments, the short
JR form (its items, same codes) and the WOMAC LK3.0 (whose items they hold unchanged).
koos.py and hoos.py keep what differs: items, minimums, sources and rule versions."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import (
    Computation,
    Definition,
    Derivation,
    ExactScores,
    Instrument,
    Item,
    ScoreKey,
    answered_values,
    mean,
)

# (score key, items, minimum answered), in the order the scores are shown.
Subscales = tuple[tuple[str, tuple[Item, ...], int], ...]


def subscale_words(joint: str) -> dict[str, str]:
    """The subscales' names as shown, for a joint named "Hip" or "Knee"."""
    return {
        "pain": "Pain",
        "symptoms": "Symptoms",
        "adl": "Daily activities",
        "sport_rec": "Sport and recreation",
        "qol": f"{joint}-related quality of life",
    }


def joint_outcome_instrument(
    *,
    code: str,
    name: str,
    version: str,
    joint: str,
    items: tuple[Item, ...],
    subscales: Subscales,
    jr_codes: tuple[str, ...],
    womac_map: tuple[tuple[str, str], ...],
    rule_version: str,
    source: str,
    missing_rule: str,
    plain_name: str,
) -> Instrument:
    """The instrument `code` scored per subscale, deriving `<code>_JR` and WOMAC."""
    words = subscale_words(joint)
    definition = Definition(
        code=code,
        name=name,
        version=version,
        licence="Free to use (koos.nu); no licence fee.",
        recall_period="The last week",
        items=items,
        score_keys=tuple(
            ScoreKey(key, higher_is_better=True, label=words[key]) for key, _, _ in subscales
        ),
        rule_version=rule_version,
        source=source,
        missing_rule=missing_rule,
        plain_name=plain_name,
    )

    def compute(answers: Mapping[str, Fraction]) -> Computation:
        """Each subscale: 100 - 25 x mean of the answered items."""
        scores: ExactScores = {}
        reasons: list[str] = []
        for key, subscale_items, needed in subscales:
            codes = [item.code for item in subscale_items]
            values = answered_values(answers, key=key, codes=codes, needed=needed, reasons=reasons)
            scores[key] = None if values is None else 100 - 25 * mean(values)
        return scores, reasons

    return Instrument(
        definition,
        compute,
        derives=(
            Derivation(f"{code}_JR", tuple((item, item) for item in jr_codes)),
            Derivation("WOMAC", womac_map, f"WOMAC from the {code} items that contain it"),
        ),
    )
