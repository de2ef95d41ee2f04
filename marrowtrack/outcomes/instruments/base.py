"""Shared data types for outcome-instrument definitions (pure, no ORM).

An instrument is held as data (items, each with its own answer options, score keys, licence,
recall period) plus one exact scoring function. Item texts and option labels here are
MarrowTrack's own short labels ("product labels"): scores are valid only on the instruments'
licensed wording, which a clinic installs as a text pack (docs/outcomes.md, "Item wording").
Source: MarrowTrack outcome-instrument specification (docs/outcomes.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

Labels = tuple[tuple[int, str], ...]
ExactScores = dict[str, Fraction | None]
Computation = tuple[ExactScores, list[str]]

PARAPHRASE_NOTE = (
    "Item texts and answer labels are MarrowTrack's own short labels for staff screens and "
    "exports; answers collected on them are marked 'unvalidated wording'. Install the licensed "
    "wording as a text pack to collect valid scores."
)


@dataclass(frozen=True)
class Item:
    """One question: its code, our short text, answer range and its own labelled values.

    `labels` are this item's own response options (every value for a choice item; the anchors
    for a numeric scale such as the NPRS, the EQ VAS or the PGA). `widget` says how the item is
    asked: "choice" (one option per value), "scale" (a number on a horizontal scale) or
    "vertical_scale" (the EQ VAS, a vertical 0-100 thermometer).
    """

    code: str
    text: str
    minimum: int
    maximum: int
    subscale: str
    labels: Labels
    decimals: int = 0  # decimal places allowed; 0 means whole numbers only
    widget: str = "choice"

    def label_for(self, value: int) -> str | None:
        """The label of an answer value, or None when that value has no label."""
        return dict(self.labels).get(value)

    def value_for(self, label: str) -> int:
        """The stored value of an answer label (raises KeyError for an unknown label)."""
        return {text: value for value, text in self.labels}[label]


@dataclass(frozen=True)
class ScoreKey:
    """One output score: its key, direction, display rounding, words and possible range."""

    key: str
    higher_is_better: bool
    places: int = 2
    label: str = ""  # the score in words ("Pain"); empty means the instrument's own name
    low: float = 0  # the lowest and highest possible scores (chart scales hold all of them)
    high: float = 100

    @property
    def words(self) -> str:
        return self.label or self.key.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Definition:
    """An instrument definition held as data; scoring rules are versioned by rule_version."""

    code: str
    name: str
    version: str
    licence: str
    recall_period: str | None
    items: tuple[Item, ...]
    score_keys: tuple[ScoreKey, ...]
    rule_version: str
    source: str
    missing_rule: str
    texts_are_paraphrases: bool = True
    text_note: str = PARAPHRASE_NOTE
    derived_from: str | None = None
    plain_name: str = ""  # patient-facing name in words, e.g. "Knee questionnaire (KOOS)"
    convention: str = ""  # a scoring convention every page and export names (SPADI total)

    def score_key(self, key: str) -> ScoreKey | None:
        """The score key with this name, or None."""
        return next((k for k in self.score_keys if k.key == key), None)

    def item(self, code: str) -> Item | None:
        """The item with this code, or None."""
        return next((item for item in self.items if item.code == code), None)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)


@dataclass(frozen=True)
class Derivation:
    """Another instrument scored from this one's answers: target item code <- source item code.

    KOOS answers also score KOOS JR (the same codes) and WOMAC (WOMAC pain P1-P5 <- KOOS
    P5-P9, stiffness S1-S2 <- KOOS S6-S7, function F1-F17 <- KOOS A1-A17).
    """

    target: str
    item_map: tuple[tuple[str, str], ...]
    note: str = ""

    def translate(self, answers: Mapping[str, object]) -> dict[str, object]:
        """The source answers renamed to the target's item codes (unmapped items dropped)."""
        return {target: answers[source] for target, source in self.item_map if source in answers}


def same_codes(target: str, codes: Sequence[str], note: str = "") -> Derivation:
    return Derivation(target, tuple((code, code) for code in codes), note)


@dataclass(frozen=True)
class Instrument:
    """A definition plus its exact scoring function (answers already validated)."""

    definition: Definition
    compute: Callable[[Mapping[str, Fraction]], Computation]
    also_accepts: tuple[Item, ...] = field(default=())  # validated, then ignored
    derives: tuple[Derivation, ...] = field(default=())


def make_items(
    prefix: str, texts: Sequence[str], *, subscale: str, labels: Labels, start: int = 1
) -> tuple[Item, ...]:
    """Numbered items sharing one answer scale, e.g. P1..P9 for KOOS Pain."""
    low, high = labels[0][0], labels[-1][0]
    return tuple(
        Item(f"{prefix}{number}", text, low, high, subscale, labels)
        for number, text in enumerate(texts, start=start)
    )


def scale(*labels: str, start: int = 0) -> Labels:
    """Consecutive answer values start, start+1, ... with these labels."""
    return tuple((start + offset, label) for offset, label in enumerate(labels))


def missing_reason(key: str, answered: int, total: int, needed: int) -> str:
    """The standard reason text, e.g. 'pain: 4 of 9 items answered, 5 needed'."""
    return f"{key}: {answered} of {total} items answered, {needed} needed"


def answered_values(
    answers: Mapping[str, Fraction],
    *,
    key: str,
    codes: Sequence[str],
    needed: int,
    reasons: list[str],
) -> list[Fraction] | None:
    """Answered values of codes, or None (and a reason) when fewer than needed."""
    values = [answers[code] for code in codes if code in answers]
    if len(values) >= needed:
        return values
    reasons.append(missing_reason(key, len(values), len(codes), needed))
    return None


def mean(values: Sequence[Fraction]) -> Fraction:
    """Exact arithmetic mean."""
    return Fraction(sum(values)) / len(values)


def dependent_reason(key: str, missing: Sequence[str]) -> str:
    """Reason for a combined score whose parts are not all scored."""
    return f"{key}: not scored because {', '.join(missing)} not scored"
