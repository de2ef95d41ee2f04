"""Helpers shared by the outcome views."""

from __future__ import annotations

from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import charts, selectors


def plan_charts(plan: TreatmentPlan) -> list[dict[str, object]]:
    """Rendered SVG charts (with their text description) for a plan's instruments."""
    rendered = []
    for code, points in selectors.score_series(plan=plan).items():
        chart = charts.chart_for(code, points)
        if chart is not None:
            rendered.append({"chart": chart, "svg": charts.svg(chart)})
    return rendered
