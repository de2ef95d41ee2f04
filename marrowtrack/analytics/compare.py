"""BMAC versus a comparator (corticosteroid injection by default): observational estimates.

For one condition, instrument score and time point: the difference in improvement from
baseline (BMAC minus comparator; positive favours BMAC), unadjusted (Welch) and adjusted by
inverse probability of treatment weighting on age, sex, BMI, baseline score, severity
(Kellgren-Lawrence grade), symptom duration and prior injections (ATE weights from a logistic
propensity model), with a balance table (standardised mean differences before and after
weighting) and Kish's effective sample size per group.

An estimate is refused, with the reason, when either group has fewer than `MIN_GROUP`
patients with both scores, or the propensity scores do not overlap (less than 90 % of a group
inside the common support), or weighting leaves an effective sample below `MIN_GROUP` / 2.
A covariate recorded for fewer than 80 % of the patients is left out (named); a missing value
of a kept covariate takes the mean of the others (named with its count).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from marrowtrack.analytics import stats
from marrowtrack.analytics.dashboard import improvements
from marrowtrack.analytics.readmodel import EXCLUSION_REASONS, HARVEST, PlanRow, Registry

MIN_GROUP = 20
MIN_SUPPORT = 0.9
MIN_COVERAGE = 0.8
STATEMENT = (
    "Observational, not randomised: patients and physicians chose the treatment, so the "
    "groups can differ in ways the adjustment does not capture. Weighting balances only the "
    "covariates listed."
)
COVARIATES = (
    ("age", "Age (years)"),
    ("female", "Female sex"),
    ("bmi", "BMI (kg/m2)"),
    ("baseline", "Baseline score"),
    ("severity", "Kellgren-Lawrence grade"),
    ("symptom_months", "Symptom duration (months)"),
    ("prior_injections", "Prior injections"),
)


@dataclass
class BalanceRow:
    name: str
    label: str
    before: float | None
    after: float | None
    imputed: int


@dataclass
class Comparison:
    timepoint: str
    comparator: str
    n_bmac: int
    n_comparator: int
    refused: list[str] = field(default_factory=list)
    unadjusted: stats.Difference | None = None
    adjusted: stats.Difference | None = None
    balance: list[BalanceRow] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    ess_bmac: float | None = None
    ess_comparator: float | None = None
    statement: str = STATEMENT
    # Scores left out (baseline or this time point), by reason: unverified, unvalidated
    # wording, out of window (readmodel.py); filled by the service.
    excluded: dict[str, int] = field(default_factory=dict)
    include_excluded: bool = False

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def _covariate(plan: PlanRow, name: str, baseline: float) -> float | None:
    if name == "female":
        return {"female": 1.0, "male": 0.0}.get(plan.sex)
    if name == "baseline":
        return baseline
    value = getattr(plan, name)
    return None if value is None else float(value)


def comparison_data(
    registry: Registry,
    *,
    condition: str,
    comparator: str,
    instrument: str,
    score_key: str,
    timepoint: str,
    include_excluded: bool = False,
) -> tuple[list[PlanRow], list[float], list[float]]:
    """(plans, baseline, improvement) of the condition's BMAC and comparator plans with both
    scores."""
    plans = [
        p
        for p in registry.plans.values()
        if p.condition == condition and (p.treatment in HARVEST or p.treatment == comparator)
    ]
    ids = np.array([p.id for p in plans], dtype=np.int64)
    base, follow = (
        registry.score_values(ids, instrument, score_key, at, include_excluded=include_excluded)
        for at in ("baseline", timepoint)
    )
    both = ~np.isnan(base) & ~np.isnan(follow)
    gains, _ = improvements(instrument, score_key, base[both], follow[both])
    kept = [plan for plan, counted in zip(plans, both.tolist(), strict=True) if counted]
    return kept, base[both].tolist(), gains.tolist()


def excluded_counts(
    registry: Registry,
    *,
    condition: str,
    comparator: str,
    instrument: str,
    score_key: str,
    timepoint: str,
) -> dict[str, int]:
    """How many of the two groups' scores at baseline or `timepoint` do not count by
    default, per reason."""
    ids = [
        p.id
        for p in registry.plans.values()
        if p.condition == condition and (p.treatment in HARVEST or p.treatment == comparator)
    ]
    s = registry.score_columns
    left = (
        (s.excluded != "")
        & np.isin(s.plan_id, np.array(ids, dtype=np.int64))
        & (s.instrument == instrument)
        & (s.score_key == score_key)
        & ((s.timepoint == "baseline") | (s.timepoint == timepoint))
    )
    counts = dict.fromkeys(EXCLUSION_REASONS, 0)
    for reason in s.excluded[left].tolist():
        counts[reason] += 1
    return counts


def compare(
    plans: list[PlanRow],
    baselines: list[float],
    gains: list[float],
    *,
    timepoint: str,
    comparator: str,
    min_group: int = MIN_GROUP,
) -> Comparison:
    treated = np.array([p.treatment in HARVEST for p in plans], dtype=bool)
    y = np.asarray(gains, dtype=float)
    result = Comparison(timepoint, comparator, int(treated.sum()), int((~treated).sum()))
    for n, name in ((result.n_bmac, "BMAC"), (result.n_comparator, "comparator")):
        if n < min_group:
            result.refused.append(
                f"Too few {name} patients with both scores: {n} (at least {min_group} needed)."
            )
    if result.refused:
        return result
    result.unadjusted = stats.welch_difference(y[treated], y[~treated])
    columns, names = [], []
    for name, label in COVARIATES:
        raw = [_covariate(p, name, b) for p, b in zip(plans, baselines, strict=True)]
        present = [v for v in raw if v is not None]
        if len(present) < MIN_COVERAGE * len(raw) or len(set(present)) < 2:
            result.left_out.append(label)
            continue
        mean = sum(present) / len(present)
        columns.append([mean if v is None else v for v in raw])
        names.append((name, label, len(raw) - len(present)))
    X = np.array(columns, dtype=float).T if columns else np.zeros((len(plans), 0))
    # Standardise for a well-conditioned fit (the propensity itself does not change).
    scale = X.std(axis=0)
    scale[scale == 0] = 1
    score = stats.propensity((X - X.mean(axis=0)) / scale, treated)
    low = max(score[treated].min(), score[~treated].min())
    high = min(score[treated].max(), score[~treated].max())
    for group, name in ((treated, "BMAC"), (~treated, "comparator")):
        inside = ((score[group] >= low) & (score[group] <= high)).mean() if low <= high else 0
        if inside < MIN_SUPPORT:
            result.refused.append(
                f"The groups do not overlap: only {inside:.0%} of the {name} patients have a "
                f"propensity score inside the other group's range (at least "
                f"{MIN_SUPPORT:.0%} needed)."
            )
    weights = stats.ate_weights(treated, np.clip(score, 1e-6, 1 - 1e-6))
    result.ess_bmac = stats.effective_sample_size(weights[treated])
    result.ess_comparator = stats.effective_sample_size(weights[~treated])
    for column, (name, label, imputed) in zip(X.T, names, strict=True):
        result.balance.append(
            BalanceRow(
                name,
                label,
                stats.smd(column, treated),
                stats.smd(column, treated, weights),
                imputed,
            )
        )
    for ess, name in ((result.ess_bmac, "BMAC"), (result.ess_comparator, "comparator")):
        if ess < min_group / 2:
            result.refused.append(
                f"Weighting leaves an effective {name} sample of {ess:.1f} "
                f"(at least {min_group / 2:g} needed): a few patients would carry the estimate."
            )
    if not result.refused:
        result.adjusted = stats.weighted_difference(y, treated, weights)
    return result
