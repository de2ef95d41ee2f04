"""The numbers of a processing run, computed once: counts converted to cells/µL from the
unit they were typed in, dilution-corrected TNC, totals, concentration factors with their
basis, recovery, mononuclear cells, and the plausibility flags (docs/reference.md §2, issue 8
item 14). Pure: no ORM; calculations in ``lab.calculations``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.lab import calculations as calc

COUNT_FIELDS = ("pre_tnc_per_ul", "post_tnc_per_ul", "pre_plt_per_ul", "post_plt_per_ul")
DIFFERENTIALS = {
    "pre_": ("pre_lymph_pct", "pre_mono_pct", "pre_gran_pct"),
    "post_": ("post_lymph_pct", "post_mono_pct", "post_gran_pct"),
}


def qc_limits() -> calc.QcLimits:
    """Clinic QC limits: ``MARROWTRACK_QC_LIMITS`` overrides the defaults field by field."""
    overrides = getattr(settings, "MARROWTRACK_QC_LIMITS", {}) or {}
    values = {k: (None if v is None else Decimal(str(v))) for k, v in overrides.items()}
    return calc.QcLimits(**values)


# --- Input: units, plausibility, times ------------------------------------------------


def counts_in_cells_per_ul(data: Mapping[str, Any]) -> dict[str, Any]:
    """The run's data with every count converted to cells/µL from the unit it was typed
    in (``count_unit``, default cells/µL), and refused when no sample can have it."""
    unit = data.get("count_unit") or calc.CountUnit.PER_UL
    converted = {**data, "count_unit": unit}
    try:
        for name in COUNT_FIELDS:
            if data.get(name) is not None:
                count = calc.count_per_ul(data[name], unit, name)
                converted[name] = count.quantize(Decimal(1), rounding=ROUND_HALF_UP)
                calc.check_count_unit(converted[name], name, unit)
    except calc.LabValueError as exc:
        raise ValidationFailed({exc.field: [exc.message]}) from exc
    return converted


def _q(value: Decimal, places: str = "0.01") -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _cf(post: Any, pre: Any) -> str | None:
    if post is None or not pre:
        return None
    return _q(calc.concentration_factor(concentrate_per_ul=post, aspirate_per_ul=pre))


def computed_values(d: Mapping[str, Any], marrow_ml: Decimal) -> dict[str, Any]:
    """Dilution-corrected TNC, totals, concentration factors with their basis, recovery,
    mononuclear cells (docs/reference.md §2). Counts in cells/µL."""
    pre, post = d["pre_tnc_per_ul"], d["post_tnc_per_ul"]
    neat = calc.tnc_neat_per_ul(
        measured_per_ul=pre, marrow_ml=marrow_ml, anticoagulant_ml=d["anticoagulant_ml"]
    )
    values: dict[str, Any] = {
        "tnc_neat_per_ul": _q(neat, "1"),
        "total_tnc_aspirate": _q(calc.total_cells(per_ul=pre, volume_ml=d["aspirate_ml"]), "1"),
        "total_tnc_concentrate": _q(
            calc.total_cells(per_ul=post, volume_ml=d["concentrate_ml"]), "1"
        ),
        # CF against the aspirate as counted: diluted by the anticoagulant in the tube.
        "cf_tnc": _cf(post, pre),
        "cf_tnc_basis": "diluted",
        "cf_tnc_neat": _cf(post, neat),
        "recovery_pct": _q(
            calc.recovery_pct(
                concentrate_per_ul=post,
                concentrate_ml=d["concentrate_ml"],
                aspirate_per_ul=pre,
                aspirate_ml=d["aspirate_ml"],
            ),
            "0.1",
        ),
    }
    optional = {
        "cf_plt": _cf(d.get("post_plt_per_ul"), d.get("pre_plt_per_ul")),
        "cf_cd34": _cf(d.get("post_cd34_per_ul"), d.get("pre_cd34_per_ul")),
        "mnc_pre_per_ul": _mnc(pre, d, "pre_"),
        "mnc_post_per_ul": _mnc(post, d, "post_"),
    }
    values.update({k: v for k, v in optional.items() if v is not None})
    return values


def _mnc(tnc: Any, d: Mapping[str, Any], prefix: str) -> str | None:
    lymph, mono = d.get(f"{prefix}lymph_pct"), d.get(f"{prefix}mono_pct")
    if lymph is None or mono is None:
        return None
    return _q(
        calc.mononuclear_per_ul(tnc_per_ul=tnc, lymphocytes_pct=lymph, monocytes_pct=mono), "1"
    )


def _check_cd34(d: Mapping[str, Any]) -> None:
    for prefix in ("pre_", "post_"):
        cd34, tnc = d.get(f"{prefix}cd34_per_ul"), d.get(f"{prefix}tnc_per_ul")
        if cd34 is not None and tnc is not None and Decimal(cd34) > Decimal(tnc):
            raise calc.LabValueError(f"{prefix}cd34_per_ul", "CD34+ cells cannot exceed the TNC")


def lab_values(d: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Computed values and QC flags; an impossible value is a field error."""
    marrow = Decimal(d["aspirate_ml"]) - Decimal(d["anticoagulant_ml"])
    try:
        if marrow <= 0:
            raise calc.LabValueError("anticoagulant_ml", "leaves no marrow in the aspirate")
        for name in ("pre_hct_pct", "post_hct_pct"):
            if d.get(name) is not None:
                calc.validate_hct(d[name], name)
        for names in DIFFERENTIALS.values():
            calc.validate_differential({n: d.get(n) for n in names}, "")
        _check_cd34(d)
        computed = computed_values(d, marrow)
        flags = calc.qc_flags(
            aspirate_ml=d["aspirate_ml"],
            concentrate_ml=d["concentrate_ml"],
            aspirate_tnc_per_ul=d["pre_tnc_per_ul"],
            concentrate_tnc_per_ul=d["post_tnc_per_ul"],
            aspirate_plt_per_ul=d.get("pre_plt_per_ul"),
            concentrate_plt_per_ul=d.get("post_plt_per_ul"),
            concentrate_hct_pct=d.get("post_hct_pct"),
            viability_pct=d.get("viability_pct"),
            limits=qc_limits(),
        )
    except calc.LabValueError as exc:
        raise ValidationFailed({exc.field: [exc.message]}) from exc
    return computed, flags
