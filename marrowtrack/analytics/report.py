"""The outcomes report of one clinic and period as a PDF (issue 14 item 5).

For every condition treated in the period: per treatment, the number treated; per time point
the follow-up (and loss to it), the mean improvement in pain (NPRS) with its 95 % CI, the
median (IQR) and the share reaching the meaningful change with its Wilson CI; adverse events
per 100 procedures; the share without a re-intervention at 12 months; and how many scores
were left out and why. The same numbers as the dashboard (one computation: `dashboard.py`),
its change chart drawn by the same Vega-Lite spec, rendered to PDF by WeasyPrint as every
other document of the product. When the dashboard's patient filters come along (physician,
sex, age band, severity) only the patients they admit count, and the report prints them.
Aggregates only: no patient is named, and a staff member only as the physician filter the
reader chose (the research view has no physician filter).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import date

from django.template.loader import render_to_string
from weasyprint import HTML

from marrowtrack.analytics import charts, presenters
from marrowtrack.analytics.dashboard import (
    Dashboard,
    Filters,
    TreatmentFigures,
    dashboard_compute,
)
from marrowtrack.analytics.readmodel import Registry

REPORT_TIMEPOINTS = ("6w", "3m", "6m", "12m")


@dataclass
class ConditionSection:
    condition: str
    label: str
    board: Dashboard
    rows: list[dict[str, object]]
    chart: str  # a data: URI of the PNG, or ""
    treatments: list[tuple[str, TreatmentFigures]]  # with the treatment's name


def _chart_uri(board: Dashboard) -> str:
    png = charts.change_png(board)
    if not png:
        return ""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def report_sections(registry: Registry, filters: Filters) -> list[ConditionSection]:
    """One section per condition with patients the filters admit (the filters' own
    condition is not read: the report covers every condition)."""
    sections = []
    conditions = sorted({p.condition for p in registry.plans.values()})
    for condition in conditions:
        board = dashboard_compute(registry, replace(filters, condition=condition))
        if not board.treatments:
            continue
        rows = [
            {**r, "treatment": presenters.treatment_label(str(r["treatment"]))}
            for r in presenters.dashboard_rows(board)
            if r["timepoint"] in REPORT_TIMEPOINTS
        ]
        named = [(presenters.treatment_label(t.treatment), t) for t in board.treatments]
        sections.append(
            ConditionSection(
                condition,
                presenters.condition_label(condition),
                board,
                rows,
                _chart_uri(board),
                named,
            )
        )
    return sections


def report_html(
    *,
    clinic_name: str,
    treated_from: date | None,
    treated_to: date | None,
    filters_in_force: str,
    made_on: date,
    sections: list[ConditionSection],
) -> str:
    return render_to_string(
        "analytics/report_print.html",
        {
            "clinic_name": clinic_name,
            "treated_from": treated_from,
            "treated_to": treated_to,
            "filters_in_force": filters_in_force,
            "made_on": made_on,
            "sections": sections,
        },
    )


def report_pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()
