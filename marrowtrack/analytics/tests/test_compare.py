"""BMAC versus comparator: the estimate, its balance table and the refusal rules
(synthetic plans straight into the pure comparison)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from marrowtrack.analytics.compare import STATEMENT, compare
from marrowtrack.analytics.readmodel import PlanRow
from marrowtrack.analytics.stats import ate_weights, propensity, weighted_difference


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
