"""Dose-response: the line and its band against scipy's linregress on the same points, the
refusals, what is left out and why; the lab's registry selector through the real procedure
day; the page, its chart and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
import time_machine
from scipy.stats import linregress

from marrowtrack.analytics.dashboard import Filters
from marrowtrack.analytics.doseresponse import dose_response_compute
from marrowtrack.analytics.readmodel import PlanRow, Registry, ScoreRow
from marrowtrack.analytics.tests.registry import TODAY, plan_row, plan_with, score
from marrowtrack.lab.selectors import registry_lab_results
from marrowtrack.procedures.states import ProcedureState
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

TREATED = date(2025, 3, 1)


def _plan(i: int, treatment: str = "bmac") -> PlanRow:
    return plan_row(i, TREATED, treatment=treatment, age=61)


def _registry(n: int, *, seed: int = 5, no_lab: int = 0, unverified: int = 0, csi: int = 4):
    """n BMAC patients with NPRS at baseline and 6 months; a lab result for all but `no_lab`
    of them; `unverified` more whose 6-month answer awaits its second check; `csi` cortisone
    patients (never in a dose-response)."""
    rng = np.random.default_rng(seed)
    plans, scores, lab = {}, [], {}
    for i in range(n + unverified + csi):
        treatment = "csi" if i >= n + unverified else "bmac"
        plans[i] = _plan(i, treatment)
        cells = float(rng.uniform(0.4e9, 2.0e9))
        factor = float(rng.uniform(3, 9))
        gain = 1.0 + 0.9 * cells / 1e9 + 0.1 * factor + float(rng.normal(0, 1.2))
        scores.append(ScoreRow(i, "NPRS", "NPRS", "total", "baseline", 7.0, TREATED, ""))
        why = "unverified" if n <= i < n + unverified else ""
        scores.append(ScoreRow(i, "NPRS", "NPRS", "total", "6m", 7.0 - gain, TREATED, why))
        if i >= no_lab:
            lab[i] = {
                "tnc_delivered": cells,
                "concentration_factor": factor,
                "post_tnc_per_ul": 150000.0,
                "injected_ml": 8.0,
            }
    return Registry(date(2026, 6, 1), plans, scores, [], [], []), lab


def test_the_line_is_the_least_squares_line_of_the_points_against_scipy():
    registry, lab = _registry(40)
    result = dose_response_compute(registry, lab, Filters(condition="knee_oa"), timepoint="6m")
    cells, factor = result.fits
    assert result.harvest_plans == 40 and result.with_both_scores == 40
    for fit, key, divisor in ((cells, "tnc_delivered", 1e9), (factor, "concentration_factor", 1)):
        doses = [lab[i][key] / divisor for i in range(40)]
        gains = [7.0 - s.value for s in registry.scores if s.timepoint == "6m" and s.plan_id < 40]
        reference = linregress(doses, gains)
        assert fit.fit is not None and not fit.refused
        assert fit.fit.slope == pytest.approx(reference.slope, rel=1e-10)
        assert fit.fit.intercept == pytest.approx(reference.intercept, rel=1e-10)
        assert fit.fit.r_squared == pytest.approx(reference.rvalue**2, rel=1e-10)
        # The band spans the observed doses and holds the fitted line.
        assert fit.band[0][0] == pytest.approx(min(doses))
        assert fit.band[-1][0] == pytest.approx(max(doses))
        assert all(low < fitted < high for _dose, fitted, low, high in fit.band)


def test_below_the_minimum_the_line_is_refused_and_the_reason_given():
    registry, lab = _registry(19)
    result = dose_response_compute(registry, lab, Filters(condition="knee_oa"))
    for fit in result.fits:
        assert fit.fit is None and not fit.band
        assert fit.refused == [
            "Too few BMAC patients with both scores and a released lab result: 19 "
            "(at least 20 needed for a line that does not mislead)."
        ]
        assert len(fit.points) == 19  # the dots are still shown


def test_one_dose_for_everyone_is_refused():
    registry, lab = _registry(25)
    for value in lab.values():
        value["concentration_factor"] = 5.0
    result = dose_response_compute(registry, lab, Filters(condition="knee_oa"))
    assert result.fits[0].fit is not None
    assert result.fits[1].refused == [
        "Every patient had the same concentration factor (tnc): no line can be fitted."
    ]


def test_what_is_left_out_is_counted_and_named():
    registry, lab = _registry(30, no_lab=6, unverified=3)
    result = dose_response_compute(registry, lab, Filters(condition="knee_oa"))
    assert result.excluded == {"unverified": 3, "unvalidated wording": 0, "out of window": 0}
    assert result.with_both_scores == 30 and result.no_lab_result == 6
    assert [len(f.points) for f in result.fits] == [24, 24]
    assert [f.missing_dose for f in result.fits] == [6, 6]
    # Including excluded data puts the unverified answers back.
    included = dose_response_compute(
        registry, lab, Filters(condition="knee_oa", include_excluded=True)
    )
    assert included.with_both_scores == 33 and len(included.fits[0].points) == 27


@pytest.mark.django_db
def test_the_lab_selector_reads_the_released_run_and_every_injected_ml(patient, staff):
    plan = scenario.approved_plan(patient, by=staff["physician"])
    encounter = scenario.check_in(plan, staff["nurse"])
    scenario.walk_to(encounter, ProcedureState.INJECTED, staff, PASSWORD)
    run = encounter.run
    injected = sum((i.volume_ml for i in encounter.injections.all()), Decimal(0))
    found = registry_lab_results(clinic=patient.clinic)
    assert set(found) == {plan.id}
    dose = found[plan.id]
    assert dose["concentration_factor"] == pytest.approx(
        float(run.post_tnc_per_ul / run.pre_tnc_per_ul)
    )
    assert dose["injected_ml"] == pytest.approx(float(injected))
    assert dose["tnc_delivered"] == pytest.approx(float(run.post_tnc_per_ul * 1000 * injected))


@pytest.mark.django_db
def test_a_run_never_injected_is_not_a_dose(patient, staff):
    plan = scenario.approved_plan(patient, by=staff["physician"])
    encounter = scenario.check_in(plan, staff["nurse"])
    scenario.walk_to(encounter, ProcedureState.RELEASED, staff, PASSWORD)
    assert registry_lab_results(clinic=patient.clinic) == {}


@pytest.fixture
def on_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_the_page_refuses_small_groups_and_the_csv_carries_the_fit(clinic, staff, client_for):
    for value in (3, 4, 5):
        plan = plan_with(clinic, staff["physician"])
        score(plan, "baseline", 7)
        score(plan, "6m", value)
    client = client_for(staff["clinic_admin"])
    page = client.get("/analytics/dose/?condition=knee_oa&score=NPRS:total&timepoint=6m")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Too few BMAC patients with both scores and a released lab result: 0" in html
    assert "of them, 3 without a released lab result (left out)" in html
    assert "not assigned at random" in html
    fit = client.get("/analytics/dose.csv?condition=knee_oa&timepoint=6m&table=fit")
    rows = list(csv.DictReader(io.StringIO(fit.content.decode())))
    assert [r["measure"] for r in rows] == [
        "Total nucleated cells delivered",
        "Concentration factor (TNC)",
    ]
    assert {r["no_lab_result"] for r in rows} == {"3"} and {r["slope"] for r in rows} == {""}


@pytest.mark.django_db
def test_the_lab_and_outsiders_get_nothing(clinic, staff, outsider, client_for):
    assert client_for(staff["lab_tech"]).get("/analytics/dose/").status_code == 403
    html = client_for(outsider).get("/analytics/dose/?condition=knee_oa").content.decode()
    assert "BMAC patients matching the filters: 0" in html


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_with_enough_patients_the_page_draws_the_line_and_its_table(
    clinic, staff, client_for, monkeypatch
):
    """The lab's selector is tested above through a real procedure day; here its answer is
    given for 24 plans, so the page's chart, table and CSV can be read."""
    doses = {}
    for i in range(24):
        plan = plan_with(clinic, staff["physician"])
        score(plan, "baseline", 8)
        score(plan, "6m", 8 - (2 + i % 5))
        doses[plan.id] = {"tnc_delivered": (0.5 + i / 20) * 1e9, "concentration_factor": 3 + i}
    monkeypatch.setattr("marrowtrack.analytics.services.registry_lab_results", lambda clinic: doses)
    client = client_for(staff["physician"])
    html = client.get("/analytics/dose/?condition=knee_oa&timepoint=6m").content.decode()
    assert html.count("<svg") >= 2 and "No line:" not in html
    points = list(
        csv.DictReader(io.StringIO(client.get("/analytics/dose.csv?condition=knee_oa").text))
    )
    cells = [r for r in points if r["measure"].startswith("Total") and r["row"] == "patient"]
    assert len(cells) == 24
    reference = linregress(
        [float(r["dose"]) for r in cells], [float(r["improvement"]) for r in cells]
    )
    fit = list(
        csv.DictReader(
            io.StringIO(client.get("/analytics/dose.csv?condition=knee_oa&table=fit").text)
        )
    )
    assert float(fit[0]["slope"]) == pytest.approx(reference.slope, abs=1e-3)
    assert f"{float(fit[0]['slope']):g}"[:4] in html
