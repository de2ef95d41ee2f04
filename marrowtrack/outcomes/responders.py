"""Change from baseline, meaningful change (MCID) and the OMERACT-OARSI responder (pure).

Sources (as listed in the MarrowTrack instrument spec, docs/outcomes.md): NPRS Farrar 2001
and Ostelo 2008; KOOS Roos & Lohmander 2003; KOOS JR / HOOS JR substantial clinical benefit
thresholds from arthroplasty quality measures (labelled "SCB (arthroplasty)": not MCIDs for
injection therapy); ODI Ostelo 2008; QuickDASH Franchignoni 2014; SPADI Roy 2009; ASES
Michener 2002; LEFS Binkley 1999; EQ-5D-5L index policy (mid-range of published 5L MIDs);
OMERACT-OARSI responder Pham 2004. Thresholds are configurable; every result names the rule it
applied and reports each criterion separately (the NPRS 2-point and 30 % criteria), with the
combined one needing both where docs/outcomes.md says so. Comparisons are exact, so a change exactly
at the threshold counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import numpy as np

from .scoring import round_half_up

Number = int | float | Decimal | Fraction


class NoRuleError(ValueError):
    """No meaningful-change rule is defined for this instrument score."""


@dataclass(frozen=True)
class Thresholds:
    """Meaningful-change thresholds (points on each score's own scale, percent of baseline)."""

    nprs_points: Decimal = Decimal(2)
    nprs_percent: Decimal = Decimal(30)
    koos_points: Decimal = Decimal(10)
    koos_jr_points: Decimal = Decimal(20)
    hoos_jr_points: Decimal = Decimal(22)
    odi_points: Decimal = Decimal(10)
    odi_percent: Decimal = Decimal(30)
    quickdash_points: Decimal = Decimal("15.91")
    spadi_points: Decimal = Decimal(13)
    ases_points: Decimal = Decimal("6.4")
    lefs_points: Decimal = Decimal(9)
    eq5d_index_points: Decimal = Decimal("0.063")
    oarsi_high_percent: Decimal = Decimal(50)
    oarsi_high_points: Decimal = Decimal(20)
    oarsi_moderate_percent: Decimal = Decimal(20)
    oarsi_moderate_points: Decimal = Decimal(10)


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Rule:
    """Which threshold fields apply to which scores of an instrument, and the source.

    `both`: the points and the percent criteria must both be met (NPRS); otherwise either
    one is enough (ODI). `kind` names what the threshold is (an MCID, or an SCB from
    arthroplasty that is not an MCID for injection therapy).
    """

    instrument: str
    score_keys: tuple[str, ...]
    points: str
    percent: str | None
    citation: str
    higher_is_better: bool
    both: bool = False
    kind: str = "MCID"


SCB = "SCB (arthroplasty)"
ARTHROPLASTY = "substantial clinical benefit after joint replacement (US quality measures)"

RULES: tuple[Rule, ...] = (
    Rule(
        "NPRS",
        ("total",),
        "nprs_points",
        "nprs_percent",
        "Farrar 2001; Ostelo 2008",
        False,
        both=True,
    ),
    Rule(
        "KOOS",
        ("pain", "symptoms", "adl", "sport_rec", "qol"),
        "koos_points",
        None,
        "Roos & Lohmander 2003",
        True,
    ),
    Rule("KOOS_JR", ("total",), "koos_jr_points", None, ARTHROPLASTY, True, kind=SCB),
    Rule("HOOS_JR", ("total",), "hoos_jr_points", None, ARTHROPLASTY, True, kind=SCB),
    Rule("ODI", ("total",), "odi_points", "odi_percent", "Ostelo 2008", False),
    Rule("QUICKDASH", ("total",), "quickdash_points", None, "Franchignoni 2014", False),
    Rule("SPADI", ("total",), "spadi_points", None, "Roy 2009", False),
    Rule("ASES", ("total",), "ases_points", None, "Michener 2002", True),
    Rule("LEFS", ("total",), "lefs_points", None, "Binkley 1999", True),
    Rule(
        "EQ5D5L",
        ("index_us", "index_england"),
        "eq5d_index_points",
        None,
        "policy: mid-range of published 5L MIDs",
        True,
    ),
)


@dataclass(frozen=True)
class ChangeResult:
    """Change of one score from baseline, and whether it is meaningful under the named rule."""

    instrument: str
    score_key: str
    baseline: Fraction | None
    follow_up: Fraction | None
    change: Fraction | None  # follow-up minus baseline, in the score's own direction
    improvement: Fraction | None  # positive = better, whatever the score's direction
    percent_improvement: Decimal | None  # 2 decimals; None if no % rule or baseline 0
    meaningful: bool | None  # None when either score is missing
    rule: str
    # Each criterion on its own: {"points": ..., "percent": ...}; percent None when undefined.
    criteria: dict[str, bool | None] = field(default_factory=dict)
    kind: str = "MCID"


@dataclass(frozen=True)
class OarsiResult:
    """OMERACT-OARSI responder status, which criterion was met, and the rule text."""

    responder: bool
    criterion: str | None
    improved_domains: tuple[str, ...]
    rule: str


def exact(value: Number) -> Fraction:
    """A score as an exact number (floats through their shortest decimal repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def improvement(baseline: Number, follow_up: Number, *, higher_is_better: bool) -> Fraction:
    """Direction-aware change: positive when the patient got better."""
    change = exact(follow_up) - exact(baseline)
    return change if higher_is_better else -change


def percent_improvement(
    baseline: Number, follow_up: Number, *, higher_is_better: bool
) -> Fraction | None:
    """Improvement as a percentage of baseline; None (undefined) when baseline is 0."""
    if exact(baseline) == 0:
        return None
    return (
        improvement(baseline, follow_up, higher_is_better=higher_is_better) / exact(baseline) * 100
    )


def rule_for(instrument: str, score_key: str) -> Rule:
    """The meaningful-change rule of an instrument score (raises NoRuleError)."""
    for rule in RULES:
        if rule.instrument == instrument and score_key in rule.score_keys:
            return rule
    raise NoRuleError(f"no meaningful-change rule for {instrument} {score_key}")


def rule_text(rule: Rule, score_key: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """e.g. 'NPRS MCID: >=2 points and >=30% (Farrar 2001; Ostelo 2008)'."""
    name = rule.instrument if rule.score_keys == ("total",) else f"{rule.instrument} {score_key}"
    text = f"{name} {rule.kind}: >={getattr(thresholds, rule.points)} points"
    if rule.percent:
        joiner = "and" if rule.both else "or"
        text += f" {joiner} >={getattr(thresholds, rule.percent)}%"
    return f"{text} ({rule.citation})"


def meaningful_change(
    instrument: str,
    score_key: str,
    baseline: Number | None,
    follow_up: Number | None,
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ChangeResult:
    """Whether the change from baseline reaches the instrument's meaningful-change threshold."""
    rule = rule_for(instrument, score_key)
    text = rule_text(rule, score_key, thresholds)
    if baseline is None or follow_up is None:
        return ChangeResult(
            instrument, score_key, None, None, None, None, None, None, text, {}, rule.kind
        )
    gain = improvement(baseline, follow_up, higher_is_better=rule.higher_is_better)
    percent = percent_improvement(baseline, follow_up, higher_is_better=rule.higher_is_better)
    criteria = _criteria(rule, gain, percent, thresholds)
    shown = round_half_up(percent, 2) if rule.percent and percent is not None else None
    return ChangeResult(
        instrument,
        score_key,
        exact(baseline),
        exact(follow_up),
        exact(follow_up) - exact(baseline),
        gain,
        shown,
        _combined(rule, criteria),
        text,
        criteria,
        rule.kind,
    )


def _criteria(
    rule: Rule, gain: Fraction, percent: Fraction | None, thresholds: Thresholds
) -> dict[str, bool | None]:
    """Each criterion separately; the percent one is None when undefined (baseline 0)."""
    criteria: dict[str, bool | None] = {"points": gain >= exact(getattr(thresholds, rule.points))}
    if rule.percent:
        reached = None if percent is None else percent >= exact(getattr(thresholds, rule.percent))
        criteria["percent"] = reached
    return criteria


def _combined(rule: Rule, criteria: dict[str, bool | None]) -> bool:
    """Both criteria (an undefined percent fails) or either one, as the rule says."""
    met = [value is True for value in criteria.values()]
    return all(met) if rule.both else any(met)


def oarsi_rule_text(thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """The OMERACT-OARSI rule with the thresholds in use."""
    t = thresholds
    return (
        f"OMERACT-OARSI (Pham 2004): pain or function >={t.oarsi_high_percent}% and "
        f">={t.oarsi_high_points} points; or 2 of pain, function, patient global "
        f">={t.oarsi_moderate_percent}% and >={t.oarsi_moderate_points} points"
    )


def _meets(baseline: Number, follow_up: Number, percent: Decimal, points: Decimal) -> bool:
    # Both scores are 0-100 with higher = worse here; % is relative to baseline.
    gain = improvement(baseline, follow_up, higher_is_better=False)
    relative = percent_improvement(baseline, follow_up, higher_is_better=False)
    return relative is not None and relative >= exact(percent) and gain >= exact(points)


def omeract_oarsi_responder(
    *,
    pain: tuple[Number, Number],
    function: tuple[Number, Number],
    patient_global: tuple[Number, Number],
    higher_is_better: bool = False,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> OarsiResult:
    """OMERACT-OARSI responder (Pham 2004) from (baseline, follow-up) pairs on 0-100 scales.

    Scores where higher is better (e.g. KOOS) are flipped to 100 - x first, because the
    criteria are defined on scales where higher = worse.
    """
    domains = {"pain": pain, "function": function, "patient_global": patient_global}
    if higher_is_better:
        domains = {k: (100 - exact(b), 100 - exact(f)) for k, (b, f) in domains.items()}
    t, text = thresholds, oarsi_rule_text(thresholds)
    high = [
        k
        for k in ("pain", "function")
        if _meets(*domains[k], t.oarsi_high_percent, t.oarsi_high_points)
    ]
    moderate = tuple(
        k
        for k, pair in domains.items()
        if _meets(*pair, t.oarsi_moderate_percent, t.oarsi_moderate_points)
    )
    if high:
        return OarsiResult(True, f"high improvement in {' and '.join(high)}", moderate, text)
    if len(moderate) >= 2:
        return OarsiResult(True, "moderate improvement in at least 2 of 3", moderate, text)
    return OarsiResult(False, None, moderate, text)


def distinct_pairs(
    baseline: np.ndarray, follow_up: np.ndarray
) -> tuple[list[tuple[float, float]], np.ndarray]:
    """The distinct (baseline, follow-up) pairs (as Python floats, which `exact` reads) and,
    for each input position, the index of its pair: a registry's thousands of score pairs
    hold few distinct ones, so the exact rules run once per distinct pair."""
    if not len(baseline):
        return [], np.zeros(0, dtype=np.int64)
    # One complex number per pair: a 1-d unique, far quicker than unique rows of a matrix.
    both = np.asarray(baseline, dtype=float) + 1j * np.asarray(follow_up, dtype=float)
    pairs, inverse = np.unique(both, return_inverse=True)
    return [(z.real, z.imag) for z in pairs.tolist()], inverse.reshape(-1)


# A float computation of a change or a percentage of scores up to a few hundred is off by far
# less than this: a pair this much above or below a threshold is decided by the floats, a pair
# closer to it by the exact comparison itself.
FLOAT_MARGIN = 1e-7


@lru_cache(maxsize=65536)  # pure: the registry asks the same close pairs at every time point
def _meets_exactly(baseline: float, follow_up: float, percent: Decimal, points: Decimal) -> bool:
    return _meets(baseline, follow_up, percent, points)


def _meets_many(
    baseline: np.ndarray, follow_up: np.ndarray, percent: Decimal, points: Decimal
) -> np.ndarray:
    """`_meets` of paired arrays, each answer the exact one (see FLOAT_MARGIN)."""
    gain = baseline - follow_up
    relative = np.divide(gain * 100, baseline, out=np.zeros(len(gain)), where=baseline != 0)
    need_percent, need_points = float(percent), float(points)
    clearly_met = (
        (baseline != 0)
        & (relative > need_percent + FLOAT_MARGIN)
        & (gain > need_points + FLOAT_MARGIN)
    )
    clearly_not = (
        (baseline == 0)
        | (relative < need_percent - FLOAT_MARGIN)
        | (gain < need_points - FLOAT_MARGIN)
    )
    met = clearly_met.copy()
    close = np.flatnonzero(~clearly_met & ~clearly_not)
    met[close] = [
        _meets_exactly(b, f, percent, points)
        for b, f in zip(baseline[close].tolist(), follow_up[close].tolist(), strict=True)
    ]
    return met


def omeract_oarsi_responders(
    *,
    pain: tuple[np.ndarray, np.ndarray],
    function: tuple[np.ndarray, np.ndarray],
    patient_global: tuple[np.ndarray, np.ndarray],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> np.ndarray:
    """`omeract_oarsi_responder(...).responder` of many patients at once: each argument is
    (baseline scores, follow-up scores) on 0-100 with higher = worse, one entry per patient.
    A responder has a high improvement in pain or function, or a moderate one in at least 2
    of the 3 domains; each criterion is `_meets`, decided exactly (tests check the whole
    against the one-patient function)."""
    t = thresholds
    high = np.zeros(len(pain[0]), dtype=bool)
    moderate = np.zeros(len(pain[0]), dtype=np.int64)
    for name, (baseline, follow_up) in (
        ("pain", pain),
        ("function", function),
        ("patient_global", patient_global),
    ):
        b, f = np.asarray(baseline, dtype=float), np.asarray(follow_up, dtype=float)
        if name != "patient_global":
            high |= _meets_many(b, f, t.oarsi_high_percent, t.oarsi_high_points)
        moderate += _meets_many(b, f, t.oarsi_moderate_percent, t.oarsi_moderate_points)
    return high | (moderate >= 2)


def threshold_names() -> list[str]:
    """The configurable threshold fields (for settings screens and exports)."""
    return [field.name for field in fields(Thresholds)]
