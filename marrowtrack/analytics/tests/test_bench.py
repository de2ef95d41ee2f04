"""`marrowtrack bench analytics` prints the dashboard, full-scan and ratio lines."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from marrowtrack.analytics.tests.registry import plan_with, score

pytestmark = pytest.mark.django_db


def test_the_benchmark_prints_dashboard_full_scan_and_ratio(clinic, staff):
    plan = plan_with(clinic, staff["physician"])
    score(plan, "baseline", 7)
    score(plan, "3m", 4)
    out = io.StringIO()
    call_command("bench", "analytics", stdout=out)
    text = out.getvalue()
    assert "2 survey responses; 1 condition dashboards" in text
    assert re.search(r"^dashboard: \d+\.\d{3} s$", text, re.M)
    assert re.search(r"^full scan: \d+\.\d{3} s$", text, re.M)
    assert re.search(r"^ratio: \d+\.\d{2}$", text, re.M)
    assert re.search(
        r"^cpu of this process: dashboard \d+\.\d{3} s, full scan \d+\.\d{3} s$", text, re.M
    )
