"""Throughput benchmark of the scoring paths: one-by-one (exact), bulk (numpy), and np.nanmean.

np.nanmean over the same matrix is the practical limit: a single vectorised pass with no
validation or exact rounding. Pure module; it returns rows and prints nothing (the lead wraps it
in a management command). Instrument rules: MarrowTrack instrument spec.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from .bulk import score_matrix
from .instruments import Definition
from .scoring import Answer, instrument_list, score

MISSING_RATE = 0.05


class BenchmarkRow(TypedDict):
    """Timings of one instrument; answers = respondents x items (matrix cells)."""

    instrument: str
    respondents: int
    answers: int
    one_by_one_seconds: float
    bulk_seconds: float
    nanmean_seconds: float
    one_by_one_answers_per_second: float
    bulk_answers_per_second: float
    nanmean_answers_per_second: float
    bulk_speedup_over_one_by_one: float
    bulk_slowdown_vs_nanmean: float


def random_matrix(definition: Definition, n: int, rng: np.random.Generator) -> npt.NDArray:
    """n random answer sets in range (5% missing), decimals where the item allows them."""
    columns = []
    for item in definition.items:
        step = 10**item.decimals
        column = rng.integers(item.minimum * step, item.maximum * step + 1, size=n) / step
        column[rng.random(n) < MISSING_RATE] = np.nan
        columns.append(column)
    return np.column_stack(columns)


def matrix_to_answers(definition: Definition, matrix: npt.NDArray) -> list[dict[str, Answer]]:
    """Rows as answer dicts (whole numbers as int), missing cells left out."""
    codes = definition.item_codes
    decimals = [item.decimals for item in definition.items]
    return [
        {
            code: (float(value) if places else int(value))
            for code, value, places in zip(codes, row, decimals, strict=True)
            if not np.isnan(value)
        }
        for row in matrix
    ]


def _seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return max(time.perf_counter() - start, 1e-9)


def _one_by_one(code: str, answer_sets: Sequence[Mapping[str, Answer]]) -> None:
    for answers in answer_sets:
        score(code, answers)


def benchmark_instrument(definition: Definition, n: int, rng: np.random.Generator) -> BenchmarkRow:
    """Timings and answers/second of the three paths for one instrument."""
    matrix = random_matrix(definition, n, rng)
    answer_sets = matrix_to_answers(definition, matrix)
    cells = matrix.size
    one = _seconds(lambda: _one_by_one(definition.code, answer_sets))
    bulk = _seconds(lambda: score_matrix(definition.code, matrix))
    with warnings.catch_warnings():
        # Rows with every cell missing make nanmean warn; the benchmark must stay silent.
        warnings.simplefilter("ignore", RuntimeWarning)
        limit = _seconds(lambda: np.nanmean(matrix, axis=1))
    return BenchmarkRow(
        instrument=definition.code,
        respondents=n,
        answers=cells,
        one_by_one_seconds=one,
        bulk_seconds=bulk,
        nanmean_seconds=limit,
        one_by_one_answers_per_second=cells / one,
        bulk_answers_per_second=cells / bulk,
        nanmean_answers_per_second=cells / limit,
        bulk_speedup_over_one_by_one=one / bulk,
        bulk_slowdown_vs_nanmean=bulk / limit,
    )


def run_benchmark(n: int, seed: int) -> list[BenchmarkRow]:
    """One row per instrument: the one-by-one, bulk and nanmean paths on the same n answer sets."""
    rng = np.random.default_rng(seed)
    return [benchmark_instrument(definition, n, rng) for definition in instrument_list()]
