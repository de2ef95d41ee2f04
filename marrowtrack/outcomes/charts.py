"""Charts of a patient's scores over time with the meaningful-change band (server-side SVG).

Vega-Lite specs rendered to SVG by vl-convert on the server, so the chart works under the
strict CSP (no scripts) and is the same in the portal, the staff chart and a PDF. The band
is baseline +- the instrument's meaningful-change threshold (points; responders.py): a
follow-up outside the band on the better side is a meaningful improvement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marrowtrack.outcomes import responders
from marrowtrack.outcomes.catalogue import timepoint_label
from marrowtrack.outcomes.scoring import instrument

# (instrument, score key, axis maximum) charted for patients: one headline score each.
HEADLINE: dict[str, tuple[str, float]] = {
    "NPRS": ("total", 10),
    "KOOS": ("pain", 100),
    "KOOS_JR": ("total", 100),
    "WOMAC": ("total", 100),
    "ODI": ("total", 100),
    "QUICKDASH": ("total", 100),
    "SPADI": ("total", 100),
    "ASES": ("total", 100),
    "LEFS": ("total", 80),
    "PROMIS_PI_4A": ("t_score", 80),
    "EQ5D5L": ("index_us", 1),
}


@dataclass(frozen=True)
class Point:
    day: date
    timepoint: str | None
    value: float


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


def _title(code: str, key: str) -> str:
    definition = instrument(code).definition
    direction = "higher is better" if _higher_is_better(code, key) else "lower is better"
    return f"{definition.name}: {key.replace('_', ' ')} ({direction})"


def _higher_is_better(code: str, key: str) -> bool:
    keys = instrument(code).definition.score_keys
    return next(k.higher_is_better for k in keys if k.key == key)


def _spec(points: list[Point], band: tuple[float, float] | None, top: float) -> dict[str, Any]:
    values = [
        {"date": p.day.isoformat(), "score": p.value, "time point": timepoint_label(p.timepoint)}
        for p in points
    ]
    y = {"field": "score", "type": "quantitative", "title": "Score", "scale": {"domain": [0, top]}}
    layers: list[dict[str, Any]] = []
    if band:
        layers.append(
            {
                "mark": {"type": "rect", "color": "#2f6f4f", "opacity": 0.15},
                "encoding": {"y": {"datum": band[0]}, "y2": {"datum": band[1]}},
            }
        )
    layers.append(
        {
            "mark": {"type": "line", "point": {"size": 60}, "color": "#1d4e89"},
            "encoding": {
                "x": {"field": "date", "type": "temporal", "title": "Date answered"},
                "y": y,
            },
        }
    )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 320,
        "height": 160,
        "data": {"values": values},
        "layer": layers,
        "config": {"font": "sans-serif"},
    }


def chart_for(code: str, points: list[Point]) -> Chart | None:
    """The headline chart of one instrument, band around the first (baseline) score."""
    if code not in HEADLINE or not points:
        return None
    key, top = HEADLINE[code]
    threshold = _threshold(code, key)
    base = points[0].value if points[0].timepoint == "baseline" else None
    band = None
    if threshold is not None and base is not None:
        band = (max(0.0, base - threshold), min(top, base + threshold))
    description = _describe(code, key, points, band)
    return Chart(code, key, _title(code, key), description, points, band, _spec(points, band, top))


def _describe(code: str, key: str, points: list[Point], band: tuple[float, float] | None) -> str:
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
