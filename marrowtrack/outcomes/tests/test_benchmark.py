"""run_benchmark times the one-by-one, bulk and nanmean paths and prints nothing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from marrowtrack.outcomes.benchmark import matrix_to_answers, random_matrix, run_benchmark
from marrowtrack.outcomes.scoring import instrument, instrument_list, score


def test_run_benchmark_returns_one_row_per_instrument_with_rates_and_ratios(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = run_benchmark(50, seed=7)
    assert [row["instrument"] for row in rows] == [d.code for d in instrument_list()]
    for row in rows:
        assert row["respondents"] == 50
        assert row["answers"] == 50 * len(instrument(row["instrument"]).definition.items)
        for key in ("one_by_one", "bulk", "nanmean"):
            assert row[f"{key}_answers_per_second"] > 0  # type: ignore[literal-required]
        expected = row["one_by_one_seconds"] / row["bulk_seconds"]
        assert row["bulk_speedup_over_one_by_one"] == pytest.approx(expected)
    assert capsys.readouterr() == ("", "")


def test_random_matrix_stays_in_range_and_is_reproducible_for_a_seed() -> None:
    definition = instrument("ASES").definition
    first = random_matrix(definition, 200, np.random.default_rng(3))
    second = random_matrix(definition, 200, np.random.default_rng(3))
    np.testing.assert_array_equal(first, second)
    assert np.nanmin(first[:, 1:]) >= 0 and np.nanmax(first[:, 1:]) <= 3
    assert np.isnan(first).any()


def test_benchmark_answer_sets_are_valid_input_for_the_one_by_one_path() -> None:
    definition = instrument("EQ5D5L").definition
    matrix = random_matrix(definition, 30, np.random.default_rng(1))
    for answers in matrix_to_answers(definition, matrix):
        score("EQ5D5L", answers)
