"""The outcome dashboard: per condition, treatment and time point (pure over the read model).

For each treatment of the condition (after the filters): number treated; per time point the
follow-ups due (window closed or completed, censored ones left out), the number and % followed
up (loss to follow-up beside every figure), the number with a baseline and a follow-up score,
the mean improvement with its t 95 % CI, the median (IQR), the % reaching the instrument's
meaningful change (Wilson 95 % CI), OMERACT-OARSI responders for knee and hip OA; adverse
events per 100 procedures (any, serious, by type; exact Poisson CI); Kaplan-Meier time to
re-intervention (any, and per kind) with Greenwood log(-log) 95 % bands.

Improvement is positive when the patient is better, whatever the score's direction.
Data left out by default (unverified, unvalidated wording, out of window) are counted and
named; `include_excluded` puts them back.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from marrowtrack.analytics import stats
from marrowtrack.analytics.readmodel import (
    EXCLUSION_REASONS,
    NO_DAY,
    OARSI_SCORES,
    PlanColumns,
    PlanRow,
    Registry,
)
from marrowtrack.outcomes import catalogue, responders

FOLLOW_UP_TIMEPOINTS = ("2w", "6w", "3m", "6m", "12m", "24m")
KM_MARKS = {"6 months": 182.625, "12 months": 365.25, "24 months": 730.5}
REINTERVENTION_KINDS = {
    "": "Any re-intervention",
    "repeat_injection": "Repeat injection",
    "surgery": "Surgery",
    "arthroplasty": "Arthroplasty",
}


@dataclass(frozen=True)
class Filters:
    condition: str
    instrument: str = "NPRS"
    score_key: str = "total"
    treatments: tuple[str, ...] = ()
    physician_id: int | None = None
    treated_from: date | None = None
    treated_to: date | None = None
    sex: str = ""
    age_band: str = ""
    severity: int | None = None
    include_excluded: bool = False

    def mask(self, plans: PlanColumns) -> np.ndarray:
        """Which plans the filters admit, as a boolean array over `plans` (plan-id order)."""
        chosen = plans.condition == self.condition
        if self.treatments:
            chosen &= np.isin(plans.treatment, list(self.treatments))
        if self.physician_id is not None:
            chosen &= plans.physician_id == self.physician_id
        if self.treated_from is not None:
            chosen &= plans.treated_on >= self.treated_from.toordinal()
        if self.treated_to is not None:
            chosen &= plans.treated_on <= self.treated_to.toordinal()
        if self.sex:
            chosen &= plans.sex == self.sex
        if self.age_band:
            chosen &= plans.age_band == self.age_band
        if self.severity is not None:
            chosen &= plans.severity == self.severity
        return chosen


@dataclass
class TimepointFigures:
    timepoint: str
    due: int
    followed_up: int
    followed_pct: float | None
    analysed: int
    mean: stats.MeanCI
    median: stats.MedianIQR
    mcid: stats.Proportion
    oarsi: stats.Proportion | None
    excluded: dict[str, int]

    @property
    def label(self) -> str:
        return catalogue.timepoint_label(self.timepoint)

    @property
    def lost(self) -> int:
        return self.due - self.followed_up


@dataclass
class KMCurve:
    kind: str
    label: str
    steps: list[stats.KMStep]
    marks: dict[str, stats.KMStep]
    events: int
    n: int


@dataclass
class TreatmentFigures:
    treatment: str
    treated: int
    timepoints: list[TimepointFigures]
    adverse_any: stats.Rate
    adverse_serious: stats.Rate
    adverse_by_type: dict[str, stats.Rate]
    survival: list[KMCurve]


@dataclass
class Dashboard:
    filters: Filters
    rule: str
    treatments: list[TreatmentFigures] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def _rule_text(instrument: str, key: str) -> str:
    try:
        return responders.rule_text(responders.rule_for(instrument, key), key)
    except responders.NoRuleError:
        return "no meaningful-change rule for this score"


@lru_cache(maxsize=65536)  # pure; a registry's scores hold few distinct pairs
def improvement_of(
    instrument: str, key: str, base: float, follow: float
) -> tuple[float, bool | None]:
    try:
        result = responders.meaningful_change(instrument, key, base, follow)
    except responders.NoRuleError:
        return follow - base, None
    return float(result.improvement), result.meaningful


def improvements(
    instrument: str, key: str, base: np.ndarray, follow: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """`improvement_of` of paired arrays: (improvements, meaningful or None when the score has
    no rule). The exact rule decides each distinct (baseline, follow-up) pair once."""
    pairs, inverse = responders.distinct_pairs(base, follow)
    decided = [improvement_of(instrument, key, b, f) for b, f in pairs]
    gains = np.array([gain for gain, _ in decided], dtype=float)[inverse]
    if not decided:
        return gains, np.zeros(0, dtype=bool)
    if decided[0][1] is None:
        return gains, None
    return gains, np.array([hit for _, hit in decided], dtype=bool)[inverse]


@dataclass
class _Scores:
    """A treatment group's scores that count, one entry per plan (NaN where none)."""

    registry: Registry
    ids: np.ndarray
    include_excluded: bool

    def at(self, instrument: str, key: str, timepoint: str) -> np.ndarray:
        return self.registry.score_values(
            self.ids, instrument, key, timepoint, include_excluded=self.include_excluded
        )


def _oarsi(scores: _Scores, timepoint: str) -> stats.Proportion:
    """OMERACT-OARSI responders among the plans with all three domains at baseline and at
    `timepoint` (as analysis.oarsi_for, which says "not assessable" otherwise)."""
    base = [scores.at(code, key, "baseline") for code, key in OARSI_SCORES]
    follow = [scores.at(code, key, timepoint) for code, key in OARSI_SCORES]
    both = np.all(~np.isnan(np.array(base + follow)), axis=0)
    pain, function, patient_global = ((b[both], f[both]) for b, f in zip(base, follow, strict=True))
    responder = responders.omeract_oarsi_responders(
        pain=pain, function=function, patient_global=patient_global
    )
    return stats.wilson(int(responder.sum()), len(responder))


def _timepoint(
    filters: Filters,
    scores: _Scores,
    osteo: bool,
    due: Counter,
    completed: Counter,
    excluded: dict[str, Counter],
    timepoint: str,
) -> TimepointFigures:
    base = scores.at(filters.instrument, filters.score_key, "baseline")
    follow = scores.at(filters.instrument, filters.score_key, timepoint)
    both = ~np.isnan(base) & ~np.isnan(follow)
    gains, meaningful = improvements(
        filters.instrument, filters.score_key, base[both], follow[both]
    )
    hits = np.zeros(0, dtype=bool) if meaningful is None else meaningful
    done, expected = completed[timepoint], due[timepoint]
    return TimepointFigures(
        timepoint=timepoint,
        due=expected,
        followed_up=done,
        followed_pct=(100 * done / expected) if expected else None,
        analysed=len(gains),
        mean=stats.mean_ci(gains),
        median=stats.median_iqr(gains),
        mcid=stats.wilson(int(hits.sum()), len(hits)),
        oarsi=_oarsi(scores, timepoint) if osteo else None,
        excluded={reason: excluded[reason][timepoint] for reason in EXCLUSION_REASONS},
    )


def survival_data(
    registry: Registry, group: np.ndarray, kind: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """Days from treatment to the first re-intervention (of `kind`, or any), else censored
    at the last contact (the latest survey answer; the treatment day when none), of the
    plans of `group` (a boolean array over the plan columns)."""
    first, last, treated = (column[group] for column in registry.survival_days(kind))
    observed = first != NO_DAY
    durations = np.where(observed, first - treated, np.maximum(0, last - treated))
    return durations.astype(float), observed


def _curves(registry: Registry, group: np.ndarray) -> list[KMCurve]:
    curves = []
    for kind, label in REINTERVENTION_KINDS.items():
        durations, observed = survival_data(registry, group, kind)
        steps = stats.kaplan_meier(durations, observed)
        marks = {name: stats.survival_at(steps, day) for name, day in KM_MARKS.items()}
        curves.append(KMCurve(kind, label, steps, marks, int(observed.sum()), len(durations)))
    return curves


def _adverse(registry: Registry, plans: list[PlanRow]) -> tuple:
    ids = {p.id for p in plans}
    events = [e for e in registry.adverse_events if e["plan_id"] in ids]
    n = len(plans)
    by_type = Counter(e["event_type"] for e in events)
    return (
        stats.poisson_rate(len(events), n),
        stats.poisson_rate(sum(1 for e in events if e["serious"]), n),
        {kind: stats.poisson_rate(count, n) for kind, count in sorted(by_type.items())},
    )


def _of_group(group: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Which entries (each its plan's position in the plan columns, -1 for none) belong to
    a plan of `group` (a boolean array over the plan columns)."""
    known = positions >= 0
    found = np.zeros(len(positions), dtype=bool)
    found[known] = group[positions[known]]
    return found


def dashboard_compute(registry: Registry, filters: Filters) -> Dashboard:
    columns = registry.plan_columns
    chosen = filters.mask(columns)
    scored = registry.score_columns
    # Follow-ups due (window closed, or completed) and the filter score's entries that do not
    # count by default: short lists of indices that each treatment group then splits.
    due = registry.followups_due
    left_out = registry.left_out(filters.instrument, filters.score_key)
    result = Dashboard(filters, _rule_text(filters.instrument, filters.score_key))
    result.excluded = dict.fromkeys(EXCLUSION_REASONS, 0)
    present = set(columns.treatment[chosen].tolist())
    for treatment in sorted(present, key=lambda t: (t not in ("bmac", "bmac_prp"), t)):
        group = chosen & (columns.treatment == treatment)
        plans = [columns.rows[i] for i in np.flatnonzero(group)]
        mine = due[_of_group(group, registry.followup_positions[due])]
        due_by = registry.followups_per_timepoint(mine)
        completed_by = registry.followups_per_timepoint(mine[registry.followups_completed[mine]])
        left = left_out[_of_group(group, registry.score_positions[left_out])]
        excluded: dict[str, Counter] = {reason: Counter() for reason in EXCLUSION_REASONS}
        for reason, tp in zip(scored.excluded[left], scored.timepoint[left], strict=True):
            excluded[reason][tp] += 1
            result.excluded[reason] += 1
        scores = _Scores(registry, columns.id[group], filters.include_excluded)
        osteo = catalogue.is_osteoarthritis(filters.condition, plans[0].target)
        timepoints = [
            _timepoint(filters, scores, osteo, due_by, completed_by, excluded, tp)
            for tp in FOLLOW_UP_TIMEPOINTS
        ]
        any_ae, serious, by_type = _adverse(registry, plans)
        result.treatments.append(
            TreatmentFigures(
                treatment,
                len(plans),
                timepoints,
                any_ae,
                serious,
                by_type,
                _curves(registry, group),
            )
        )
    return result


def conditions_present(registry: Registry) -> list[str]:
    return sorted({p.condition for p in registry.plans.values()})
