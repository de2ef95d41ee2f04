"""Meaningful change thresholds and the OMERACT-OARSI responder, at and just below each edge."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from marrowtrack.outcomes.responders import (
    NoRuleError,
    Thresholds,
    distinct_pairs,
    improvement,
    meaningful_change,
    omeract_oarsi_responder,
    omeract_oarsi_responders,
    percent_improvement,
)

# (instrument, score key, baseline, follow-up at the threshold, follow-up just below it)
AT_AND_BELOW = [
    ("KOOS", "pain", 50, 60, 59.99),
    ("KOOS", "qol", 40, 50, 49.99),
    ("KOOS_JR", "total", 40.0, 60.0, 59.999),
    ("QUICKDASH", "total", 50, 34.09, 34.1),
    ("SPADI", "total", 60, 47, 47.01),
    ("ASES", "total", 50, 56.4, 56.39),
    ("LEFS", "total", 40, 49, 48),
    ("EQ5D5L", "index_us", 0.5, 0.563, 0.562),
    ("EQ5D5L", "index_england", 0.7, 0.763, 0.762),
]


@pytest.mark.parametrize(("code", "key", "baseline", "at", "below"), AT_AND_BELOW)
def test_a_change_exactly_at_the_threshold_is_meaningful_and_just_below_is_not(
    code: str, key: str, baseline: float, at: float, below: float
) -> None:
    assert meaningful_change(code, key, baseline, at).meaningful is True
    assert meaningful_change(code, key, baseline, below).meaningful is False


@pytest.mark.parametrize(("code", "key", "baseline", "at", "below"), AT_AND_BELOW)
def test_a_change_in_the_wrong_direction_is_never_meaningful(
    code: str, key: str, baseline: float, at: float, below: float
) -> None:
    worse = 2 * Fraction(repr(baseline)) - Fraction(repr(at))
    assert meaningful_change(code, key, baseline, worse).meaningful is False


def test_nprs_two_points_below_thirty_percent_meets_one_criterion_not_the_combined_one() -> None:
    result = meaningful_change("NPRS", "total", 8, 6)
    assert result.criteria == {"points": True, "percent": False}
    assert result.meaningful is False
    assert result.percent_improvement == Decimal("25.00")


def test_nprs_is_meaningful_only_when_both_criteria_are_met_at_their_edges() -> None:
    # 10 -> 7: 3 points and exactly 30 %; 10 -> 8: 2 points but 20 %.
    assert meaningful_change("NPRS", "total", 10, 7).criteria == {"points": True, "percent": True}
    assert meaningful_change("NPRS", "total", 10, 7).meaningful is True
    assert meaningful_change("NPRS", "total", 10, 8).meaningful is False


@pytest.mark.parametrize(("baseline", "follow_up"), [(2, 1), (1, 0), (3, 2)])
def test_nprs_small_baselines_reach_thirty_percent_but_not_two_points_so_do_not_count(
    baseline: int, follow_up: int
) -> None:
    result = meaningful_change("NPRS", "total", baseline, follow_up)
    assert result.criteria == {"points": False, "percent": True}
    assert result.meaningful is False


def test_nprs_one_point_is_not_meaningful_when_under_thirty_percent() -> None:
    assert meaningful_change("NPRS", "total", 4, 3).meaningful is False


def test_nprs_percentage_is_undefined_at_baseline_zero() -> None:
    result = meaningful_change("NPRS", "total", 0, 0)
    assert result.percent_improvement is None
    assert result.criteria == {"points": False, "percent": None}
    assert result.meaningful is False
    assert percent_improvement(0, 2, higher_is_better=False) is None


def test_koos_jr_and_hoos_jr_thresholds_are_labelled_scb_arthroplasty_not_mcid() -> None:
    koos_jr = meaningful_change("KOOS_JR", "total", 40, 60)
    hoos_jr = meaningful_change("HOOS_JR", "total", 40, 62)
    assert koos_jr.kind == hoos_jr.kind == "SCB (arthroplasty)"
    assert koos_jr.rule.startswith("KOOS_JR SCB (arthroplasty): >=20 points")
    assert hoos_jr.rule.startswith("HOOS_JR SCB (arthroplasty): >=22 points")
    assert "MCID" not in koos_jr.rule + hoos_jr.rule
    assert meaningful_change("HOOS_JR", "total", 40, 61.999).meaningful is False


def test_odi_ten_points_exactly_is_meaningful_and_just_under_ten_is_not() -> None:
    assert meaningful_change("ODI", "total", 50, 40).meaningful is True
    assert meaningful_change("ODI", "total", 50, 40.01).meaningful is False


def test_odi_thirty_percent_exactly_is_meaningful_below_ten_points() -> None:
    assert meaningful_change("ODI", "total", 20, 14).meaningful is True
    assert meaningful_change("ODI", "total", 20, 14.01).meaningful is False


def test_results_name_the_rule_used() -> None:
    assert meaningful_change("NPRS", "total", 5, 3).rule == (
        "NPRS MCID: >=2 points and >=30% (Farrar 2001; Ostelo 2008)"
    )
    assert meaningful_change("ODI", "total", 50, 40).rule == (
        "ODI MCID: >=10 points or >=30% (Ostelo 2008)"
    )
    assert meaningful_change("KOOS", "adl", 50, 60).rule == (
        "KOOS adl MCID: >=10 points (Roos & Lohmander 2003)"
    )
    assert meaningful_change("QUICKDASH", "total", 50, 30).rule == (
        "QUICKDASH MCID: >=15.91 points (Franchignoni 2014)"
    )


def test_configured_thresholds_change_the_decision_and_the_rule_text() -> None:
    custom = Thresholds(koos_points=Decimal(8))
    result = meaningful_change("KOOS", "pain", 50, 58, thresholds=custom)
    assert result.meaningful is True
    assert result.rule == "KOOS pain MCID: >=8 points (Roos & Lohmander 2003)"
    assert meaningful_change("KOOS", "pain", 50, 58).meaningful is False


def test_change_and_improvement_are_direction_aware() -> None:
    result = meaningful_change("ODI", "total", 40, 30)
    assert result.change == -10 and result.improvement == 10
    koos = meaningful_change("KOOS", "pain", 40, 30)
    assert koos.change == -10 and koos.improvement == -10
    assert improvement(40, 30, higher_is_better=True) == -10


def test_a_missing_score_gives_no_decision_but_names_the_rule() -> None:
    result = meaningful_change("LEFS", "total", None, 50)
    assert result.meaningful is None
    assert result.rule == "LEFS MCID: >=9 points (Binkley 1999)"


@pytest.mark.parametrize(
    ("code", "key"), [("WOMAC", "total"), ("PGIC", "total"), ("EQ5D5L", "vas"), ("KOOS", "total")]
)
def test_scores_without_a_rule_raise_no_rule_error(code: str, key: str) -> None:
    with pytest.raises(NoRuleError):
        meaningful_change(code, key, 1, 2)


def test_oarsi_pain_fifty_percent_and_twenty_points_is_a_responder() -> None:
    result = omeract_oarsi_responder(pain=(40, 20), function=(50, 50), patient_global=(50, 50))
    assert result.responder is True
    assert result.criterion == "high improvement in pain"


def test_oarsi_pain_just_under_fifty_percent_alone_is_not_a_responder() -> None:
    result = omeract_oarsi_responder(pain=(40, 20.01), function=(50, 50), patient_global=(50, 50))
    assert result.responder is False


def test_oarsi_fifty_percent_needs_twenty_points_too() -> None:
    # 30 -> 15 is 50% but only 15 points; 10+ points and 20%+ still count as one moderate.
    result = omeract_oarsi_responder(pain=(30, 15), function=(50, 50), patient_global=(50, 50))
    assert result.responder is False
    assert result.improved_domains == ("pain",)


def test_oarsi_function_high_improvement_alone_is_a_responder() -> None:
    result = omeract_oarsi_responder(pain=(50, 50), function=(60, 30), patient_global=(50, 55))
    assert result.responder is True
    assert result.criterion == "high improvement in function"


def test_oarsi_two_of_three_at_exactly_twenty_percent_and_ten_points_is_a_responder() -> None:
    result = omeract_oarsi_responder(pain=(50, 40), function=(80, 80), patient_global=(50, 40))
    assert result.responder is True
    assert result.improved_domains == ("pain", "patient_global")


def test_oarsi_two_of_three_just_below_ten_points_is_not_a_responder() -> None:
    result = omeract_oarsi_responder(pain=(50, 40.01), function=(80, 80), patient_global=(50, 40))
    assert result.responder is False


def test_oarsi_moderate_needs_twenty_percent_as_well_as_ten_points() -> None:
    # 60 -> 49 is 11 points but 18.3%: not a moderate improvement.
    result = omeract_oarsi_responder(pain=(60, 49), function=(60, 49), patient_global=(50, 40))
    assert result.improved_domains == ("patient_global",)
    assert result.responder is False


def test_oarsi_only_one_moderate_domain_is_not_a_responder() -> None:
    result = omeract_oarsi_responder(pain=(50, 40), function=(50, 50), patient_global=(50, 50))
    assert result.responder is False


def test_oarsi_baseline_zero_cannot_improve_by_a_percentage() -> None:
    result = omeract_oarsi_responder(pain=(0, 0), function=(0, 0), patient_global=(0, 0))
    assert result.responder is False and result.improved_domains == ()


def test_oarsi_flips_higher_is_better_scores_before_applying_the_criteria() -> None:
    # KOOS pain 60 -> 80 is WOMAC-like 40 -> 20: 50% and 20 points.
    result = omeract_oarsi_responder(
        pain=(60, 80), function=(50, 50), patient_global=(50, 50), higher_is_better=True
    )
    assert result.responder is True


def test_oarsi_names_its_rule() -> None:
    result = omeract_oarsi_responder(pain=(50, 50), function=(50, 50), patient_global=(50, 50))
    assert result.rule.startswith("OMERACT-OARSI (Pham 2004): pain or function >=50%")


def _one_by_one(*domains) -> list[bool]:
    pain, function, patient_global = ((b.tolist(), f.tolist()) for b, f in domains)
    return [
        omeract_oarsi_responder(
            pain=(pain[0][i], pain[1][i]),
            function=(function[0][i], function[1][i]),
            patient_global=(patient_global[0][i], patient_global[1][i]),
        ).responder
        for i in range(len(pain[0]))
    ]


def test_the_many_patient_oarsi_responders_equal_the_one_patient_rule_on_random_scores():
    rng = np.random.default_rng(14)
    n = 3000
    # WOMAC pain in steps of 5, WOMAC function on the 0-68 raw scale as 0-100 with 2
    # decimals, PGA whole numbers: as stored.
    domains = [
        (rng.integers(0, 21, n) * 5.0, rng.integers(0, 21, n) * 5.0),
        (
            np.round(rng.integers(0, 69, n) * 100 / 68, 2),
            np.round(rng.integers(0, 69, n) * 100 / 68, 2),
        ),
        (rng.integers(0, 101, n).astype(float), rng.integers(0, 101, n).astype(float)),
    ]
    many = omeract_oarsi_responders(pain=domains[0], function=domains[1], patient_global=domains[2])
    assert many.tolist() == _one_by_one(*domains)
    assert 0 < many.sum() < n  # both answers occur


# Changes exactly at a threshold, where float arithmetic lands just below it (33.3 - 13.3 is
# 19.999999999999996 as floats) or just above it: the exact comparison decides.
EDGES = [
    ((33.3, 13.3), (33.3, 13.3), (50.0, 50.0)),  # 20 points, 60 %: high pain and function
    ((40.0, 20.0), (90.0, 90.0), (90.0, 90.0)),  # 20 points and exactly 50 %: high
    ((40.0, 20.01), (90.0, 90.0), (90.0, 90.0)),  # just short of 50 %: not high
    ((50.0, 40.0), (50.0, 40.0), (90.0, 90.0)),  # exactly 10 points and 20 %: 2 moderate
    ((50.0, 40.01), (50.0, 40.0), (90.0, 90.0)),  # one short: 1 moderate
    ((0.0, 0.0), (0.3, 0.1), (60.3, 48.24)),  # a baseline of 0 has no percentage
    ((70.1, 56.08), (60.3, 48.24), (90.0, 90.0)),  # 20 % of decimals: exact
]


@pytest.mark.parametrize(("pain", "function", "patient_global"), EDGES)
def test_the_many_patient_oarsi_responders_are_exact_at_every_edge(pain, function, patient_global):
    arrays = [(np.array([b]), np.array([f])) for b, f in (pain, function, patient_global)]
    many = omeract_oarsi_responders(pain=arrays[0], function=arrays[1], patient_global=arrays[2])
    assert many.tolist() == _one_by_one(*arrays)


def test_distinct_pairs_map_every_position_back_to_its_pair():
    base = np.array([7.0, 3.0, 7.0, 7.0])
    follow = np.array([2.0, 3.0, 2.0, 5.0])
    pairs, inverse = distinct_pairs(base, follow)
    assert [pairs[i] for i in inverse] == list(zip(base.tolist(), follow.tolist(), strict=True))
    assert len(pairs) == 3 and all(type(b) is float for b, _ in pairs)
