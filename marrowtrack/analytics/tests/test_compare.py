"""BMAC versus comparator: the estimate, its balance table and the refusal rules
(synthetic plans straight into the pure comparison)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from marrowtrack.analytics.compare import STATEMENT, compare, comparison_compute
from marrowtrack.analytics.dashboard import Filters
from marrowtrack.analytics.readmodel import PlanRow, Registry, ScoreRow, age_band
from marrowtrack.analytics.stats import ate_weights, propensity, weighted_difference
from marrowtrack.analytics.tests.registry import plan_row


def _plans(n_bmac, n_csi, *, seed=3, separate=False):
    rng = np.random.default_rng(seed)
    plans, baselines, gains = [], [], []
    for i in range(n_bmac + n_csi):
        bmac = i < n_bmac
        age = rng.normal(62 if bmac else 58, 8) + (40 if separate and bmac else 0)
        base = rng.normal(7, 1)
        plans.append(
            PlanRow(
                id=i,
                patient_id=i,
                condition="knee_oa",
                target="knee",
                laterality="left",
                treatment="bmac" if bmac else "csi",
                treated_on=date(2026, 1, 1),
                sex="female" if rng.random() < 0.6 else "male",
                date_of_birth=None,
                age=int(age),
                age_band="",
                severity=int(rng.integers(1, 5)),
                symptom_months=int(rng.integers(6, 60)),
                prior_injections=int(rng.integers(0, 3)),
                bmi=float(rng.normal(29, 4)),
                physician_id=None,
                repeat_of=None,
            )
        )
        baselines.append(base)
        gains.append(rng.normal(2.5 if bmac else 1.8, 1.5) + 0.02 * (age - 60))
    return plans, baselines, gains


def test_an_estimate_comes_with_balance_effective_size_and_the_statement():
    plans, baselines, gains = _plans(80, 70)
    result = compare(plans, baselines, gains, timepoint="3m", comparator="csi")
    assert result.refused == []
    assert result.statement == STATEMENT and "not randomised" in STATEMENT
    assert [b.name for b in result.balance] == [
        "age",
        "female",
        "bmi",
        "baseline",
        "severity",
        "symptom_months",
        "prior_injections",
    ]
    age = result.balance[0]
    assert abs(age.before) > 0.2 and abs(age.after) < abs(age.before)
    assert 0 < result.ess_bmac <= 80 and 0 < result.ess_comparator <= 70
    assert result.adjusted.low < result.adjusted.estimate < result.adjusted.high
    assert result.unadjusted.estimate == pytest.approx(np.mean(gains[:80]) - np.mean(gains[80:]))


def test_the_adjusted_estimate_is_the_weighted_difference_of_the_same_model():
    plans, baselines, gains = _plans(80, 70)
    result = compare(plans, baselines, gains, timepoint="6m", comparator="csi")
    assert result.refused == []
    X = np.array(
        [
            [p.age, p.sex == "female", p.bmi, b, p.severity, p.symptom_months, p.prior_injections]
            for p, b in zip(plans, baselines, strict=True)
        ],
        dtype=float,
    )
    treated = np.array([p.treatment == "bmac" for p in plans])
    weights = ate_weights(treated, propensity((X - X.mean(0)) / X.std(0), treated))
    expected = weighted_difference(np.array(gains), treated, weights)
    assert result.adjusted.estimate == pytest.approx(expected.estimate)


def test_too_few_patients_in_a_group_refuses_with_the_count():
    plans, baselines, gains = _plans(30, 12)
    result = compare(plans, baselines, gains, timepoint="3m", comparator="csi")
    assert result.adjusted is None and result.unadjusted is None
    assert result.refused == [
        "Too few comparator patients with both scores: 12 (at least 20 needed)."
    ]


def test_groups_that_do_not_overlap_are_refused():
    plans, baselines, gains = _plans(40, 40, separate=True)
    result = compare(plans, baselines, gains, timepoint="3m", comparator="csi")
    assert result.adjusted is None
    assert any(why.startswith("The groups do not overlap") for why in result.refused)


def _mixed_registry(n: int = 240, *, seed: int = 11) -> Registry:
    """Knee BMAC and cortisone plans of two physicians, both sexes, every age band, grades 1
    to 4 and two years of treatment dates; baseline, 3- and 6-month pain, a few scores left
    out (unverified), a hip plan that no knee filter admits."""
    rng = np.random.default_rng(seed)
    plans, scores = {}, []
    for i in range(n):
        age = int(rng.integers(35, 85))
        treated = date(2025, 1, 1) + timedelta(days=int(rng.integers(0, 700)))
        plans[i] = plan_row(
            i,
            treated,
            condition="knee_oa" if i < n - 1 else "other",
            treatment="bmac" if rng.random() < 0.5 else "csi",
            sex="female" if rng.random() < 0.55 else "male",
            age=age,
            age_band=age_band(age),
            severity=int(rng.integers(1, 5)),
            symptom_months=int(rng.integers(3, 80)),
            prior_injections=int(rng.integers(0, 4)),
            bmi=float(rng.normal(29, 4)),
            physician_id=1 + i % 2,
        )
        base = float(rng.integers(5, 10))
        scores.append(ScoreRow(i, "NPRS", "NPRS", "total", "baseline", base, treated, ""))
        for code in ("3m", "6m"):
            if rng.random() < 0.85:
                left = "unverified" if rng.random() < 0.05 else ""
                value = float(np.clip(round(base - rng.normal(2.2, 1.6)), 0, 10))
                scores.append(ScoreRow(i, "NPRS", "NPRS", "total", code, value, treated, left))
    return Registry(date(2027, 6, 1), plans, scores, [], [], [])


def _admitted(plan: PlanRow, f: Filters) -> bool:
    """The filters written out plan by plan (not through `Filters.mask`)."""
    return (
        plan.condition == f.condition
        and (f.physician_id is None or plan.physician_id == f.physician_id)
        and (f.treated_from is None or plan.treated_on >= f.treated_from)
        and (f.treated_to is None or plan.treated_on <= f.treated_to)
        and (not f.sex or plan.sex == f.sex)
        and (not f.age_band or plan.age_band == f.age_band)
        and (f.severity is None or plan.severity == f.severity)
    )


def _only(registry: Registry, f: Filters) -> Registry:
    kept = {k: p for k, p in registry.plans.items() if _admitted(p, f)}
    rows = [r for r in registry.scores if r.plan_id in kept]
    return Registry(registry.today, kept, rows, [], [], [])


FILTERED = [
    Filters("knee_oa", sex="female"),
    Filters("knee_oa", physician_id=2, treated_from=date(2025, 4, 1)),
    Filters("knee_oa", severity=3),
    Filters("knee_oa", age_band="60-69", treated_to=date(2026, 6, 30)),
    Filters("knee_oa", sex="male", severity=2, physician_id=1),
]


@pytest.mark.parametrize("filters", FILTERED)
def test_a_filtered_comparison_is_the_comparison_of_a_registry_of_only_those_patients(filters):
    registry = _mixed_registry()
    everyone = comparison_compute(
        registry, Filters("knee_oa"), comparator="csi", timepoints=("3m", "6m")
    )
    filtered = comparison_compute(registry, filters, comparator="csi", timepoints=("3m", "6m"))
    alone = comparison_compute(
        _only(registry, filters), Filters("knee_oa"), comparator="csi", timepoints=("3m", "6m")
    )
    assert filtered == alone
    assert [(c.n_bmac, c.n_comparator) for c in filtered] != [
        (c.n_bmac, c.n_comparator) for c in everyone
    ]


def test_the_filtered_group_is_refused_for_the_same_reasons():
    registry = _mixed_registry()
    wide = comparison_compute(
        registry, Filters("knee_oa", sex="female"), comparator="csi", timepoints=("6m",)
    )[0]
    narrow = comparison_compute(
        registry,
        Filters("knee_oa", sex="male", severity=2, physician_id=1),
        comparator="csi",
        timepoints=("6m",),
    )[0]
    assert wide.refused == [] and wide.adjusted is not None
    # A constant covariate under a filter is named as left out of the model, not fitted.
    assert "Female sex" in wide.left_out
    assert narrow.adjusted is None
    assert any(r.startswith("Too few BMAC patients with both scores: ") for r in narrow.refused)
