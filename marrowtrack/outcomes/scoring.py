"""Scoring entry point: validate one answer set, score it exactly, round half-up at the end.

Implements the general rules of the MarrowTrack instrument spec (docs/outcomes.md): answers
are integers in range (decimals only where an item allows them), anything else is an
AnswerError naming the item; too many missing items give a null score and a reason; scores are
exact (Fraction) until the final ROUND_HALF_UP to each key's places. `score_json` is the one
adapter every service uses to turn an answer set into the stored scores and rule versions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .instruments import INSTRUMENTS, Definition, Derivation, Instrument, Item

Answer = int | float | Decimal | None
JsonScores = dict[str, float | int | None | list[str]]
StoredScores = dict[str, JsonScores]  # {instrument code: JsonScores}, as SurveyResponse.scores


class AnswerError(ValueError):
    """An answer that cannot be scored: unknown item, wrong type or out of range."""

    def __init__(self, item_code: str, message: str) -> None:
        super().__init__(f"{item_code}: {message}")
        self.item_code = item_code
        self.message = message


class UnknownInstrumentError(ValueError):
    """An instrument code that is not in the registry."""


@dataclass(frozen=True)
class ScoreResult:
    """Rounded scores of one answer set, with the reasons for any null score."""

    instrument: str
    rule_version: str
    scores: dict[str, Decimal | None]
    reasons: list[str]
    higher_is_better: dict[str, bool]

    def to_json(self) -> JsonScores:
        """Plain JSON-able dict: {key: number or None, ..., "reasons": [...]}."""
        payload: JsonScores = {key: _json_number(value) for key, value in self.scores.items()}
        payload["reasons"] = list(self.reasons)
        return payload


def _json_number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value.as_tuple().exponent == 0 else float(value)


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value to places decimals, halves away from zero (ROUND_HALF_UP)."""
    scaled = abs(value) * 10**places
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    sign = -1 if value < 0 else 1
    return Decimal(sign * whole).scaleb(-places)


def instrument(code: str) -> Instrument:
    """The registered instrument for a code (raises UnknownInstrumentError)."""
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise UnknownInstrumentError(f"unknown instrument {code!r}") from None


def instrument_list() -> list[Definition]:
    """All instrument definitions, in registry order (for a --list command)."""
    return [entry.definition for entry in INSTRUMENTS.values()]


def derivations(code: str) -> tuple[Derivation, ...]:
    """Instruments scored from this one's answers, e.g. KOOS -> KOOS JR and WOMAC."""
    return instrument(code).derives


def derived_codes(code: str) -> list[str]:
    """The codes of the instruments derived from this one, e.g. KOOS -> ['KOOS_JR', 'WOMAC']."""
    return [derivation.target for derivation in derivations(code)]


def parse_answer(item: Item, raw: object) -> Fraction | None:
    """One raw answer as an exact number, or None when missing; AnswerError if invalid."""
    if raw is None:
        return None
    value = _exact_number(item.code, raw)
    if (value * 10**item.decimals).denominator != 1:
        expected = "a whole number" if item.decimals == 0 else f"at most {item.decimals} decimals"
        raise AnswerError(item.code, f"{raw!r} is not {expected}")
    if not item.minimum <= value <= item.maximum:
        raise AnswerError(item.code, f"{raw!r} is outside {item.minimum}-{item.maximum}")
    return value


def _exact_number(code: str, raw: object) -> Fraction:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise AnswerError(code, f"expected a number, got {type(raw).__name__}")
    if isinstance(raw, int):
        return Fraction(raw)
    if not math.isfinite(raw):
        raise AnswerError(code, f"{raw!r} is not a finite number")
    # repr() of a float is its shortest round-trip decimal, so 2.675 stays 2.675 exactly.
    return Fraction(repr(raw)) if isinstance(raw, float) else Fraction(raw)


def validate_answers(entry: Instrument, answers: Mapping[str, Answer]) -> dict[str, Fraction]:
    """The answered items of this instrument as exact numbers; ignores accepted extras."""
    own = {item.code: item for item in entry.definition.items}
    extra = {item.code: item for item in entry.also_accepts}
    parsed: dict[str, Fraction] = {}
    for code, raw in answers.items():
        item = own.get(code) or extra.get(code)
        if item is None:
            raise AnswerError(str(code), f"unknown item for {entry.definition.code}")
        value = parse_answer(item, raw)
        if value is not None and code in own:
            parsed[code] = value
    return parsed


def score(instrument_code: str, answers: Mapping[str, Answer]) -> ScoreResult:
    """Score one answer set of one instrument (exact, then rounded half-up per score key)."""
    entry = instrument(instrument_code)
    exact, reasons = entry.compute(validate_answers(entry, answers))
    keys = entry.definition.score_keys
    return ScoreResult(
        instrument=entry.definition.code,
        rule_version=entry.definition.rule_version,
        scores={k.key: _rounded(exact[k.key], k.places) for k in keys},
        reasons=reasons,
        higher_is_better={k.key: k.higher_is_better for k in keys},
    )


def derived_rule_version(derivation: Derivation, source: str) -> str:
    """e.g. 'WOMAC-LK3.1.1 from KOOS': the target's rules applied to another form's items."""
    return f"{instrument(derivation.target).definition.rule_version} from {source}"


def score_with_derived(instrument_code: str, answers: Mapping[str, Answer]) -> list[ScoreResult]:
    """Score an answer set and every instrument derived from it (KOOS gives KOOS JR, WOMAC)."""
    results = [score(instrument_code, answers)]
    for derivation in derivations(instrument_code):
        result = score(derivation.target, derivation.translate(answers))  # type: ignore[arg-type]
        version = derived_rule_version(derivation, instrument_code)
        results.append(
            ScoreResult(
                result.instrument, version, result.scores, result.reasons, result.higher_is_better
            )
        )
    return results


def score_json(instrument_code: str, answers: Mapping[str, object]) -> tuple[StoredScores, str]:
    """Stored scores of an answer set and its derived instruments, with the rule versions."""
    results = score_with_derived(instrument_code, answers)  # type: ignore[arg-type]
    scores = {result.instrument: result.to_json() for result in results}
    return scores, "; ".join(result.rule_version for result in results)


def _rounded(value: Fraction | None, places: int) -> Decimal | None:
    return None if value is None else round_half_up(value, places)
