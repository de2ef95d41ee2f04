"""Every triage rule and its boundary (domain.md §4 call-back triggers)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from marrowtrack.recovery import triage as t

CALM = t.Answers(treated_pain=3, harvest_pain=2, temperature_c=None, feverish=False)
BMAC_DAY2 = t.Context(
    day=2, flare_last_day=5, baseline_pain=4, previous_treated_pain=5, in_nsaid_window=True
)


def run(context: t.Context = BMAC_DAY2, **answers: object) -> t.Triage:
    return t.triage(replace(CALM, **answers), context)


def codes(result: t.Triage) -> set[str]:
    return {f.code for f in result.findings}


def test_calm_answers_are_expected_with_no_findings():
    result = run()
    assert result.level == t.Level.EXPECTED
    assert result.findings == ()


def test_pain_above_baseline_during_the_flare_days_is_expected():
    for day in range(1, 6):
        context = replace(BMAC_DAY2, day=day, previous_treated_pain=8)
        assert run(context, treated_pain=8).level == t.Level.EXPECTED, day


@pytest.mark.parametrize(
    ("celsius", "level"),
    [("37.9", t.Level.EXPECTED), ("38.0", t.Level.URGENT), ("39.2", t.Level.URGENT)],
)
def test_fever_is_urgent_from_38_0_celsius(celsius, level):
    result = run(temperature_c=Decimal(celsius))
    assert result.level == level
    assert ("fever" in codes(result)) == (level == t.Level.URGENT)


@pytest.mark.parametrize(
    ("fahrenheit", "urgent"), [("100.3", False), ("100.4", True), ("101.0", True)]
)
def test_fever_boundary_in_fahrenheit_is_exactly_100_4(fahrenheit, urgent):
    celsius = t.to_celsius(Decimal(fahrenheit), "F")
    assert (run(temperature_c=celsius).level == t.Level.URGENT) == urgent


def test_100_4_fahrenheit_converts_to_exactly_38_celsius():
    assert t.to_celsius(Decimal("100.4"), "F") == Decimal("38")
    with pytest.raises(ValueError, match="C or F"):
        t.to_celsius(Decimal("38"), "K")


def test_feeling_feverish_without_a_fever_reading_needs_a_call_today():
    result = run(feverish=True)
    assert result.level == t.Level.CALL_TODAY
    assert codes(result) == {"feverish"}
    assert run(feverish=True, temperature_c=Decimal("37.5")).level == t.Level.CALL_TODAY


def test_feverish_with_a_fever_reading_is_urgent_and_not_double_counted():
    result = run(feverish=True, temperature_c=Decimal("38.1"))
    assert result.level == t.Level.URGENT
    assert "feverish" not in codes(result)


def test_bleeding_that_pressure_does_not_stop_is_urgent_but_oozing_that_stopped_is_expected():
    assert run(bleeding=t.Bleeding.NOT_STOPPING).level == t.Level.URGENT
    assert run(bleeding=t.Bleeding.STOPPED).level == t.Level.EXPECTED


def test_hot_swollen_joint_is_a_call_today_and_urgent_when_the_limb_cannot_be_used():
    hot = run(swelling=t.Swelling.HOT_JOINT)
    assert (hot.level, codes(hot)) == (t.Level.CALL_TODAY, {"hot_joint"})
    unusable = run(swelling=t.Swelling.HOT_JOINT, cannot_bear_weight=True)
    assert unusable.level == t.Level.URGENT
    assert "hot_joint_cannot_use" in codes(unusable)


def test_cannot_bear_weight_without_a_hot_joint_is_not_a_red_flag_on_its_own():
    assert run(cannot_bear_weight=True).level == t.Level.EXPECTED


def test_new_numbness_or_weakness_is_urgent():
    assert codes(run(new_numbness_or_weakness=True)) == {"new_neuro"}
    assert run(new_numbness_or_weakness=True).level == t.Level.URGENT


@pytest.mark.parametrize(
    ("sign", "code", "level"),
    [
        (t.Sign.BOWEL_BLADDER, "bowel_bladder", t.Level.URGENT),
        (t.Sign.CHEST_PAIN, "chest_breathing", t.Level.URGENT),
        (t.Sign.BREATHLESS, "chest_breathing", t.Level.URGENT),
        (t.Sign.HIVES, "allergy", t.Level.URGENT),
        (t.Sign.HEADACHE_UPRIGHT, "headache_upright", t.Level.CALL_TODAY),
        (t.Sign.CALF_SWELLING, "calf_swelling", t.Level.CALL_TODAY),
    ],
)
def test_each_other_sign_has_its_level(sign, code, level):
    result = run(signs=frozenset({sign}))
    assert (result.level, codes(result)) == (level, {code})


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"redness": t.Redness.SPREADING}, "spreading_redness"),
        ({"drainage": t.Drainage.PUS}, "pus"),
        ({"swelling": t.Swelling.HARVEST_GROWING}, "harvest_swelling"),
    ],
)
def test_one_local_sign_of_infection_or_haematoma_needs_a_call_today(answers, code):
    result = run(**answers)
    assert (result.level, codes(result)) == (t.Level.CALL_TODAY, {code})


def test_a_small_pink_area_clear_fluid_and_mild_swelling_are_expected():
    result = run(
        redness=t.Redness.AROUND_PUNCTURE, drainage=t.Drainage.CLEAR, swelling=t.Swelling.MILD
    )
    assert result.level == t.Level.EXPECTED


def test_two_signs_of_infection_together_are_urgent_one_is_not():
    one = run(drainage=t.Drainage.PUS)
    two = run(drainage=t.Drainage.PUS, redness=t.Redness.SPREADING)
    assert "infection_signs" not in codes(one)
    assert two.level == t.Level.URGENT
    assert "infection_signs" in codes(two)
    assert run(feverish=True, swelling=t.Swelling.HOT_JOINT).level == t.Level.URGENT


@pytest.mark.parametrize(("pain", "level"), [(8, t.Level.EXPECTED), (9, t.Level.CALL_TODAY)])
def test_severe_pain_boundary_is_9_at_the_treated_site(pain, level):
    assert run(treated_pain=pain, harvest_pain=0).level == level


def test_severe_pain_at_the_harvest_site_counts_too():
    result = run(treated_pain=2, harvest_pain=9)
    assert codes(result) == {"severe_pain"}


def test_a_treatment_without_harvest_has_no_harvest_pain():
    assert run(treated_pain=3, harvest_pain=None).level == t.Level.EXPECTED


@pytest.mark.parametrize(("day", "rising"), [(3, False), (4, True)])
def test_pain_still_rising_counts_only_after_72_hours(day, rising):
    context = replace(BMAC_DAY2, day=day, previous_treated_pain=5)
    assert ("pain_rising" in codes(run(context, treated_pain=6))) == rising


def test_pain_equal_to_the_day_before_is_not_rising():
    context = replace(BMAC_DAY2, day=4, previous_treated_pain=6)
    assert "pain_rising" not in codes(run(context, treated_pain=6))


def test_no_earlier_check_in_means_no_rising_rule():
    context = replace(BMAC_DAY2, day=5, previous_treated_pain=None)
    assert "pain_rising" not in codes(run(context, treated_pain=7))


@pytest.mark.parametrize(
    ("day", "pain", "fires"),
    [(5, 5, False), (6, 4, False), (6, 5, True), (14, 5, True)],
)
def test_pain_above_baseline_after_the_flare_days_needs_a_call(day, pain, fires):
    context = replace(BMAC_DAY2, day=day, previous_treated_pain=pain)
    assert ("flare_prolonged" in codes(run(context, treated_pain=pain))) == fires


@pytest.mark.parametrize(("pain", "fires"), [(6, False), (7, True)])
def test_without_a_baseline_the_flare_limit_is_7(pain, fires):
    context = replace(BMAC_DAY2, day=6, baseline_pain=None, previous_treated_pain=pain)
    assert ("flare_prolonged" in codes(run(context, treated_pain=pain))) == fires


def test_a_shorter_flare_treatment_crosses_its_limit_earlier():
    steroid_day3 = replace(BMAC_DAY2, day=3, flare_last_day=2, previous_treated_pain=5)
    assert "flare_prolonged" in codes(run(steroid_day3, treated_pain=5))


def test_nsaids_inside_the_avoidance_window_need_a_call_but_not_after_it():
    inside = run(nsaids_taken=True)
    after = run(replace(BMAC_DAY2, in_nsaid_window=False), nsaids_taken=True)
    assert (inside.level, codes(inside)) == (t.Level.CALL_TODAY, {"nsaids_taken"})
    assert after.level == t.Level.EXPECTED


def test_asking_for_a_call_is_a_call_today():
    result = run(wants_call=True)
    assert (result.level, codes(result)) == (t.Level.CALL_TODAY, {"wants_call"})


def test_the_level_is_the_highest_finding_and_every_reason_is_kept():
    result = run(wants_call=True, temperature_c=Decimal("38.5"), drainage=t.Drainage.PUS)
    assert result.level == t.Level.URGENT
    assert codes(result) == {"fever", "pus", "wants_call"}
    assert any("38.5" in reason for reason in result.reasons)
