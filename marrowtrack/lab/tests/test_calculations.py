from decimal import Decimal

import pytest

from marrowtrack.lab.calculations import (
    LabValueError,
    QcLimits,
    cells_delivered,
    cells_delivered_per_target,
    concentration_factor,
    per_ul_from_10e3_per_ul,
    qc_flags,
    rcf_from_rpm,
    recovery_pct,
    rpm_from_rcf,
    tnc_neat_per_ul,
    total_cells,
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
