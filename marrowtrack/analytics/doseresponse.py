"""Dose-response (issue 14 item 3): the improvement from baseline at one time point against
the dose of concentrate a BMAC patient received, with an ordinary least-squares line and
its 95 % confidence band (docs/decisions/0028).

Two doses, both from the lab's released results (`lab.selectors.registry_lab_results`):
- total nucleated cells delivered (the concentrate's TNC per µL times every injected mL),
  plotted in billions (10^9) of cells;
- the concentration factor of total nucleated cells (concentrate count over aspirate count).

Only BMAC plans (with or without PRP) of the condition count, after the dashboard's filters.
A fit is refused, with the reason, below `MIN_POINTS` patients with both scores and a lab
result, or when every patient had the same dose. Every figure says how many patients were
left out and why: scores that do not count by default (readmodel.py), and patients with
both scores but no released lab result.

A line is a summary, not a mechanism: dose was not assigned at random, and a larger harvest
may go with a younger patient, so a slope says what went together here, not what a change
of dose would do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from marrowtrack.analytics import stats
from marrowtrack.analytics.dashboard import Filters, improvements
from marrowtrack.analytics.readmodel import EXCLUSION_REASONS, HARVEST, Registry

MIN_POINTS = 20
BAND_STEPS = 24
DOSES = (
    # (key in the lab result, name, unit, divisor for the axis)
    ("tnc_delivered", "Total nucleated cells delivered", "billion cells", 1e9),
    ("concentration_factor", "Concentration factor (TNC)", "times the aspirate", 1.0),
)
CAVEAT = (
    "Observational: the dose was not assigned at random, so a slope shows what went together "
    "in this clinic's patients, not what a different dose would do."
)


@dataclass(frozen=True)
class DosePoint:
    dose: float
    improvement: float


@dataclass
class DoseFit:
    measure: str
    label: str
    unit: str
    points: list[DosePoint]
    fit: stats.LineFit | None = None
    band: list[tuple[float, float, float, float]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    missing_dose: int = 0


@dataclass
class DoseResponse:
    filters: Filters
    timepoint: str
    harvest_plans: int
    with_both_scores: int
    no_lab_result: int
    excluded: dict[str, int]
    fits: list[DoseFit]
    caveat: str = CAVEAT

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def _band(fit: stats.LineFit, low: float, high: float) -> list[tuple[float, float, float, float]]:
    step = (high - low) / BAND_STEPS
    return [(low + i * step, *fit.band(low + i * step)) for i in range(BAND_STEPS + 1)]


def _fit(
    measure: str,
    label: str,
    unit: str,
    points: list[DosePoint],
    missing: int,
    min_points: int,
) -> DoseFit:
    result = DoseFit(measure, label, unit, points, missing_dose=missing)
    if len(points) < min_points:
        result.refused.append(
            f"Too few BMAC patients with both scores and a released lab result: {len(points)} "
            f"(at least {min_points} needed for a line that does not mislead)."
        )
        return result
    doses = [p.dose for p in points]
    if min(doses) == max(doses):
        result.refused.append(f"Every patient had the same {label.lower()}: no line can be fitted.")
        return result
    result.fit = stats.ols_line(doses, [p.improvement for p in points])
    result.band = _band(result.fit, min(doses), max(doses))
    return result


def dose_response_compute(
    registry: Registry,
    lab: dict[int, dict[str, float | None]],
    filters: Filters,
    *,
    timepoint: str = "6m",
    min_points: int = MIN_POINTS,
) -> DoseResponse:
    """The dose-response of the filtered BMAC patients at `timepoint` (pure)."""
    columns = registry.plan_columns
    chosen = filters.mask(columns) & np.isin(columns.treatment, list(HARVEST))
    ids = columns.id[chosen]
    s = registry.score_columns
    left = (
        (s.excluded != "")
        & np.isin(s.plan_id, ids)
        & (s.instrument == filters.instrument)
        & (s.score_key == filters.score_key)
        & ((s.timepoint == "baseline") | (s.timepoint == timepoint))
    )
    excluded: Counter = Counter(s.excluded[left].tolist())
    base, follow = (
        registry.score_values(
            ids,
            filters.instrument,
            filters.score_key,
            at,
            include_excluded=filters.include_excluded,
        )
        for at in ("baseline", timepoint)
    )
    both = ~np.isnan(base) & ~np.isnan(follow)
    improved, _ = improvements(filters.instrument, filters.score_key, base[both], follow[both])
    gains = dict(zip(ids[both].tolist(), improved.tolist(), strict=True))
    fits = []
    for key, label, unit, divisor in DOSES:
        points, missing = [], 0
        for plan_id, gain in gains.items():
            value = lab.get(plan_id, {}).get(key)
            if value is None:
                missing += 1
                continue
            points.append(DosePoint(value / divisor, gain))
        fits.append(_fit(key, label, unit, points, missing, min_points))
    return DoseResponse(
        filters=filters,
        timepoint=timepoint,
        harvest_plans=len(ids),
        with_both_scores=len(gains),
        no_lab_result=sum(1 for plan_id in gains if plan_id not in lab),
        excluded={reason: excluded[reason] for reason in EXCLUSION_REASONS},
        fits=fits,
    )
