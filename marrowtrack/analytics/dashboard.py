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

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from marrowtrack.analytics import stats
from marrowtrack.analytics.readmodel import EXCLUSION_REASONS, PlanRow, Registry, scores_by_plan
from marrowtrack.outcomes import analysis, catalogue, responders

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

    def admits(self, plan: PlanRow) -> bool:
        return (
            plan.condition == self.condition
            and (not self.treatments or plan.treatment in self.treatments)
            and (self.physician_id is None or plan.physician_id == self.physician_id)
            and (self.treated_from is None or plan.treated_on >= self.treated_from)
            and (self.treated_to is None or plan.treated_on <= self.treated_to)
            and (not self.sex or plan.sex == self.sex)
            and (not self.age_band or plan.age_band == self.age_band)
            and (self.severity is None or plan.severity == self.severity)
        )


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


def improvement_of(
    instrument: str, key: str, base: float, follow: float
) -> tuple[float, bool | None]:
    try:
        result = responders.meaningful_change(instrument, key, base, follow)
    except responders.NoRuleError:
        return follow - base, None
    return float(result.improvement), result.meaningful


def _timepoint(
    filters: Filters,
    plans: list[PlanRow],
    table: dict,
    due_rows: Counter,
    completed: Counter,
    excluded: dict[str, Counter],
    timepoint: str,
) -> TimepointFigures:
    gains, meaningful, oarsi = [], [], []
    osteo = plans and catalogue.is_osteoarthritis(filters.condition, plans[0].target)
    for plan in plans:
        by_tp = table.get(plan.id, {})
        base = by_tp.get("baseline", {})
        follow = by_tp.get(timepoint, {})
        b = base.get(filters.instrument, {}).get(filters.score_key)
        f = follow.get(filters.instrument, {}).get(filters.score_key)
        if b is not None and f is not None:
            gain, hit = improvement_of(filters.instrument, filters.score_key, b, f)
            gains.append(gain)
            if hit is not None:
                meaningful.append(hit)
        if osteo and base and follow:
            result, _ = analysis.oarsi_for(base, follow)
            if result is not None:
                oarsi.append(result.responder)
    due, done = due_rows[timepoint], completed[timepoint]
    return TimepointFigures(
        timepoint=timepoint,
        due=due,
        followed_up=done,
        followed_pct=(100 * done / due) if due else None,
        analysed=len(gains),
        mean=stats.mean_ci(gains),
        median=stats.median_iqr(gains),
        mcid=stats.wilson(sum(meaningful), len(meaningful)),
        oarsi=stats.wilson(sum(oarsi), len(oarsi)) if osteo else None,
        excluded={reason: excluded[reason][timepoint] for reason in EXCLUSION_REASONS},
    )


def survival_data(
    registry: Registry, plans: list[PlanRow], kind: str = ""
) -> tuple[list[float], list[bool]]:
    """Days from treatment to the first re-intervention (of `kind`, or any), else censored
    at the last contact (the latest survey answer; the treatment day when none)."""
    first: dict[int, date] = {}
    for row in registry.reinterventions:
        if kind and row["kind"] != kind:
            continue
        if row["plan_id"] not in first or row["performed_on"] < first[row["plan_id"]]:
            first[row["plan_id"]] = row["performed_on"]
    durations, observed = [], []
    for plan in plans:
        if plan.id in first:
            durations.append(float((first[plan.id] - plan.treated_on).days))
            observed.append(True)
        else:
            last = registry.last_contact.get(plan.id, plan.treated_on)
            durations.append(float(max(0, (last - plan.treated_on).days)))
            observed.append(False)
    return durations, observed


def _curves(registry: Registry, plans: list[PlanRow]) -> list[KMCurve]:
    curves = []
    for kind, label in REINTERVENTION_KINDS.items():
        durations, observed = survival_data(registry, plans, kind)
        steps = stats.kaplan_meier(durations, observed)
        marks = {name: stats.survival_at(steps, day) for name, day in KM_MARKS.items()}
        curves.append(KMCurve(kind, label, steps, marks, sum(observed), len(plans)))
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


def dashboard_compute(registry: Registry, filters: Filters) -> Dashboard:
    cohort = [p for p in registry.plans.values() if filters.admits(p)]
    ids = {p.id for p in cohort}
    rows = [
        r
        for r in registry.scores
        if r.plan_id in ids
        and r.instrument == filters.instrument
        and r.score_key == filters.score_key
    ]
    oarsi_rows = [
        r for r in registry.scores if r.plan_id in ids and r.instrument in ("WOMAC", "PGA")
    ]
    table = scores_by_plan(rows + oarsi_rows, include_excluded=filters.include_excluded)
    excluded_by_plan: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    totals: Counter = Counter()
    for r in rows:
        if r.excluded:
            excluded_by_plan[r.plan_id][r.excluded][r.timepoint] += 1
            totals[r.excluded] += 1
    followups_by_plan: dict[int, list[dict]] = defaultdict(list)
    for f in registry.followups:
        if f["plan_id"] in ids:
            followups_by_plan[f["plan_id"]].append(f)
    result = Dashboard(filters, _rule_text(filters.instrument, filters.score_key))
    result.excluded = {reason: totals[reason] for reason in EXCLUSION_REASONS}
    by_treatment: dict[str, list[PlanRow]] = defaultdict(list)
    for plan in cohort:
        by_treatment[plan.treatment].append(plan)
    for treatment in sorted(by_treatment, key=lambda t: (t not in ("bmac", "bmac_prp"), t)):
        plans = by_treatment[treatment]
        due, completed = Counter(), Counter()
        excluded: dict[str, Counter] = defaultdict(Counter)
        for plan in plans:
            for f in followups_by_plan[plan.id]:
                if f["shown_status"] in ("completed", "missed"):
                    due[f["timepoint"]] += 1
                if f["shown_status"] == "completed":
                    completed[f["timepoint"]] += 1
            for reason, counts in excluded_by_plan.get(plan.id, {}).items():
                excluded[reason].update(counts)
        timepoints = [
            _timepoint(filters, plans, table, due, completed, excluded, tp)
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
                _curves(registry, plans),
            )
        )
    return result


def conditions_present(registry: Registry) -> list[str]:
    return sorted({p.condition for p in registry.plans.values()})
