"""Lab processing calculations for bone marrow aspirate and concentrate (BMAC).

Pure functions, no ORM. Source: docs/reference.md §2 "Lab processing record" (calculations and
validation) and §0 (defaults: recovery flagged above 110 %, aspirate volume warned outside
30-120 mL).

Numbers: every function takes ``Decimal``, ``int`` or ``str`` (a ``float`` is accepted and
converted through ``str``, so 0.1 stays 0.1) and returns an unrounded ``Decimal``. Decimal
matches Django's ``DecimalField`` and makes thresholds exact (a recovery of exactly 110 %
is not flagged). Rounding for storage or display belongs to the caller.

Units are in the argument names and are the only units accepted:
- cell counts are **cells per µL** (absolute). Counts typed as the analyser prints them,
  ``×10³/µL`` (= ×10⁹/L), are converted in one place, :func:`count_per_ul`;
- red cells are **×10⁶/µL** (= ×10¹²/L), as analysers print them;
- volumes are **mL**; radius is **cm**; speed is **rpm**; RCF is **×g**;
- haematocrit, viability and the white-cell differential are **percent** (0-100).

Plausibility: a count outside its window (e.g. an aspirate below 5,000 or above 100,000
TNC/µL) is flagged for review; a count that no marrow sample can have (below 1,000 or
above 10 million cells/µL) is refused as a unit error, naming the likely unit slip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

Number = Decimal | int | str | float

RCF_CONSTANT = Decimal("1.118E-5")  # RCF = 1.118e-5 × r_cm × rpm² (docs/reference.md §2)
UL_PER_ML = Decimal(1000)


class LabValueError(ValueError):
    """A lab value is impossible (not merely unusual); ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def to_decimal(value: Number, field: str = "value") -> Decimal:
    """Convert an input to ``Decimal`` (floats via ``str``); reject NaN and infinity."""
    if isinstance(value, bool):
        raise LabValueError(field, f"expected a number, got {value!r}")
    try:
        result = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise LabValueError(field, f"expected a number, got {value!r}") from exc
    if not result.is_finite():
        raise LabValueError(field, f"expected a finite number, got {value!r}")
    return result


def _positive(value: Number, field: str) -> Decimal:
    number = to_decimal(value, field)
    if number <= 0:
        raise LabValueError(field, f"must be greater than 0, got {number}")
    return number


def _non_negative(value: Number, field: str) -> Decimal:
    number = to_decimal(value, field)
    if number < 0:
        raise LabValueError(field, f"cannot be negative, got {number}")
    return number


def per_ul_from_10e3_per_ul(value: Number) -> Decimal:
    """Convert an analyzer count in ×10³/µL (= ×10⁹/L) to absolute cells per µL."""
    return _non_negative(value, "count_10e3_per_ul") * 1000


class CountUnit(StrEnum):
    """The unit a count was typed in. Stored counts are always cells/µL."""

    THOUSANDS_PER_UL = "10e3_per_ul"
    PER_UL = "per_ul"

    @property
    def label(self) -> str:
        return COUNT_UNIT_LABELS[self]


COUNT_UNIT_LABELS = {
    CountUnit.THOUSANDS_PER_UL: "×10³/µL (= ×10⁹/L, as the analyser prints)",
    CountUnit.PER_UL: "cells/µL",
}
# Below or above these no marrow sample can be: the number was typed in another unit.
IMPOSSIBLE_COUNT_PER_UL = (Decimal(1000), Decimal(10_000_000))


def count_per_ul(value: Number, unit: str, field: str = "count") -> Decimal:
    """The one place a typed count becomes cells/µL: ×10³/µL is multiplied by 1,000."""
    number = _non_negative(value, field)
    try:
        chosen = CountUnit(unit)
    except ValueError:
        raise LabValueError("count_unit", f"unknown count unit {unit!r}") from None
    return number * 1000 if chosen == CountUnit.THOUSANDS_PER_UL else number


def check_count_unit(per_ul: Number, field: str, entered_in: str) -> None:
    """Refuse a count no marrow sample can have: a ×10³/µL value typed as cells/µL (or the
    reverse) is off by a factor of 1,000 and would corrupt every total computed from it."""
    count = to_decimal(per_ul, field)
    low, high = IMPOSSIBLE_COUNT_PER_UL
    if count < low:
        raise LabValueError(
            field,
            f"{count:,.0f} cells/µL is not a possible count. If the analyser printed "
            "×10³/µL, choose that unit (or multiply by 1,000).",
        )
    if count > high:
        hint = (
            " Counts typed with the unit ×10³/µL are multiplied by 1,000."
            if (entered_in == CountUnit.THOUSANDS_PER_UL)
            else ""
        )
        raise LabValueError(field, f"{count:,.0f} cells/µL is not a possible count.{hint}")


def tnc_neat_per_ul(
    *, measured_per_ul: Number, marrow_ml: Number, anticoagulant_ml: Number
) -> Decimal:
    """Correct a count measured in anticoagulated aspirate back to neat marrow.

    TNC_neat = TNC_measured × (V_marrow + V_ac) / V_marrow (docs/reference.md §2, dilution
    correction).
    ``marrow_ml`` is the marrow volume *without* anticoagulant.
    """
    measured = _non_negative(measured_per_ul, "measured_per_ul")
    marrow = _positive(marrow_ml, "marrow_ml")
    anticoagulant = _non_negative(anticoagulant_ml, "anticoagulant_ml")
    return measured * (marrow + anticoagulant) / marrow


def total_cells(*, per_ul: Number, volume_ml: Number) -> Decimal:
    """Total cells in a volume: count/µL × 1000 µL/mL × mL (docs/reference.md §2, total TNC)."""
    count = _non_negative(per_ul, "per_ul")
    return count * UL_PER_ML * _non_negative(volume_ml, "volume_ml")


def concentration_factor(*, concentrate_per_ul: Number, aspirate_per_ul: Number) -> Decimal:
    """Concentration factor = concentrate count / aspirate count (docs/reference.md §2).

    Works for TNC, platelets and CD34+ alike; both counts must be in the same unit and the
    aspirate count on the same dilution basis as used elsewhere in the record.
    """
    concentrate = _non_negative(concentrate_per_ul, "concentrate_per_ul")
    return concentrate / _positive(aspirate_per_ul, "aspirate_per_ul")


def recovery_pct(
    *,
    concentrate_per_ul: Number,
    concentrate_ml: Number,
    aspirate_per_ul: Number,
    aspirate_ml: Number,
) -> Decimal:
    """Recovery % = (count_c × V_c) / (count_a × V_a) × 100 (docs/reference.md §2).

    Pair the aspirate count with a matching volume: the measured (diluted) count with the
    volume *including* anticoagulant, or the neat count with the marrow-only volume. Above
    ~100 % points to a unit or volume error; :func:`qc_flags` flags it above the limit.
    """
    recovered = total_cells(per_ul=concentrate_per_ul, volume_ml=concentrate_ml)
    aspirate_total = total_cells(per_ul=aspirate_per_ul, volume_ml=aspirate_ml)
    if aspirate_total == 0:
        raise LabValueError("aspirate_per_ul", "aspirate count × volume must be greater than 0")
    return recovered / aspirate_total * 100


def rcf_from_rpm(*, radius_cm: Number, rpm: Number) -> Decimal:
    """Relative centrifugal force (×g) = 1.118×10⁻⁵ × r_cm × rpm² (docs/reference.md §2).

    Store the RCF: rpm alone cannot be reproduced on a rotor of another radius.
    """
    radius = _positive(radius_cm, "radius_cm")
    speed = _non_negative(rpm, "rpm")
    return RCF_CONSTANT * radius * speed * speed


def rpm_from_rcf(*, radius_cm: Number, rcf: Number) -> Decimal:
    """Rotor speed (rpm) giving ``rcf`` ×g at ``radius_cm``: √(RCF / (1.118×10⁻⁵ × r))."""
    radius = _positive(radius_cm, "radius_cm")
    force = _non_negative(rcf, "rcf")
    return (force / (RCF_CONSTANT * radius)).sqrt()


def cells_delivered(*, concentrate_per_ul: Number, injected_ml: Number) -> Decimal:
    """Cells delivered by an injection of ``injected_ml`` of concentrate."""
    return total_cells(per_ul=concentrate_per_ul, volume_ml=injected_ml)


def cells_delivered_per_target(
    *,
    concentrate_per_ul: Number,
    injected_ml_by_target: Mapping[str, Number],
    concentrate_ml: Number | None = None,
) -> dict[str, Decimal]:
    """Cells delivered to each target from the mL injected there.

    When ``concentrate_ml`` is given, the injected volumes together may not exceed it.
    """
    volumes = {
        target: _non_negative(ml, f"injected_ml[{target}]")
        for target, ml in injected_ml_by_target.items()
    }
    if concentrate_ml is not None:
        available = _positive(concentrate_ml, "concentrate_ml")
        injected = sum(volumes.values(), Decimal(0))
        if injected > available:
            raise LabValueError(
                "injected_ml",
                f"{injected} mL injected in total exceeds the {available} mL of concentrate",
            )
    return {
        target: cells_delivered(concentrate_per_ul=concentrate_per_ul, injected_ml=ml)
        for target, ml in volumes.items()
    }


def validate_volumes(*, aspirate_ml: Number, concentrate_ml: Number) -> None:
    """Concentrate volume must be positive and smaller than the aspirate volume
    (docs/reference.md §2)."""
    aspirate = _positive(aspirate_ml, "aspirate_ml")
    concentrate = _positive(concentrate_ml, "concentrate_ml")
    if concentrate >= aspirate:
        raise LabValueError(
            "concentrate_ml",
            f"concentrate volume ({concentrate} mL) must be less than the aspirate volume "
            f"({aspirate} mL)",
        )


def validate_hct(hct_pct: Number, field: str = "hct_pct") -> None:
    """Haematocrit must lie within 0-60 % (docs/reference.md §2)."""
    _check_range(hct_pct, field, Decimal(0), Decimal(60), "Haematocrit")


def validate_viability(viability_pct: Number, field: str = "viability_pct") -> None:
    """Viability (7-AAD) must lie within 0-100 % (docs/reference.md §2)."""
    _check_range(viability_pct, field, Decimal(0), Decimal(100), "Viability")


def _check_range(value: Number, field: str, low: Decimal, high: Decimal, name: str) -> None:
    number = to_decimal(value, field)
    if not low <= number <= high:
        raise LabValueError(field, f"{name} must be between {low} and {high} %, got {number} %")


PULL_VOLUME_TOLERANCE = Decimal("0.25")


def pull_flags(*, pulls: Number, ml_per_pull: Number, aspirate_ml: Number) -> list[str]:
    """Pulls × mL per pull should account for the aspirate (±25 %, arithmetic sanity);
    otherwise one of the three numbers was mistyped."""
    count = _positive(pulls, "pulls")
    per_pull = _positive(ml_per_pull, "ml_per_pull")
    aspirate = _positive(aspirate_ml, "aspirate_ml")
    drawn = count * per_pull
    if abs(drawn - aspirate) > aspirate * PULL_VOLUME_TOLERANCE:
        return [
            f"{count} pulls × {per_pull} mL = {drawn} mL does not match the {aspirate} mL "
            "aspirate: check the pulls, the mL per pull and the volume."
        ]
    return []


def cfu_f(*, colonies: Number, cells_plated: Number, tnc_per_ul: Number) -> dict[str, Decimal]:
    """CFU-F per 10⁶ nucleated cells plated and per mL of the sample counted.

    per 10⁶ TNC = colonies / cells plated × 10⁶; per mL = that × TNC/mL / 10⁶, with
    TNC/mL = TNC/µL × 1,000. Reference values (docs/reference.md §2): iliac aspirate about
    1,060 CFU-F/mL (Everts), a concentrate about 2,700 CFU-F/mL (Pettine 2015).
    """
    count = _non_negative(colonies, "colonies")
    plated = _positive(cells_plated, "cells_plated")
    tnc = _positive(tnc_per_ul, "tnc_per_ul")
    per_million = count / plated * 1_000_000
    return {"per_10e6_tnc": per_million, "per_ml": per_million * tnc * UL_PER_ML / 1_000_000}


def mononuclear_per_ul(
    *, tnc_per_ul: Number, lymphocytes_pct: Number, monocytes_pct: Number
) -> Decimal:
    """Mononuclear cells/µL: TNC × (lymphocytes + monocytes) % (three-part differential)."""
    tnc = _non_negative(tnc_per_ul, "tnc_per_ul")
    share = _non_negative(lymphocytes_pct, "lymphocytes_pct") + _non_negative(
        monocytes_pct, "monocytes_pct"
    )
    return tnc * share / 100


DIFFERENTIAL_TOLERANCE_PCT = Decimal(1)


def validate_differential(parts: Mapping[str, Number | None], prefix: str) -> None:
    """A three-part differential: each 0-100 %; together 100 % (±1 for rounding) when all
    three are given, and never above 100 % when only some are."""
    given = {name: to_decimal(v, f"{prefix}{name}") for name, v in parts.items() if v is not None}
    for name, value in given.items():
        _check_range(value, f"{prefix}{name}", Decimal(0), Decimal(100), "A differential share")
    total = sum(given.values(), Decimal(0))
    complete = len(given) == len(parts)
    off = abs(total - 100) > DIFFERENTIAL_TOLERANCE_PCT if complete else total > 100
    if given and off:
        field = f"{prefix}{next(iter(given))}"
        raise LabValueError(field, f"the differential adds up to {total} %, not 100 %")


def delivered(
    *,
    volume_ml: Number,
    tnc_per_ul: Number,
    platelets_per_ul: Number | None = None,
    cd34_per_ul: Number | None = None,
) -> dict[str, Decimal | None]:
    """Cells, platelets and CD34+ cells delivered by ``volume_ml`` of concentrate."""
    volume = _non_negative(volume_ml, "volume_ml")

    def total(count: Number | None) -> Decimal | None:
        return None if count is None else total_cells(per_ul=count, volume_ml=volume)

    return {
        "tnc": total(tnc_per_ul),
        "platelets": total(platelets_per_ul),
        "cd34": total(cd34_per_ul),
    }


@dataclass(frozen=True)
class QcLimits:
    """Plausibility limits for :func:`qc_flags`; clinic-configurable (docs/reference.md §0, §2).

    ``None`` switches a check off. The viability floor is clinic-defined (often 70 % for
    HPC products) and therefore off by default; a concentrate haematocrit ceiling is
    device-dependent and also off (values outside 0-60 % are rejected regardless). A TNC
    concentration factor below 1 means the product was not concentrated at all.

    Count windows: an aspirate below 5,000 or above 100,000 TNC/µL is implausible (issue
    8; Everts: about 33,500/µL). A concentrate window is the aspirate window times the
    top of the typical concentration factor, 7× (docs/reference.md §2, ⚠ check the IFU).
    Platelet windows are arithmetic sanity (not from a paper): peripheral blood holds
    150-450 ×10³/µL, and a concentrate a few times more.
    """

    recovery_max_pct: Decimal = Decimal(110)
    aspirate_ml_min: Decimal | None = Decimal(30)
    aspirate_ml_max: Decimal | None = Decimal(120)
    cf_tnc_min: Decimal | None = Decimal(1)
    cf_tnc_max: Decimal | None = None
    hct_max_pct: Decimal | None = None
    viability_min_pct: Decimal | None = None
    aspirate_tnc_min: Decimal | None = Decimal(5_000)
    aspirate_tnc_max: Decimal | None = Decimal(100_000)
    concentrate_tnc_min: Decimal | None = Decimal(5_000)
    concentrate_tnc_max: Decimal | None = Decimal(700_000)
    aspirate_plt_min: Decimal | None = Decimal(20_000)
    aspirate_plt_max: Decimal | None = Decimal(1_000_000)
    concentrate_plt_min: Decimal | None = Decimal(20_000)
    concentrate_plt_max: Decimal | None = Decimal(7_000_000)


@dataclass(frozen=True)
class Counts:
    """The counts of one processing run, in cells/µL (platelets optional)."""

    aspirate_tnc: Number
    concentrate_tnc: Number
    aspirate_plt: Number | None = None
    concentrate_plt: Number | None = None


def qc_flags(
    *,
    aspirate_ml: Number,
    concentrate_ml: Number,
    aspirate_tnc_per_ul: Number,
    concentrate_tnc_per_ul: Number,
    concentrate_hct_pct: Number | None = None,
    viability_pct: Number | None = None,
    limits: QcLimits | None = None,
    aspirate_plt_per_ul: Number | None = None,
    concentrate_plt_per_ul: Number | None = None,
) -> list[str]:
    """Return human-readable plausibility flags for a processing record (empty if none).

    Flags need review, they do not block release (docs/reference.md §2: reference values are for
    plausibility, not release criteria). Impossible values raise ``LabValueError`` via
    the validation helpers before any flag is computed.
    """
    limits = limits or QcLimits()
    validate_volumes(aspirate_ml=aspirate_ml, concentrate_ml=concentrate_ml)
    flags = _aspirate_volume_flags(to_decimal(aspirate_ml, "aspirate_ml"), limits)
    counts = Counts(
        aspirate_tnc_per_ul, concentrate_tnc_per_ul, aspirate_plt_per_ul, concentrate_plt_per_ul
    )
    flags += count_window_flags(counts, limits)
    cf = concentration_factor(
        concentrate_per_ul=concentrate_tnc_per_ul, aspirate_per_ul=aspirate_tnc_per_ul
    )
    flags += _cf_flags(cf, limits)
    recovery = recovery_pct(
        concentrate_per_ul=concentrate_tnc_per_ul,
        concentrate_ml=concentrate_ml,
        aspirate_per_ul=aspirate_tnc_per_ul,
        aspirate_ml=aspirate_ml,
    )
    if recovery > limits.recovery_max_pct:
        flags.append(
            f"TNC recovery {recovery:.1f} % is above {limits.recovery_max_pct} %: "
            "check units and volumes."
        )
    flags += _hct_viability_flags(concentrate_hct_pct, viability_pct, limits)
    return flags


def count_window_flags(counts: Counts, limits: QcLimits) -> list[str]:
    """A flag for each count outside its plausibility window (a window edge is inside)."""
    windows = [
        ("Aspirate TNC", counts.aspirate_tnc, limits.aspirate_tnc_min, limits.aspirate_tnc_max),
        (
            "Concentrate TNC",
            counts.concentrate_tnc,
            limits.concentrate_tnc_min,
            limits.concentrate_tnc_max,
        ),
        (
            "Aspirate platelets",
            counts.aspirate_plt,
            limits.aspirate_plt_min,
            limits.aspirate_plt_max,
        ),
        (
            "Concentrate platelets",
            counts.concentrate_plt,
            limits.concentrate_plt_min,
            limits.concentrate_plt_max,
        ),
    ]
    flags = []
    for name, value, low, high in windows:
        if value is None:
            continue
        count = to_decimal(value, name)
        if low is not None and count < low:
            flags.append(f"{name} {count:,.0f}/µL is below the plausible {low:,.0f}/µL: {_CHECK}")
        elif high is not None and count > high:
            flags.append(f"{name} {count:,.0f}/µL is above the plausible {high:,.0f}/µL: {_CHECK}")
    return flags


_CHECK = "check the count and its unit."


def _aspirate_volume_flags(aspirate: Decimal, limits: QcLimits) -> list[str]:
    low, high = limits.aspirate_ml_min, limits.aspirate_ml_max
    if (low is not None and aspirate < low) or (high is not None and aspirate > high):
        return [f"Aspirate volume {aspirate} mL is outside the expected {low}-{high} mL."]
    return []


def _cf_flags(cf: Decimal, limits: QcLimits) -> list[str]:
    if limits.cf_tnc_min is not None and cf < limits.cf_tnc_min:
        return [f"TNC concentration factor {cf:.2f}× is below {limits.cf_tnc_min}×."]
    if limits.cf_tnc_max is not None and cf > limits.cf_tnc_max:
        return [f"TNC concentration factor {cf:.2f}× is above {limits.cf_tnc_max}×."]
    return []


def _hct_viability_flags(
    hct_pct: Number | None, viability_pct: Number | None, limits: QcLimits
) -> list[str]:
    flags: list[str] = []
    if hct_pct is not None:
        validate_hct(hct_pct, "concentrate_hct_pct")
        hct = to_decimal(hct_pct)
        if limits.hct_max_pct is not None and hct > limits.hct_max_pct:
            flags.append(f"Concentrate haematocrit {hct} % is above {limits.hct_max_pct} %.")
    if viability_pct is not None:
        validate_viability(viability_pct)
        viability = to_decimal(viability_pct)
        if limits.viability_min_pct is not None and viability < limits.viability_min_pct:
            flags.append(
                f"Viability {viability} % is below the clinic minimum {limits.viability_min_pct} %."
            )
    return flags
