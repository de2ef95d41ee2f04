from decimal import Decimal

import pytest

from marrowtrack.lab.calculations import (
    Counts,
    CountUnit,
    LabValueError,
    QcLimits,
    cells_delivered,
    cells_delivered_per_target,
    cfu_f,
    check_count_unit,
    concentration_factor,
    count_per_ul,
    count_window_flags,
    delivered,
    mononuclear_per_ul,
    per_ul_from_10e3_per_ul,
    pull_flags,
    qc_flags,
    rcf_from_rpm,
    recovery_pct,
    rpm_from_rcf,
    tnc_neat_per_ul,
    total_cells,
    validate_differential,
    validate_hct,
    validate_viability,
    validate_volumes,
)

GOOD_RECORD = {
    "aspirate_ml": 60,
    "concentrate_ml": 8,
    "aspirate_tnc_per_ul": 20_000,
    "concentrate_tnc_per_ul": 100_000,
}


def test_rcf_matches_the_spec_example_of_10_cm_at_3200_rpm() -> None:
    rcf = rcf_from_rpm(radius_cm=10, rpm=3200)
    assert rcf == Decimal("1144.832")
    assert round(rcf) == 1145


def test_rpm_from_rcf_inverts_rcf_from_rpm() -> None:
    assert rpm_from_rcf(radius_cm=10, rcf=Decimal("1144.832")) == Decimal(3200)
    assert round(rpm_from_rcf(radius_cm=15, rcf=400)) == 1544


def test_dilution_correction_scales_by_total_over_marrow_volume() -> None:
    neat = tnc_neat_per_ul(measured_per_ul=30_000, marrow_ml=54, anticoagulant_ml=6)
    assert neat == Decimal(30_000) * 60 / 54
    assert round(neat) == 33_333


def test_dilution_correction_without_anticoagulant_changes_nothing() -> None:
    assert tnc_neat_per_ul(measured_per_ul=30_000, marrow_ml=60, anticoagulant_ml=0) == 30_000


def test_total_cells_is_count_per_ul_times_1000_times_ml() -> None:
    # Everts: 33.5×10⁶ TNC/mL = 33,500 /µL; 60 mL -> 2.01×10⁹ cells
    assert total_cells(per_ul=33_500, volume_ml=60) == Decimal("2010000000")


def test_analyzer_thousands_per_ul_convert_to_cells_per_ul() -> None:
    assert per_ul_from_10e3_per_ul("33.5") == Decimal("33500.0")


def test_concentration_factor_divides_concentrate_by_aspirate() -> None:
    assert concentration_factor(concentrate_per_ul=121_000, aspirate_per_ul=33_500) == (
        Decimal(121_000) / Decimal(33_500)
    )


def test_recovery_pct_compares_total_cells_out_with_cells_in() -> None:
    recovery = recovery_pct(
        concentrate_per_ul=100_000, concentrate_ml=8, aspirate_per_ul=20_000, aspirate_ml=60
    )
    assert recovery == Decimal(800_000) / Decimal(1_200_000) * 100


def test_floats_are_converted_through_their_decimal_text() -> None:
    assert total_cells(per_ul=0.1, volume_ml=3) == Decimal("300.0")


def test_cells_delivered_per_target_uses_the_ml_injected_there() -> None:
    result = cells_delivered_per_target(
        concentrate_per_ul=100_000,
        injected_ml_by_target={"L knee": 4, "R knee": "3.5"},
        concentrate_ml=8,
    )
    assert result == {"L knee": Decimal(400_000_000), "R knee": Decimal(350_000_000)}
    assert cells_delivered(concentrate_per_ul=100_000, injected_ml=1) == Decimal(100_000_000)


def test_cells_delivered_per_target_refuses_more_than_the_concentrate_volume() -> None:
    with pytest.raises(LabValueError) as excinfo:
        cells_delivered_per_target(
            concentrate_per_ul=100_000, injected_ml_by_target={"a": 5, "b": 4}, concentrate_ml=8
        )
    assert excinfo.value.field == "injected_ml"


def test_concentrate_volume_must_be_less_than_aspirate_volume() -> None:
    validate_volumes(aspirate_ml=60, concentrate_ml="59.9")
    with pytest.raises(LabValueError) as excinfo:
        validate_volumes(aspirate_ml=60, concentrate_ml=60)
    assert excinfo.value.field == "concentrate_ml"
    assert "60 mL" in excinfo.value.message


@pytest.mark.parametrize("value", [0, 45, 60])
def test_hct_within_0_to_60_is_accepted(value: int) -> None:
    validate_hct(value)


@pytest.mark.parametrize("value", ["-0.1", "60.1", 85])
def test_hct_outside_0_to_60_is_refused(value: str) -> None:
    with pytest.raises(LabValueError, match="hct_pct"):
        validate_hct(value)


@pytest.mark.parametrize("value", ["-1", "100.01"])
def test_viability_outside_0_to_100_is_refused(value: str) -> None:
    with pytest.raises(LabValueError, match="viability_pct"):
        validate_viability(value)


def test_viability_of_exactly_100_is_accepted() -> None:
    validate_viability(100)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", None, True])
def test_non_numbers_are_refused_with_the_field_name(value: object) -> None:
    with pytest.raises(LabValueError, match="radius_cm"):
        rcf_from_rpm(radius_cm=value, rpm=3200)  # type: ignore[arg-type]


def test_zero_radius_is_refused() -> None:
    with pytest.raises(LabValueError, match="greater than 0"):
        rcf_from_rpm(radius_cm=0, rpm=3200)


def test_a_plausible_record_has_no_qc_flags() -> None:
    assert qc_flags(**GOOD_RECORD) == []


def test_recovery_of_exactly_110_pct_is_not_flagged() -> None:
    record = {**GOOD_RECORD, "concentrate_tnc_per_ul": 165_000}  # 165k × 8 / (20k × 60)
    assert qc_flags(**record) == []


def test_recovery_above_110_pct_is_flagged_as_a_unit_or_volume_error() -> None:
    record = {**GOOD_RECORD, "concentrate_tnc_per_ul": "165001"}
    flags = qc_flags(**record)
    assert len(flags) == 1
    assert "recovery 110.0 % is above 110 %" in flags[0]


def test_qc_limits_are_configurable() -> None:
    limits = QcLimits(recovery_max_pct=Decimal(50), viability_min_pct=Decimal(70))
    flags = qc_flags(**GOOD_RECORD, viability_pct=65, limits=limits)
    assert any("recovery 66.7 %" in flag for flag in flags)
    assert any("Viability 65 % is below the clinic minimum 70 %" in flag for flag in flags)


def test_aspirate_volume_outside_30_to_120_ml_is_flagged() -> None:
    flags = qc_flags(**{**GOOD_RECORD, "aspirate_ml": 150, "concentrate_ml": 10})
    assert flags == ["Aspirate volume 150 mL is outside the expected 30-120 mL."]


def test_a_concentrate_less_concentrated_than_the_aspirate_is_flagged() -> None:
    flags = qc_flags(**{**GOOD_RECORD, "concentrate_tnc_per_ul": 15_000})
    assert flags == ["TNC concentration factor 0.75× is below 1×."]


def test_qc_flags_refuse_impossible_values_instead_of_flagging_them() -> None:
    with pytest.raises(LabValueError, match="concentrate_hct_pct"):
        qc_flags(**GOOD_RECORD, concentrate_hct_pct=75)
    with pytest.raises(LabValueError, match="concentrate_ml"):
        qc_flags(**{**GOOD_RECORD, "concentrate_ml": 60})


# --- Units, plausibility windows, CF basis, CFU-F, differential, delivered (issue 8, 14) ---


def test_counts_typed_in_thousands_per_ul_become_cells_per_ul_in_one_place() -> None:
    assert count_per_ul("33.5", CountUnit.THOUSANDS_PER_UL) == Decimal("33500.0")
    assert count_per_ul("33500", CountUnit.PER_UL) == Decimal(33500)


def test_an_unknown_count_unit_is_refused() -> None:
    with pytest.raises(LabValueError, match="unknown count unit"):
        count_per_ul(1, "per_ml")


@pytest.mark.parametrize("count", ["999", "30", "0"])
def test_a_count_below_1000_per_ul_is_refused_as_a_thousands_slip(count: str) -> None:
    with pytest.raises(LabValueError, match="If the analyser printed ×10³/µL"):
        check_count_unit(count, "pre_tnc_per_ul", CountUnit.PER_UL)


def test_counts_at_the_edges_of_the_possible_range_are_accepted() -> None:
    check_count_unit(1000, "pre_tnc_per_ul", CountUnit.PER_UL)
    check_count_unit(10_000_000, "post_plt_per_ul", CountUnit.PER_UL)


def test_a_count_above_10_million_per_ul_is_refused_and_names_the_multiplication() -> None:
    with pytest.raises(LabValueError, match="multiplied by 1,000"):
        check_count_unit("30000000", "pre_tnc_per_ul", CountUnit.THOUSANDS_PER_UL)


@pytest.mark.parametrize(
    ("aspirate_tnc", "flagged"),
    [(4_999, True), (5_000, False), (33_500, False), (100_000, False), (100_001, True)],
)
def test_aspirate_tnc_outside_5000_to_100000_per_ul_is_flagged(
    aspirate_tnc: int, flagged: bool
) -> None:
    flags = count_window_flags(Counts(aspirate_tnc, 150_000), QcLimits())
    assert any("Aspirate TNC" in f for f in flags) is flagged


@pytest.mark.parametrize(
    ("concentrate_tnc", "flagged"),
    [(4_999, True), (5_000, False), (700_000, False), (700_001, True)],
)
def test_concentrate_tnc_outside_its_window_is_flagged(concentrate_tnc: int, flagged: bool) -> None:
    flags = count_window_flags(Counts(30_000, concentrate_tnc), QcLimits())
    assert any("Concentrate TNC" in f for f in flags) is flagged


def test_platelet_windows_flag_and_switch_off() -> None:
    counts = Counts(30_000, 150_000, aspirate_plt=19_999, concentrate_plt=7_000_001)
    assert len(count_window_flags(counts, QcLimits())) == 2
    off = QcLimits(aspirate_plt_min=None, concentrate_plt_max=None)
    assert count_window_flags(counts, off) == []


def test_qc_flags_include_the_count_windows() -> None:
    flags = qc_flags(
        **{**GOOD_RECORD, "aspirate_tnc_per_ul": 120_000, "concentrate_tnc_per_ul": 600_000}
    )
    assert any("above the plausible 100,000/µL" in f for f in flags)


def test_cfu_f_per_million_cells_plated_and_per_ml() -> None:
    # 25 colonies from 1×10⁶ TNC plated; 121,000 TNC/µL (Pettine's concentrate, 121×10⁶/mL).
    result = cfu_f(colonies=25, cells_plated=1_000_000, tnc_per_ul=121_000)
    assert result["per_10e6_tnc"] == 25
    assert result["per_ml"] == Decimal(3025)


def test_cfu_f_needs_cells_plated() -> None:
    with pytest.raises(LabValueError, match="cells_plated"):
        cfu_f(colonies=3, cells_plated=0, tnc_per_ul=30_000)


def test_mononuclear_cells_are_lymphocytes_and_monocytes_of_the_tnc() -> None:
    assert mononuclear_per_ul(tnc_per_ul=100_000, lymphocytes_pct=30, monocytes_pct=10) == 40_000


@pytest.mark.parametrize(
    ("parts", "ok"),
    [
        ({"l": 30, "m": 10, "g": 60}, True),
        ({"l": 30, "m": 10, "g": 61}, True),  # within 1 % rounding
        ({"l": 30, "m": 10, "g": 62}, False),
        ({"l": 30, "m": 10, "g": None}, True),
        ({"l": 90, "m": 20, "g": None}, False),
        ({"l": 101, "m": None, "g": None}, False),
    ],
)
def test_a_three_part_differential_adds_up_to_100(parts: dict, ok: bool) -> None:
    if ok:
        validate_differential(parts, "post_")
    else:
        with pytest.raises(LabValueError):
            validate_differential(parts, "post_")


def test_delivered_cells_platelets_and_cd34_come_from_the_volume_injected() -> None:
    result = delivered(volume_ml="3.5", tnc_per_ul=150_000, platelets_per_ul=900_000)
    assert result == {
        "tnc": Decimal("525000000.0"),
        "platelets": Decimal("3150000000.0"),
        "cd34": None,
    }


@pytest.mark.parametrize(
    ("pulls", "ml", "flagged"),
    [
        (12, "5", False),
        (12, "6.25", False),
        (12, "6.3", True),
        (12, "3.75", False),
        (12, "3.7", True),
    ],
)
def test_pulls_times_ml_per_pull_match_the_aspirate_within_25_percent(
    pulls: int, ml: str, flagged: bool
) -> None:
    assert bool(pull_flags(pulls=pulls, ml_per_pull=ml, aspirate_ml=60)) is flagged
