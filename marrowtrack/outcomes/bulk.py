"""Vectorised scoring of many answer sets of one instrument (rows = respondents, NaN = missing).

Same rules as scoring.py (MarrowTrack instrument spec, docs/outcomes.md; each instrument module
names its clinical source), including the missing-data rules and their reasons, so a whole
registry is rescored with no row scored one by one. To give results identical to the exact
path, each score is built as an exact integer ratio numerator/denominator in int64 arrays and
rounded half-up with integer arithmetic; table scores (KOOS JR, PROMIS) are looked up from the
same Decimal tables. Decimal items (the ASES pain VAS) are carried as integer hundredths, which
is exact because they allow at most 2 decimals. Reasons are looked up from tables of the exact
path's own sentences, indexed by the number of items answered.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import chain, repeat
from operator import itemgetter
from string import Formatter
from typing import Any

import numpy as np
import numpy.typing as npt

from .instruments import (
    Item,
    ases,
    eq5d5l,
    hoos,
    hoos_jr,
    koos,
    koos_jr,
    lefs,
    odi,
    promis_pi_4a,
    quickdash,
    spadi,
    womac,
)
from .instruments.base import dependent_reason, missing_reason
from .scoring import (
    Answer,
    AnswerError,
    StoredScores,
    derivations,
    derived_rule_version,
    instrument,
)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]
Coded = tuple[Texts, Ints]  # a column of texts: its distinct texts, each row's place among them
Ratio = tuple[Ints, Ints, Bools]  # numerator, denominator, scorable
Part = Ratio | Floats  # a ratio to round, or an already exact table value
Columns = Callable[[Sequence[str]], Floats]
NUMBER_TYPES = frozenset({int, float, type(None)})


@dataclass(frozen=True)
class Reason:
    """One reason column: the rows it applies to and, per row, its sentence, kept as a small
    table of sentences and each row's place in it (rows share a handful of sentences)."""

    applies: Bools
    table: Texts
    index: Ints

    @property
    def texts(self) -> Texts:
        return self.table[self.index]


@dataclass
class Scored:
    """Exact parts per score key and the reason columns, in the exact scorer's order."""

    parts: dict[str, Part] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class BulkScores:
    """Rounded scores per key (NaN = not scorable) and the reason columns, in order."""

    scores: dict[str, Floats]
    reason_columns: list[Reason]
    rows: int

    @property
    def reasons(self) -> list[list[str]]:
        """Each row's reasons, in the exact scorer's order."""
        return reasons_per_row(self.reason_columns, self.rows)


def answers_to_matrix(
    instrument_code: str,
    answer_sets: Sequence[Mapping[str, Answer]],
    columns: Sequence[str] | None = None,
) -> Floats:
    """A float matrix of answer sets (NaN for missing), columns in definition order by default.

    Built column by column in C where the values are all numbers; a value of another type
    (text, true/false) raises an AnswerError naming the item and the row.
    """
    codes = list(columns or instrument(instrument_code).definition.item_codes)
    matrix = np.empty((len(answer_sets), len(codes)))
    for col, code in enumerate(codes):
        values = [answers.get(code) for answers in answer_sets]
        if not set(map(type, values)) <= NUMBER_TYPES:
            _raise_wrong_type(code, values)
        matrix[:, col] = np.array(values, dtype=np.float64)
    return matrix


def checked_matrix(
    instrument_code: str, answer_sets: Sequence[Mapping[str, object]]
) -> tuple[Floats, list[str], dict[int, tuple[str, str]]]:
    """(matrix, columns, {row: (item, message)}) with the invalid rows set to missing.

    The exact path refuses an unknown item, a value of the wrong type, and a value out of
    range or off the item's step; so does this, row by row, without stopping at the first.
    """
    entry = instrument(instrument_code)
    known = [item.code for item in (*entry.definition.items, *entry.also_accepts)]
    present = set().union(*answer_sets) if answer_sets else set()
    columns = [code for code in known if code in present or code in entry.definition.item_codes]
    bad: dict[int, tuple[str, str]] = {}
    if not present <= set(known):
        _mark_unknown(instrument_code, answer_sets, set(known), bad)
    matrix = _fast_matrix(answer_sets, columns)
    if matrix is None:
        matrix = np.empty((len(answer_sets), len(columns)))
        for col, code in enumerate(columns):
            values = [answers.get(code) for answers in answer_sets]
            if not set(map(type, values)) <= NUMBER_TYPES:
                values = _blank_wrong_types(code, values, bad)
            matrix[:, col] = np.array(values, dtype=np.float64)
    for row, problem in invalid_cells(instrument_code, matrix, columns).items():
        bad.setdefault(row, problem)
    return matrix, columns, bad


def _fast_matrix(answer_sets: Sequence[Mapping[str, object]], columns: list[str]) -> Floats | None:
    """The matrix in one pass when every answer set names every column with a number or null
    (the usual case: forms store every item); None sends the caller to the careful path."""
    if not answer_sets or not columns:
        return None
    pick = itemgetter(*columns)
    try:
        rows = list(map(pick, answer_sets))
    except (KeyError, TypeError):
        return None
    cells = rows if len(columns) == 1 else chain.from_iterable(rows)
    if not set(map(type, cells)) <= NUMBER_TYPES:
        return None
    return np.array(rows, dtype=np.float64).reshape(len(answer_sets), len(columns))


def _mark_unknown(
    code: str, answer_sets: Sequence[Mapping[str, object]], known: set[str], bad: dict
) -> None:
    for row, answers in enumerate(answer_sets):
        unknown = sorted(set(answers) - known)
        if unknown:
            bad.setdefault(row, (str(unknown[0]), f"unknown item for {code}"))


def _blank_wrong_types(code: str, values: list[object], bad: dict) -> list[object]:
    for row, value in enumerate(values):
        if type(value) not in NUMBER_TYPES:
            bad.setdefault(row, (code, f"expected a number, got {type(value).__name__}"))
    return [value if type(value) in NUMBER_TYPES else None for value in values]


def _raise_wrong_type(code: str, values: list[object]) -> None:
    for row, value in enumerate(values):
        if type(value) not in NUMBER_TYPES:
            raise AnswerError(code, f"row {row}: expected a number, got {type(value).__name__}")


def score_matrix(
    instrument_code: str, matrix: npt.ArrayLike, columns: Sequence[str] | None = None
) -> dict[str, Floats]:
    """Scores per respondent for each score key (NaN where not scorable), rounded half-up."""
    return score_matrix_full(instrument_code, matrix, columns).scores


def score_matrix_full(
    instrument_code: str,
    matrix: npt.ArrayLike,
    columns: Sequence[str] | None = None,
    *,
    checked: bool = False,
) -> BulkScores:
    """Scores and reasons per respondent; raises AnswerError on the first invalid cell
    (`checked`: the caller has already run invalid_cells on these columns and found none)."""
    entry = instrument(instrument_code)
    definition = entry.definition
    codes = list(columns or definition.item_codes)
    values = np.asarray(matrix, dtype=np.float64).reshape(-1, len(codes))
    bad = {} if checked else invalid_cells(instrument_code, values, codes)
    if bad:
        row, (code, message) = min(bad.items())
        raise AnswerError(code, f"row {row}: {message}")
    index = {code: col for col, code in enumerate(codes)}

    def cols(wanted: Sequence[str]) -> Floats:
        places = [index.get(code) for code in wanted]
        if wanted and None not in places:  # one take of the columns, not one array each
            return values[:, places]
        picked = [values[:, index[c]] if c in index else _missing(len(values)) for c in wanted]
        return np.column_stack(picked) if picked else np.empty((len(values), 0))

    scored = _SCORERS[definition.code](cols)
    scores = {k.key: _finish(scored.parts[k.key], k.places) for k in definition.score_keys}
    return BulkScores(scores, scored.reasons, len(values))


def score_json_many(
    instrument_code: str, answer_sets: Sequence[Mapping[str, Answer]]
) -> list[tuple[StoredScores, str]]:
    """The stored scores and rule versions of many answer sets: per row, exactly what
    scoring.score_json gives (its derived instruments included), with no row scored alone."""
    columns = list(instrument(instrument_code).definition.item_codes)
    matrix = answers_to_matrix(instrument_code, answer_sets, columns)
    return score_json_matrix(instrument_code, matrix, columns)


def score_json_matrix(
    instrument_code: str, matrix: Floats, columns: Sequence[str]
) -> list[tuple[StoredScores, str]]:
    """As score_json_many, from a matrix already built (raises AnswerError on a bad cell)."""
    results = _derived_results(instrument_code, matrix, columns)
    version = "; ".join(rule_version for _, _, rule_version in results)
    per_code = [(code, _json_rows(code, result)) for code, result, _ in results]
    return [({code: rows[i] for code, rows in per_code}, version) for i in range(len(matrix))]


def score_texts_matrix(
    instrument_code: str,
    matrix: Floats,
    columns: Sequence[str],
    *,
    jsonb_order: bool = False,
    checked: bool = False,
) -> tuple[list[str], str]:
    """The stored scores of every row as JSON text, exactly json.dumps(score_json(...)[0]):
    each column's numbers turned to text once per distinct value, then each row's pieces joined
    (one template for the instrument and the ones derived from it).

    `jsonb_order` puts the keys in the order PostgreSQL's jsonb prints them (shorter keys
    first, then by bytes), so the text equals a stored jsonb value's text when the scores do.
    `checked`: the caller has already found no invalid cell (invalid_cells), so the matrix is
    not checked again.
    """
    results = _derived_results(instrument_code, matrix, columns, checked=checked)
    version = "; ".join(rule_version for _, _, rule_version in results)
    if jsonb_order:
        results.sort(key=lambda result: _jsonb_key(result[0]))
    pieces: list[tuple[str, Coded]] = []  # each value column with the literal text before it
    before = "{"
    for number, (code, result, _) in enumerate(results):
        before += f'{", " if number else ""}"{code}": {{'
        for place, (name, column) in enumerate(_json_columns(code, result, jsonb_order)):
            pieces.append((f'{before}{", " if place else ""}"{name}": ', column))
            before = ""
        before += "}"
    return _join_rows(pieces, before + "}"), version


def _join_rows(pieces: Sequence[tuple[str, Coded]], after: str) -> list[str]:
    """Each row's text: the literals and the row's value texts in turn, then `after`. Each
    literal is joined to the distinct texts of the value after it (once per distinct text, not
    once per row), so a row joins one piece per value instead of two."""
    columns = []
    for number, (before, (texts, inverse)) in enumerate(pieces):
        end = after if number == len(pieces) - 1 else ""
        folded = np.array([before + text + end for text in texts.tolist()], dtype=object)
        columns.append(folded[inverse].tolist())
    return columns[0] if len(columns) == 1 else fill_rows("{}" * len(columns), columns)


def fill_rows(template: str, columns: Sequence[Sequence[str]]) -> list[str]:
    """template.format(*row) for each row of the columns (one text per row and field), by
    joining each row's literal pieces and values: str.format parses the template again for
    every row, which costs twice the join."""
    if not columns or len({len(column) for column in columns}) != 1:
        raise ValueError("fill_rows needs at least one column, all of one length")
    values = iter(columns)
    pieces: list[Iterable[str]] = []
    for literal, field_name, _, _ in Formatter().parse(template):
        if literal:
            pieces.append(repeat(literal))
        if field_name is not None:
            pieces.append(next(values))
    # The literals repeat without end; the columns, all of one length, end the rows.
    return list(map("".join, zip(*pieces, strict=False)))


def _derived_results(
    instrument_code: str, matrix: Floats, columns: Sequence[str], *, checked: bool = False
) -> list[tuple[str, BulkScores, str]]:
    entry = instrument(instrument_code)
    results = [
        (
            instrument_code,
            score_matrix_full(instrument_code, matrix, columns, checked=checked),
            entry.definition.rule_version,
        )
    ]
    for derivation in derivations(instrument_code):
        source_to_target = {source: target for target, source in derivation.item_map}
        picked = [col for col, code in enumerate(columns) if code in source_to_target]
        target_columns = [source_to_target[columns[col]] for col in picked]
        result = score_matrix_full(
            derivation.target,
            matrix[:, picked],
            target_columns,
            checked=checked and _accepts_the_same(instrument_code, derivation.target),
        )
        results.append(
            (derivation.target, result, derived_rule_version(derivation, instrument_code))
        )
    return results


@cache
def _accepts_the_same(source: str, target: str) -> bool:
    """Each derived item accepts exactly the answers of the item it is taken from (same range
    and decimals), so answers valid for the source need no second check for the target."""
    derivation = next(d for d in derivations(source) if d.target == target)
    entry, derived = instrument(source), instrument(target)
    items = {item.code: item for item in (*entry.definition.items, *entry.also_accepts)}
    targets = {item.code: item for item in (*derived.definition.items, *derived.also_accepts)}
    return all(
        _answers_of(items[source_code]) == _answers_of(targets[target_code])
        for target_code, source_code in derivation.item_map
    )


def _answers_of(item: Item) -> tuple[int, int, int]:
    return item.minimum, item.maximum, item.decimals


def _json_columns(code: str, result: BulkScores, jsonb_order: bool) -> list[tuple[str, Coded]]:
    """The instrument's keys with their values' texts as json.dumps writes them, in the order
    json.dumps (or jsonb) writes the keys."""
    places = {key.key: key.places for key in instrument(code).definition.score_keys}
    names = [*places, "reasons"]
    if jsonb_order:
        names.sort(key=_jsonb_key)
    return [
        (
            name,
            _reason_texts(result)
            if name == "reasons"
            else _text_codes(result.scores[name], places[name]),
        )
        for name in names
    ]


def _reason_texts(result: BulkScores) -> Coded:
    """Each row's reasons as JSON text: one json.dumps per distinct combination of sentences.

    A row's combination is one integer (each reason column's sentence number, or 0 where it
    does not apply, in mixed radix), so the rows are grouped with array operations.
    """
    columns = result.reason_columns
    if not columns:
        return np.array(["[]"], dtype=object), np.zeros(result.rows, dtype=np.int64)
    if math.prod(len(reason.table) + 1 for reason in columns) >= 2**62:  # too many to number
        texts = np.array([json.dumps(reasons) for reasons in result.reasons], dtype=object)
        return texts, np.arange(result.rows)
    key = np.zeros(result.rows, dtype=np.int64)
    for reason in columns:
        key = key * (len(reason.table) + 1) + np.where(reason.applies, reason.index + 1, 0)
    distinct, inverse = distinct_keys(key)
    texts = []
    for combination in distinct.tolist():
        sentences = []
        for reason in reversed(columns):
            combination, place = divmod(combination, len(reason.table) + 1)
            if place:
                sentences.append(reason.table[place - 1])
        texts.append(json.dumps(sentences[::-1]))
    return np.array(texts, dtype=object), inverse


def _jsonb_key(key: str) -> tuple[int, bytes]:
    """jsonb stores (and prints) object keys shorter first, then in byte order."""
    encoded = key.encode()
    return len(encoded), encoded


def _text_codes(values: Floats, places: int) -> Coded:
    """Numbers as json.dumps writes them (repr of a float, a plain integer), null for NaN: the
    distinct texts and each value's place among them.

    A rounded score takes few distinct values (at most 10,001 for 0-100 with two decimals),
    so each distinct value is turned to text once.
    """
    distinct, inverse = _distinct(values, places)
    missing = np.isnan(distinct)
    whole = np.where(missing, 0, distinct).astype(np.int64)
    numbers = whole.tolist() if places == 0 else distinct.tolist()
    texts = np.array(list(map(repr, numbers)), dtype=object)  # as json.dumps writes them
    texts[missing] = "null"
    return texts, inverse


def _distinct(values: Floats, places: int) -> tuple[Floats, Ints]:
    """The distinct values and each value's place among them. Rounded to `places`, the values
    are integers in hundredths (say) over a short range: counted in a table, not sorted."""
    present = ~np.isnan(values)
    steps = np.rint(np.where(present, values, 0) * 10**places).astype(np.int64)
    if not np.array_equal(steps[present] / 10**places, values[present]):
        distinct, _, inverse = sorted_distinct(values)
        return distinct, inverse
    low = int(steps.min()) if len(steps) else 0
    # Missing values take the key just below the lowest value, so they come first, as NaN.
    keys, inverse = distinct_keys(np.where(present, steps, low - 1))
    distinct = np.where(keys == low - 1, np.nan, keys / 10**places)
    return distinct, inverse


def distinct_keys(keys: Ints) -> tuple[Ints, Ints]:
    """The distinct integers in order and each one's place among them, as np.unique gives.
    Keys over a short range (answer codes, scores in hundredths) are counted in a table of the
    range instead of sorted, which costs a few times less."""
    low, high = (int(keys.min()), int(keys.max())) if len(keys) else (0, -1)
    if high - low > max(1_000_000, 4 * len(keys)):
        distinct, _, inverse = sorted_distinct(keys)
        return distinct, inverse
    seen = np.zeros(high - low + 1, dtype=bool)
    slot = keys - low
    seen[slot] = True
    used = np.flatnonzero(seen)
    place = np.cumsum(seen) - 1
    return used + low, place[slot]


def sorted_distinct(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], Ints, Ints]:
    """The distinct values in order, where each first appears and each value's place among
    them: what np.unique(return_index=True, return_inverse=True) gives (NaN counted once, last).

    Not np.unique itself: its first call in a process imports numpy.ma (about 0.02 s of CPU),
    which a user running `marrowtrack rescore` once paid on every run (a fifteenth of it).
    """
    order = np.argsort(values, kind="stable")  # stable: the first of equal values leads
    ordered = values[order]
    starts = np.ones(len(ordered), dtype=bool)
    if len(ordered) > 1:
        differs = ordered[1:] != ordered[:-1]
        if ordered.dtype.kind == "f":
            differs &= ~(np.isnan(ordered[1:]) & np.isnan(ordered[:-1]))
        starts[1:] = differs
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], order[starts].astype(np.int64), inverse


def _json_rows(code: str, result: BulkScores) -> list[dict[str, object]]:
    """Rows as {key: number or None, ..., "reasons": [...]}, like ScoreResult.to_json()."""
    keys = instrument(code).definition.score_keys
    columns = [_json_column(result.scores[k.key], k.places) for k in keys]
    names = [k.key for k in keys]
    return [
        {**dict(zip(names, values, strict=True)), "reasons": reasons}
        for values, reasons in zip(zip(*columns, strict=True), result.reasons, strict=True)
    ]


def _json_column(values: Floats, places: int) -> list[object]:
    """Floats (whole numbers when places is 0) with None for NaN, as Python objects."""
    missing = np.isnan(values)
    if places == 0:
        out = np.where(missing, 0, values).astype(np.int64).astype(object)
    else:
        out = values.astype(object)
    out[missing] = None
    return out.tolist()


def invalid_cells(
    instrument_code: str, matrix: Floats, columns: Sequence[str]
) -> dict[int, tuple[str, str]]:
    """{row: (item, message)} of the first invalid cell of each row (unknown item: row -1).

    One pass over the whole matrix: each column's range and step broadcast along the rows.
    """
    entry = instrument(instrument_code)
    items = {item.code: item for item in (*entry.definition.items, *entry.also_accepts)}
    for code in columns:
        if code not in items:
            return {-1: (code, f"unknown item for {entry.definition.code}")}
    picked = [items[code] for code in columns]
    bad = _bad_cells(matrix, picked)
    rows = np.flatnonzero(bad.any(axis=1))
    first = bad[rows].argmax(axis=1)  # the first invalid column of each of those rows
    return {
        row: (columns[col], f"{float(matrix[row, col]):g} is not a valid answer")
        for row, col in zip(rows.tolist(), first.tolist(), strict=True)
    }


def _bad_cells(matrix: Floats, items: Sequence[Item]) -> Bools:
    values = np.asarray(matrix, dtype=np.float64).reshape(-1, len(items))
    lowest = np.array([float(item.minimum) for item in items])
    highest = np.array([float(item.maximum) for item in items])
    with np.errstate(invalid="ignore"):
        bad = values < lowest
        bad |= values > highest
    if not (np.isfinite(lowest).all() and np.isfinite(highest).all()):
        bad |= np.isinf(values)
    if all(item.decimals == 0 for item in items):
        bad |= values != np.rint(values)  # whole answers only (NaN too: cleared below)
    else:
        step = np.array([10.0**item.decimals for item in items])
        value = np.where(np.isnan(values), 0, values)
        # A float is on the item's step when it round-trips through that many decimals (0.29 x
        # 100 is 28.999... in binary, yet 0.29 has two decimals, as the exact path reads it).
        bad |= value != np.rint(value * step) / step
    bad &= ~np.isnan(values)  # a missing answer is never invalid
    return bad


def reasons_per_row(reasons: Sequence[Reason], rows: int) -> list[list[str]]:
    """Each row's reasons in column order; only the rows and columns that apply are visited."""
    per_row: list[list[str]] = [[] for _ in range(rows)]
    for reason in reasons:
        for row in np.flatnonzero(reason.applies).tolist():
            per_row[row].append(reason.texts[row])
    return per_row


def _missing(rows: int) -> Floats:
    return np.full(rows, np.nan)


def round_ratio(numerator: Ints, denominator: Ints, places: int) -> Floats:
    """numerator/denominator rounded half-up (away from zero) to places, as floats."""
    scaled = np.abs(numerator) * 10**places
    whole = (2 * scaled + denominator) // (2 * denominator)
    return np.sign(numerator) * whole / 10**places


def _finish(part: Part, places: int) -> Floats:
    if not isinstance(part, tuple):
        return part
    numerator, denominator, ok = part
    safe = np.where(ok, denominator, 1)
    return np.where(ok, round_ratio(np.where(ok, numerator, 0), safe, places), np.nan)


def _count(block: Floats) -> Ints:
    return (~np.isnan(block)).sum(axis=1).astype(np.int64)


def _sum(block: Floats, scale: int = 1) -> Ints:
    """Row sums of answers times scale, as exact integers (scale 100 for hundredths)."""
    return np.rint(np.nansum(block * scale, axis=1)).astype(np.int64)


def _lookup(total: Ints, ok: Bools, table: Mapping[int, Decimal], offset: int = 0) -> Floats:
    values = np.array([float(table[raw]) for raw in sorted(table)])
    return np.where(ok, values[np.where(ok, total - offset, 0)], np.nan)


def _need(scored: Scored, key: str, n: Ints, total: int, needed: int) -> Bools:
    """The "at least `needed` of `total` items" rule: rows that pass, and the reason column."""
    ok = n >= needed
    table = np.array([missing_reason(key, k, total, needed) for k in range(total + 1)], object)
    scored.reasons.append(Reason(~ok, table, n))
    return ok


def _depends(scored: Scored, key: str, parts: Sequence[tuple[str, Bools]]) -> Bools:
    """A combined score needing all its parts; the reason names the parts that failed."""
    names = [name for name, _ in parts]
    mask = np.zeros(len(parts[0][1]), dtype=np.int64)
    for bit, (_, ok) in enumerate(parts):
        mask |= (~ok).astype(np.int64) << bit
    table = np.array(
        [
            dependent_reason(key, [n for b, n in enumerate(names) if m >> b & 1])
            for m in range(2 ** len(names))
        ],
        object,
    )
    scored.reasons.append(Reason(mask != 0, table, mask))
    return mask == 0


def _constant(scored: Scored, applies: Bools, text: str) -> None:
    scored.reasons.append(
        Reason(applies, np.array([text], dtype=object), np.zeros(len(applies), dtype=np.int64))
    )


def _single(cols: Columns, code: str) -> Scored:
    block = cols([code])
    scored = Scored()
    ok = _need(scored, "total", _count(block), 1, 1)
    scored.parts["total"] = (_sum(block), np.ones(len(block), dtype=np.int64), ok)
    return scored


def _subscales(cols: Columns, subscales: Sequence[tuple[str, Sequence[Item], int]]) -> Scored:
    """KOOS and HOOS: 100 - 25 x mean of the answered items, at least `needed` answered."""
    scored = Scored()
    for key, items, needed in subscales:
        block = cols([item.code for item in items])
        n, total = _count(block), _sum(block)
        ok = _need(scored, key, n, len(items), needed)
        scored.parts[key] = (100 * n - 25 * total, n, ok)
    return scored


def _table(cols: Columns, codes: Sequence[str], table: Mapping[int, Decimal], key: str) -> Scored:
    block = cols(codes)
    scored = Scored()
    ok = _need(scored, key, _count(block), len(codes), len(codes))
    offset = min(table)
    scored.parts[key] = _lookup(_sum(block), ok, table, offset=offset)
    return scored


def _hoos_jr(cols: Columns) -> Scored:
    block = cols(hoos_jr.CODES)
    scored = Scored()
    n = _count(block)
    ok = _need(scored, "total", n, 6, 6)
    _need(scored, "raw_sum", n, 6, 6)
    _constant(scored, ok, hoos_jr.TABLE_MISSING)
    scored.parts["total"] = _missing(len(block))
    scored.parts["raw_sum"] = (_sum(block), np.ones(len(block), dtype=np.int64), ok)
    return scored


def _womac(cols: Columns) -> Scored:
    scored = Scored()
    raws: list[Ratio] = []
    for key, codes, allowed in womac.SUBSCALES:
        block = cols(codes)
        n, total = _count(block), _sum(block)
        ok = _need(scored, key, n, len(codes), len(codes) - allowed)
        raws.append((total * len(codes), n, ok))
        scored.parts[f"{key}_raw"] = raws[-1]
        scored.parts[key] = (25 * total, n, ok)
    (p, pn, pok), (s, sn, sok), (f, fn, fok) = raws
    ok = _depends(scored, "total", [("pain", pok), ("stiffness", sok), ("function", fok)])
    total_num = p * sn * fn + s * pn * fn + f * pn * sn
    total_den = pn * sn * fn
    scored.parts["total_raw"] = (total_num, total_den, ok)
    scored.parts["total"] = (total_num * 25, total_den * 24, ok)
    return scored


def _odi(cols: Columns) -> Scored:
    block = cols(odi.CODES)
    scored = Scored()
    n = _count(block)
    ok = _need(scored, "total", n, len(odi.CODES), 9)
    scored.parts["total"] = (20 * _sum(block), n, ok)
    return scored


def _quickdash(cols: Columns) -> Scored:
    scored = Scored()
    for key, codes, needed in quickdash.MODULES:
        block = cols(codes)
        n = _count(block)
        ok = _need(scored, key, n, len(codes), needed)
        scored.parts[key] = (25 * (_sum(block) - n), n, ok)
    return scored


def _spadi(cols: Columns) -> Scored:
    scored = Scored()
    ratios: list[Ratio] = []
    for key, codes, needed in spadi.SUBSCALES:
        block = cols(codes)
        n = _count(block)
        ratios.append((10 * _sum(block), n, _need(scored, key, n, len(codes), needed)))
    (p, pn, pok), (d, dn, dok) = ratios
    ok = _depends(scored, "total", [("pain", pok), ("disability", dok)])
    scored.parts.update(
        pain=ratios[0], disability=ratios[1], total=(p * dn + d * pn, 2 * pn * dn, ok)
    )
    return scored


def _ases(cols: Columns) -> Scored:
    vas = cols(["PAIN_VAS"])
    adl = cols(ases.ADL_CODES)
    scored = Scored()
    ok = _need(scored, "total", _count(vas) + _count(adl), 11, 11)
    # (10 - k/100) x 5 + 5/3 x S  ==  (3 x (1000 - k) + 100 x S) / 60, k = VAS in hundredths
    numerator = 3 * (1000 - _sum(vas, 100)) + 100 * _sum(adl)
    scored.parts["total"] = (numerator, np.full(len(ok), 60, dtype=np.int64), ok)
    return scored


def _lefs(cols: Columns) -> Scored:
    block = cols(lefs.CODES)
    scored = Scored()
    ok = _need(scored, "total", _count(block), 20, 20)
    scored.parts["total"] = (_sum(block), np.ones(len(block), dtype=np.int64), ok)
    return scored


def _eq5d(cols: Columns) -> Scored:
    block = cols(eq5d5l.DIMENSIONS)
    n = _count(block)
    levels = np.where(np.isnan(block), 1, block).astype(np.int64)
    thousandths = np.full(len(block), 1000, dtype=np.int64)
    scored = Scored()
    for key, value_set in eq5d5l.VALUE_SETS.items():
        ok = _need(scored, key, n, 5, 5)
        decrements = np.zeros(len(block), dtype=np.int64)
        for col, dimension in enumerate(eq5d5l.DIMENSIONS):
            table = np.array((0, 0, *value_set[dimension]), dtype=np.int64)
            decrements += table[levels[:, col]]
        scored.parts[key] = (1000 - decrements, thousandths, ok)
    vas = cols(["VAS"])
    ok = _need(scored, "vas", _count(vas), 1, 1)
    scored.parts["vas"] = (_sum(vas), np.ones(len(vas), dtype=np.int64), ok)
    return scored


_SCORERS: dict[str, Callable[[Columns], Scored]] = {
    "NPRS": lambda cols: _single(cols, "NPRS"),
    "KOOS": lambda cols: _subscales(cols, koos.SUBSCALES),
    "KOOS_JR": lambda cols: _table(cols, koos_jr.CODES, koos_jr.TABLE, "total"),
    "HOOS": lambda cols: _subscales(cols, hoos.SUBSCALES),
    "HOOS_JR": _hoos_jr,
    "WOMAC": _womac,
    "ODI": _odi,
    "QUICKDASH": _quickdash,
    "SPADI": _spadi,
    "ASES": _ases,
    "LEFS": _lefs,
    "PROMIS_PI_4A": lambda cols: _table(cols, promis_pi_4a.CODES, promis_pi_4a.TABLE, "t_score"),
    "EQ5D5L": _eq5d,
    "PGA": lambda cols: _single(cols, "PGA"),
    "PGIC": lambda cols: _single(cols, "PGIC"),
}

__all__ = ["BulkScores", "answers_to_matrix", "score_matrix", "score_matrix_full"]
