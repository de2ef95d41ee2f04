"""Shared data types for outcome-instrument definitions (pure, no ORM).

An instrument is held as data (items, answer labels, score keys, licence, recall period) plus
one exact scoring function. Item texts are MarrowTrack's own short paraphrases: several
instruments (WOMAC, ODI, QuickDASH, EQ-5D-5L, PROMIS) are licensed, and their wording must
come from the licensed form, never from this module.
Sources: each instrument's module cites its developers' manual or paper, and states the
MarrowTrack policy where they are silent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

Labels = tuple[tuple[int, str], ...]
ExactScores = dict[str, Fraction | None]
Computation = tuple[ExactScores, list[str]]

PARAPHRASE_NOTE = (
    "Item texts and answer labels are MarrowTrack's own short paraphrases for staff screens and "
    "exports; patients must be shown the official (licensed where applicable) form."
)


@dataclass(frozen=True)
class Item:
    """One question: its code, our paraphrased text, answer range and labelled values."""

    code: str
    text: str
    minimum: int
    maximum: int
    subscale: str
    labels: Labels
    decimals: int = 0  # decimal places allowed; 0 means whole numbers only

    def label_for(self, value: int) -> str | None:
        """The label of an answer value, or None when that value has no label."""
        return dict(self.labels).get(value)

    def value_for(self, label: str) -> int:
        """The stored value of an answer label (raises KeyError for an unknown label)."""
        return {text: value for value, text in self.labels}[label]


@dataclass(frozen=True)
class ScoreKey:
    """One output score: its key, direction and display rounding (decimal places)."""

    key: str
    higher_is_better: bool
    places: int = 2


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

    def item(self, code: str) -> Item | None:
        """The item with this code, or None."""
        return next((item for item in self.items if item.code == code), None)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)


@dataclass(frozen=True)
class Instrument:
    """A definition plus its exact scoring function (answers already validated)."""

    definition: Definition
    compute: Callable[[Mapping[str, Fraction]], Computation]
    also_accepts: tuple[Item, ...] = field(default=())  # validated, then ignored


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
