"""Bulk (numpy) scoring gives exactly the one-by-one results: scores, reasons, derived ones."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marrowtrack.outcomes.bulk import (
    answers_to_matrix,
    checked_matrix,
    distinct_keys,
    fill_rows,
    round_ratio,
    score_json_many,
    score_matrix,
    score_matrix_full,
    score_texts_matrix,
)
from marrowtrack.outcomes.instruments import Item
from marrowtrack.outcomes.scoring import (
    AnswerError,
    instrument,
    instrument_list,
    score,
    score_json,
)

CODES = [definition.code for definition in instrument_list()]


def _value(item: Item) -> st.SearchStrategy:
    step = 10**item.decimals
    values = st.integers(item.minimum * step, item.maximum * step)
    return values.map(lambda v: v / step) if item.decimals else values


@st.composite
def _answer_set(draw: st.DrawFn, items: tuple[Item, ...]) -> dict:
    # A missing rate per respondent, so sets land on both sides of every minimum-items rule.
    # A missing answer is stored as null, or (older forms) not stored at all.
    rate = draw(st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.9]))
    answers = {}
    for item in items:
        missing = draw(st.floats(0, 1)) < rate
        if not missing:
            answers[item.code] = draw(_value(item))
        elif draw(st.booleans()):
            answers[item.code] = None
    return answers


def _answer_sets(code: str) -> st.SearchStrategy:
    entry = instrument(code)
    items = (*entry.definition.items, *entry.also_accepts)
    return st.lists(_answer_set(items), min_size=1, max_size=20)


def _same(bulk: float, one: float | int | None) -> bool:
    return math.isnan(bulk) if one is None else bulk == one


@pytest.mark.parametrize("code", CODES)
@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data())
def test_bulk_scores_equal_one_by_one_scores_for_random_answer_sets(code: str, data) -> None:
    answer_sets = data.draw(_answer_sets(code))
    columns = sorted({key for answers in answer_sets for key in answers})
    matrix = answers_to_matrix(code, answer_sets, columns)
    bulk = score_matrix(code, matrix, columns)
    for row, answers in enumerate(answer_sets):
        one = score(code, answers).to_json()
        for key, values in bulk.items():
            assert _same(float(values[row]), one[key]), (key, answers, values[row], one[key])  # type: ignore[arg-type]


@pytest.mark.parametrize("code", CODES)
@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data())
def test_every_row_stores_exactly_what_the_exact_scorer_stores(code: str, data) -> None:
    """Scores, missing-data reasons, derived instruments and rule versions, row by row."""
    answer_sets = data.draw(_answer_sets(code))
    for answers, bulk in zip(answer_sets, score_json_many(code, answer_sets), strict=True):
        assert bulk == score_json(code, answers), answers
    # The JSON text `marrowtrack rescore` writes is exactly what json.dumps gives the exact
    # scores, so a stored row compares equal as text.
    matrix, columns, bad = checked_matrix(code, answer_sets)
    texts, version = score_texts_matrix(code, matrix, columns)
    assert bad == {}
    for answers, text in zip(answer_sets, texts, strict=True):
        exact, exact_version = score_json(code, answers)
        assert (text, version) == (json.dumps(exact), exact_version), answers
    # rescore checks the cells once, before scoring: unchecked again, the texts are the same.
    assert score_texts_matrix(code, matrix, columns, checked=True) == (texts, version)


@st.composite
def _missing_k_items(draw: st.DrawFn, items: tuple[Item, ...]) -> dict:
    """An answer set with exactly k items missing, k drawn uniformly from 0 to all, so each
    minimum-items rule (at least half, at most one missing, all required) is met and missed
    by one item as often as anywhere else; a missing item is null or absent."""
    order = draw(st.permutations([item.code for item in items]))
    missing = set(order[: draw(st.integers(0, len(items)))])
    answers: dict = {}
    for item in items:
        if item.code not in missing:
            answers[item.code] = draw(_value(item))
        elif draw(st.booleans()):
            answers[item.code] = None
    return answers


@pytest.mark.parametrize("code", CODES)
@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data())
def test_missing_data_rules_match_the_exact_scorer_at_every_count_of_missing_items(
    code: str, data
) -> None:
    """Issue 18 item 1: scores, null scores and their reasons, imputed WOMAC subscales and
    derived instruments, as rescore stores them, equal the exact scorer's row for row."""
    entry = instrument(code)
    items = (*entry.definition.items, *entry.also_accepts)
    answer_sets = data.draw(st.lists(_missing_k_items(items), min_size=1, max_size=20))
    matrix, columns, bad = checked_matrix(code, answer_sets)
    assert bad == {}
    texts, version = score_texts_matrix(code, matrix, columns)
    for answers, text in zip(answer_sets, texts, strict=True):
        exact, exact_version = score_json(code, answers)
        assert (json.loads(text), version) == (exact, exact_version), answers
        assert text == json.dumps(exact), answers


def test_bulk_reasons_name_the_items_answered_as_the_exact_scorer_does() -> None:
    matrix = np.array([[1, 1, 1, 1] + [np.nan] * 5, [1] * 9])
    result = score_matrix_full("KOOS", matrix, [f"P{i}" for i in range(1, 10)])
    assert result.reasons[0][0] == "pain: 4 of 9 items answered, 5 needed"
    assert result.reasons[1][0].startswith("symptoms: 0 of 7")
    assert "pain" not in " ".join(result.reasons[1])


def test_bulk_rounds_exact_halves_up_like_the_one_by_one_path() -> None:
    matrix = np.array([[1, 1, 1, 0, 0, 0, 0, 0, np.nan]])
    pain = score_matrix("KOOS", matrix, [f"P{i}" for i in range(1, 10)])["pain"]
    assert pain[0] == 90.63


def test_round_ratio_rounds_half_away_from_zero() -> None:
    numerator = np.array([90625, -5735, 2, 1], dtype=np.int64)
    denominator = np.array([1000, 10000, 3, 3], dtype=np.int64)
    result = round_ratio(numerator, denominator, 2)
    assert list(result) == [90.63, -0.57, 0.67, 0.33]


def test_bulk_returns_nan_where_too_many_items_are_missing() -> None:
    matrix = np.array([[1, 1, 1, 1] + [np.nan] * 5, [1] * 5 + [np.nan] * 4])
    pain = score_matrix("KOOS", matrix, [f"P{i}" for i in range(1, 10)])["pain"]
    assert math.isnan(pain[0])
    assert pain[1] == 75.0


def test_bulk_uses_definition_column_order_by_default() -> None:
    matrix = np.array([[5, 5, 5, 5, 5, 55], [1, 1, 1, 1, 1, np.nan]])
    result = score_matrix("EQ5D5L", matrix)
    assert list(result["index_us"]) == [-0.573, 1.0]
    assert result["vas"][0] == 55 and math.isnan(result["vas"][1])


def test_bulk_refuses_an_eq_vas_with_decimals_because_euroqol_records_an_integer() -> None:
    with pytest.raises(AnswerError) as caught:
        score_matrix("EQ5D5L", np.array([[1, 1, 1, 1, 1, 55.5]]))
    assert caught.value.item_code == "VAS"


def test_bulk_koos_jr_accepts_a_full_koos_matrix() -> None:
    codes = list(instrument("KOOS").definition.item_codes)
    matrix = np.full((1, len(codes)), 4.0)
    assert list(score_matrix("KOOS_JR", matrix, codes)["total"]) == [0.0]


def test_bulk_rejects_an_out_of_range_value_naming_the_item_and_row() -> None:
    matrix = np.array([[1.0], [11.0]])
    with pytest.raises(AnswerError, match=r"^NPRS: row 1"):
        score_matrix("NPRS", matrix)


def test_bulk_rejects_a_non_integer_value() -> None:
    with pytest.raises(AnswerError) as caught:
        score_matrix("LEFS", np.array([[2.5] + [1] * 19]))
    assert caught.value.item_code == "L1"


@pytest.mark.parametrize(
    ("code", "value"),
    [
        *[(code, value) for code in ("NPRS", "ASES") for value in (math.inf, -math.inf, -1.0)],
        ("NPRS", 2.5),  # whole-number items
        ("ASES", 2.555),  # items with decimals
    ],
)
def test_bulk_rejects_infinite_negative_and_off_step_values(code, value) -> None:
    items = list(instrument(code).definition.item_codes)
    matrix = np.full((2, len(items)), np.nan)  # missing answers are never invalid
    matrix[1, 0] = value
    with pytest.raises(AnswerError, match=r"row 1") as caught:
        score_matrix(code, matrix)
    assert caught.value.item_code == items[0]


def test_bulk_rejects_a_vas_with_three_decimals() -> None:
    with pytest.raises(AnswerError) as caught:
        score_matrix("ASES", np.array([[2.555] + [1] * 10]))
    assert caught.value.item_code == "PAIN_VAS"


def test_bulk_rejects_an_unknown_column() -> None:
    with pytest.raises(AnswerError) as caught:
        score_matrix("NPRS", np.array([[1.0]]), ["VAS"])
    assert caught.value.item_code == "VAS"


def test_answers_to_matrix_rejects_a_boolean_answer() -> None:
    with pytest.raises(AnswerError) as caught:
        answers_to_matrix("NPRS", [{"NPRS": True}])
    assert caught.value.item_code == "NPRS"


def test_derived_instruments_accept_the_answers_of_their_source_items() -> None:
    """rescore checks a matrix once, for the answered instrument; the derived ones (KOOS JR,
    WOMAC, HOOS JR) are then not checked again, which holds only while their items accept
    the same answers as the items they are taken from."""
    from marrowtrack.outcomes.bulk import _accepts_the_same
    from marrowtrack.outcomes.scoring import derivations

    pairs = [(code, d.target) for code in CODES for d in derivations(code)]
    assert pairs and all(_accepts_the_same(source, target) for source, target in pairs)


@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["1", "22.5", "null", '"a {b}"', "[]"]), st.text(max_size=3)),
        max_size=8,
    )
)
@settings(database=None)
def test_fill_rows_gives_what_str_format_gives(rows) -> None:
    template = '{{"x": {}, "y": "{}"}}'
    columns = [[first for first, _ in rows], [second for _, second in rows]]
    if not rows:
        columns = [[], []]
    assert fill_rows(template, columns) == [template.format(*row) for row in rows]


def test_fill_rows_refuses_columns_of_different_lengths_or_none() -> None:
    with pytest.raises(ValueError):
        fill_rows("{}{}", [["1"], ["2", "3"]])
    with pytest.raises(ValueError):
        fill_rows("{{}}", [])


@given(
    keys=st.lists(st.integers(-5, 40), max_size=50)
    | st.lists(st.integers(-(2**40), 2**40), max_size=50)
)
@settings(database=None)
def test_distinct_keys_equal_np_unique_over_short_and_long_ranges(keys) -> None:
    values = np.array(keys, dtype=np.int64)
    distinct, inverse = distinct_keys(values)
    expected, expected_inverse = np.unique(values, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.ravel().tolist()
