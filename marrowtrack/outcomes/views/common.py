"""Helpers shared by the outcome views."""

from __future__ import annotations

from django import forms

from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import charts, selectors


def apply_errors(form: forms.Form, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, f"{field}: {error}")
    else:
        form.add_error(None, exc.message)


def plan_charts(plan: TreatmentPlan) -> list[dict[str, object]]:
    """Rendered SVG charts (with their text description) for a plan's instruments."""
    rendered = []
    for code, points in selectors.score_series(plan=plan).items():
        chart = charts.chart_for(code, points)
        if chart is not None:
            rendered.append({"chart": chart, "svg": charts.svg(chart)})
    return rendered
