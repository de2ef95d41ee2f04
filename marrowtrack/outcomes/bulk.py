"""Vectorised scoring of many answer sets of one instrument (rows = respondents, NaN = missing).

Same rules as scoring.py (MarrowTrack instrument spec; each instrument module names its clinical
source). To give results identical to the one-by-one path, each score is built as an exact
integer ratio numerator/denominator in int64 arrays and rounded half-up with integer arithmetic;
table scores (KOOS JR, PROMIS) are looked up from the same Decimal tables. Decimal items
(ASES PAIN_VAS, EQ VAS) are carried as integer hundredths, which is exact because they allow
at most 2 decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from .instruments import (
    Item,
    ases,
    eq5d5l,
    koos,
    koos_jr,
    lefs,
    odi,
    promis_pi_4a,
    quickdash,
    spadi,
    womac,
)
from .scoring import Answer, AnswerError, instrument

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Ratio = tuple[Ints, Ints, Bools]  # numerator, denominator, scorable
Part = Ratio | Floats  # a ratio to round, or an already exact table value
Columns = Callable[[Sequence[str]], Floats]


def answers_to_matrix(
    instrument_code: str,
    answer_sets: Sequence[Mapping[str, Answer]],
    columns: Sequence[str] | None = None,
) -> Floats:
    """A float matrix of answer sets (NaN for missing), columns in definition order by default."""
    codes = list(columns or instrument(instrument_code).definition.item_codes)
    matrix = np.full((len(answer_sets), len(codes)), np.nan)
    for row, answers in enumerate(answer_sets):
        for col, code in enumerate(codes):
            value = answers.get(code)
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal | None):
                raise AnswerError(code, f"row {row}: expected a number, got {type(value).__name__}")
            if value is not None:
                matrix[row, col] = float(value)
    return matrix


def score_matrix(
    instrument_code: str, matrix: npt.ArrayLike, columns: Sequence[str] | None = None
) -> dict[str, Floats]:
    """Scores per respondent for each score key (NaN where not scorable), rounded half-up."""
    entry = instrument(instrument_code)
    definition = entry.definition
    codes = list(columns or definition.item_codes)
    values = np.asarray(matrix, dtype=np.float64).reshape(-1, len(codes))
    items = {item.code: item for item in (*definition.items, *entry.also_accepts)}
    for col, code in enumerate(codes):
        if code not in items:
            raise AnswerError(code, f"unknown item for {definition.code}")
        _check_column(items[code], values[:, col])
    index = {code: col for col, code in enumerate(codes)}

    def cols(wanted: Sequence[str]) -> Floats:
        picked = [values[:, index[c]] if c in index else _missing(len(values)) for c in wanted]
        return np.column_stack(picked) if picked else np.empty((len(values), 0))

    parts = _SCORERS[definition.code](cols)
    return {key.key: _finish(parts[key.key], key.places) for key in definition.score_keys}


def _missing(rows: int) -> Floats:
    return np.full(rows, np.nan)


def _check_column(item: Item, column: Floats) -> None:
    present = column[~np.isnan(column)]
    scaled = present * 10**item.decimals
    bad_step = present != np.rint(scaled) / 10**item.decimals
    bad_range = (present < item.minimum) | (present > item.maximum) | ~np.isfinite(present)
    if bad_step.any() or bad_range.any():
        row = int(np.flatnonzero(~np.isnan(column))[np.flatnonzero(bad_step | bad_range)[0]])
        raise AnswerError(item.code, f"row {row}: {column[row]!r} is not a valid answer")


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


def _single(cols: Columns, code: str) -> Ratio:
    block = cols([code])
    return _sum(block), np.ones(len(block), dtype=np.int64), _count(block) == 1


def _nprs(cols: Columns) -> dict[str, Part]:
    return {"total": _single(cols, "NPRS")}


def _pgic(cols: Columns) -> dict[str, Part]:
    return {"total": _single(cols, "PGIC")}


def _koos(cols: Columns) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    for key, items, needed in koos.SUBSCALES:
        block = cols([item.code for item in items])
        n, total = _count(block), _sum(block)
        parts[key] = (100 * n - 25 * total, n, n >= needed)
    return parts


def _koos_jr(cols: Columns) -> dict[str, Part]:
    block = cols(koos_jr.CODES)
    return {"total": _lookup(_sum(block), _count(block) == 7, koos_jr.TABLE)}


def _womac(cols: Columns) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    raws: list[Ratio] = []
    for key, codes, allowed in womac.SUBSCALES:
        block = cols(codes)
        n, total = _count(block), _sum(block)
        ok = n >= len(codes) - allowed
        raws.append((total * len(codes), n, ok))
        parts[f"{key}_raw"] = raws[-1]
        parts[key] = (25 * total, n, ok)
    (p, pn, pok), (s, sn, sok), (f, fn, fok) = raws
    total_num = p * sn * fn + s * pn * fn + f * pn * sn
    total_den, ok = pn * sn * fn, pok & sok & fok
    parts["total_raw"] = (total_num, total_den, ok)
    parts["total"] = (total_num * 25, total_den * 24, ok)
    return parts


def _odi(cols: Columns) -> dict[str, Part]:
    block = cols(odi.CODES)
    n = _count(block)
    return {"total": (20 * _sum(block), n, n >= 9)}


def _quickdash(cols: Columns) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    for key, codes, needed in quickdash.MODULES:
        block = cols(codes)
        n = _count(block)
        parts[key] = (25 * (_sum(block) - n), n, n >= needed)
    return parts


def _spadi(cols: Columns) -> dict[str, Part]:
    ratios: list[Ratio] = []
    for _, codes, needed in spadi.SUBSCALES:
        block = cols(codes)
        n = _count(block)
        ratios.append((10 * _sum(block), n, n >= needed))
    (p, pn, pok), (d, dn, dok) = ratios
    total = (p * dn + d * pn, 2 * pn * dn, pok & dok)
    return {"pain": ratios[0], "disability": ratios[1], "total": total}


def _ases(cols: Columns) -> dict[str, Part]:
    vas = cols(["PAIN_VAS"])
    adl = cols(ases.ADL_CODES)
    ok = (_count(vas) == 1) & (_count(adl) == 10)
    # (10 - k/100) x 5 + 5/3 x S  ==  (3 x (1000 - k) + 100 x S) / 60, k = VAS in hundredths
    numerator = 3 * (1000 - _sum(vas, 100)) + 100 * _sum(adl)
    return {"total": (numerator, np.full(len(ok), 60, dtype=np.int64), ok)}


def _lefs(cols: Columns) -> dict[str, Part]:
    block = cols(lefs.CODES)
    return {"total": (_sum(block), np.ones(len(block), dtype=np.int64), _count(block) == 20)}


def _promis(cols: Columns) -> dict[str, Part]:
    block = cols(promis_pi_4a.CODES)
    ok = _count(block) == 4
    return {"t_score": _lookup(_sum(block), ok, promis_pi_4a.TABLE, offset=4)}


def _eq5d(cols: Columns) -> dict[str, Part]:
    block = cols(eq5d5l.DIMENSIONS)
    ok = _count(block) == 5
    levels = np.where(np.isnan(block), 1, block).astype(np.int64)
    thousandths = np.ones(len(block), dtype=np.int64) * 1000
    parts: dict[str, Part] = {}
    for key, value_set in eq5d5l.VALUE_SETS.items():
        decrements = np.zeros(len(block), dtype=np.int64)
        for col, dimension in enumerate(eq5d5l.DIMENSIONS):
            table = np.array((0, 0, *value_set[dimension]), dtype=np.int64)
            decrements += table[levels[:, col]]
        parts[key] = (1000 - decrements, thousandths, ok)
    vas = cols(["VAS"])
    parts["vas"] = (_sum(vas, 100), np.full(len(vas), 100, dtype=np.int64), _count(vas) == 1)
    return parts


_SCORERS: dict[str, Callable[[Columns], dict[str, Part]]] = {
    "NPRS": _nprs,
    "KOOS": _koos,
    "KOOS_JR": _koos_jr,
    "WOMAC": _womac,
    "ODI": _odi,
    "QUICKDASH": _quickdash,
    "SPADI": _spadi,
    "ASES": _ases,
    "LEFS": _lefs,
    "PROMIS_PI_4A": _promis,
    "EQ5D5L": _eq5d,
    "PGIC": _pgic,
}
