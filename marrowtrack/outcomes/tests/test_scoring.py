"""score(), validation, exact half-up rounding, table lookups and the JSON form."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from marrowtrack.outcomes.instruments import koos_jr, promis_pi_4a
from marrowtrack.outcomes.scoring import (
    AnswerError,
    UnknownInstrumentError,
    derived_codes,
    round_half_up,
    score,
    score_with_derived,
)

JR_CODES = ["S6", "P2", "P3", "P6", "P9", "A3", "A5"]
PROMIS_CODES = ["PAININ9", "PAININ22", "PAININ31", "PAININ34"]


def _spread(total: int, codes: list[str], maximum: int, minimum: int = 0) -> dict[str, int]:
    """Answers over codes summing to total, filling items up to maximum in turn."""
    answers, left = {}, total - minimum * len(codes)
    for code in codes:
        answers[code] = minimum + min(left, maximum - minimum)
        left -= answers[code] - minimum
    assert left == 0
    return answers


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(90625, 1000), 2, "90.63"),
        (Fraction(90624999, 1000000), 2, "90.62"),
        (Fraction(1625, 1000), 2, "1.63"),
        (Fraction(-5735, 10000), 3, "-0.574"),
        (Fraction(-5734999, 10000000), 3, "-0.573"),
        (Fraction(125, 10), 0, "13"),
        (Fraction(245, 100), 1, "2.5"),
        (Fraction(2, 3), 2, "0.67"),
        (Fraction(0), 3, "0.000"),
    ],
)
def test_round_half_up_rounds_exact_halves_away_from_zero(
    value: Fraction, places: int, expected: str
) -> None:
    assert round_half_up(value, places) == Decimal(expected)
    assert str(round_half_up(value, places)) == expected


def test_round_half_up_differs_from_python_round_on_a_float_half() -> None:
    assert round(90.625, 2) == 90.62
    assert round_half_up(Fraction("90.625"), 2) == Decimal("90.63")


@pytest.mark.parametrize("raw", sorted(koos_jr.TABLE))
def test_koos_jr_maps_every_raw_sum_through_the_hss_table(raw: int) -> None:
    result = score("KOOS_JR", _spread(raw, JR_CODES, 4))
    assert result.scores["total"] == koos_jr.TABLE[raw]
    assert result.scores["total"].as_tuple().exponent == -3  # type: ignore[union-attr]


def test_koos_jr_table_has_the_spec_endpoints_and_midpoint() -> None:
    assert koos_jr.TABLE[0] == Decimal("100.000")
    assert koos_jr.TABLE[14] == Decimal("52.465")
    assert koos_jr.TABLE[28] == Decimal("0.000")
    assert len(koos_jr.TABLE) == 29


@pytest.mark.parametrize("raw", sorted(promis_pi_4a.TABLE))
def test_promis_pain_interference_maps_every_raw_sum_through_the_v1_table(raw: int) -> None:
    result = score("PROMIS_PI_4A", _spread(raw, PROMIS_CODES, 5, minimum=1))
    assert result.scores["t_score"] == promis_pi_4a.TABLE[raw]
    assert result.to_json()["t_score"] == float(promis_pi_4a.TABLE[raw])


def test_promis_table_spans_41_6_to_75_6_with_one_decimal() -> None:
    assert promis_pi_4a.TABLE[4] == Decimal("41.6")
    assert promis_pi_4a.TABLE[12] == Decimal("61.2")
    assert promis_pi_4a.TABLE[20] == Decimal("75.6")
    assert sorted(promis_pi_4a.TABLE) == list(range(4, 21))


def test_koos_scores_the_five_subscales_and_koos_jr_comes_from_the_same_answers() -> None:
    answers = {code: 1 for code in JR_CODES} | {"P1": 1, "P4": 1, "Q1": 2, "Q2": 2}
    results = score_with_derived("KOOS", answers)
    assert [r.instrument for r in results] == ["KOOS", "KOOS_JR", "WOMAC"]
    assert set(results[0].scores) == {"pain", "symptoms", "adl", "sport_rec", "qol"}
    assert results[1].scores["total"] == koos_jr.TABLE[7]
    assert results[1].rule_version == "KOOS_JR-2016.1 from KOOS"
    assert derived_codes("KOOS") == ["KOOS_JR", "WOMAC"]
    assert derived_codes("HOOS") == ["HOOS_JR", "WOMAC"]
    assert derived_codes("NPRS") == []


def test_womac_derived_from_koos_uses_p5_to_p9_s6_s7_and_the_adl_items() -> None:
    """KOOS P5-P9 = 1,2,3,4,0 -> WOMAC pain raw 10 -> 50; S6,S7 = 4,4 -> stiffness raw 8 ->
    100; A1-A17 all 1 -> function raw 17 -> 25; total raw 35 / 96 -> 36.46. The KOOS items
    outside WOMAC (P1-P4, S1-S5, SP, Q) do not count."""
    answers = {"P5": 1, "P6": 2, "P7": 3, "P8": 4, "P9": 0, "S6": 4, "S7": 4}
    answers |= {f"A{i}": 1 for i in range(1, 18)} | {"P1": 4, "S1": 4, "SP1": 4, "Q1": 4}
    womac = score_with_derived("KOOS", answers)[2]
    assert womac.scores["pain"] == Decimal("50.00")
    assert womac.scores["stiffness"] == Decimal("100.00")
    assert womac.scores["function"] == Decimal("25.00")
    assert womac.scores["total"] == Decimal("36.46")
    assert womac.rule_version == "WOMAC-LK3.1.1 from KOOS"


def test_womac_derived_from_hoos_uses_p4_to_p8_and_s4_s5() -> None:
    answers = {"P4": 4, "P5": 4, "P6": 4, "P7": 4, "P8": 4, "P9": 0, "P10": 0, "S4": 2, "S5": 2}
    answers |= {f"A{i}": 0 for i in range(1, 18)}
    womac = score_with_derived("HOOS", answers)[2]
    assert (womac.scores["pain"], womac.scores["stiffness"]) == (100, 50)
    assert womac.scores["function"] == 0


def test_score_result_records_rule_version_and_direction() -> None:
    result = score("ODI", {f"ODI{i}": 1 for i in range(1, 11)})
    assert result.instrument == "ODI"
    assert result.rule_version == "ODI-2.1a.1"
    assert result.higher_is_better == {"total": False}
    assert result.scores == {"total": Decimal("20.00")}


def test_to_json_gives_plain_floats_ints_nulls_and_reasons() -> None:
    lefs = score("LEFS", {f"L{i}": 2 for i in range(1, 21)}).to_json()
    assert lefs == {"total": 40, "reasons": []}
    assert type(lefs["total"]) is int
    koos = score("KOOS", {"P1": 1, "P2": 1, "P3": 1, "P4": 1, "P5": 2}).to_json()
    assert koos["pain"] == 70.0 and type(koos["pain"]) is float
    assert koos["symptoms"] is None
    assert "symptoms: 0 of 7 items answered, 4 needed" in koos["reasons"]  # type: ignore[operator]


def test_score_result_is_frozen() -> None:
    result = score("NPRS", {"NPRS": 3})
    with pytest.raises(AttributeError):
        result.instrument = "KOOS"  # type: ignore[misc]


def test_koos_pain_is_null_when_only_four_items_answered() -> None:
    result = score("KOOS", {"P1": 0, "P2": 0, "P3": 0, "P4": 0})
    assert result.scores["pain"] is None
    assert "pain: 4 of 9 items answered, 5 needed" in result.reasons


def test_koos_jr_ignores_the_other_koos_items_of_a_full_answer_set() -> None:
    only_jr = {code: 2 for code in JR_CODES}
    with_rest = only_jr | {"P1": 4, "S1": 4, "A17": 4, "SP5": 4, "Q4": 4}
    assert score("KOOS_JR", with_rest).scores == score("KOOS_JR", only_jr).scores


@pytest.mark.parametrize(
    ("answers", "item"),
    [
        ({"NPRS": True}, "NPRS"),
        ({"NPRS": "5"}, "NPRS"),
        ({"NPRS": [5]}, "NPRS"),
        ({"NPRS": float("nan")}, "NPRS"),
        ({"NPRS": float("inf")}, "NPRS"),
        ({"NPRS": Decimal("NaN")}, "NPRS"),
        ({"NPRS": 5.5}, "NPRS"),
        ({"NPRS": Decimal("5.5")}, "NPRS"),
    ],
)
def test_wrong_types_and_non_integers_raise_an_answer_error_naming_the_item(
    answers: dict, item: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        score("NPRS", answers)
    assert caught.value.item_code == item
    assert isinstance(caught.value, ValueError)


def test_answer_error_message_names_the_item_and_the_range() -> None:
    with pytest.raises(AnswerError, match=r"^P1: 5 is outside 0-4$"):
        score("KOOS", {"P1": 5})


def test_unknown_item_error_names_the_item_and_instrument() -> None:
    with pytest.raises(AnswerError, match=r"^Z1: unknown item for KOOS$"):
        score("KOOS", {"Z1": 1})


def test_unknown_instrument_raises_a_value_error() -> None:
    with pytest.raises(UnknownInstrumentError):
        score("OKS", {})


def test_whole_number_floats_and_decimals_are_accepted_as_integers() -> None:
    assert score("NPRS", {"NPRS": 6.0}).scores["total"] == 6
    assert score("NPRS", {"NPRS": Decimal("6")}).scores["total"] == 6


def test_vas_decimals_are_taken_as_written_not_as_binary_floats() -> None:
    adl = {f"ADL{i}": 3 for i in range(1, 11)}
    # The float 2.67 is 2.66999... in binary; it is scored as written, so exactly 86.65.
    assert score("ASES", {"PAIN_VAS": 2.67} | adl).scores["total"] == Decimal("86.65")
    assert score("ASES", {"PAIN_VAS": Decimal("2.67")} | adl).scores["total"] == Decimal("86.65")


def test_eq5d_index_is_exactly_one_for_full_health_and_below_zero_for_the_worst_state() -> None:
    best = score("EQ5D5L", {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 1})
    worst = score("EQ5D5L", {"MO": 5, "SC": 5, "UA": 5, "PD": 5, "AD": 5})
    assert best.scores["index_us"] == Decimal("1.000")
    assert worst.scores["index_us"] == Decimal("-0.573")
    assert worst.scores["index_england"] == Decimal("-0.285")


def test_missing_answers_may_be_absent_or_none_with_the_same_result() -> None:
    absent = score("SPADI", {"P1": 5, "P2": 5, "P3": 5})
    as_none = score("SPADI", {"P1": 5, "P2": 5, "P3": 5, "P4": None, "P5": None, "D1": None})
    assert absent == as_none
