"""Helpers shared by the outcome views."""

from __future__ import annotations

from django.http import HttpRequest

from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import charts, selectors


def include_unvalidated(request: HttpRequest) -> bool:
    """Figures leave out unvalidated wording unless the reader asks (?unvalidated=1)."""
    return request.GET.get("unvalidated") == "1"


def plan_charts(
    plan: TreatmentPlan, *, include_unvalidated: bool = False
) -> list[dict[str, object]]:
    """Rendered SVG charts (with their text description) for a plan's instruments."""
    rendered = []
    series = selectors.score_series(plan=plan, include_unvalidated=include_unvalidated)
    for code, points in series.items():
        chart = charts.chart_for(code, points, plan.treated_on)
        if chart is not None:
            rendered.append({"chart": chart, "svg": charts.svg(chart)})
    return rendered
