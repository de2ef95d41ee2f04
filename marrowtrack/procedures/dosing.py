"""Lidocaine dose limits for local anaesthesia on the procedure day.

Pure functions, no ORM. Source: domain spec §0 and §4 "Lidocaine" (US Xylocaine label):
plain ≤ 4.5 mg/kg and ≤ 300 mg; with epinephrine ≤ 7 mg/kg and ≤ 500 mg; all sites for the
day count together; mg/mL = % × 10. The label also asks for lower doses in the elderly and
in cardiac or hepatic disease: that is the physician's call and is not automated here.

Mixed plain and epinephrine entries (the label gives no combined rule). MarrowTrack takes
the safe reading: the day's total must stay within the epinephrine limit, and, as soon as
any plain lidocaine is (or would be) given that day, the whole total must stay within the
plain limit. Because the plain limit is never above the epinephrine limit, the limit that
applies is simply the plain one whenever a plain entry exists.

Numbers are ``Decimal`` (exact boundaries: exactly at the limit is allowed, 0.01 mg over is
refused); ``int``, ``str`` and ``float`` (via ``str``) inputs are converted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

Number = Decimal | int | str | float

MG_PER_ML_PER_PERCENT = Decimal(10)  # 1 % = 10 mg/mL
PLAIN_MG_PER_KG = Decimal("4.5")
PLAIN_CAP_MG = Decimal(300)
EPI_MG_PER_KG = Decimal(7)
EPI_CAP_MG = Decimal(500)
MAX_PERCENT = Decimal(10)


class WeightRequired(ValueError):
    """The patient's weight (kg) is missing or not positive, so no limit can be computed."""


class InvalidDoseEntry(ValueError):
    """A lidocaine entry has an impossible concentration or volume."""


class DoseLimitExceeded(ValueError):
    """The entry would take the day's cumulative lidocaine above the applicable limit."""

    def __init__(self, message: str, *, total_mg: Decimal, limit_mg: Decimal) -> None:
        super().__init__(message)
        self.message = message
        self.total_mg = total_mg
        self.limit_mg = limit_mg


@dataclass(frozen=True)
class LidocaineEntry:
    """One lidocaine administration: concentration (%), volume (mL), epinephrine, site."""

    percent: Decimal
    ml: Decimal
    with_epinephrine: bool
    site: str = ""

    @property
    def mg(self) -> Decimal:
        return mg_from_ml(self.percent, self.ml)


@dataclass(frozen=True)
class DoseCheck:
    """Result of an accepted entry: the day's total, the limit used and what remains.

    ``remaining_ml`` is at the new entry's concentration; round it *down* for display.
    """

    total_mg: Decimal
    limit_mg: Decimal
    remaining_mg: Decimal
    remaining_ml: Decimal
    formula: str


def _dec(value: Number, name: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidDoseEntry(f"{name} must be a number, got {value!r}")
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise InvalidDoseEntry(f"{name} must be a number, got {value!r}") from exc
    if not number.is_finite():
        raise InvalidDoseEntry(f"{name} must be a finite number, got {value!r}")
    return number


def fmt(value: Decimal) -> str:
    """Format a Decimal without exponent or trailing zeros (``270``, ``270.01``)."""
    return format(value.normalize(), "f")


def mg_per_ml(percent: Number) -> Decimal:
    """Concentration in mg/mL for a lidocaine percentage: % × 10 (spec §4)."""
    pct = _dec(percent, "percent")
    if not 0 < pct <= MAX_PERCENT:
        raise InvalidDoseEntry(
            f"Lidocaine concentration must be above 0 and at most 10 %, got {pct} %"
        )
    return pct * MG_PER_ML_PER_PERCENT


def mg_from_ml(percent: Number, ml: Number) -> Decimal:
    """Milligrams of lidocaine in ``ml`` of a ``percent`` solution (1 % = 10 mg/mL)."""
    volume = _dec(ml, "ml")
    if volume <= 0:
        raise InvalidDoseEntry(f"Volume must be greater than 0 mL, got {volume} mL")
    return mg_per_ml(percent) * volume


def ml_from_mg(percent: Number, mg: Number) -> Decimal:
    """Millilitres of a ``percent`` solution that contain ``mg`` of lidocaine."""
    return _dec(mg, "mg") / mg_per_ml(percent)


def _weight(weight_kg: Number | None) -> Decimal:
    if weight_kg is None:
        raise WeightRequired("Record the patient's weight (kg) before giving lidocaine.")
    weight = _dec(weight_kg, "weight_kg")
    if weight <= 0:
        raise WeightRequired(f"Patient weight must be greater than 0 kg, got {weight} kg.")
    return weight


def max_dose_mg(weight_kg: Number | None, with_epinephrine: bool) -> Decimal:
    """Maximum cumulative lidocaine for the day (spec §4, US Xylocaine label).

    ``min(kg × 7, 500)`` with epinephrine; ``min(kg × 4.5, 300)`` plain.
    """
    weight = _weight(weight_kg)
    if with_epinephrine:
        return min(weight * EPI_MG_PER_KG, EPI_CAP_MG)
    return min(weight * PLAIN_MG_PER_KG, PLAIN_CAP_MG)


def limit_formula(weight_kg: Number | None, with_epinephrine: bool) -> str:
    """Explain the limit, e.g. ``plain: min(4.5 mg/kg × 60 kg = 270 mg, 300 mg) = 270 mg``."""
    weight = _weight(weight_kg)
    per_kg, cap = (
        (EPI_MG_PER_KG, EPI_CAP_MG) if with_epinephrine else (PLAIN_MG_PER_KG, PLAIN_CAP_MG)
    )
    kind = "with epinephrine" if with_epinephrine else "plain"
    by_weight = weight * per_kg
    return (
        f"{kind}: min({fmt(per_kg)} mg/kg × {fmt(weight)} kg = {fmt(by_weight)} mg, "
        f"{fmt(cap)} mg) = {fmt(min(by_weight, cap))} mg"
    )


def check_entry(
    weight_kg: Number | None,
    previous_entries: Sequence[LidocaineEntry],
    new_entry: LidocaineEntry,
) -> DoseCheck:
    """Accept or refuse a new lidocaine entry against the day's cumulative limit.

    Counts every site for the day (spec §4). Applies the plain limit to the whole total
    when any entry (previous or new) is plain, otherwise the epinephrine limit (see the
    module docstring). Raises ``WeightRequired`` without a weight and
    ``DoseLimitExceeded`` when the total would exceed the limit; otherwise returns the
    remaining allowance in mg and in mL of the new entry's concentration.
    """
    entries = [*previous_entries, new_entry]
    any_plain = any(not entry.with_epinephrine for entry in entries)
    limit = max_dose_mg(weight_kg, with_epinephrine=not any_plain)
    formula = limit_formula(weight_kg, with_epinephrine=not any_plain)
    so_far = sum((entry.mg for entry in previous_entries), Decimal(0))
    total = so_far + new_entry.mg
    if total > limit:
        raise DoseLimitExceeded(
            _exceeded_message(so_far, new_entry, limit, formula, mixed=_is_mixed(entries)),
            total_mg=total,
            limit_mg=limit,
        )
    remaining = limit - total
    return DoseCheck(
        total_mg=total,
        limit_mg=limit,
        remaining_mg=remaining,
        remaining_ml=ml_from_mg(new_entry.percent, remaining),
        formula=formula,
    )


def _is_mixed(entries: Sequence[LidocaineEntry]) -> bool:
    return len({entry.with_epinephrine for entry in entries}) > 1


def _exceeded_message(
    so_far: Decimal, entry: LidocaineEntry, limit: Decimal, formula: str, *, mixed: bool
) -> str:
    kind = "with epinephrine" if entry.with_epinephrine else "plain"
    site = f" at {entry.site}" if entry.site else ""
    left = max(limit - so_far, Decimal(0))
    left_ml = ml_from_mg(entry.percent, left).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    message = (
        f"Lidocaine limit exceeded: {fmt(so_far)} mg given so far today + {fmt(entry.mg)} mg "
        f"in this entry ({fmt(entry.ml)} mL of {fmt(entry.percent)} % {kind}{site}) = "
        f"{fmt(so_far + entry.mg)} mg, above the {fmt(limit)} mg limit ({formula}). "
        f"At most {fmt(left)} mg ({fmt(left_ml)} mL of "
        f"{fmt(entry.percent)} %) may still be given."
    )
    if mixed:
        message += " Plain and epinephrine lidocaine were mixed, so the plain limit applies."
    return message
