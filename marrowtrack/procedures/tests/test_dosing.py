from decimal import Decimal

import pytest

from marrowtrack.procedures.dosing import (
    DoseLimitExceeded,
    InvalidDoseEntry,
    LidocaineEntry,
    WeightRequired,
    check_entry,
    limit_formula,
    max_dose_mg,
    mg_from_ml,
    ml_from_mg,
)


def plain(percent: str, ml: str, site: str = "L PIC") -> LidocaineEntry:
    return LidocaineEntry(Decimal(percent), Decimal(ml), with_epinephrine=False, site=site)


def epi(percent: str, ml: str, site: str = "L PIC") -> LidocaineEntry:
    return LidocaineEntry(Decimal(percent), Decimal(ml), with_epinephrine=True, site=site)


def test_one_percent_is_ten_mg_per_ml() -> None:
    assert mg_from_ml(1, 1) == 10
    assert mg_from_ml("2", "5") == 100
    assert mg_from_ml("0.5", 20) == 100
    assert ml_from_mg(1, 270) == 27


@pytest.mark.parametrize(
    ("weight", "with_epinephrine", "expected"),
    [
        (60, False, Decimal(270)),  # 4.5 mg/kg branch
        (80, False, Decimal(300)),  # 300 mg cap branch
        (50, True, Decimal(350)),  # 7 mg/kg branch
        (80, True, Decimal(500)),  # 500 mg cap branch
        (Decimal("66.6"), False, Decimal("299.7")),
    ],
)
def test_max_dose_is_the_lower_of_mg_per_kg_and_the_cap(
    weight: int, with_epinephrine: bool, expected: Decimal
) -> None:
    assert max_dose_mg(weight, with_epinephrine) == expected


@pytest.mark.parametrize(
    ("weight", "entry", "limit"),
    [
        (60, plain("1", "27"), Decimal(270)),  # plain, mg/kg branch
        (80, plain("1", "30"), Decimal(300)),  # plain, cap branch
        (50, epi("1", "35"), Decimal(350)),  # epinephrine, mg/kg branch
        (80, epi("2", "25"), Decimal(500)),  # epinephrine, cap branch
    ],
)
def test_a_dose_exactly_at_the_limit_is_allowed(
    weight: int, entry: LidocaineEntry, limit: Decimal
) -> None:
    result = check_entry(weight, [], entry)
    assert result.total_mg == limit
    assert result.limit_mg == limit
    assert result.remaining_mg == 0
    assert result.remaining_ml == 0


@pytest.mark.parametrize(
    ("weight", "entry", "limit"),
    [
        (60, plain("1", "27.001"), "270 mg limit"),
        (80, plain("1", "30.001"), "300 mg limit"),
        (50, epi("1", "35.001"), "350 mg limit"),
        (80, epi("2", "25.0005"), "500 mg limit"),
    ],
)
def test_a_dose_0_01_mg_over_the_limit_is_refused(
    weight: int, entry: LidocaineEntry, limit: str
) -> None:
    assert entry.mg - Decimal(limit.split()[0]) == Decimal("0.01")
    with pytest.raises(DoseLimitExceeded, match=limit):
        check_entry(weight, [], entry)


def test_the_day_total_counts_every_site() -> None:
    given = [plain("1", "10", "L PIC"), plain("1", "10", "R PIC")]
    result = check_entry(60, given, plain("1", "7", "knee"))
    assert result.total_mg == 270
    with pytest.raises(DoseLimitExceeded):
        check_entry(60, given, plain("1", "7.001", "knee"))


def test_remaining_allowance_is_given_in_mg_and_in_ml_at_the_entry_concentration() -> None:
    result = check_entry(60, [plain("1", "10")], plain("2", "2"))
    assert result.total_mg == 140
    assert result.remaining_mg == 130
    assert result.remaining_ml == Decimal("6.5")  # 130 mg of 2 % (20 mg/mL)
    assert result.formula == "plain: min(4.5 mg/kg × 60 kg = 270 mg, 300 mg) = 270 mg"


def test_the_refusal_message_gives_the_numbers_and_the_formula() -> None:
    with pytest.raises(DoseLimitExceeded) as excinfo:
        check_entry(60, [plain("1", "20", "L PIC")], plain("1", "8", "R PIC"))
    message = str(excinfo.value)
    assert "200 mg given so far today" in message
    assert "+ 80 mg in this entry (8 mL of 1 % plain at R PIC)" in message
    assert "= 280 mg, above the 270 mg limit" in message
    assert "min(4.5 mg/kg × 60 kg = 270 mg, 300 mg)" in message
    assert "At most 70 mg (7 mL of 1 %) may still be given" in message
    assert excinfo.value.total_mg == 280
    assert excinfo.value.limit_mg == 270


def test_epinephrine_only_days_use_the_epinephrine_limit() -> None:
    result = check_entry(100, [epi("1", "30")], epi("1", "20"))
    assert result.limit_mg == 500
    assert result.remaining_mg == 0


def test_any_plain_entry_puts_the_whole_day_under_the_plain_limit() -> None:
    # 100 kg: plain limit 300 mg, epinephrine limit 500 mg.
    result = check_entry(100, [epi("1", "20")], plain("1", "10"))
    assert result.limit_mg == 300
    assert result.remaining_mg == 0
    with pytest.raises(DoseLimitExceeded, match="plain limit applies") as excinfo:
        check_entry(100, [epi("1", "25")], plain("1", "10"))
    assert excinfo.value.limit_mg == 300


def test_an_earlier_plain_entry_also_caps_later_epinephrine_entries() -> None:
    with pytest.raises(DoseLimitExceeded, match="300 mg limit"):
        check_entry(100, [plain("1", "5")], epi("1", "25.001"))


def test_a_missing_weight_is_required_before_any_check() -> None:
    with pytest.raises(WeightRequired, match="weight"):
        check_entry(None, [], plain("1", "1"))
    with pytest.raises(WeightRequired):
        max_dose_mg(0, with_epinephrine=True)


@pytest.mark.parametrize(("percent", "ml"), [("0", "5"), ("11", "5"), ("1", "0"), ("1", "-2")])
def test_impossible_concentrations_and_volumes_are_refused(percent: str, ml: str) -> None:
    with pytest.raises(InvalidDoseEntry):
        mg_from_ml(percent, ml)


def test_limit_formula_describes_the_epinephrine_cap_branch() -> None:
    assert limit_formula(80, True) == (
        "with epinephrine: min(7 mg/kg × 80 kg = 560 mg, 500 mg) = 500 mg"
    )
