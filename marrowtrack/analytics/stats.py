"""The registry's statistics (pure: numbers in, numbers out; no ORM).

Every function here is checked in tests against an independent reference implementation on
the same data (statsmodels, lifelines, the standard library; docs/decisions/0022). scipy
supplies only the quantiles of the t, chi-square and normal distributions.

- Mean with a t 95 % confidence interval.
- Median and interquartile range (linear interpolation between order statistics, the
  "inclusive" / type 7 definition).
- A proportion with the Wilson score interval (Wilson 1927).
- An event rate per 100 procedures with the exact Poisson (Garwood 1936) interval.
- Kaplan-Meier survival with Greenwood's variance and the log(-log) interval (Kalbfleisch &
  Prentice; the lifelines default).
- The difference of two means with Welch's t interval (unadjusted comparison).
- Inverse probability of treatment weighting: a logistic propensity model (Newton-Raphson),
  ATE weights, the weighted difference with a robust (HC0 sandwich) normal interval,
  standardised mean differences before and after weighting (Austin 2009) and Kish's
  effective sample size.
- A straight line by ordinary least squares with the t interval of its slope and the 95 %
  confidence band of the fitted mean (dose-response).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats as dist

LEVEL = 0.95


@lru_cache(maxsize=16)
def _z(level: float = LEVEL) -> float:
    return float(dist.norm.ppf(0.5 + level / 2))


# The quantiles are asked again and again with the same arguments (every dashboard cell), and
# scipy takes far longer to answer than a look-up.
@lru_cache(maxsize=4096)
def _t_quantile(q: float, df: float) -> float:
    return float(dist.t.ppf(q, df))


@lru_cache(maxsize=4096)
def _chi2_quantile(q: float, df: int) -> float:
    return float(dist.chi2.ppf(q, df))


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float | None
    low: float | None
    high: float | None


def mean_ci(values: Sequence[float], level: float = LEVEL) -> MeanCI:
    """Mean with its t interval; no interval below 2 values."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        return MeanCI(0, None, None, None)
    mean = float(x.mean())
    if n < 2:
        return MeanCI(n, mean, None, None)
    half = _t_quantile(0.5 + level / 2, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return MeanCI(n, mean, mean - half, mean + half)


@dataclass(frozen=True)
class MedianIQR:
    n: int
    median: float | None
    q1: float | None
    q3: float | None


def median_iqr(values: Sequence[float]) -> MedianIQR:
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return MedianIQR(0, None, None, None)
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return MedianIQR(len(x), float(med), float(q1), float(q3))


@dataclass(frozen=True)
class Proportion:
    k: int
    n: int
    p: float | None
    low: float | None
    high: float | None


def wilson(k: int, n: int, level: float = LEVEL) -> Proportion:
    """k of n with the Wilson score interval."""
    if n == 0:
        return Proportion(k, n, None, None, None)
    z = _z(level)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Proportion(k, n, p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Rate:
    events: int
    exposure: int
    per: int
    rate: float | None
    low: float | None
    high: float | None


def poisson_rate(events: int, exposure: int, per: int = 100, level: float = LEVEL) -> Rate:
    """Events per `per` units of exposure with the exact (Garwood) Poisson interval."""
    if exposure == 0:
        return Rate(events, exposure, per, None, None, None)
    alpha = 1 - level
    low = 0.0 if events == 0 else _chi2_quantile(alpha / 2, 2 * events) / 2
    high = _chi2_quantile(1 - alpha / 2, 2 * events + 2) / 2
    scale = per / exposure
    return Rate(events, exposure, per, events * scale, low * scale, high * scale)


@dataclass(frozen=True)
class KMStep:
    time: float
    at_risk: int
    events: int
    censored: int
    survival: float
    low: float | None
    high: float | None


def kaplan_meier(
    durations: Sequence[float], observed: Sequence[bool], level: float = LEVEL
) -> list[KMStep]:
    """The survival curve at each distinct time, with Greenwood log(-log) bounds.

    Starts at time 0 (survival 1 unless events happened at 0). Censored times are steps too
    (no drop), so the table shows who left the risk set. Counted per distinct time with
    array operations (the product and the Greenwood sum run in time order, as a loop would).
    """
    t = np.asarray(durations, dtype=float)
    d = np.asarray(observed, dtype=bool)
    z = _z(level)
    steps = [KMStep(0.0, len(t), 0, 0, 1.0, 1.0, 1.0)]
    if len(t) == 0:
        return steps
    if t.min() <= 0:
        steps = []  # the first distinct time's own step at time 0 counts what happened on the day
    times, first, counts = np.unique(t, return_index=True, return_counts=True)
    at_risk = len(t) - np.concatenate(([0], np.cumsum(counts)[:-1]))
    events = np.bincount(np.searchsorted(times, t[d]), minlength=len(times))
    censored = counts - events
    survival = np.cumprod(1 - events / at_risk)
    room = at_risk > events
    terms = np.divide(events, at_risk * (at_risk - events), where=room, out=np.zeros(len(times)))
    greenwood = np.cumsum(np.where(events > 0, terms, 0.0))
    for time, n, e, c, s, g in zip(
        times.tolist(),
        at_risk.tolist(),
        events.tolist(),
        censored.tolist(),
        survival.tolist(),
        greenwood.tolist(),
        strict=True,
    ):  # Python numbers first: indexing numpy arrays one element at a time costs more
        low = high = None
        if 0 < s < 1 and g > 0:
            # log(-log S) has variance greenwood / log(S)^2.
            half = z * math.sqrt(g) / abs(math.log(s))
            low = s ** math.exp(half)
            high = s ** math.exp(-half)
        elif s == 1:
            low = high = 1.0
        steps.append(KMStep(time, n, e, c, s, low, high))
    return steps


def survival_at(steps: list[KMStep], time: float) -> KMStep:
    """The curve's step in force at `time` (the last step at or before it)."""
    found = bisect.bisect_right([step.time for step in steps], time)
    return steps[max(0, found - 1)]


@dataclass(frozen=True)
class Difference:
    estimate: float | None
    low: float | None
    high: float | None


def welch_difference(a: Sequence[float], b: Sequence[float], level: float = LEVEL) -> Difference:
    """mean(a) - mean(b) with Welch's unequal-variance t interval."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(x) < 2 or len(y) < 2:
        return Difference(None, None, None)
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(vx + vy)
    diff = float(x.mean() - y.mean())
    if se == 0:
        return Difference(diff, diff, diff)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    half = float(dist.t.ppf(0.5 + level / 2, df)) * se
    return Difference(diff, diff - half, diff + half)


def logistic_fit(X: np.ndarray, y: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Maximum-likelihood logistic regression coefficients (X includes the intercept)."""
    beta = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(X @ beta)))
        w = p * (1 - p)
        hessian = X.T @ (X * w[:, None])
        step = np.linalg.solve(hessian + 1e-10 * np.eye(len(beta)), X.T @ (y - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def propensity(X: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """P(treated | covariates) from a logistic model with an intercept."""
    design = np.column_stack([np.ones(len(X)), X])
    beta = logistic_fit(design, treated.astype(float))
    return 1 / (1 + np.exp(-(design @ beta)))


def ate_weights(treated: np.ndarray, score: np.ndarray) -> np.ndarray:
    return np.where(treated, 1 / score, 1 / (1 - score))


def weighted_difference(
    outcome: np.ndarray, treated: np.ndarray, weights: np.ndarray, level: float = LEVEL
) -> Difference:
    """Weighted mean(treated) - weighted mean(control): the coefficient of the treatment in
    a weighted least-squares fit of outcome on treatment, with the HC0 sandwich variance."""
    X = np.column_stack([np.ones(len(outcome)), treated.astype(float)])
    W = weights
    bread = np.linalg.inv(X.T @ (X * W[:, None]))
    beta = bread @ (X.T @ (W * outcome))
    resid = outcome - X @ beta
    scores = X * (W * resid)[:, None]
    meat = scores.T @ scores
    cov = bread @ meat @ bread
    se = math.sqrt(cov[1, 1])
    z = _z(level)
    return Difference(float(beta[1]), float(beta[1] - z * se), float(beta[1] + z * se))


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mean = float(np.sum(w * x) / np.sum(w))
    var = float(np.sum(w * (x - mean) ** 2) / np.sum(w))
    return mean, var


def smd(x: np.ndarray, treated: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Standardised mean difference (treated - control) / sqrt((var_t + var_c) / 2); with
    weights, the weighted means and variances (Austin & Stuart 2015). Binary covariates use
    the same formula (their variance is p(1-p))."""
    w = np.ones(len(x)) if weights is None else weights
    t, c = treated.astype(bool), ~treated.astype(bool)
    if t.sum() == 0 or c.sum() == 0:
        return None
    mt, vt = _weighted_mean_var(x[t], w[t])
    mc, vc = _weighted_mean_var(x[c], w[c])
    pooled = math.sqrt((vt + vc) / 2)
    if pooled == 0:
        return 0.0
    return (mt - mc) / pooled


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish: (sum w)^2 / sum w^2."""
    total = float(np.sum(weights))
    squares = float(np.sum(weights**2))
    return 0.0 if squares == 0 else total * total / squares


@dataclass(frozen=True)
class LineFit:
    """y = intercept + slope x by ordinary least squares."""

    n: int
    slope: float
    slope_low: float
    slope_high: float
    intercept: float
    r_squared: float
    residual_sd: float
    x_mean: float
    sxx: float
    t: float  # the t quantile (n - 2 degrees of freedom) of the intervals

    def band(self, x: float) -> tuple[float, float, float]:
        """The fitted mean at x and its confidence interval:
        fit +/- t s sqrt(1/n + (x - mean x)^2 / Sxx)."""
        fitted = self.intercept + self.slope * x
        half = self.t * self.residual_sd * math.sqrt(1 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        return fitted, fitted - half, fitted + half


def ols_line(x_values: Sequence[float], y_values: Sequence[float], level: float = LEVEL) -> LineFit:
    """The least-squares line; needs at least 3 points and two different x values."""
    x = np.asarray(x_values, dtype=float)
    y = np.asarray(y_values, dtype=float)
    n = len(x)
    if n < 3 or len(x) != len(y):
        raise ValueError("a line needs at least 3 paired points")
    x_mean, y_mean = float(x.mean()), float(y.mean())
    sxx = float(np.sum((x - x_mean) ** 2))
    if sxx == 0:
        raise ValueError("every x is the same: no line can be fitted")
    slope = float(np.sum((x - x_mean) * (y - y_mean))) / sxx
    intercept = y_mean - slope * x_mean
    residuals = y - (intercept + slope * x)
    sse = float(np.sum(residuals**2))
    syy = float(np.sum((y - y_mean) ** 2))
    residual_sd = math.sqrt(sse / (n - 2))
    t = float(dist.t.ppf(0.5 + level / 2, n - 2))
    half = t * residual_sd / math.sqrt(sxx)
    return LineFit(
        n=n,
        slope=slope,
        slope_low=slope - half,
        slope_high=slope + half,
        intercept=intercept,
        r_squared=0.0 if syy == 0 else 1 - sse / syy,
        residual_sd=residual_sd,
        x_mean=x_mean,
        sxx=sxx,
        t=t,
    )
