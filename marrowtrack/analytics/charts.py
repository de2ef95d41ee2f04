"""Dashboard charts: Vega-Lite specs rendered to SVG on the server by vl-convert (as the
outcomes charts are: they work under the strict CSP and in a PDF). Each chart's numbers are
in the table beside it and in the CSV."""

from __future__ import annotations

from typing import Any

from marrowtrack.analytics.dashboard import Dashboard
from marrowtrack.analytics.doseresponse import DoseFit
from marrowtrack.analytics.presenters import treatment_label

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# Treatment names are long ("Bone marrow concentrate (BMAC)"): never cut in the legend.
CONFIG = {"legend": {"labelLimit": 320}}


def survival_spec(board: Dashboard) -> dict[str, Any] | None:
    """Time to any re-intervention per treatment: the Kaplan-Meier step and its band."""
    values = []
    for t in board.treatments:
        curve = next(c for c in t.survival if c.kind == "")
        for s in curve.steps:
            values.append(
                {
                    "treatment": treatment_label(t.treatment),
                    "month": round(s.time / 30.4375, 2),
                    "survival": round(100 * s.survival, 2),
                    "low": None if s.low is None else round(100 * s.low, 2),
                    "high": None if s.high is None else round(100 * s.high, 2),
                }
            )
    if not values:
        return None
    x = {"field": "month", "type": "quantitative", "title": "Months after treatment"}
    colour = {"field": "treatment", "type": "nominal", "title": "Treatment"}
    return {
        "$schema": SCHEMA,
        "config": CONFIG,
        "width": 520,
        "height": 240,
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.2, "interpolate": "step-after"},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                    "color": colour,
                },
            },
            {
                "mark": {"type": "line", "interpolate": "step-after"},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "survival",
                        "type": "quantitative",
                        "title": "% without re-intervention",
                        "scale": {"domain": [0, 100]},
                    },
                    "color": colour,
                },
            },
        ],
    }


def change_spec(board: Dashboard) -> dict[str, Any] | None:
    """Mean improvement with its 95 % CI per time point and treatment."""
    values = [
        {
            "treatment": treatment_label(t.treatment),
            "timepoint": tp.label,
            "order": i,
            "mean": round(tp.mean.mean, 3),
            "low": round(tp.mean.low, 3),
            "high": round(tp.mean.high, 3),
        }
        for t in board.treatments
        for i, tp in enumerate(t.timepoints)
        if tp.mean.low is not None
    ]
    if not values:
        return None
    x = {
        "field": "timepoint",
        "type": "ordinal",
        "sort": {"field": "order"},
        "title": "Time after treatment",
        "axis": {"labelAngle": 0},
    }
    colour = {"field": "treatment", "type": "nominal", "title": "Treatment"}
    return {
        "$schema": SCHEMA,
        "config": CONFIG,
        "width": 520,
        "height": 240,
        "data": {"values": values},
        "layer": [
            {
                "mark": "rule",
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                    "color": colour,
                    "xOffset": {"field": "treatment"},
                },
            },
            {
                "mark": {"type": "point", "filled": True},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "mean",
                        "type": "quantitative",
                        "title": f"Mean improvement ({board.filters.instrument})",
                    },
                    "color": colour,
                    "xOffset": {"field": "treatment"},
                },
            },
        ],
    }


def _svg(spec: dict[str, Any] | None) -> str:
    if spec is None:
        return ""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec)


def survival_svg(board: Dashboard) -> str:
    return _svg(survival_spec(board))


def change_svg(board: Dashboard) -> str:
    return _svg(change_spec(board))


def dose_spec(fit: DoseFit, outcome: str) -> dict[str, Any] | None:
    """One dot per patient, the least-squares line and its 95 % confidence band."""
    if not fit.points:
        return None
    x_title = f"{fit.label} ({fit.unit})"
    x = {"field": "dose", "type": "quantitative", "title": x_title, "scale": {"zero": False}}
    layers: list[dict[str, Any]] = [
        {
            "data": {
                "values": [
                    {"dose": round(p.dose, 4), "improvement": round(p.improvement, 3)}
                    for p in fit.points
                ]
            },
            "mark": {"type": "point", "filled": True, "opacity": 0.45, "size": 30},
            "encoding": {
                "x": x,
                "y": {
                    "field": "improvement",
                    "type": "quantitative",
                    "title": f"Improvement from baseline ({outcome})",
                },
            },
        }
    ]
    if fit.fit is not None:
        band = [
            {"dose": round(d, 4), "fitted": round(m, 3), "low": round(lo, 3), "high": round(hi, 3)}
            for d, m, lo, hi in fit.band
        ]
        layers += [
            {
                "data": {"values": band},
                "mark": {"type": "area", "opacity": 0.25, "color": "#1f5f8b"},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                },
            },
            {
                "data": {"values": band},
                "mark": {"type": "line", "color": "#1f5f8b", "strokeWidth": 2},
                "encoding": {"x": x, "y": {"field": "fitted", "type": "quantitative"}},
            },
        ]
    return {"$schema": SCHEMA, "width": 420, "height": 240, "layer": layers}


def dose_svg(fit: DoseFit, outcome: str) -> str:
    return _svg(dose_spec(fit, outcome))


def change_png(board: Dashboard) -> bytes:
    """The change chart as a PNG for the PDF report: vl-convert draws its own text, so the
    labels fit (WeasyPrint would set an SVG's text in other fonts and cut the legend)."""
    spec = change_spec(board)
    if spec is None:
        return b""
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(spec, scale=2))
