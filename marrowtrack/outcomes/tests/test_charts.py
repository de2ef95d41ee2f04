"""Charts: dates that mean something (day month year, the treatment day, the time point of each
point) and a scale that holds every possible value (the EQ-5D index goes below 0)."""

from __future__ import annotations

import re
from datetime import date

from marrowtrack.outcomes.charts import Point, chart_for, scale_domain, svg


def _texts(rendered: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", rendered)


def test_the_eq5d_index_scale_holds_the_worst_state_below_zero() -> None:
    chart = chart_for("EQ5D5L", [Point(date(2026, 1, 5), "baseline", -0.5)])
    assert chart is not None
    assert chart.spec["layer"][-1]["encoding"]["y"]["scale"]["domain"] == [-0.573, 1]
    assert "\u22120.4" in _texts(svg(chart))  # the axis goes below zero (minus sign as drawn)


def test_a_value_outside_the_usual_range_widens_the_scale_instead_of_being_cut_off() -> None:
    assert scale_domain("PROMIS_PI_4A", "t_score", [38.0, 75.6]) == (38.0, 80)
    assert scale_domain("KOOS", "pain", [50.0]) == (0, 100)
    assert scale_domain("NPRS", "total", [7.0]) == (0, 10)


def test_dates_read_as_day_month_year_with_the_treatment_day_and_time_points_named() -> None:
    points = [Point(date(2026, 1, 5), "baseline", 70), Point(date(2026, 4, 8), "3m", 40)]
    chart = chart_for("KOOS", points, treated_on=date(2026, 1, 8))
    assert chart is not None
    texts = _texts(svg(chart))
    assert "1 Feb 2026" in texts and "Date answered" in texts
    assert {"Treatment", "Baseline", "3 months"} <= set(texts)
    assert chart.title == "Knee questionnaire (KOOS): Pain (higher is better)"
