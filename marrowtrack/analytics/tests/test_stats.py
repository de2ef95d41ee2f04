"""Each statistic against an independent reference implementation on the same data:
statsmodels (t interval, Wilson, exact Poisson, Welch, logistic regression, WLS with HC0,
OLS with its prediction band), scipy.stats.linregress (the dose-response line),
lifelines (Kaplan-Meier with its log(-log) Greenwood interval) and the standard library
(quantiles). docs/decisions/0022-registry-analytics.md."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from scipy.stats import linregress
from statsmodels.api import OLS, WLS, Logit, add_constant
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from marrowtrack.analytics import stats

RNG = np.random.default_rng(20261126)
SAMPLES = [RNG.normal(loc, 2.5, size) for loc, size in ((1.2, 37), (-0.4, 8), (3.0, 250))]


@pytest.mark.parametrize("values", SAMPLES)
def test_the_mean_interval_matches_statsmodels_t_interval(values):
    ours = stats.mean_ci(values)
    low, high = DescrStatsW(values).tconfint_mean(alpha=0.05)
    assert ours.mean == pytest.approx(np.mean(values))
    assert (ours.low, ours.high) == pytest.approx((low, high), rel=1e-10)


def test_a_single_value_has_a_mean_and_no_interval():
    assert stats.mean_ci([4.0]) == stats.MeanCI(1, 4.0, None, None)
    assert stats.mean_ci([]).mean is None


@pytest.mark.parametrize("values", [*SAMPLES, [1, 2, 3, 4], [7.0, 1.0, 3.0, 3.0, 10.0]])
def test_median_and_quartiles_match_the_standard_library_inclusive_method(values):
    ours = stats.median_iqr(values)
    q1, median, q3 = statistics.quantiles(list(values), n=4, method="inclusive")
    assert (ours.q1, ours.median, ours.q3) == pytest.approx((q1, median, q3))


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (7, 23), (181, 402), (1, 1), (3, 50)])
def test_the_wilson_interval_matches_statsmodels(k, n):
    ours = stats.wilson(k, n)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert ours.p == k / n
    assert (ours.low, ours.high) == pytest.approx((low, high), abs=1e-12)


def test_no_patients_gives_no_proportion():
    assert stats.wilson(0, 0).p is None


@pytest.mark.parametrize("events,exposure", [(0, 40), (1, 40), (12, 100), (37, 812), (3, 3)])
def test_the_poisson_rate_interval_matches_statsmodels_exact_interval(events, exposure):
    ours = stats.poisson_rate(events, exposure, per=100)
    low, high = confint_poisson(events, exposure, method="exact-c", alpha=0.05)
    assert ours.rate == pytest.approx(100 * events / exposure)
    assert (ours.low, ours.high) == pytest.approx((100 * low, 100 * high), rel=1e-9, abs=1e-12)


def _km_case(n, seed):
    rng = np.random.default_rng(seed)
    event_times = np.round(rng.exponential(400, n))
    censor_times = np.round(rng.uniform(30, 800, n))
    observed = event_times <= censor_times
    return np.minimum(event_times, censor_times), observed


@pytest.mark.parametrize("n,seed", [(15, 1), (60, 2), (300, 3)])
def test_kaplan_meier_and_its_bands_match_lifelines(n, seed):
    durations, observed = _km_case(n, seed)
    ours = stats.kaplan_meier(durations, observed)
    fitter = KaplanMeierFitter().fit(durations, observed, alpha=0.05)
    reference = fitter.survival_function_.iloc[:, 0]
    bands = fitter.confidence_interval_survival_function_
    for step in ours:
        assert step.survival == pytest.approx(reference.loc[step.time], rel=1e-12)
        if step.low is not None and 0 < step.survival < 1:
            assert step.low == pytest.approx(bands.iloc[:, 0].loc[step.time], rel=1e-9)
            assert step.high == pytest.approx(bands.iloc[:, 1].loc[step.time], rel=1e-9)
    table = fitter.event_table
    for step in ours[1:]:
        assert step.at_risk == table.loc[step.time, "at_risk"]
        assert step.events == table.loc[step.time, "observed"]


def test_survival_at_a_time_reads_the_step_in_force():
    steps = stats.kaplan_meier([10, 20, 30], [True, True, False])
    assert stats.survival_at(steps, 15).survival == pytest.approx(2 / 3)
    assert stats.survival_at(steps, 5).survival == 1.0


def test_the_welch_difference_matches_statsmodels():
    a, b = SAMPLES[0], SAMPLES[2]
    ours = stats.welch_difference(a, b)
    reference = CompareMeans(DescrStatsW(a), DescrStatsW(b))
    low, high = reference.tconfint_diff(alpha=0.05, usevar="unequal")
    assert ours.estimate == pytest.approx(np.mean(a) - np.mean(b))
    assert (ours.low, ours.high) == pytest.approx((low, high), rel=1e-10)


def _observational(n=400, seed=7):
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 10, n)
    female = rng.integers(0, 2, n).astype(float)
    logit = -6 + 0.1 * age + 0.5 * female
    treated = rng.random(n) < 1 / (1 + np.exp(-logit))
    outcome = 1.5 * treated + 0.05 * age + rng.normal(0, 2, n)
    return np.column_stack([age, female]), treated, outcome


def test_the_propensity_model_matches_statsmodels_logistic_regression():
    X, treated, _ = _observational()
    ours = stats.propensity(X, treated)
    fit = Logit(treated.astype(float), add_constant(X)).fit(disp=0)
    assert ours == pytest.approx(fit.predict(add_constant(X)), rel=1e-8)


def test_the_weighted_difference_matches_statsmodels_wls_with_hc0():
    X, treated, outcome = _observational()
    weights = stats.ate_weights(treated, stats.propensity(X, treated))
    ours = stats.weighted_difference(outcome, treated, weights)
    fit = WLS(outcome, add_constant(treated.astype(float)), weights=weights).fit(cov_type="HC0")
    low, high = fit.conf_int(alpha=0.05)[1]
    assert ours.estimate == pytest.approx(fit.params[1], rel=1e-10)
    assert (ours.low, ours.high) == pytest.approx((low, high), rel=1e-8)
    # The weighted difference is the difference of the weighted means.
    means = [np.average(outcome[g], weights=weights[g]) for g in (treated, ~treated)]
    assert ours.estimate == pytest.approx(means[0] - means[1])


def test_standardised_mean_differences_are_hand_checkable():
    x = np.array([1.0, 2.0, 3.0, 5.0, 6.0, 7.0])
    treated = np.array([False, False, False, True, True, True])
    # means 2 and 6, population variances 2/3 each: (6 - 2) / sqrt(2/3)
    assert stats.smd(x, treated) == pytest.approx(4 / np.sqrt(2 / 3))
    weights = np.array([1, 1, 2, 1, 1, 1], dtype=float)
    mean_c = (1 + 2 + 6) / 4
    var_c = (1 * (1 - mean_c) ** 2 + (2 - mean_c) ** 2 + 2 * (3 - mean_c) ** 2) / 4
    expected = (6 - mean_c) / np.sqrt((2 / 3 + var_c) / 2)
    assert stats.smd(x, treated, weights) == pytest.approx(expected)


def test_weighting_reduces_the_imbalance_it_was_fitted_on():
    X, treated, _ = _observational()
    weights = stats.ate_weights(treated, stats.propensity(X, treated))
    before = abs(stats.smd(X[:, 0], treated))
    after = abs(stats.smd(X[:, 0], treated, weights))
    assert before > 0.5 and after < 0.1


def test_the_effective_sample_size_is_kish():
    assert stats.effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert stats.effective_sample_size(np.array([1.0, 3.0])) == pytest.approx(16 / 10)


def _dose_case(n, seed):
    rng = np.random.default_rng(seed)
    dose = rng.uniform(0.4, 2.2, n)
    return dose, 1.0 + 0.8 * dose + rng.normal(0, 1.6, n)


@pytest.mark.parametrize("n,seed", [(5, 11), (24, 12), (400, 13)])
def test_the_least_squares_line_matches_statsmodels_ols_and_scipy_linregress(n, seed):
    x, y = _dose_case(n, seed)
    ours = stats.ols_line(x, y)
    fit = OLS(y, add_constant(x)).fit()
    assert (ours.intercept, ours.slope) == pytest.approx(tuple(fit.params), rel=1e-10)
    low, high = fit.conf_int(alpha=0.05)[1]
    assert (ours.slope_low, ours.slope_high) == pytest.approx((low, high), rel=1e-10)
    assert ours.r_squared == pytest.approx(fit.rsquared, rel=1e-10)
    reference = linregress(x, y)
    assert ours.slope == pytest.approx(reference.slope, rel=1e-10)
    assert ours.intercept == pytest.approx(reference.intercept, rel=1e-10)
    assert ours.residual_sd / np.sqrt(ours.sxx) == pytest.approx(reference.stderr, rel=1e-10)


@pytest.mark.parametrize("n,seed", [(6, 21), (60, 22)])
def test_the_confidence_band_matches_statsmodels_mean_prediction_interval(n, seed):
    x, y = _dose_case(n, seed)
    ours = stats.ols_line(x, y)
    grid = np.linspace(x.min() - 0.3, x.max() + 0.3, 9)
    frame = OLS(y, add_constant(x)).fit().get_prediction(add_constant(grid)).summary_frame(0.05)
    for i, at in enumerate(grid):
        fitted, low, high = ours.band(float(at))
        assert fitted == pytest.approx(frame["mean"].iloc[i], rel=1e-10)
        assert (low, high) == pytest.approx(
            (frame["mean_ci_lower"].iloc[i], frame["mean_ci_upper"].iloc[i]), rel=1e-9
        )


def test_no_line_through_fewer_than_three_points_or_one_dose():
    with pytest.raises(ValueError):
        stats.ols_line([1.0, 2.0], [3.0, 4.0])
    with pytest.raises(ValueError):
        stats.ols_line([1.0, 1.0, 1.0], [3.0, 4.0, 5.0])
