"""Charts of a patient's scores over time with the meaningful-change band (server-side SVG).

Vega-Lite specs rendered to SVG by vl-convert on the server, so the chart works under the
strict CSP (no scripts) and is the same in the portal, the staff chart and a PDF. The x axis
shows real dates (day, month, year) with the treatment day marked and each point named by its
time point; the y axis spans the score's whole possible range (the EQ-5D index goes below 0),
so every value fits. The band is baseline +- the instrument's meaningful-change threshold
(points; responders.py): a follow-up outside it on the better side is a meaningful change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marrowtrack.outcomes import responders
from marrowtrack.outcomes.catalogue import timepoint_label
from marrowtrack.outcomes.scoring import instrument

# (score key) charted for each instrument: one headline score each.
HEADLINE: dict[str, tuple[str]] = {
    "NPRS": ("total",),
    "KOOS": ("pain",),
    "KOOS_JR": ("total",),
    "HOOS": ("pain",),
    "HOOS_JR": ("total",),
    "WOMAC": ("total",),
    "ODI": ("total",),
    "QUICKDASH": ("total",),
    "SPADI": ("total",),
    "ASES": ("total",),
    "LEFS": ("total",),
    "PROMIS_PI_4A": ("t_score",),
    "EQ5D5L": ("index_us",),
    "PGA": ("total",),
}
DATE_FORMAT = "%-d %b %Y"


@dataclass(frozen=True)
class Point:
    day: date
    timepoint: str | None
    value: float
    validated: bool = True  # answered on validated (licensed) wording

    @property
    def when(self) -> str:
        return timepoint_label(self.timepoint)


@dataclass(frozen=True)
class Chart:
    instrument: str
    score_key: str
    title: str
    description: str
    points: list[Point]
    band: tuple[float, float] | None
    spec: dict[str, Any]


def _threshold(code: str, key: str) -> float | None:
    try:
        rule = responders.rule_for(code, key)
    except responders.NoRuleError:
        return None
    return float(getattr(responders.DEFAULT_THRESHOLDS, rule.points))


def _score_key(code: str, key: str):  # noqa: ANN202 - ScoreKey
    found = instrument(code).definition.score_key(key)
    assert found is not None, (code, key)
    return found


def _title(code: str, key: str) -> str:
    definition = instrument(code).definition
    score_key = _score_key(code, key)
    direction = "higher is better" if score_key.higher_is_better else "lower is better"
    name = definition.plain_name or definition.name
    words = "" if len(definition.score_keys) == 1 else f": {score_key.words}"
    return f"{name}{words} ({direction})"


def scale_domain(code: str, key: str, values: list[float]) -> tuple[float, float]:
    """The score's whole possible range, widened if a value falls outside it."""
    score_key = _score_key(code, key)
    return min(score_key.low, *values), max(score_key.high, *values)


def _spec(
    points: list[Point],
    band: tuple[float, float] | None,
    domain: tuple[float, float],
    treated_on: date | None,
) -> dict[str, Any]:
    values = [
        {"date": p.day.isoformat(), "score": p.value, "when": timepoint_label(p.timepoint)}
        for p in points
    ]
    # Calendar days, drawn in UTC so a date never moves by the renderer's own time zone.
    x = {
        "field": "date",
        "type": "temporal",
        "timeUnit": "utcyearmonthdate",
        "title": "Date answered",
        "axis": {"format": DATE_FORMAT, "labelAngle": -30, "tickCount": 4},
    }
    y = {
        "field": "score",
        "type": "quantitative",
        "title": "Score",
        "scale": {"domain": list(domain), "nice": False},
    }
    layers: list[dict[str, Any]] = []
    if band:
        layers.append(
            {
                "mark": {"type": "rect", "color": "#2f6f4f", "opacity": 0.15},
                "encoding": {"y": {"datum": band[0]}, "y2": {"datum": band[1]}},
            }
        )
    if treated_on is not None:
        layers.append(_treatment_rule(treated_on, x))
    layers.append(
        {
            "mark": {"type": "line", "point": {"size": 60}, "color": "#1d4e89"},
            "encoding": {"x": x, "y": y},
        }
    )
    layers.append(
        {
            "mark": {"type": "text", "dy": -10, "fontSize": 10, "color": "#333"},
            "encoding": {"x": x, "y": y, "text": {"field": "when"}},
        }
    )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 320,
        "height": 180,
        "data": {"values": values},
        "layer": layers,
        "config": {"font": "sans-serif"},
    }


def _treatment_rule(treated_on: date, x: dict[str, Any]) -> dict[str, Any]:
    """A dashed line on the treatment day, sharing the date axis (and its format)."""
    return {
        "data": {"values": [{"date": treated_on.isoformat(), "label": "Treatment"}]},
        "layer": [
            {
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#8a5a00"},
                "encoding": {"x": x},
            },
            {
                "mark": {
                    "type": "text",
                    "align": "left",
                    "dx": 3,
                    "y": 8,
                    "fontSize": 10,
                    "color": "#8a5a00",
                },
                "encoding": {"x": x, "text": {"field": "label"}},
            },
        ],
    }


def chart_for(code: str, points: list[Point], treated_on: date | None = None) -> Chart | None:
    """The headline chart of one instrument, band around the first (baseline) score."""
    if code not in HEADLINE or not points:
        return None
    (key,) = HEADLINE[code]
    score_key = _score_key(code, key)
    threshold = _threshold(code, key)
    base = points[0].value if points[0].timepoint == "baseline" else None
    band = None
    if threshold is not None and base is not None:
        band = (max(score_key.low, base - threshold), min(score_key.high, base + threshold))
    domain = scale_domain(code, key, [p.value for p in points])
    description = _describe(points, band)
    spec = _spec(points, band, domain, treated_on)
    return Chart(code, key, _title(code, key), description, points, band, spec)


def _describe(points: list[Point], band: tuple[float, float] | None) -> str:
    parts = [f"{timepoint_label(p.timepoint)} {p.day:%d %b %Y}: {p.value:g}" for p in points]
    text = "; ".join(parts)
    if band:
        text += (
            f". Shaded band: within {band[0]:g} to {band[1]:g}, no meaningful change from baseline."
        )
    return text


def svg(chart: Chart) -> str:
    """The chart rendered to an SVG string (no scripts, no inline styles)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.spec)
